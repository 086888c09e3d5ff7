package traces

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"oncall/internal/alerts"
	"oncall/sources/jaeger"
	"oncall/tui"
	"oncall/tui/kit"
	"oncall/tui/tuitest"
	"oncall/tui/tuitest/fixture"
)

const traceA = "4bf92f3577b34da6a3ce929d0e0e4736"

var start = fixture.Now().Add(-4 * time.Minute)

func summaries() []jaeger.TraceSummary {
	return []jaeger.TraceSummary{
		{TraceID: traceA, Root: "api-gateway: GET /api/v1/contacts", Start: start, Duration: 5021 * time.Millisecond, Spans: 6, Errors: 3, Services: []string{"api-gateway", "conectcrm-backend", "postgres"}},
		{TraceID: "9e1d2c3b4a5f60718293a4b5c6d7e8f9", Root: "api-gateway: POST /api/v1/deals", Start: start.Add(-33 * time.Second), Duration: 5030 * time.Millisecond, Spans: 6, Errors: 3, Services: []string{"api-gateway", "conectcrm-backend", "postgres"}},
	}
}

// searcher is a Jaeger that answers every search with found (or err) and
// records the queries.
type searcher struct {
	mu      sync.Mutex
	found   []jaeger.TraceSummary
	err     error
	queries []jaeger.SearchQuery
}

func (j *searcher) FindTraces(_ context.Context, q jaeger.SearchQuery) ([]jaeger.TraceSummary, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.queries = append(j.queries, q)
	return j.found, j.err
}

func (j *searcher) set(found []jaeger.TraceSummary, err error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.found, j.err = found, err
}

func (j *searcher) searches() []jaeger.SearchQuery {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]jaeger.SearchQuery(nil), j.queries...)
}

func (j *searcher) GetTrace(context.Context, string) (*jaeger.Trace, error) {
	return nil, errors.New("not used")
}
func (j *searcher) Services(context.Context) ([]string, error)           { return nil, nil }
func (j *searcher) Operations(context.Context, string) ([]string, error) { return nil, nil }
func (j *searcher) Ping(context.Context) error                           { return nil }
func (j *searcher) Close() error                                         { return nil }

// opened is the trace screen as this list sees it: it records the
// kit.OpenTraceMsg it gets and shows itself, as the real one does.
type opened struct{ got []kit.OpenTraceMsg }

func (o *opened) Open(kit.Host, *alerts.Alert) tea.Cmd                { return nil }
func (o *opened) HandleKey(kit.Host, tea.KeyPressMsg) (bool, tea.Cmd) { return false, nil }
func (o *opened) Capturing() bool                                     { return false }
func (o *opened) View(w, h int, _ *kit.Styles, _ time.Time) string {
	return kit.Box([]string{fmt.Sprintf("opened %d traces", len(o.got))}, w, h)
}
func (o *opened) Update(h kit.Host, msg tea.Msg) tea.Cmd {
	if m, ok := msg.(kit.OpenTraceMsg); ok {
		o.got = append(o.got, m)
		h.Show(kit.TraceScreen)
	}
	return nil
}

func openedEntry(o *opened) kit.Entry {
	return kit.Entry{Spec: kit.Spec{Name: kit.TraceScreen, Title: "Trace"}, New: func(kit.Host, *kit.Keymap) kit.Screen { return o }}
}

// newDriver is a session with the error-trace list on j (and the trace
// screen recorder o, when given).
func newDriver(t testing.TB, s tuitest.Setup, o Options, more ...kit.Entry) *tuitest.Driver {
	t.Helper()
	s.Entries = append([]kit.Entry{Entry(o)}, more...)
	return tuitest.New(t, s)
}

func screenOf(t testing.TB, d *tuitest.Driver) *Screen {
	t.Helper()
	return tuitest.ScreenAs[*Screen](t, d, Name)
}

// listed is a session at w×h showing the error-trace list.
func listed(t *testing.T, w, h int, dark bool) *tuitest.Driver {
	t.Helper()
	return newDriver(t, tuitest.Setup{Width: w, Height: h, Dark: dark}, Options{Jaeger: &searcher{found: summaries()}}).Press("T")
}

