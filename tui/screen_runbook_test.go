package tui

import (
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
)

// openAPIDown opens the runbook of APIDown through the model, as R does.
func openAPIDown(t *testing.T, m *Model) *runbookScreen {
	t.Helper()
	rbSelect(t, m, "APIDown")
	rbSend(t, m, "R")
	s := rbScreen(t, m)
	if s.rb == nil || s.rend == nil {
		t.Fatalf("runbook not shown: err=%q loading=%v", s.err, s.loading)
	}
	return s
}

func TestRunbookOpensRendersAndShowsOrigin(t *testing.T) {
	m := newRunbookModel(t, 100, 30, true, RunbookDeps{})
	s := openAPIDown(t, m)
	if s.rb.Source != runbooks.SourceURL || s.rb.Title != "APIDown" {
		t.Fatalf("found %s %q, want the runbook_url section", s.rb.Source, s.rb.Title)
	}
	if len(s.rb.Blocks) != 4 || len(s.view.blocks) != 4 {
		t.Fatalf("blocks: %d in the runbook, %d laid out", len(s.rb.Blocks), len(s.view.blocks))
	}
	// Each block's rendered span holds its own code, in order.
	for i, want := range []string{`up{job="{{ .Labels.job }}"`, "sum by (code)", `{service_name="{{ .Labels.service }}"}`, "kubectl -n crm rollout restart"} {
		rbContains(t, "block span", rbBlockText(s, i), want)
	}
	out := rbVisible(m)
	rbContains(t, "screen", out, "APIDown", "source: runbook_url testdata/runbooks/RUNBOOKS.md#apidown",
		"escalation: unacked for 12m; escalate to L2 at 15m", "promql", "Which targets are down?")
	// glamour renders the link as an OSC 8 hyperlink
	if !strings.Contains(strings.Join(s.view.lines, "\n"), "\x1b]8;") {
		t.Error("the dashboard link is not an OSC 8 hyperlink")
	}
}

func TestRunbookScrollHeadingsAndSearch(t *testing.T) {
	m := newRunbookModel(t, 80, 16, false, RunbookDeps{})
	s := openAPIDown(t, m)
	total := len(s.view.lines)
	h := s.bodyHeight(m.bodyHeight())
	if total <= h {
		t.Fatalf("need a runbook longer than the screen (%d lines, %d shown)", total, h)
	}
	rbSend(t, m, "j", "j")
	if s.offset != 2 {
		t.Errorf("j j: offset %d, want 2", s.offset)
	}
	rbSend(t, m, "k")
	if s.offset != 1 {
		t.Errorf("k: offset %d, want 1", s.offset)
	}
	rbSend(t, m, "G")
	if s.offset != total-h {
		t.Errorf("G: offset %d, want %d", s.offset, total-h)
	}
	rbSend(t, m, "pgup")
	if s.offset != total-h-(h-1) && s.offset != 0 {
		t.Errorf("pgup: offset %d", s.offset)
	}
	rbSend(t, m, "g")
	if s.offset != 0 {
		t.Errorf("g: offset %d", s.offset)
	}
	rbSend(t, m, "pgdown")
	if s.offset != h-1 {
		t.Errorf("pgdown: offset %d, want %d", s.offset, h-1)
	}

	// ] and [ jump between headings: each lands on a heading line in view.
	rbSend(t, m, "g")
	var seen []string
	for i := 0; i < 6; i++ {
		before := s.mark
		rbSend(t, m, "]")
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
	rbContains(t, "marked heading", rbVisible(m), "› ")
	rbSend(t, m, "[")
	if !strings.Contains(s.view.plain[s.mark], "Resolution") {
		t.Errorf("[ went to %q", s.view.plain[s.mark])
	}
	rbSend(t, m, "[")
	if !strings.Contains(s.view.plain[s.mark], "APIDown") || s.offset != 0 {
		t.Errorf("[ again went to %q (offset %d)", s.view.plain[s.mark], s.offset)
	}

	// / searches (the box captures keys, even q), n/N cycle, esc clears.
	rbSend(t, m, "g", "/")
	if !s.Capturing() {
		t.Fatal("/ did not focus the search box")
	}
	typeText(m, "q DEPLOY")
	if s.input.Value() != "q DEPLOY" {
		t.Fatalf("search box holds %q", s.input.Value())
	}
	for range 8 {
		m.Update(tea.KeyPressMsg{Code: tea.KeyBackspace})
	}
	typeText(m, "deploy")
	rbSend(t, m, "enter")
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
			rbSend(t, m, "n")
		}
	}
	if s.matchIdx != 0 {
		t.Errorf("n did not wrap: match %d", s.matchIdx)
	}
	rbSend(t, m, "N")
	if s.matchIdx != 2 {
		t.Errorf("N wraps back: match %d", s.matchIdx)
	}
	rbContains(t, "footer", rbVisible(m), "match 3/3")
	rbSend(t, m, "esc")
	if s.query != "" || m.view != viewScreen {
		t.Errorf("esc should clear the search first (query %q, view %d)", s.query, m.view)
	}
	rbSend(t, m, "esc")
	if m.view != viewAlerts {
		t.Errorf("second esc should go back to the alerts, view %d", m.view)
	}
}

