package runbook

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"oncall/runbooks"
	"oncall/tui/kit"
	"oncall/tui/tuitest"
	"oncall/tui/tuitest/fixture"
)

func TestRunbookOpensRendersAndShowsOrigin(t *testing.T) {
	d, s := newDriver(t, 100, 30, true, Options{})
	openAPIDown(t, d, s)
	if s.rb.Source != runbooks.SourceURL || s.rb.Title != "APIDown" {
		t.Fatalf("found %s %q, want the runbook_url section", s.rb.Source, s.rb.Title)
	}
	if len(s.rb.Blocks) != 4 || len(s.view.blocks) != 4 {
		t.Fatalf("blocks: %d in the runbook, %d laid out", len(s.rb.Blocks), len(s.view.blocks))
	}
	// Each block's rendered span holds its own code, in order: the
	// runnable ones filled in for the alert, the shell block as written.
	for i, want := range []string{`up{job="conectcrm-backend",instance="backend-1:3001"}`, "sum by (code)", `{service_name="conectcrm-backend"}`, "kubectl -n crm rollout restart"} {
		contains(t, "block span", blockText(s, i), want)
	}
	// t shows the templates instead, and again the filled queries.
	d.Press("t").Until("the templates", func() bool { return strings.Contains(blockText(s, 0), `up{job="{{ .Labels.job }}"`) })
	contains(t, "template", blockText(s, 2), `{service_name="{{ .Labels.service }}"}`)
	d.Press("t").Until("the filled queries", func() bool { return strings.Contains(blockText(s, 0), `up{job="conectcrm-backend"`) })
	out := d.Screen()
	contains(t, "screen", out, "APIDown", "source: runbook_url testdata/runbooks/RUNBOOKS.md#apidown",
		"escalation: unacked for 12m; escalate to L2 at 15m", "promql", "Which targets are down?")
	// glamour renders the link as an OSC 8 hyperlink
	if !strings.Contains(strings.Join(s.view.lines, "\n"), "\x1b]8;") {
		t.Error("the dashboard link is not an OSC 8 hyperlink")
	}
}

func TestRunbookScrollHeadingsAndSearch(t *testing.T) {
	d, s := newDriver(t, 80, 16, false, Options{})
	openAPIDown(t, d, s)
	total := len(s.view.lines)
	_, bodyH := d.M.BodySize()
	h := s.bodyHeight(bodyH)
	if total <= h {
		t.Fatalf("need a runbook longer than the screen (%d lines, %d shown)", total, h)
	}
	d.Press("j", "j")
	if s.offset != 2 {
		t.Errorf("j j: offset %d, want 2", s.offset)
	}
	d.Press("k")
	if s.offset != 1 {
		t.Errorf("k: offset %d, want 1", s.offset)
	}
	d.Press("G")
	if s.offset != total-h {
		t.Errorf("G: offset %d, want %d", s.offset, total-h)
	}
	d.Press("pgup")
	if s.offset != total-h-(h-1) && s.offset != 0 {
		t.Errorf("pgup: offset %d", s.offset)
	}
	d.Press("g")
	if s.offset != 0 {
		t.Errorf("g: offset %d", s.offset)
	}
	d.Press("pgdown")
	if s.offset != h-1 {
		t.Errorf("pgdown: offset %d, want %d", s.offset, h-1)
	}

	// ] and [ jump between headings: each lands on a heading line in view.
	d.Press("g")
	var seen []string
	for i := 0; i < 6; i++ {
		before := s.mark
		d.Press("]")
		if s.mark == before {
			break
		}
		if s.mark < s.offset || s.mark >= s.offset+h {
			t.Errorf("heading line %d is out of view (offset %d)", s.mark, s.offset)
		}
		seen = append(seen, strings.TrimSpace(s.view.plain[s.mark]))
	}
	if len(seen) != 2 || !strings.Contains(seen[0], "Resolution") || !strings.Contains(seen[1], "Escalation") {
		t.Errorf("] visited %q, want Resolution then Escalation", seen)
	}
	contains(t, "marked heading", d.Screen(), "› ")
	d.Press("[")
	if !strings.Contains(s.view.plain[s.mark], "Resolution") {
		t.Errorf("[ went to %q", s.view.plain[s.mark])
	}
	d.Press("[")
	if !strings.Contains(s.view.plain[s.mark], "APIDown") || s.offset != 0 {
		t.Errorf("[ again went to %q (offset %d)", s.view.plain[s.mark], s.offset)
	}

	// / searches (the box captures keys, even q), n/N cycle, esc clears.
	d.Quiet = 20 * time.Millisecond // no I/O here; the cursor blinks on
	d.Press("g", "/")
	if !s.Capturing() {
		t.Fatal("/ did not focus the search box")
	}
	d.Type("q DEPLOY")
	if s.search.Value() != "q DEPLOY" {
		t.Fatalf("search box holds %q", s.search.Value())
	}
	for range 8 {
		d.Press("backspace")
	}
	d.Type("deploy")
	d.Press("enter")
	// "Restart the deployment", the kubectl line, "Roll back a bad deploy."
	if s.Capturing() || s.query != "deploy" || len(s.matches) != 3 {
		t.Fatalf("search: query %q, %d matches, want 3", s.query, len(s.matches))
	}
	for i := range 4 {
		line := s.matches[s.matchIdx]
		if s.mark != line || !strings.Contains(strings.ToLower(s.view.plain[line]), "deploy") {
			t.Errorf("match %d: line %q", s.matchIdx, s.view.plain[line])
		}
		if line < s.offset || line >= s.offset+h {
			t.Errorf("match line %d out of view", line)
		}
		if i < 3 {
			d.Press("n")
		}
	}
	if s.matchIdx != 0 {
		t.Errorf("n did not wrap: match %d", s.matchIdx)
	}
	d.Press("N")
	if s.matchIdx != 2 {
		t.Errorf("N wraps back: match %d", s.matchIdx)
	}
	contains(t, "footer", d.Screen(), "match 3/3")
	d.Press("esc")
	if s.query != "" || d.M.Shown() != Name {
		t.Errorf("esc should clear the search first (query %q, showing %q)", s.query, d.M.Shown())
	}
	d.Press("esc")
	if d.M.Shown() != "" {
		t.Errorf("second esc should go back to the alerts, showing %q", d.M.Shown())
	}
}

