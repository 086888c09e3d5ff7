package handoff

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"oncall/internal/config"
	"oncall/internal/handoff"
	"oncall/tui/kit"
	"oncall/tui/tuitest"
	"oncall/tui/tuitest/fixture"
)

// The preview is handoff.PreviewMarkdown: lists that glamour wraps
// between words. At 100 columns and more no word of it is cut: every
// word of the Markdown's text is found whole in the rendering, and
// nothing is truncated with "…". Exports keep Markdown's tables.
func TestPreviewFitsWithoutCuttingWords(t *testing.T) {
	sum := handoffFixture(t)
	src := handoff.PreviewMarkdown(sum)
	word := regexp.MustCompile(`[\p{L}\p{N}][\p{L}\p{N}\x{2011}:.%#_/=-]*[\p{L}\p{N}]`)
	for _, w := range []int{100, 120, 160} {
		d := start(t, tuitest.Setup{Width: w, Height: 48, Dark: true}, Options{})
		s := showHandoff(t, d, sum)
		text := kit.Strip(strings.Join(s.rendered, "\n"))
		if strings.Contains(text, "…") {
			t.Errorf("%d columns: the preview truncates:\n%s", w, text)
		}
		flat := " " + strings.Join(strings.Fields(text), " ") + " "
		for _, wd := range word.FindAllString(src, -1) {
			if len([]rune(wd)) < w-4 && !strings.Contains(flat, wd) {
				t.Errorf("%d columns: %q is not whole in the preview", w, wd)
			}
		}
		if strings.Contains(text, "| ---") || !strings.Contains(s.md, "| ---") {
			t.Errorf("%d columns: the preview should have no table, the export should", w)
		}
	}
}

// The handoff preview's golden frames as a NO_COLOR terminal gets them.
func TestHandoffNoColorGolden(t *testing.T) {
	sum := handoffFixture(t)
	for _, sz := range fixture.Sizes() {
		n := strings.Replace(fixture.Name("handoff", sz.W, sz.H, true), "-dark", "-nocolor", 1)
		t.Run(n, func(t *testing.T) {
			d := start(t, tuitest.Setup{Width: sz.W, Height: sz.H, Dark: true}, Options{})
			showHandoff(t, d, sum)
			d.Send(tea.ColorProfileMsg{Profile: colorprofile.ASCII})
			var b strings.Builder
			cw := &colorprofile.Writer{Forward: &b, Profile: colorprofile.ASCII}
			if _, err := cw.WriteString(d.Render()); err != nil {
				t.Fatal(err)
			}
			fixture.Frame(t, n, b.String(), sz.W, sz.H)
		})
	}
}

// p posts in the webhook's format: Slack mrkdwn (lists, *bold*, no
// link previews) or Markdown (tables) as [shift] webhook_format says,
// the confirmation naming it; the config's secrets never leave.
func TestHandoffPostsInTheWebhooksFormat(t *testing.T) {
	var mu sync.Mutex
	var bodies []map[string]any
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var v map[string]any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Errorf("posted %q: %v", b, err)
		}
		mu.Lock()
		bodies = append(bodies, v)
		mu.Unlock()
		_, _ = io.WriteString(w, "ok")
	}))
	defer hook.Close()
	for _, c := range []struct {
		format, dialog, has, hasNot string
		unfurl                      bool
	}{
		{"slack", "as Slack mrkdwn", "*Shift handoff · prod*", "| ---", true},
		{"markdown", "as Markdown", "# Shift handoff · prod", "*Shift handoff", false},
	} {
		cfg := tuitest.Config()
		cfg.Contexts["prod"] = &config.Context{Prometheus: config.Prometheus{URL: "http://prom:9090"}}
		cfg.Contexts["prod"].Prometheus.BearerToken = "tok-s3cr3t-42"
		d := start(t, tuitest.Setup{Config: cfg, Dark: true}, Options{Webhook: hook.URL + "/hooks/T0/B0/x"})
		cfg.Shift.WebhookFormat = c.format // start sets the shift
		sum := handoffFixture(t)
		sum.Notes[0].Text += " (token tok-s3cr3t-42)"
		showHandoff(t, d, sum)
		d.Press("p")
		if !strings.Contains(d.Screen(), "Post this handoff "+c.dialog+" to the configured webhook?") {
			t.Fatalf("%s: the confirmation:\n%s", c.format, d.Screen())
		}
		n := len(bodies)
		d.Press("y").UntilScreen("handoff posted to the webhook")
		mu.Lock()
		if len(bodies) != n+1 {
			mu.Unlock()
			t.Fatalf("%s: %d posts", c.format, len(bodies)-n)
		}
		body := bodies[n]
		mu.Unlock()
		text, _ := body["text"].(string)
		if !strings.Contains(text, c.has) || strings.Contains(text, c.hasNot) || strings.Contains(text, "tok-s3cr3t-42") || !strings.Contains(text, "redacted") {
			t.Errorf("%s: posted text:\n%s", c.format, text)
		}
		if _, ok := body["unfurl_links"]; ok != c.unfurl {
			t.Errorf("%s: unfurl_links present %v", c.format, ok)
		}
	}
}
