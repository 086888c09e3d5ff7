package tui

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"oncall/internal/config"
	"oncall/runbooks"
	"oncall/sources/loki"
)

// rbFakeProm answers every query with a fixed vector and a fixed hour of
// points, and records the queries it was sent.
type rbFakeProm struct {
	mu      sync.Mutex
	queries []string
	vec     model.Vector
	err     error
}

func (f *rbFakeProm) Query(_ context.Context, q string, _ time.Time) (model.Value, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queries = append(f.queries, q)
	if f.err != nil {
		return nil, f.err
	}
	if f.vec != nil {
		return f.vec, nil
	}
	return model.Vector{
		{Metric: model.Metric{"code": "200", "service": "conectcrm-backend"}, Value: 12.5},
		{Metric: model.Metric{"code": "503", "service": "conectcrm-backend"}, Value: 4.25},
	}, nil
}

func (f *rbFakeProm) QueryRange(_ context.Context, q string, r v1.Range) (model.Value, error) {
	if f.err != nil {
		return nil, f.err
	}
	var ok, bad model.SampleStream
	ok.Metric = model.Metric{"code": "200", "service": "conectcrm-backend"}
	bad.Metric = model.Metric{"code": "503", "service": "conectcrm-backend"}
	i := 0
	for t := r.Start; !t.After(r.End); t = t.Add(r.Step) {
		ts := model.TimeFromUnixNano(t.UnixNano())
		ok.Values = append(ok.Values, model.SamplePair{Timestamp: ts, Value: model.SampleValue(20 - float64(i)/4)})
		bad.Values = append(bad.Values, model.SamplePair{Timestamp: ts, Value: model.SampleValue(float64(i % 8))})
		i++
	}
	return model.Matrix{&ok, &bad}, nil
}

func (f *rbFakeProm) sent() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.queries...)
}

// rbFakeLoki returns fixed log lines.
type rbFakeLoki struct{ q loki.Query }

func (f *rbFakeLoki) QueryRange(_ context.Context, q loki.Query) (*loki.Result, error) {
	f.q = q
	return &loki.Result{Type: "streams", Entries: []loki.Entry{
		{Time: fixedNow.Add(-time.Minute), Line: `{"level":"error","msg":"dial tcp postgres-0:5432: connection refused"}`},
		{Time: fixedNow.Add(-2 * time.Minute), Line: "panic: \x1b[31mred\x1b[0m runtime error"},
	}}, nil
}

// newRunbookModel is newTestModel with the runbook screen registered,
// finding runbooks in testdata/runbooks (and not the shipped ones).
func newRunbookModel(t *testing.T, w, h int, dark bool, d RunbookDeps) *Model {
	t.Helper()
	if d.Finder == nil && d.SetupErr == "" {
		d.Finder = runbooks.NewFinder(runbooks.Options{Paths: []string{"testdata/runbooks"}})
	}
	cfg := config.Defaults()
	cfg.CurrentContext = "prod"
	cfg.Identity.User = "alice@bastion"
	zero := time.Duration(0)
	m, err := New(Deps{Config: cfg, Now: func() time.Time { return fixedNow }, Screens: []ScreenSpec{RunbookScreen(d)}},
		Options{Dark: &dark, NoFetch: true, Grace: &zero})
	if err != nil {
		t.Fatal(err)
	}
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	m.SetData(uiFixture())
	return m
}

// rbScreen is the model's runbook screen.
func rbScreen(t *testing.T, m *Model) *runbookScreen {
	t.Helper()
	s, ok := m.ScreenByName(RunbookScreenName).(*runbookScreen)
	if !ok {
		t.Fatal("no runbook screen registered")
	}
	return s
}

// rbSelect moves the cursor to the first alert named name.
func rbSelect(t *testing.T, m *Model, name string) {
	t.Helper()
	press(m, "A", "g")
	for i := 0; i < 30; i++ {
		if a := m.Selected(); a != nil && a.Name() == name {
			return
		}
		press(m, "j")
	}
	t.Fatalf("no alert %s in the list", name)
}

// rbKeyMsg builds a key press, including the ones keyMsg does not know.
func rbKeyMsg(k string) tea.KeyPressMsg {
	switch k {
	case "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	case "pgup":
		return tea.KeyPressMsg{Code: tea.KeyPgUp}
	}
	return keyMsg(k)
}

// rbSend presses keys and runs the commands they return (see rbDrain).
func rbSend(t *testing.T, m *Model, keys ...string) []tea.Msg {
	t.Helper()
	var out []tea.Msg
	for _, k := range keys {
		_, cmd := m.Update(rbKeyMsg(k))
		out = append(out, rbDrain(t, m, cmd)...)
	}
	return out
}

// rbDrain runs cmd and its batches; messages addressed to a screen are fed
// back into the model (and their commands run too); the others are
// returned, not applied, so no status timer or blink tick runs.
func rbDrain(t *testing.T, m *Model, cmd tea.Cmd) []tea.Msg {
	t.Helper()
	if cmd == nil {
		return nil
	}
	done := make(chan tea.Msg, 1)
	go func() { done <- cmd() }()
	var msg tea.Msg
	select {
	case msg = <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("a command did not finish in 30s")
	}
	switch msg := msg.(type) {
	case tea.BatchMsg:
		var out []tea.Msg
		for _, c := range msg {
			out = append(out, rbDrain(t, m, c)...)
		}
		return out
	case Routed:
		_, next := m.Update(msg)
		return rbDrain(t, m, next)
	case nil:
		return nil
	default:
		return []tea.Msg{msg}
	}
}

// rbStatuses lists the texts of the status messages among msgs.
func rbStatuses(msgs []tea.Msg) []string {
	var out []string
	for _, msg := range msgs {
		if s, ok := msg.(StatusMsg); ok {
			out = append(out, s.Text)
		}
	}
	return out
}

// rbBody is the plain text of the screen's laid-out lines.
func rbBody(s *runbookScreen) string { return strings.Join(s.view.plain, "\n") }

// rbVisible is the plain text of what the screen shows now.
func rbVisible(m *Model) string { return plain(m.Render()) }

// rbBlockText returns the plain text of block i's span.
func rbBlockText(s *runbookScreen, i int) string {
	sp := s.view.blocks[i]
	return strings.Join(s.view.plain[sp.start:sp.end], "\n")
}

func rbContains(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, got)
		}
	}
}
