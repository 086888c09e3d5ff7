package handoff

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// fixtureSummary is the fixture's handoff, with the ALERTS history from a
// fake that evaluates like Prometheus (the real one gives the same: see
// TestFixtureMatchesRealPrometheusGolden).
func fixtureSummary(t *testing.T) *Summary {
	t.Helper()
	s, err := Collect(context.Background(), Sources{Alertmanager: amFixture(), Prometheus: promFixture(), Journal: journalFixture(t), Budgets: &fakeBudgets{}},
		Options{Context: "prod", User: "alice@bastion", Shift: shift, Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The fake Prometheus gives the summary the real one gives (the golden of
// TestGoldenAgainstRealPrometheus), so the tests below use the real data.
func TestFixtureMatchesRealPrometheusGolden(t *testing.T) {
	golden(t, "handoff.md.golden", []byte(Markdown(fixtureSummary(t))))
}

// received is what a webhook got.
type received struct {
	path, ctype string
	body        []byte
}

func webhook(t *testing.T, got *received) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			t.Error(err)
		}
		got.path, got.ctype, got.body = r.URL.Path, r.Header.Get("Content-Type"), b
		io.WriteString(w, "ok")
	}))
	t.Cleanup(srv.Close)
	return srv
}

func indent(t *testing.T, b []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		t.Fatalf("posted body is not JSON: %v: %s", err, b)
	}
	out.WriteByte('\n')
	return out.Bytes()
}

// Each format is posted to a webhook server; the JSON it receives is the
// golden file (indented for review; json.Indent changes no value).
func TestPostSummaryGoldenPerFormat(t *testing.T) {
	s := fixtureSummary(t)
	for _, f := range []Format{FormatSlack, FormatMarkdown} {
		t.Run(string(f), func(t *testing.T) {
			var got received
			srv := webhook(t, &got)
			if err := PostSummary(context.Background(), srv.Client(), srv.URL+secretPath, s, f); err != nil {
				t.Fatal(err)
			}
			if got.path != secretPath || got.ctype != "application/json" {
				t.Fatalf("posted to %q as %q", got.path, got.ctype)
			}
			golden(t, "post."+string(f)+".json.golden", indent(t, got.body))
			var msg struct {
				Text        string `json:"text"`
				UnfurlLinks *bool  `json:"unfurl_links"`
				UnfurlMedia *bool  `json:"unfurl_media"`
			}
			if err := json.Unmarshal(got.body, &msg); err != nil {
				t.Fatal(err)
			}
			if msg.Text != Message(s, f) {
				t.Error("posted text is not Message(s, f)")
			}
			switch f {
			case FormatSlack:
				if msg.UnfurlLinks == nil || *msg.UnfurlLinks || msg.UnfurlMedia == nil || *msg.UnfurlMedia {
					t.Errorf("unfurl_links %v, unfurl_media %v: want both false", msg.UnfurlLinks, msg.UnfurlMedia)
				}
				for _, raw := range []string{"**", "## ", "| --- |", "~~", "[runbook]("} {
					if strings.Contains(msg.Text, raw) {
						t.Errorf("Slack text holds Markdown %q", raw)
					}
				}
				for _, want := range []string{"*Shift handoff · prod*", "\n• *HighErrorRate*: 37.2% of requests fail\n", "labels: `service=conectcrm-backend`",
					"<https://runbooks.example.com/crm/high-error-rate?from=%28now%29&amp;tab=x%7Cy%3Ez|runbook>", "~04:00 · alice@bastion"} {
					if !strings.Contains(msg.Text, want) {
						t.Errorf("Slack text lacks %q", want)
					}
				}
			case FormatMarkdown:
				if msg.UnfurlLinks != nil || msg.UnfurlMedia != nil {
					t.Error("Markdown payload carries Slack's unfurl fields")
				}
				if !strings.Contains(msg.Text, "| Alert | Labels | Since |") || !strings.Contains(msg.Text, "## Firing now") {
					t.Error("Markdown text lost its tables or headings")
				}
			}
		})
	}
	golden(t, "handoff.slack.golden", []byte(Slack(s)))
}

// Slack's control characters in user text never reach Slack raw: the only
// <…> in the message is oncall's own runbook link, and formatting
// characters from comments are look-alikes.
func TestSlackEscapesUserText(t *testing.T) {
	text := Message(fixtureSummary(t), FormatSlack)
	links := regexp.MustCompile(`<https://runbooks\.example\.com/[^<>|]*\|runbook>`)
	rest := links.ReplaceAllString(text, "")
	if strings.ContainsAny(rest, "<>") {
		t.Errorf("raw < or > outside oncall's own link:\n%s", rest)
	}
	for _, want := range []string{
		"&lt;!channel&gt;",                         // a comment's mention
		"∗do not∗ ˋtouchˋ",                         // its bold and code
		"&lt;script&gt;alert(1)&lt;/script&gt;",    // a note's HTML
		"`alertname=\"DatabaseConnectionsHigh\"`",  // a matcher as code
		"ask the DBA about slow queries | ∗check∗", // a note's pipe is harmless in mrkdwn
	} {
		if !strings.Contains(text, want) {
			t.Errorf("Slack text lacks %q", want)
		}
	}
	for in, want := range map[string]string{
		"a & b <@U123> *x* _y_ ~z~ `c` snake_case": "a &amp; b &lt;@U123&gt; ∗x∗ ˍyˍ ∼z∼ ˋcˋ snake_case",
		"":           "-",
		"line\nnext": "line next",
	} {
		if got := SlackEsc(in, 0); got != want {
			t.Errorf("SlackEsc(%q) = %q, want %q", in, got, want)
		}
	}
	if got := SlackCode("job=~\"a.*\" `x` <y> & z", 0); got != "`job=~\"a.*\" ˋxˋ &lt;y&gt; &amp; z`" {
		t.Errorf("SlackCode = %s", got)
	}
}

