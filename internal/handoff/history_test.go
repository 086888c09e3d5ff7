package handoff

import (
	"context"
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"oncall/internal/history"
)

// fakeProm answers the history query from fixed series (sample times),
// evaluated like Prometheus does with no staleness markers (backfilled
// data): the latest sample within 5m of each step, and the samples of each
// step's interval.
type fakeProm struct {
	series  []fakeSeries
	queries []string
}

type fakeSeries struct {
	labels map[string]string
	times  []time.Time
}

// promFixture is the fixture's episodes as a fakeProm (samples every 15s).
func promFixture() *fakeProm {
	f := &fakeProm{}
	for _, e := range fixtureEpisodes() {
		f.series = append(f.series, fakeSeries{e.labels, every(e.start, e.end, 15*time.Second)})
	}
	return f
}

func (f *fakeProm) QueryRange(_ context.Context, q string, r v1.Range) (model.Value, error) {
	f.queries = append(f.queries, q)
	var m model.Matrix
	for _, s := range f.series {
		metric := model.Metric{"alertstate": "firing"}
		for k, v := range s.labels {
			metric[model.LabelName(k)] = model.LabelValue(v)
		}
		bucket := metric.Clone()
		bucket["oncall_bucket"] = "1"
		stamps, counts := &model.SampleStream{Metric: metric}, &model.SampleStream{Metric: bucket}
		i := 0 // samples before i are older than the lookback
		for t := r.Start; !t.After(r.End); t = t.Add(r.Step) {
			for i < len(s.times) && t.Sub(s.times[i]) > 5*time.Minute {
				i++
			}
			var latest time.Time
			n := 0
			for _, x := range s.times[i:] {
				if x.After(t) {
					break
				}
				latest = x
				if x.After(t.Add(-r.Step)) {
					n++
				}
			}
			at := model.TimeFromUnixNano(t.UnixNano())
			if !latest.IsZero() {
				stamps.Values = append(stamps.Values, model.SamplePair{Timestamp: at, Value: model.SampleValue(float64(latest.UnixMilli()) / 1e3)})
			}
			if n > 0 {
				counts.Values = append(counts.Values, model.SamplePair{Timestamp: at, Value: model.SampleValue(n)})
			}
		}
		m = append(m, stamps, counts)
	}
	return m, nil
}

func every(from, to time.Time, d time.Duration) []time.Time {
	var out []time.Time
	for t := from; !t.After(to); t = t.Add(d) {
		out = append(out, t)
	}
	return out
}

// The handoff reads the window's history with one query (history.Fetch)
// and lists it noisiest first, times in the shift's zone.
func TestHistoryNoisiestFirst(t *testing.T) {
	w := Window{From: local(15, 6, 0), To: local(15, 7, 45)}
	w8 := func(name string) map[string]string {
		return map[string]string{"alertname": name, "severity": "warning"}
	}
	f := &fakeProm{series: []fakeSeries{
		{w8("Once"), every(local(15, 6, 0).Add(-10*time.Minute), local(15, 6, 30), 30*time.Second)},
		{w8("Flap"), append(every(local(15, 6, 10), local(15, 6, 20), time.Minute), every(local(15, 6, 23), local(15, 6, 30), time.Minute)...)},
	}}
	h, err := fetchHistory(context.Background(), f, w)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.queries) != 1 || f.queries[0] != history.Query(time.Second) {
		t.Fatalf("queries = %q", f.queries)
	}
	if len(h) != 2 || h[0].Alertname != "Flap" || h[0].Count != 2 || h[1].Alertname != "Once" || h[1].Count != 1 {
		t.Fatalf("history = %+v", h)
	}
	if h[0].FiringSeconds != 600+420 || h[0].Severity != "warning" {
		t.Errorf("Flap: %+v", h[0])
	}
	o := h[1].Episodes[0]
	if !o.StartedBefore || !o.Start.Equal(w.From) || !o.End.Equal(local(15, 6, 30)) || o.DurationSeconds != 1800 || o.Start.Location() != saoPaulo {
		t.Errorf("Once = %+v", o)
	}
}