func TestRunbookBlocksCycleRunAndCopy(t *testing.T) {
	prom := &fakeProm{}
	d, s := newDriver(t, 120, 40, true, Options{Prom: prom})
	openAPIDown(t, d, s)
	d.Press("tab")
	if s.sel != 0 {
		t.Fatalf("tab selected block %d, want 0", s.sel)
	}
	d.Press("shift+tab")
	if s.sel != 3 {
		t.Fatalf("shift+tab from the first block selected %d, want the last (3)", s.sel)
	}
	d.Press("tab")
	if s.sel != 0 {
		t.Fatalf("tab wraps to %d, want 0", s.sel)
	}
	out := d.Screen()
	contains(t, "selected block", out, "▸ promql · filled for this alert · t template · enter runs · c copies", "▌")

	// enter runs the promql block filled in with the alert's labels
	d.Press("enter").Until("the result", func() bool { r := s.results[0]; return r != nil && !r.running })
	sent := prom.sent()
	if len(sent) != 1 || sent[0] != `up{job="conectcrm-backend",instance="backend-1:3001"} == 0`+"\n" {
		t.Fatalf("queries sent: %q", sent)
	}
	r := s.results[0]
	if r == nil || r.running || r.err != "" || len(r.series) != 2 {
		t.Fatalf("result: %+v", r)
	}
	text := blockText(s, 0)
	contains(t, "result", text, "✓ 2 series", `{code="200"}`, "12.5", `{code="503"}`, "4.25",
		`query: up{job="conectcrm-backend",instance="backend-1:3001"} == 0`)
	if !strings.ContainsAny(text, "▁▂▃▄▅▆▇█") {
		t.Errorf("no sparkline in the result:\n%s", text)
	}
	// the result sits under its block, before the next one
	if s.view.blocks[0].end > s.view.blocks[1].start {
		t.Error("block 0's result overlaps block 1")
	}

	// c copies the filled-in query with OSC 52
	d.Press("c")
	contains(t, "copy status", status(d), "copied promql query (1 line)")
	if got, ok := clipboard(s.copySelected()); !ok || got != `up{job="conectcrm-backend",instance="backend-1:3001"} == 0`+"\n" {
		t.Errorf("clipboard: %q (set %v)", got, ok)
	}

	// the shell block is never run; c copies it as written
	d.Press("shift+tab")
	before := len(prom.sent())
	d.Press("enter")
	if len(prom.sent()) != before || s.results[3] != nil {
		t.Error("enter ran the shell block")
	}
	contains(t, "status on enter over a shell block", status(d), "sh blocks are never run")
	d.Press("c")
	contains(t, "copy of the shell block", status(d), "copied sh block")
	// shell blocks are copied as written: label values are not shell-safe
	if got, _ := clipboard(s.copySelected()); got != "kubectl -n crm rollout restart deploy/{{ .Labels.service }}\n" {
		t.Errorf("shell clipboard: %q", got)
	}
}