func TestRunbookBlocksCycleRunAndCopy(t *testing.T) {
	prom := &rbFakeProm{}
	m := newRunbookModel(t, 120, 40, true, RunbookDeps{Prom: prom})
	s := openAPIDown(t, m)
	rbSend(t, m, "tab")
	if s.sel != 0 {
		t.Fatalf("tab selected block %d, want 0", s.sel)
	}
	rbSend(t, m, "shift+tab")
	if s.sel != 3 {
		t.Fatalf("shift+tab from the first block selected %d, want the last (3)", s.sel)
	}
	rbSend(t, m, "tab")
	if s.sel != 0 {
		t.Fatalf("tab wraps to %d, want 0", s.sel)
	}
	out := rbVisible(m)
	rbContains(t, "selected block", out, "▸ promql · enter runs · c copies", "▌")

	// enter runs the promql block filled in with the alert's labels
	rbSend(t, m, "enter")
	sent := prom.sent()
	if len(sent) != 1 || sent[0] != `up{job="conectcrm-backend",instance="backend-1:3001"} == 0`+"\n" {
		t.Fatalf("queries sent: %q", sent)
	}
	r := s.results[0]
	if r == nil || r.running || r.err != "" || len(r.series) != 2 {
		t.Fatalf("result: %+v", r)
	}
	text := rbBlockText(s, 0)
	rbContains(t, "result", text, "✓ 2 series", `{code="200"}`, "12.5", `{code="503"}`, "4.25",
		`query: up{job="conectcrm-backend",instance="backend-1:3001"} == 0`)
	if !strings.ContainsAny(text, "▁▂▃▄▅▆▇█") {
		t.Errorf("no sparkline in the result:\n%s", text)
	}
	// the result sits under its block, before the next one
	if s.view.blocks[0].end > s.view.blocks[1].start {
		t.Error("block 0's result overlaps block 1")
	}

	// c copies the filled-in query with OSC 52
	msgs := rbSend(t, m, "c")
	if st := rbStatuses(msgs); len(st) != 1 || !strings.Contains(st[0], "copied promql query (1 line)") {
		t.Errorf("copy status: %q", st)
	}
	if got, ok := clipboard(msgs); !ok || got != `up{job="conectcrm-backend",instance="backend-1:3001"} == 0`+"\n" {
		t.Errorf("clipboard: %q (set %v)", got, ok)
	}

	// the shell block is never run; c copies it as written
	rbSend(t, m, "shift+tab")
	before := len(prom.sent())
	msgs = rbSend(t, m, "enter")
	if len(prom.sent()) != before || s.results[3] != nil {
		t.Error("enter ran the shell block")
	}
	if st := rbStatuses(msgs); len(st) != 1 || !strings.Contains(st[0], "never run") {
		t.Errorf("status on enter over a shell block: %q", st)
	}
	msgs = rbSend(t, m, "c")
	if st := rbStatuses(msgs); len(st) != 1 || !strings.Contains(st[0], "copied sh block") {
		t.Errorf("copy of the shell block: %q", st)
	}
	// shell blocks are copied as written: label values are not shell-safe
	if got, _ := clipboard(msgs); got != "kubectl -n crm rollout restart deploy/{{ .Labels.service }}\n" {
		t.Errorf("shell clipboard: %q", got)
	}
}

