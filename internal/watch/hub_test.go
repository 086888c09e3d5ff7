package watch

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/alertmanager/api/v2/models"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"oncall/internal/alerts"
)

// fakeAM answers with one alert per name and counts its calls; gate, when
// set, holds every call until closed.
type fakeAM struct {
	names  []string
	alerts atomic.Int64
	sils   atomic.Int64
	gate   chan struct{}
	err    error
}

func (f *fakeAM) Alerts(ctx context.Context, _ []string) (models.GettableAlerts, error) {
	f.alerts.Add(1)
	if f.gate != nil {
		select {
		case <-f.gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if f.err != nil {
		return nil, f.err
	}
	var out models.GettableAlerts
	for _, n := range f.names {
		fp := alerts.Fingerprint(map[string]string{"alertname": n})
		active := models.AlertStatusStateActive
		out = append(out, &models.GettableAlert{Alert: models.Alert{Labels: models.LabelSet{"alertname": n}}, Fingerprint: &fp,
			Status: &models.AlertStatus{State: &active}})
	}
	return out, nil
}

func (f *fakeAM) Silences(context.Context, []string) (models.GettableSilences, error) {
	f.sils.Add(1)
	return models.GettableSilences{}, nil
}

// fakeRules is a Prometheus (or ruler) with one pending alert.
type fakeRules struct {
	name  string
	calls atomic.Int64
	hang  bool
}

func (f *fakeRules) Alerts(ctx context.Context) ([]v1.Alert, error) {
	f.calls.Add(1)
	if f.hang {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return []v1.Alert{{Labels: model.LabelSet{"alertname": model.LabelValue(f.name)}, State: v1.AlertStatePending, ActiveAt: time.Now()}}, nil
}

func (f *fakeRules) AlertingRules(context.Context) (map[string][]v1.AlertingRule, error) {
	return map[string][]v1.AlertingRule{f.name: {{Name: f.name, Query: "up == 0"}}}, nil
}

// next waits for snapshots until cond holds over the latest of each cluster.
func next(t *testing.T, s *Sub, cond func(map[string]*Snapshot) bool) map[string]*Snapshot {
	t.Helper()
	latest := map[string]*Snapshot{}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for !cond(latest) {
		snaps, err := s.Next(ctx)
		if err != nil {
			t.Fatalf("next: %v (latest %v)", err, latest)
		}
		for _, snap := range snaps {
			latest[snap.Cluster] = snap
		}
	}
	return latest
}

func names(snap *Snapshot) map[string]alerts.State {
	out := map[string]alerts.State{}
	for _, a := range snap.Alerts {
		out[a.Name()+"@"+a.Cluster] = a.State
	}
	return out
}

func TestHubMergesEachClusterSeparately(t *testing.T) {
	eu, us := &fakeAM{names: []string{"APIDown"}}, &fakeAM{names: []string{"APIDown", "DiskFull"}}
	h := NewHub([]Cluster{
		{Name: "prod-eu", AM: eu, Prom: &fakeRules{name: "RedisDown"}},
		{Name: "prod-us", AM: us, Ruler: &fakeRules{name: "LogErrorBurst"}},
	}, Options{Interval: time.Hour})
	defer h.Close()
	s, err := h.Subscribe([]string{"prod-eu", "prod-us"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got := next(t, s, func(m map[string]*Snapshot) bool {
		return len(m) == 2 && len(m["prod-eu"].Alerts) == 2 && len(m["prod-us"].Alerts) == 3 && m["prod-eu"].Loaded() && m["prod-us"].Loaded()
	})
	if n := names(got["prod-eu"]); n["APIDown@prod-eu"] != alerts.StateFiring || n["RedisDown@prod-eu"] != alerts.StatePending {
		t.Fatalf("prod-eu: %v", n)
	}
	us0 := names(got["prod-us"])
	if us0["APIDown@prod-us"] != alerts.StateFiring || us0["LogErrorBurst@prod-us"] != alerts.StatePending {
		t.Fatalf("prod-us: %v", us0)
	}
	for _, a := range got["prod-us"].Alerts {
		if a.Name() == "LogErrorBurst" && (a.Rule == nil || a.Rule.Source != alerts.SourceLoki) {
			t.Fatalf("ruler alert's rule: %+v", a.Rule)
		}
	}
}

// Fifty sessions on the same clusters make one fetch per source per
// interval, and fifty refreshes at once make one more.
func TestHubSharesPollingBetweenSessions(t *testing.T) {
	am := &fakeAM{names: []string{"APIDown"}}
	prom := &fakeRules{name: "RedisDown"}
	h := NewHub([]Cluster{{Name: "prod", AM: am, Prom: prom}}, Options{Interval: time.Hour, MinGap: time.Hour})
	defer h.Close()
	var subs []*Sub
	for range 50 {
		s, err := h.Subscribe([]string{"prod"})
		if err != nil {
			t.Fatal(err)
		}
		subs = append(subs, s)
	}
	var wg sync.WaitGroup
	for _, s := range subs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			next(t, s, func(m map[string]*Snapshot) bool { return m["prod"] != nil && m["prod"].Loaded() })
		}()
	}
	wg.Wait()
	for _, s := range subs {
		s.Refresh()
	}
	time.Sleep(50 * time.Millisecond)
	if a, s, p := am.alerts.Load(), am.sils.Load(), prom.calls.Load(); a != 1 || s != 1 || p != 1 {
		t.Fatalf("50 sessions made %d alert, %d silence and %d Prometheus fetches; want 1 each", a, s, p)
	}
	for _, s := range subs {
		s.Close()
	}
	h.mu.Lock()
	left := len(h.pollers)
	h.mu.Unlock()
	if left != 0 {
		t.Fatalf("%d pollers still running after every session left", left)
	}
}

// A hanging source marks only itself; the others keep answering.
func TestHubHangingSourceDegradesOnlyItself(t *testing.T) {
	am := &fakeAM{names: []string{"APIDown"}}
	h := NewHub([]Cluster{{Name: "prod", AM: am, Prom: &fakeRules{name: "x", hang: true}}}, Options{Interval: time.Hour, Timeout: 200 * time.Millisecond})
	defer h.Close()
	s, err := h.Subscribe([]string{"prod"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got := next(t, s, func(m map[string]*Snapshot) bool {
		return m["prod"] != nil && m["prod"].Health[SrcAM].OK && len(m["prod"].Alerts) == 1
	})
	if !got["prod"].Health[SrcProm].InFlight {
		t.Fatalf("Prometheus should still be in flight when Alertmanager answers: %+v", got["prod"].Health)
	}
	got = next(t, s, func(m map[string]*Snapshot) bool { return m["prod"] != nil && m["prod"].Health[SrcProm].Err != "" })
	if !got["prod"].Health[SrcAM].OK || len(got["prod"].Alerts) != 1 {
		t.Fatalf("Alertmanager's data lost when Prometheus failed: %+v", got["prod"].Health)
	}
}

// A cluster that fails keeps its last good data; another cluster is not
// touched.
func TestHubFailureKeepsLastGoodData(t *testing.T) {
	a := &fakeAM{names: []string{"APIDown"}}
	b := &fakeAM{names: []string{"DiskFull"}}
	h := NewHub([]Cluster{{Name: "a", AM: a}, {Name: "b", AM: b}}, Options{Interval: time.Hour, MinGap: time.Millisecond})
	defer h.Close()
	s, err := h.Subscribe([]string{"a", "b"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	next(t, s, func(m map[string]*Snapshot) bool {
		return m["a"] != nil && m["b"] != nil && m["a"].Loaded() && m["b"].Loaded()
	})
	a.err = errors.New("connection refused")
	time.Sleep(5 * time.Millisecond)
	s.Refresh()
	got := next(t, s, func(m map[string]*Snapshot) bool { return m["a"] != nil && m["a"].Health[SrcAM].Err != "" })
	if len(got["a"].Alerts) != 1 || got["a"].Health[SrcAM].FailSince.IsZero() {
		t.Fatalf("failed cluster lost its data: %d alerts, %+v", len(got["a"].Alerts), got["a"].Health[SrcAM])
	}
}

func TestHubMaxInFlightBoundsFetches(t *testing.T) {
	gate := make(chan struct{})
	var cs []Cluster
	var ams []*fakeAM
	for i := range 6 {
		am := &fakeAM{names: []string{"A"}, gate: gate}
		ams = append(ams, am)
		cs = append(cs, Cluster{Name: string(rune('a' + i)), AM: am})
	}
	h := NewHub(cs, Options{Interval: time.Hour, MaxInFlight: 3})
	defer h.Close()
	s, err := h.Subscribe(h.Clusters())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	time.Sleep(100 * time.Millisecond)
	var started int64
	for _, am := range ams {
		started += am.alerts.Load()
	}
	// Silences answer at once, so their slots free up; the gated alert
	// fetches hold three slots at most.
	if started > 3 {
		t.Fatalf("%d alert fetches in flight, want at most 3", started)
	}
	close(gate)
	next(t, s, func(m map[string]*Snapshot) bool {
		for _, c := range cs {
			if m[c.Name] == nil || !m[c.Name].Loaded() {
				return false
			}
		}
		return true
	})
}

func TestSubWatchSwitchesClusters(t *testing.T) {
	a, b := &fakeAM{names: []string{"A"}}, &fakeAM{names: []string{"B"}}
	h := NewHub([]Cluster{{Name: "a", AM: a}, {Name: "b", AM: b}}, Options{Interval: time.Hour})
	defer h.Close()
	s, err := h.Subscribe([]string{"a"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	next(t, s, func(m map[string]*Snapshot) bool { return m["a"] != nil && m["a"].Loaded() })
	if b.alerts.Load() != 0 {
		t.Fatal("b fetched before anyone watched it")
	}
	if err := s.Watch([]string{"b"}); err != nil {
		t.Fatal(err)
	}
	next(t, s, func(m map[string]*Snapshot) bool { return m["b"] != nil && m["b"].Loaded() })
	h.mu.Lock()
	_, aPolled := h.pollers["a"]
	h.mu.Unlock()
	if aPolled {
		t.Fatal("a is still polled after the session stopped watching it")
	}
	if err := s.Watch([]string{"nope"}); err == nil {
		t.Fatal("an unknown cluster was accepted")
	}
}

// A refresh asked for within MinGap is not lost: it runs once when the gap
// ends, however many sessions asked.
func TestHubRefreshWithinTheGapRunsWhenItEnds(t *testing.T) {
	am := &fakeAM{names: []string{"APIDown"}}
	h := NewHub([]Cluster{{Name: "prod", AM: am}}, Options{Interval: time.Hour, MinGap: 300 * time.Millisecond})
	defer h.Close()
	s, err := h.Subscribe([]string{"prod"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	next(t, s, func(m map[string]*Snapshot) bool { return m["prod"] != nil && m["prod"].Loaded() })
	for range 10 {
		s.Refresh()
	}
	if n := am.alerts.Load(); n != 1 {
		t.Fatalf("%d fetches within the gap, want 1", n)
	}
	deadline := time.Now().Add(3 * time.Second)
	for am.alerts.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(400 * time.Millisecond)
	if n := am.alerts.Load(); n != 2 {
		t.Fatalf("%d fetches after the gap, want exactly 2", n)
	}
}