// clipboard returns what the command asks tea.SetClipboard to copy (its
// message type is unexported: a string type named setClipboardMsg).
func clipboard(cmd tea.Cmd) (string, bool) {
	if cmd == nil {
		return "", false
	}
	msgs := []tea.Msg{cmd()}
	if b, ok := msgs[0].(tea.BatchMsg); ok {
		msgs = msgs[:0]
		for _, c := range b {
			if c != nil {
				msgs = append(msgs, c())
			}
		}
	}
	for _, msg := range msgs {
		if strings.HasSuffix(fmt.Sprintf("%T", msg), ".setClipboardMsg") {
			return fmt.Sprint(msg), true
		}
	}
	return "", false
}

func TestRunbookLogQLAndErrorsShowInline(t *testing.T) {
	lk := &fakeLoki{}
	prom := &fakeProm{err: errors.New("prometheus http://p:9090: query: bad_data: parse error")}
	d, s := newDriver(t, 120, 40, true, Options{Prom: prom, Loki: lk})
	openAPIDown(t, d, s)
	pressAndWait(d, s, "tab", "enter")
	contains(t, "error result", blockText(s, 0), "✗ prometheus http://p:9090: query: bad_data: parse error")
	pressAndWait(d, s, "tab", "tab", "enter")
	if s.sel != 2 || lk.q.Limit != 50 || lk.q.Query != `{service_name="conectcrm-backend"} | json | level="error"`+"\n" ||
		lk.q.End.Sub(lk.q.Start) != time.Hour {
		t.Fatalf("loki query: sel %d, %+v", s.sel, lk.q)
	}
	text := blockText(s, 2)
	contains(t, "log result", text, "✓ 2 lines", "03:29:00", "connection refused", `panic: \x1b[31mred`)
	// readable as in the logs pane: the level, then the message, no JSON
	contains(t, "readable lines", text, "03:29:00 ERROR dial tcp postgres-0:5432: connection refused", "03:28:00       panic:")
	if strings.Contains(text, `{"level"`) {
		t.Errorf("a JSON line is shown raw:\n%s", text)
	}
	// run as written, but warned about: the issue-15 form parses every line
	contains(t, "slow warning", text, "⚠ may be slow on a busy stream: the parser | json runs before any line filter")
	if st, _ := StateOf(s); !strings.Contains(st.Results[2].Slow, "| json runs before any line filter") {
		t.Errorf("state: %+v", st.Results[2])
	}
	// a timeout says which stage is likely slow
	lk.err = fmt.Errorf("loki: query_range: no answer within 10s: %w", context.DeadlineExceeded)
	pressAndWait(d, s, "enter")
	contains(t, "timeout", blockText(s, 2), "✗ loki: query_range: no answer within 10s", "Loki did not answer in time: | json parses every line")
	if strings.Contains(strings.Join(s.view.lines, ""), "\x1b[31mred") {
		t.Error("a log line's escape sequence reached the screen")
	}

	// without Loki the block explains why it cannot run
	d2, s2 := newDriver(t, 120, 40, true, Options{Prom: prom})
	openAPIDown(t, d2, s2)
	d2.Press("tab", "tab", "tab", "enter")
	contains(t, "no loki", blockText(s2, 2), `✗ no Loki configured for context "prod"`)
}

// Label values with quotes and backslashes reach the query escaped for a
// PromQL string, and the screen shows the query that was sent.
func TestRunbookSubstitutesQuotedLabels(t *testing.T) {
	prom := &fakeProm{}
	d, s := newDriver(t, 120, 40, true, Options{Prom: prom})
	as, sils, pa, rules := fixture.Data()
	for _, a := range as {
		if a.Labels["alertname"] == "APIDown" {
			a.Labels["service"] = `crm "blue"\east`
		}
	}
	d.M.SetData(as, sils, pa, rules)
	openAPIDown(t, d, s)
	pressAndWait(d, s, "tab", "tab", "enter")
	want := `sum by (code) (rate(http_requests_total{service="crm \"blue\"\\east"}[5m]))` + "\n"
	if sent := prom.sent(); len(sent) != 1 || sent[0] != want {
		t.Fatalf("sent %q, want %q", sent, want)
	}
	contains(t, "shown query", blockText(s, 1), `query: sum by (code) (rate(http_requests_total{service="crm \"blue\"\\east"}[5m]))`)
}