// clipboard returns what tea.SetClipboard was asked to copy (its message
// type is unexported: a string type named setClipboardMsg).
func clipboard(msgs []tea.Msg) (string, bool) {
	for _, msg := range msgs {
		if strings.HasSuffix(fmt.Sprintf("%T", msg), ".setClipboardMsg") {
			return fmt.Sprint(msg), true
		}
	}
	return "", false
}

func TestRunbookLogQLAndErrorsShowInline(t *testing.T) {
	lk := &rbFakeLoki{}
	prom := &rbFakeProm{err: errors.New("prometheus http://p:9090: query: bad_data: parse error")}
	m := newRunbookModel(t, 120, 40, true, RunbookDeps{Prom: prom, Loki: lk})
	s := openAPIDown(t, m)
	rbSend(t, m, "tab", "enter")
	rbContains(t, "error result", rbBlockText(s, 0), "✗ prometheus http://p:9090: query: bad_data: parse error")
	rbSend(t, m, "tab", "tab", "enter")
	if s.sel != 2 || lk.q.Limit != 50 || lk.q.Query != `{service_name="conectcrm-backend"} | json | level="error"`+"\n" ||
		lk.q.End.Sub(lk.q.Start) != time.Hour {
		t.Fatalf("loki query: sel %d, %+v", s.sel, lk.q)
	}
	text := rbBlockText(s, 2)
	rbContains(t, "log result", text, "✓ 2 lines", "03:29:00", "connection refused", `panic: \x1b[31mred`)
	if strings.Contains(strings.Join(s.view.lines, ""), "\x1b[31mred") {
		t.Error("a log line's escape sequence reached the screen")
	}

	// without Loki the block explains why it cannot run
	m2 := newRunbookModel(t, 120, 40, true, RunbookDeps{Prom: prom})
	s2 := openAPIDown(t, m2)
	rbSend(t, m2, "tab", "tab", "tab", "enter")
	rbContains(t, "no loki", rbBlockText(s2, 2), `✗ no Loki configured for context "prod"`)
}

// Label values with quotes and backslashes reach the query escaped for a
// PromQL string, and the screen shows the query that was sent.
func TestRunbookSubstitutesQuotedLabels(t *testing.T) {
	prom := &rbFakeProm{}
	m := newRunbookModel(t, 120, 40, true, RunbookDeps{Prom: prom})
	as, sils, pa, rules := uiFixture()
	for _, a := range as {
		if a.Labels["alertname"] == "APIDown" {
			a.Labels["service"] = `crm "blue"\east`
		}
	}
	m.SetData(as, sils, pa, rules)
	s := openAPIDown(t, m)
	rbSend(t, m, "tab", "tab", "enter")
	want := `sum by (code) (rate(http_requests_total{service="crm \"blue\"\\east"}[5m]))` + "\n"
	if sent := prom.sent(); len(sent) != 1 || sent[0] != want {
		t.Fatalf("sent %q, want %q", sent, want)
	}
	rbContains(t, "shown query", rbBlockText(s, 1), `query: sum by (code) (rate(http_requests_total{service="crm \"blue\"\\east"}[5m]))`)
}

