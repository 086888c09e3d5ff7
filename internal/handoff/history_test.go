package handoff

import (
	"context"
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// fakeProm answers the history queries from fixed series, evaluated like
// Prometheus does (latest sample within 5m of each step; no staleness
// markers, as in backfilled data).
type fakeProm struct {
	samples map[string][]time.Time // series (alertname) → sample times
	stamped bool                   // timestamp() supported
	queries []string
}

func (f *fakeProm) QueryRange(_ context.Context, q string, r v1.Range) (model.Value, error) {
	f.queries = append(f.queries, q)
	if q == historyQuery && !f.stamped {
		return model.Matrix{}, nil
	}
	var m model.Matrix
	for name, ts := range f.samples {
		ss := &model.SampleStream{Metric: model.Metric{"alertname": model.LabelValue(name), "severity": "warning"}}
		for t := r.Start; !t.After(r.End); t = t.Add(r.Step) {
			var latest time.Time
			for _, s := range ts {
				if !s.After(t) && t.Sub(s) <= 5*time.Minute {
					latest = s
				}
			}
			if latest.IsZero() {
				continue
			}
			v := model.SampleValue(1)
			if q == historyQuery {
				v = model.SampleValue(float64(latest.UnixMilli()) / 1e3)
			}
			ss.Values = append(ss.Values, model.SamplePair{Timestamp: model.TimeFromUnixNano(t.UnixNano()), Value: v})
		}
		if len(ss.Values) > 0 {
			m = append(m, ss)
		}
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

func TestHistoryEpisodesWithoutStalenessMarkers(t *testing.T) {
	w := Window{From: local(15, 6, 0), To: local(15, 7, 45)}
	w.From, w.To = w.From.In(saoPaulo), w.To.In(saoPaulo)
	flap := append(every(local(15, 6, 10), local(15, 6, 20), time.Minute), every(local(15, 6, 23), local(15, 6, 30), time.Minute)...)
	f := &fakeProm{stamped: true, samples: map[string][]time.Time{
		// A 3-minute gap with 1-minute samples: two episodes, even though
		// the 5m lookback would bridge it.
		"Flap": flap,
		// Resolved at 06:30: the lookback keeps it visible until 06:35,
		// but the end is the last sample.
		"Once": every(local(15, 6, 0).Add(-10*time.Minute), local(15, 6, 30), 30*time.Second),
	}}
	h, err := fetchHistory(context.Background(), f, w)
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 2 || h[0].Alertname != "Flap" || h[0].Count != 2 || h[1].Alertname != "Once" || h[1].Count != 1 {
		t.Fatalf("history = %+v", h)
	}
	e := h[0].Episodes
	if !e[0].Start.Equal(local(15, 6, 10)) || !e[0].End.Equal(local(15, 6, 20)) || !e[1].Start.Equal(local(15, 6, 23)) || !e[1].End.Equal(local(15, 6, 30)) {
		t.Errorf("Flap episodes = %v–%v, %v–%v", e[0].Start, *e[0].End, e[1].Start, *e[1].End)
	}
	o := h[1].Episodes[0]
	if !o.StartedBefore || !o.Start.Equal(w.From) || !o.End.Equal(local(15, 6, 30)) || o.DurationSeconds != 1800 || o.Ongoing {
		t.Errorf("Once = %+v", o)
	}
	if len(f.queries) != 1 {
		t.Errorf("queries = %v, want only the timestamp query", f.queries)
	}
}

func TestHistoryFallsBackToPresence(t *testing.T) {
	w := Window{From: local(15, 7, 0).In(saoPaulo), To: local(15, 7, 45).In(saoPaulo)}
	f := &fakeProm{stamped: false, samples: map[string][]time.Time{
		"Live": every(local(15, 7, 30), local(15, 7, 45), time.Second),
	}}
	h, err := fetchHistory(context.Background(), f, w)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.queries) != 2 || f.queries[1] != presenceQuery {
		t.Fatalf("queries = %v", f.queries)
	}
	if len(h) != 1 || len(h[0].Episodes) != 1 {
		t.Fatalf("history = %+v", h)
	}
	e := h[0].Episodes[0]
	if !e.Ongoing || e.End != nil || e.Start.Before(local(15, 7, 30)) || e.Start.After(local(15, 7, 30).Add(HistoryStep(50*time.Minute))) {
		t.Errorf("episode = %+v", e)
	}
}

func TestHistoryStep(t *testing.T) {
	for w, want := range map[time.Duration]time.Duration{
		time.Hour: time.Second, 12 * time.Hour: 5 * time.Second, 7 * 24 * time.Hour: 61 * time.Second,
	} {
		if got := HistoryStep(w); got != want {
			t.Errorf("HistoryStep(%s) = %s, want %s", w, got, want)
		}
		if HistoryStep(w) > 0 && (w+historyPad)/HistoryStep(w+historyPad) > 11000 {
			t.Errorf("%s: over 11000 points", w)
		}
	}
}