func TestRunbookDropsStaleRepliesAndRerendersOnResize(t *testing.T) {
	d, s := newDriver(t, 100, 30, true, Options{})
	selectAlert(t, d, "APIDown")
	_, first := d.M.Update(tuitest.Key("R")) // lookup for APIDown, not yet applied
	selectAlert(t, d, "HighErrorRate")
	open(t, d, s)
	if s.rb == nil || s.rb.Title != "HighErrorRate" {
		t.Fatalf("showing %+v", s.rb)
	}
	d.Run(first) // the older reply arrives late
	if s.rb.Title != "HighErrorRate" {
		t.Fatalf("a stale reply replaced the runbook with %q", s.rb.Title)
	}
	// a stale run result is dropped too
	prom := &fakeProm{}
	s.d.Prom = prom
	d.Press("tab")
	_, run1 := d.M.Update(tuitest.Key("enter"))
	pressAndWait(d, s, "enter")
	latest := s.results[0]
	d.Run(run1)
	if s.results[0] != latest {
		t.Error("an older run replaced the latest result")
	}

	if s.rend.key.width != 98 {
		t.Fatalf("rendered at %d, want 98 (100 minus the gutter)", s.rend.key.width)
	}
	// the resize itself re-renders (Resizer)
	d.Send(tea.WindowSizeMsg{Width: 140, Height: 30}).Until("the re-render at 140", func() bool { return s.rend.key.width == 138 })
	// the tick (Refresher) re-renders for a background change
	light := lightHost{Host: d.M, st: kit.NewStyles(false)}
	cmd := s.Refresh(light)
	if cmd == nil {
		t.Fatal("no re-render for the light background")
	}
	s.Update(light, cmd())
	if s.rend.key.dark {
		t.Error("not re-rendered for the light background")
	}
	if s.results[0] == nil || !strings.Contains(blockText(s, 0), "✓") {
		t.Error("a re-render lost the block's result")
	}
}

// lightHost is the session once the terminal said its background is light.
type lightHost struct {
	kit.Host
	st *kit.Styles
}

func (h lightHost) Styles() *kit.Styles { return h.st }

// pressAndWait presses keys and waits for the blocks they ran.
func pressAndWait(d *tuitest.Driver, s *screen, keys ...string) {
	d.Press(keys...).Until("the blocks' results", func() bool {
		for _, r := range s.results {
			if r.running {
				return false
			}
		}
		return true
	})
}

func TestRunbookUsesTheRuleRunbookURL(t *testing.T) {
	d, s := newDriver(t, 100, 30, true, Options{})
	as, sils, pa, rules := fixture.Data()
	for _, a := range as {
		if a.Labels["alertname"] == "APIDown" {
			delete(a.Annotations, "runbook_url")
		}
	}
	r := rules["APIDown"][0]
	r.Annotations = model.LabelSet{"runbook_url": "RUNBOOKS.md#higherrorrate"}
	rules["APIDown"] = []v1.AlertingRule{r}
	d.M.SetData(as, sils, pa, rules)
	openAPIDown(t, d, s)
	if s.rb.Source != runbooks.SourceURL || s.rb.Title != "HighErrorRate" {
		t.Errorf("want the rule's runbook_url section, got %s %q", s.rb.Source, s.rb.Title)
	}
}

func TestRunbookDetailShowsEscalation(t *testing.T) {
	d, s := newDriver(t, 160, 40, true, Options{Steps: []string{"L1: me", "L2: lead"}, After: 10 * time.Minute})
	selectAlert(t, d, "APIDown")
	out := d.Screen()
	contains(t, "detail", out, "escalation: unacked for 12m; at L2 since 10m; past L2 at 20m")
	if strings.Contains(out, "runbook: ") {
		t.Error("runbook origin shown before any lookup")
	}
	open(t, d, s)
	d.Press("esc")
	contains(t, "detail after lookup", d.Screen(), "runbook: runbook_url testdata/runbooks/RUNBOOKS.md#apidown")

	selectAlert(t, d, "DatabaseConnectionsHigh") // acked by ana
	contains(t, "acked detail", d.Screen(), "escalation: acked")
	selectAlert(t, d, "RedisDown") // pending: no escalation yet
	if strings.Contains(d.Screen(), "escalation:") {
		t.Error("a pending alert shows an escalation line")
	}
}