// A note quoting the webhook (or a config secret) is scrubbed from the
// post; the error of a failed post never shows it either (export_test.go).
func TestPostSummaryScrubsSecrets(t *testing.T) {
	s := fixtureSummary(t)
	var got received
	srv := webhook(t, &got)
	hook := srv.URL + secretPath
	s.Notes = append(s.Notes, Note{ID: "leak", By: "bob", At: fixedNow, Text: "posting to " + hook + " with token s3cr3t-tok_en*"})
	for _, f := range []Format{FormatSlack, FormatMarkdown} {
		if err := PostSummary(context.Background(), srv.Client(), hook, s, f, "s3cr3t-tok_en*"); err != nil {
			t.Fatal(err)
		}
		body := string(got.body)
		for _, secret := range []string{"XyZsecretTOKEN123", "s3cr3t", "tok_en", "tokˍen", srv.URL} {
			if strings.Contains(body, secret) {
				t.Errorf("%s: the post shows %q", f, secret)
			}
		}
		want := map[Format]string{FormatSlack: "posting to [redacted] with token [redacted]", FormatMarkdown: `posting to \\[redacted\\] with token \\[redacted\\]`}[f]
		if !strings.Contains(body, want) {
			t.Errorf("%s: the note was not kept with the secrets redacted (%s): %s", f, want, body)
		}
	}
	if strings.Contains(s.Notes[len(s.Notes)-1].Text, "[redacted]") {
		t.Error("scrubbing changed the caller's summary")
	}
}

func TestWebhookFormat(t *testing.T) {
	for _, c := range []struct {
		configured, hook string
		want             Format
	}{
		{"", "https://hooks.slack.com/services/T0/B0/x", FormatSlack},
		{"", "https://HOOKS.SLACK.COM:443/services/T0/B0/x", FormatSlack},
		{"", "https://hooks.slack-gov.com/services/T0/B0/x", FormatSlack},
		{"", "https://mattermost.example.com/hooks/abc", FormatMarkdown},
		{"", "https://hooks.slack.com.evil.example/services/x", FormatMarkdown},
		{"", "::not a url", FormatMarkdown},
		{"markdown", "https://hooks.slack.com/services/T0/B0/x", FormatMarkdown},
		{" Slack ", "https://chat.example.com/hooks/abc", FormatSlack},
	} {
		got, err := WebhookFormat(c.configured, c.hook)
		if err != nil || got != c.want {
			t.Errorf("WebhookFormat(%q, %q) = %q, %v; want %q", c.configured, c.hook, got, err, c.want)
		}
	}
	_, err := WebhookFormat("blocks", "https://hooks.slack.com/services/T0/B0/XyZsecretTOKEN123")
	if err == nil || err.Error() != `webhook format must be slack or markdown, got "blocks"` {
		t.Errorf("err = %v", err)
	}
}

// An over-long message is cut after a whole line, never inside a
// character, and says how much was left out.
func TestCutAtLineBoundary(t *testing.T) {
	line := strings.Repeat("é", 30) + " 🚨 ünïcödé\n" // 43 runes, 80 bytes
	text := strings.Repeat(line, 1000)
	got, ok := cut(text, 1000)
	if ok {
		t.Fatal("not cut")
	}
	if !utf8.ValidString(got) || utf8.RuneCountInString(got) > 1000 {
		t.Fatalf("cut text: valid %v, %d runes", utf8.ValidString(got), utf8.RuneCountInString(got))
	}
	body, note, found := strings.Cut(got, "\n\n… (cut here: ")
	if !found {
		t.Fatalf("no note: %q", got[len(got)-200:])
	}
	kept := strings.Count(body, "\n") + 1
	if body != strings.TrimRight(strings.Repeat(line, kept), "\n") {
		t.Fatal("the kept text is not whole lines")
	}
	if !strings.HasPrefix(note, itoa(1000-kept)+" more lines did not fit in one message") {
		t.Errorf("note %q, want %d lines left out", note, 1000-kept)
	}
	// One line too long to cut between lines: cut inside it, at a rune.
	long := strings.Repeat("ü", 5000)
	got, _ = cut(long, 1000)
	if !utf8.ValidString(got) || !strings.HasPrefix(got, strings.Repeat("ü", 800)) || !strings.Contains(got, "1 more line did not fit") {
		t.Errorf("long line cut to %q…", got[:40])
	}
	// Text that fits is untouched.
	if got, ok := cut(line, 1000); !ok || got != line {
		t.Error("short text changed")
	}
	// Slack's and Markdown's limits, through the payload.
	s := fixtureSummary(t)
	for i := range 3000 {
		s.Notes = append(s.Notes, Note{ID: itoa(i), By: "bob", At: fixedNow, Text: strings.Repeat("ö", 20)})
	}
	for f, max := range map[Format]int{FormatSlack: maxSlackText, FormatMarkdown: maxMarkdownText} {
		m := Message(s, f)
		if n := utf8.RuneCountInString(m); n > max || n < max-400 || !strings.Contains(m, "more lines did not fit in one message") {
			t.Errorf("%s: %d runes (limit %d), note present: %v", f, n, max, strings.Contains(m, "did not fit"))
		}
	}
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}