func TestRunbookDropsStaleRepliesAndRerendersOnResize(t *testing.T) {
	m := newRunbookModel(t, 100, 30, true, RunbookDeps{})
	rbSelect(t, m, "APIDown")
	_, first := m.Update(rbKeyMsg("R")) // lookup for APIDown, not yet applied
	rbSelect(t, m, "HighErrorRate")
	rbSend(t, m, "R")
	s := rbScreen(t, m)
	if s.rb == nil || s.rb.Title != "HighErrorRate" {
		t.Fatalf("showing %+v", s.rb)
	}
	rbDrain(t, m, first) // the older reply arrives late
	if s.rb.Title != "HighErrorRate" {
		t.Fatalf("a stale reply replaced the runbook with %q", s.rb.Title)
	}
	// a stale run result is dropped too
	prom := &rbFakeProm{}
	s.d.Prom = prom
	rbSend(t, m, "tab")
	_, run1 := m.Update(rbKeyMsg("enter"))
	rbSend(t, m, "enter")
	latest := s.results[0]
	rbDrain(t, m, run1)
	if s.results[0] != latest {
		t.Error("an older run replaced the latest result")
	}

	if s.rend.key.width != 98 {
		t.Fatalf("rendered at %d, want 98 (100 minus the gutter)", s.rend.key.width)
	}
	_, resized := m.Update(tea.WindowSizeMsg{Width: 140, Height: 30})
	rbDrain(t, m, resized) // the resize itself re-renders (Resizer)
	if s.rend.key.width != 138 {
		t.Errorf("after resize rendered at %d, want 138", s.rend.key.width)
	}
	// the tick (Refresher) re-renders for a background change
	m.st = NewStyles(false)
	rbDrain(t, m, s.Refresh(m))
	if s.rend.key.dark {
		t.Error("not re-rendered for the light background")
	}
	if s.results[0] == nil || !strings.Contains(rbBlockText(s, 0), "✓") {
		t.Error("a re-render lost the block's result")
	}
}

func TestRunbookUsesTheRuleRunbookURL(t *testing.T) {
	m := newRunbookModel(t, 100, 30, true, RunbookDeps{})
	as, sils, pa, rules := uiFixture()
	for _, a := range as {
		if a.Labels["alertname"] == "APIDown" {
			delete(a.Annotations, "runbook_url")
		}
	}
	r := rules["APIDown"][0]
	r.Annotations = model.LabelSet{"runbook_url": "RUNBOOKS.md#higherrorrate"}
	rules["APIDown"] = []v1.AlertingRule{r}
	m.SetData(as, sils, pa, rules)
	s := openAPIDown(t, m)
	if s.rb.Source != runbooks.SourceURL || s.rb.Title != "HighErrorRate" {
		t.Errorf("want the rule's runbook_url section, got %s %q", s.rb.Source, s.rb.Title)
	}
}

func TestRunbookDetailShowsEscalation(t *testing.T) {
	m := newRunbookModel(t, 160, 40, true, RunbookDeps{Steps: []string{"L1: me", "L2: lead"}, After: 10 * time.Minute})
	rbSelect(t, m, "APIDown")
	out := rbVisible(m)
	rbContains(t, "detail", out, "escalation: unacked for 12m; at L2 since 10m; past L2 at 20m")
	if strings.Contains(out, "runbook: ") {
		t.Error("runbook origin shown before any lookup")
	}
	rbSend(t, m, "R", "esc")
	rbContains(t, "detail after lookup", rbVisible(m), "runbook: runbook_url testdata/runbooks/RUNBOOKS.md#apidown")

	rbSelect(t, m, "DatabaseConnectionsHigh") // acked by ana
	rbContains(t, "acked detail", rbVisible(m), "escalation: acked")
	rbSelect(t, m, "RedisDown") // pending: no escalation yet
	if strings.Contains(rbVisible(m), "escalation:") {
		t.Error("a pending alert shows an escalation line")
	}
}