func TestTracesGoldenViews(t *testing.T) {
	tuitest.Views(t, "traces", listed)
}

// TestTracesHelpGolden: ? on the list shows its own keys first.
func TestTracesHelpGolden(t *testing.T) {
	tuitest.Help(t, "help", listed, "Error traces", "open the trace", "search Jaeger again")
}

// TestTracesKeysRemap: the list's keys are its open key and global
// actions, so they are remapped in [keys]: traces = "X" opens it on X
// only, refresh = "ctrl+r" searches again on ctrl+r only. A [keys.traces]
// table naming a global action is refused with a clear error.
func TestTracesKeysRemap(t *testing.T) {
	j := &searcher{found: summaries()}
	cfg := tuitest.Config()
	cfg.Keys.Global = map[string]string{"traces": "X", "refresh": "ctrl+r"}
	d := newDriver(t, tuitest.Setup{Config: cfg}, Options{Jaeger: j})
	d.Press("T")
	if d.M.Shown() == Name || len(j.searches()) != 0 {
		t.Fatal("T still opens the list after traces was remapped to X")
	}
	d.Press("X")
	if d.M.Shown() != Name || len(j.searches()) != 1 {
		t.Fatalf("X: shown %q, %d searches", d.M.Shown(), len(j.searches()))
	}
	d.Press("r")
	if n := len(j.searches()); n != 1 {
		t.Errorf("r searched again (%d searches) after refresh was remapped", n)
	}
	d.Press("ctrl+r")
	if n := len(j.searches()); n != 2 {
		t.Errorf("ctrl+r: %d searches, want 2", n)
	}

	bad := tuitest.Config()
	bad.Keys.Screens = map[string]map[string]string{"traces": {"refresh": "x"}}
	_, err := tui.New(tui.Deps{Config: bad, Entries: []kit.Entry{Entry(Options{Jaeger: j})}}, tui.Options{NoFetch: true})
	if err == nil || !strings.Contains(err.Error(), "keys.traces.refresh: a global action; remap it in [keys]") {
		t.Errorf("[keys.traces] refresh: err %v", err)
	}
}

func TestTracesListSearchesTheAlertsService(t *testing.T) {
	j := &searcher{found: summaries()}
	tr := &opened{}
	d := newDriver(t, tuitest.Setup{}, Options{Jaeger: j, Services: map[string]string{"conectcrm-backend": "crm-api"}}, openedEntry(tr))
	a := d.M.Selected()
	if a == nil || a.Name() != "APIDown" {
		t.Fatalf("selected %v, want APIDown", a)
	}
	d.Press("T")
	qs := j.searches()
	if d.M.Shown() != Name || len(qs) != 1 {
		t.Fatalf("shown %q, %d searches", d.M.Shown(), len(qs))
	}
	q := qs[0]
	if q.Service != "crm-api" || q.Tags["error"] != "true" || !q.Start.Equal(a.Since().Add(-5*time.Minute)) || !q.End.Equal(fixture.Now()) || q.Limit != limit {
		t.Errorf("search = %+v, want crm-api, error=true, startsAt−5m → now", q)
	}
	out := d.Screen()
	if !strings.Contains(out, "Error traces · service crm-api") || !strings.Contains(out, "api-gateway: POST /api/v1/deals") || !strings.Contains(out, "2 found · enter opens") {
		t.Errorf("list:\n%s", out)
	}
	// enter asks the trace screen for the trace, with its start.
	d.Press("j", "enter")
	want := kit.OpenTraceMsg{TraceID: summaries()[1].TraceID, Hint: summaries()[1].Start}
	if len(tr.got) != 1 || tr.got[0] != want || d.M.Shown() != kit.TraceScreen {
		t.Errorf("enter: the trace screen got %+v (shown %q), want %+v", tr.got, d.M.Shown(), want)
	}
}

