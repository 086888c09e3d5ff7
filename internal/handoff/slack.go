package handoff

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"

	"oncall/internal/httpx"
)

// Format is what a handoff is posted to a webhook as.
type Format string

// Formats: Slack mrkdwn, or GitHub Markdown (tables) for Mattermost and
// other Slack-compatible webhooks.
const (
	FormatSlack    Format = "slack"
	FormatMarkdown Format = "markdown"
)

// Message limits, in characters (runes). Slack cuts a message's text at
// 40,000 characters; Mattermost (5.0 and later) takes posts of up to 16,383.
const (
	maxSlackText    = 39000
	maxMarkdownText = 16000
)

// WebhookFormat resolves [shift] webhook_format for a webhook: "slack" or
// "markdown" as configured; empty means slack when the webhook's host is
// Slack's (hooks.slack.com, or GovSlack's hooks.slack-gov.com) and
// markdown otherwise. Any other value is an error naming it (never the
// webhook, a secret).
func WebhookFormat(configured, webhook string) (Format, error) {
	switch Format(strings.ToLower(strings.TrimSpace(configured))) {
	case FormatSlack:
		return FormatSlack, nil
	case FormatMarkdown:
		return FormatMarkdown, nil
	case "":
	default:
		return "", fmt.Errorf("webhook format must be slack or markdown, got %q", configured)
	}
	u, err := url.Parse(strings.TrimSpace(webhook))
	if err != nil {
		return FormatMarkdown, nil
	}
	switch strings.ToLower(u.Hostname()) {
	case "hooks.slack.com", "hooks.slack-gov.com":
		return FormatSlack, nil
	}
	return FormatMarkdown, nil
}

// slackDialect writes Slack mrkdwn: *bold*, ~strike~, bullets (mrkdwn has
// no tables or headings), <url|text> links, identifiers as `code`, and
// every untrusted string through SlackEsc or SlackCode.
func slackDialect() dialect {
	return dialect{
		text:   SlackEsc,
		ident:  SlackCode,
		own:    func(s string) string { return s },
		bold:   func(s string) string { return "*" + s + "*" },
		strike: func(s string) string { return "~" + s + "~" },
		h1:     func(s string) string { return "*" + s + "*" },
		h2:     func(s string) string { return "*" + s + "*" },
		h3:     func(s string) string { return "_" + s + "_" },
		link: func(u *url.URL, label string) string {
			return "<" + strings.ReplaceAll(safeURL(u), "&", "&amp;") + "|" + SlackEsc(label, 80) + ">"
		},
		item: "• ",
		sub:  "      ◦ ",
		task: "☐ ",
	}
}

// Slack renders the summary as Slack mrkdwn: the same sections as
// Markdown, as bulleted lists.
func Slack(s *Summary) string { return writeList(s, slackDialect()) }

// Message is the text posted for s in format f (Slack mrkdwn or
// Markdown), cut at a line boundary to what one message may hold, with
// every secret scrubbed from it.
func Message(s *Summary, f Format, secrets ...string) string {
	if len(secrets) > 0 {
		s = scrubSummary(s, secrets)
	}
	if f == FormatSlack {
		t, _ := cut(Slack(s), maxSlackText)
		return t
	}
	t, _ := cut(Markdown(s), maxMarkdownText)
	return t
}

// Payload is the JSON body posted for s in format f: {"text": Message},
// and for Slack "unfurl_links" and "unfurl_media" false, so that URLs in
// notes and comments get no previews.
func Payload(s *Summary, f Format, secrets ...string) ([]byte, error) {
	return payload(Message(s, f, secrets...), f)
}

func payload(text string, f Format) ([]byte, error) {
	var v any = struct {
		Text string `json:"text"`
	}{text}
	if f == FormatSlack {
		v = struct {
			Text        string `json:"text"`
			UnfurlLinks bool   `json:"unfurl_links"`
			UnfurlMedia bool   `json:"unfurl_media"`
		}{Text: text}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("posting the handoff: %v", err)
	}
	return b, nil
}

// PostSummary posts s to an incoming webhook in format f (see WebhookFormat
// and Payload). The webhook URL, its parts and the other secrets given (the
// config's, see config.Secrets) are scrubbed from the text, in case a note
// or a comment quotes one; errors never show them either (see Post).
func PostSummary(ctx context.Context, client *http.Client, webhook string, s *Summary, f Format, secrets ...string) error {
	if u, err := url.Parse(strings.TrimSpace(webhook)); err == nil {
		secrets = append(urlSecrets(u), secrets...)
	}
	body, err := Payload(s, f, secrets...)
	if err != nil {
		return err
	}
	return post(ctx, client, webhook, body)
}

// scrubSummary is a deep copy of s with every secret in every string
// (fields, labels, lists) replaced by [redacted].
func scrubSummary(s *Summary, secrets []string) *Summary {
	var keep []string
	for _, sec := range secrets {
		if len(sec) >= 4 {
			keep = append(keep, sec)
		}
	}
	fn := func(v string) string { return httpx.Scrub(v, keep) }
	out := scrubValue(reflect.ValueOf(s), fn).Interface().(*Summary)
	return out
}

// scrubValue returns a deep copy of v with fn applied to every string:
// struct fields, slice and array elements, map keys and values, through
// pointers. Times are copied as they are.
func scrubValue(v reflect.Value, fn func(string) string) reflect.Value {
	switch v.Kind() {
	case reflect.String:
		return reflect.ValueOf(fn(v.String())).Convert(v.Type())
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		p := reflect.New(v.Type().Elem())
		p.Elem().Set(scrubValue(v.Elem(), fn))
		return p
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		out := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := range v.Len() {
			out.Index(i).Set(scrubValue(v.Index(i), fn))
		}
		return out
	case reflect.Map:
		if v.IsNil() {
			return v
		}
		out := reflect.MakeMapWithSize(v.Type(), v.Len())
		for it := v.MapRange(); it.Next(); {
			out.SetMapIndex(scrubValue(it.Key(), fn), scrubValue(it.Value(), fn))
		}
		return out
	case reflect.Struct:
		out := reflect.New(v.Type()).Elem()
		out.Set(v)
		if v.Type() == reflect.TypeFor[time.Time]() {
			return out
		}
		for i := range v.NumField() {
			if out.Field(i).CanSet() {
				out.Field(i).Set(scrubValue(v.Field(i), fn))
			}
		}
		return out
	}
	return v
}

// cut returns text that fits in max runes: text itself, or its first lines
// (cut at a line boundary, never inside a character; inside one line only
// when a single line is too long) followed by a note of how many lines were
// left out. ok is false when it was cut.
func cut(text string, max int) (string, bool) {
	if utf8.RuneCountInString(text) <= max {
		return text, true
	}
	const room = 200 // for the note
	end, n := 0, 0
	for i := range text {
		if n == max-room {
			end = i
			break
		}
		n++
	}
	at := strings.LastIndexByte(text[:end], '\n') + 1
	if at == 0 {
		at = end
	}
	rest := strings.TrimRight(text[at:], "\n")
	left := strings.Count(rest, "\n") + 1
	line := "lines"
	if left == 1 {
		line = "line"
	}
	return strings.TrimRight(text[:at], "\n") + fmt.Sprintf("\n\n… (cut here: %d more %s did not fit in one message; `oncall handoff` prints the whole handoff)\n", left, line), false
}