func TestRunbookWithoutAlertOrFinder(t *testing.T) {
	m := newRunbookModel(t, 100, 30, true, RunbookDeps{SetupErr: "runbooks.rewrites[0]: missing closing )"})
	s := rbScreen(t, m)
	if cmd := s.Open(m, nil); cmd != nil {
		t.Error("Open without an alert started a lookup")
	}
	m.ShowScreen(RunbookScreenName)
	rbContains(t, "no alert", rbVisible(m), "Select an alert, then press R")
	rbSelect(t, m, "APIDown")
	rbSend(t, m, "R")
	rbContains(t, "setup error", rbVisible(m), "runbooks are not available: runbooks.rewrites[0]: missing closing )")
	msgs := rbSend(t, m, "tab")
	if st := rbStatuses(msgs); len(st) != 1 || !strings.Contains(st[0], "no code blocks") {
		t.Errorf("tab without a runbook: %q", st)
	}
}

func TestRenderRunbookSegments(t *testing.T) {
	md := "# T\n\nSee [docs][d].\n\n- step one:\n\n    ```promql\n    up == 0\n    ```\n\n- step two\n\n```sh\necho hi\n```\n\n## Next\n\ntext\n\n[d]: https://example.com/docs\n"
	rb := &runbooks.Runbook{Markdown: md, Blocks: runbooks.Blocks(md)}
	r := renderRunbook(rb, rbKey{width: 60, dark: true}, runbooks.Render)
	if r.err != "" || len(r.prose) != 3 || len(r.blocks) != 2 {
		t.Fatalf("segments: err %q, %d prose, %d blocks", r.err, len(r.prose), len(r.blocks))
	}
	if got := plain(strings.Join(r.blocks[0], "\n")); !strings.Contains(got, "up == 0") || strings.Contains(got, "```") {
		t.Errorf("indented fence not rendered as code: %q", got)
	}
	if got := plain(strings.Join(r.prose[0], "\n")); !strings.Contains(got, "docs") || strings.Contains(got, "[d]") {
		t.Errorf("reference link unresolved in the first segment: %q", got)
	}
	if len(r.heads) != 2 || r.heads[1].seg != 2 || !strings.Contains(plain(r.prose[2][r.heads[1].line]), "Next") {
		t.Errorf("headings %+v", r.heads)
	}
	// a renderer failure falls back to the sanitized text
	bad := renderRunbook(rb, rbKey{width: 60}, func(string, int, bool) (string, error) { return "", errors.New("boom") })
	if bad.err != "boom" || !strings.Contains(strings.Join(bad.blocks[1], "\n"), "echo hi") {
		t.Errorf("fallback: %+v", bad)
	}
}

func TestSparklineAndValues(t *testing.T) {
	if got := rbSparkline([]float64{0, 1, 2, 3, 4, 5, 6, 7}); got != "▁▂▃▄▅▆▇█" {
		t.Errorf("ramp: %q", got)
	}
	if got := rbSparkline([]float64{5, math.NaN(), 5}); got != "▄ ▄" {
		t.Errorf("flat with a gap: %q", got)
	}
	if got := rbSparkline([]float64{0, 0}); got != "▁▁" {
		t.Errorf("zeros: %q", got)
	}
	if rbSparkline([]float64{math.NaN()}) != "" {
		t.Error("no values should draw nothing")
	}
	for in, want := range map[float64]string{0.372: "0.372", 12.5: "12.5", 2_040_109_465: "2.04G", 43210: "43.21k", math.NaN(): "NaN", 1e-5: "1e-05"} {
		if got := rbFormatValue(in); got != want {
			t.Errorf("rbFormatValue(%v) = %q, want %q", in, got, want)
		}
	}
	r := v1.Range{Start: fixedNow.Add(-4 * time.Minute), End: fixedNow, Step: 2 * time.Minute}
	pts := rbPoints([]model.SamplePair{{Timestamp: model.TimeFromUnixNano(fixedNow.UnixNano()), Value: 3}}, r)
	if len(pts) != 3 || !math.IsNaN(pts[0]) || pts[2] != 3 {
		t.Errorf("points %v", pts)
	}
	names := rbMetricNames([]model.Metric{{"__name__": "up", "job": "a", "env": "prod"}, {"__name__": "up", "job": "b", "env": "prod"}})
	if names[0] != `up{job="a"}` || names[1] != `up{job="b"}` {
		t.Errorf("shared labels not dropped: %q", names)
	}
}