func TestRunbookWithoutAlertOrFinder(t *testing.T) {
	d, s := newDriver(t, 100, 30, true, Options{SetupErr: "runbooks.rewrites[0]: missing closing )"})
	if cmd := s.Open(d.M, nil); cmd != nil {
		t.Error("Open without an alert started a lookup")
	}
	d.M.Show(Name)
	contains(t, "no alert", d.Screen(), "Select an alert, then press R")
	selectAlert(t, d, "APIDown")
	d.Press("R")
	contains(t, "setup error", d.Screen(), "runbooks are not available: runbooks.rewrites[0]: missing closing )")
	d.Press("tab")
	contains(t, "tab without a runbook", status(d), "this runbook has no code")
}

func TestRenderRunbookSegments(t *testing.T) {
	md := "# T\n\nSee [docs][d].\n\n- step one:\n\n    ```promql\n    up == 0\n    ```\n\n- step two\n\n```sh\necho hi\n```\n\n## Next\n\ntext\n\n[d]: https://example.com/docs\n"
	rb := &runbooks.Runbook{Markdown: md, Blocks: runbooks.Blocks(md)}
	r := renderRunbook(rb, runbooks.Alert{}, renderKey{width: 60, dark: true}, runbooks.Render)
	if r.err != "" || len(r.prose) != 3 || len(r.blocks) != 2 {
		t.Fatalf("segments: err %q, %d prose, %d blocks", r.err, len(r.prose), len(r.blocks))
	}
	if got := kit.Strip(strings.Join(r.blocks[0], "\n")); !strings.Contains(got, "up == 0") || strings.Contains(got, "```") {
		t.Errorf("indented fence not rendered as code: %q", got)
	}
	if got := kit.Strip(strings.Join(r.prose[0], "\n")); !strings.Contains(got, "docs") || strings.Contains(got, "[d]") {
		t.Errorf("reference link unresolved in the first segment: %q", got)
	}
	if len(r.heads) != 2 || r.heads[1].seg != 2 || !strings.Contains(kit.Strip(r.prose[2][r.heads[1].line]), "Next") {
		t.Errorf("headings %+v", r.heads)
	}
	// a renderer failure falls back to the sanitized text
	bad := renderRunbook(rb, runbooks.Alert{}, renderKey{width: 60}, func(string, int, bool) (string, error) { return "", errors.New("boom") })
	if bad.err != "boom" || !strings.Contains(strings.Join(bad.blocks[1], "\n"), "echo hi") {
		t.Errorf("fallback: %+v", bad)
	}
}

func TestSparklineAndValues(t *testing.T) {
	if got := sparkline([]float64{0, 1, 2, 3, 4, 5, 6, 7}); got != "▁▂▃▄▅▆▇█" {
		t.Errorf("ramp: %q", got)
	}
	if got := sparkline([]float64{5, math.NaN(), 5}); got != "▄ ▄" {
		t.Errorf("flat with a gap: %q", got)
	}
	if got := sparkline([]float64{0, 0}); got != "▁▁" {
		t.Errorf("zeros: %q", got)
	}
	if sparkline([]float64{math.NaN()}) != "" {
		t.Error("no values should draw nothing")
	}
	for in, want := range map[float64]string{0.372: "0.372", 12.5: "12.5", 2_040_109_465: "2.04G", 43210: "43.21k", math.NaN(): "NaN", 1e-5: "1e-05"} {
		if got := formatValue(in); got != want {
			t.Errorf("formatValue(%v) = %q, want %q", in, got, want)
		}
	}
	r := v1.Range{Start: fixedNow.Add(-4 * time.Minute), End: fixedNow, Step: 2 * time.Minute}
	pts := points([]model.SamplePair{{Timestamp: model.TimeFromUnixNano(fixedNow.UnixNano()), Value: 3}}, r)
	if len(pts) != 3 || !math.IsNaN(pts[0]) || pts[2] != 3 {
		t.Errorf("points %v", pts)
	}
	names := metricNames([]model.Metric{{"__name__": "up", "job": "a", "env": "prod"}, {"__name__": "up", "job": "b", "env": "prod"}})
	if names[0] != `up{job="a"}` || names[1] != `up{job="b"}` {
		t.Errorf("shared labels not dropped: %q", names)
	}
}
