package runbook

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"oncall/runbooks"
	"oncall/sources/loki"
	"oncall/tui/tuitest"
	"oncall/tui/tuitest/fixture"
)

// fixedNow is the clock of the UI tests.
var fixedNow = fixture.Now()

// fakeProm answers every query with a fixed vector and a fixed hour of
// points, and records the queries it was sent.
type fakeProm struct {
	mu      sync.Mutex
	queries []string
	vec     model.Vector
	err     error
}

func (f *fakeProm) Query(_ context.Context, q string, _ time.Time) (model.Value, error) {
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

func (f *fakeProm) QueryRange(_ context.Context, q string, r v1.Range) (model.Value, error) {
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

func (f *fakeProm) sent() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.queries...)
}

// fakeLoki returns fixed log lines, or err.
type fakeLoki struct {
	q   loki.Query
	err error
}

func (f *fakeLoki) QueryRange(_ context.Context, q loki.Query) (*loki.Result, error) {
	f.q = q
	if f.err != nil {
		return nil, f.err
	}
	return &loki.Result{Type: "streams", Entries: []loki.Entry{
		{Time: fixedNow.Add(-time.Minute), Line: `{"level":"error","msg":"dial tcp postgres-0:5432: connection refused"}`},
		{Time: fixedNow.Add(-2 * time.Minute), Line: "panic: \x1b[31mred\x1b[0m runtime error"},
	}}, nil
}

// newDriver is the standard incident with the runbook screen registered,
// finding runbooks in testdata/runbooks (and not the shipped ones).
func newDriver(t *testing.T, w, h int, dark bool, o Options) (*tuitest.Driver, *screen) {
	t.Helper()
	return newDriverWith(t, tuitest.Setup{Width: w, Height: h, Dark: dark}, o)
}

// newDriverWith is newDriver with a setup of the test's own.
func newDriverWith(t *testing.T, set tuitest.Setup, o Options) (*tuitest.Driver, *screen) {
	t.Helper()
	if o.Finder == nil && o.SetupErr == "" {
		o.Finder = runbooks.NewFinder(runbooks.Options{Paths: []string{"testdata/runbooks"}})
	}
	set.Entries = append(set.Entries, Entry(o))
	d := tuitest.New(t, set)
	return d, tuitest.ScreenAs[*screen](t, d, Name)
}

// selectAlert moves the cursor to the first alert named name.
func selectAlert(t *testing.T, d *tuitest.Driver, name string) {
	t.Helper()
	d.Press("A", "g")
	for i := 0; i < 30; i++ {
		if a := d.M.Selected(); a != nil && a.Name() == name {
			return
		}
		d.Press("j")
	}
	t.Fatalf("no alert %s in the list", name)
}

// open opens the runbook of the selected alert, as R does, and waits for
// the lookup.
func open(t *testing.T, d *tuitest.Driver, s *screen) {
	t.Helper()
	d.Press("R").Until("the runbook lookup", func() bool { return !s.loading })
}

// openAPIDown opens the runbook of APIDown.
func openAPIDown(t *testing.T, d *tuitest.Driver, s *screen) {
	t.Helper()
	selectAlert(t, d, "APIDown")
	open(t, d, s)
	if s.rb == nil || s.rend == nil {
		t.Fatalf("runbook not shown: err=%q loading=%v", s.err, s.loading)
	}
}

// status is the status bar's text.
func status(d *tuitest.Driver) string {
	lines := strings.Split(d.Screen(), "\n")
	return lines[len(lines)-1]
}

// body is the plain text of the screen's laid-out lines.
func body(s *screen) string { return strings.Join(s.view.plain, "\n") }

// blockText returns the plain text of block i's span.
func blockText(s *screen, i int) string {
	sp := s.view.blocks[i]
	return strings.Join(s.view.plain[sp.start:sp.end], "\n")
}

func contains(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, got)
		}
	}
}