// TestTracesCursorAndRefresh: movement uses the list's window; a new
// search keeps the selected trace selected; the tick refreshes only a
// shown list; a failed search keeps the rows, marked stale.
func TestTracesCursorAndRefresh(t *testing.T) {
	var many []jaeger.TraceSummary
	for i := range 30 {
		s := summaries()[i%2]
		s.TraceID = fmt.Sprintf("%032x", i+1)
		s.Start = start.Add(-time.Duration(i) * time.Second)
		many = append(many, s)
	}
	j := &searcher{found: many}
	d := newDriver(t, tuitest.Setup{Width: 80, Height: 24}, Options{Jaeger: j})
	d.Press("T")
	s := screenOf(t, d)
	d.Press("G")
	if s.list.Cursor() != 29 || !strings.Contains(cursorLine(d.Screen()), many[29].Start.Local().Format("15:04:05")) {
		t.Errorf("G: cursor %d, the last trace not under it:\n%s", s.list.Cursor(), d.Screen())
	}
	d.Press("pgup")
	if c := s.list.Cursor(); c >= 29 || c < 29-s.list.Height() {
		t.Errorf("pgup from the end: cursor %d (height %d)", c, s.list.Height())
	}
	d.Press("g", "j", "j")
	sel := many[2].TraceID
	reversed := make([]jaeger.TraceSummary, len(many))
	for i := range many {
		reversed[len(many)-1-i] = many[i]
	}
	j.set(reversed, nil)
	d.Press("r")
	if got := s.rows[s.list.Cursor()].id; got != sel {
		t.Errorf("after a new search the cursor is on %s, want %s", got, sel)
	}
	if cmd := s.Refresh(d.M); cmd == nil {
		t.Error("the tick does not refresh the shown list")
	}
	d.Settle()
	j.set(nil, errors.New("jaeger: 503 Service Unavailable"))
	d.Press("r")
	out := d.Screen()
	if !strings.Contains(out, "✗ jaeger: jaeger: 503 Service Unavailable") || !strings.Contains(out, "stale: the list as of 03:30:00") || s.Len() != 30 {
		t.Errorf("a failed search: %d rows\n%s", s.Len(), out)
	}
	d.Press("esc")
	if cmd := s.Refresh(d.M); cmd != nil || d.M.Shown() != "" {
		t.Errorf("the tick refreshes a list that is not shown (shown %q)", d.M.Shown())
	}
}

// cursorLine is the list's line under the cursor.
func cursorLine(screen string) string {
	for _, l := range strings.Split(screen, "\n") {
		if strings.HasPrefix(l, "▌ ") {
			return l
		}
	}
	return ""
}

func TestTracesNeedAnAlertWithAService(t *testing.T) {
	j := &searcher{found: summaries()}
	d := newDriver(t, tuitest.Setup{NoData: true}, Options{Jaeger: j})
	d.Press("T")
	if out := d.Screen(); !strings.Contains(out, "select an alert first") || len(j.searches()) != 0 {
		t.Errorf("no alert: %d searches\n%s", len(j.searches()), out)
	}
	s := screenOf(t, d)
	s.Open(d.M, &alerts.Alert{Labels: map[string]string{"alertname": "Watchdog"}})
	if out := d.Screen(); !strings.Contains(out, "alert Watchdog has no service or job label") {
		t.Errorf("no service:\n%s", out)
	}
	// r has nothing to search: it is the root's refresh.
	if used, _ := s.HandleKey(d.M, tuitest.Key("r")); used {
		t.Error("r was taken with no service to search")
	}
}

func TestTracesWithoutJaeger(t *testing.T) {
	e := Entry(Options{})
	if e.New != nil || !strings.Contains(e.Unavailable, "no Jaeger") {
		t.Fatalf("entry without Jaeger: %+v", e)
	}
	d := newDriver(t, tuitest.Setup{Width: 160, Height: 48}, Options{})
	d.Press("T")
	if out := d.Screen(); d.M.Shown() != "" || !strings.Contains(out, "traces is not available (no Jaeger configured") {
		t.Errorf("T without Jaeger:\n%s", out)
	}
}
