package handoff

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// The history queries. timestamp() yields, at every step, the time of the
// latest firing sample, which makes episode ends exact and lets us ignore
// the lookback that keeps a series visible for minutes after its last
// sample when no staleness marker was written (backfilled or federated
// data). Backends without timestamp() get the plain selector.
const (
	historyQuery  = `timestamp(ALERTS{alertstate="firing"})`
	presenceQuery = `ALERTS{alertstate="firing"}`
)

// maxHistoryPoints keeps range queries under Prometheus' 11,000 points.
const maxHistoryPoints = 10000

// historyPad is how far before the window the history query starts, so that
// an alert already firing when the window began is told from one that
// started exactly then.
const historyPad = 5 * time.Minute

// HistoryStep is the query_range step for a window: one second, or coarser
// for windows over ~2.7h so that at most 10,000 points are asked for. When
// the rule evaluation interval is at least the step, episode starts are
// exact; otherwise they are within one step.
func HistoryStep(window time.Duration) time.Duration {
	s := time.Duration(math.Ceil(window.Seconds()/maxHistoryPoints)) * time.Second
	return max(s, time.Second)
}

// fetchHistory runs the history query over the window and turns the result
// into per-series episodes.
func fetchHistory(ctx context.Context, p PrometheusSource, w Window) ([]AlertHistory, error) {
	step := HistoryStep(w.Duration() + historyPad)
	r := v1.Range{Start: w.From.Add(-historyPad), End: w.To, Step: step}
	val, err := p.QueryRange(ctx, historyQuery, r)
	if err != nil {
		return nil, err
	}
	m, err := asMatrix(val)
	if err != nil {
		return nil, err
	}
	stamped := true
	if len(m) == 0 {
		if val, err = p.QueryRange(ctx, presenceQuery, r); err != nil {
			return nil, err
		}
		if m, err = asMatrix(val); err != nil {
			return nil, err
		}
		stamped = false
	}
	return histories(m, w, step, stamped), nil
}

func asMatrix(v model.Value) (model.Matrix, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case model.Matrix:
		return x, nil
	}
	return nil, fmt.Errorf("ALERTS history: got a %s, want a matrix", v.Type())
}

// histories groups the series' episodes, noisiest first.
func histories(m model.Matrix, w Window, step time.Duration, stamped bool) []AlertHistory {
	byKey := map[string]*AlertHistory{}
	var keys []string
	for _, ss := range m {
		labels := map[string]string{}
		for k, v := range ss.Metric {
			if k != model.MetricNameLabel && k != "alertstate" {
				labels[string(k)] = string(v)
			}
		}
		var eps []Episode
		if stamped {
			eps = stampedEpisodes(ss.Values, w, step)
		} else {
			eps = presenceEpisodes(ss.Values, w, step)
		}
		if len(eps) == 0 {
			continue
		}
		key := model.LabelSet(toLabelSet(labels)).String()
		h := byKey[key]
		if h == nil {
			h = &AlertHistory{Alertname: labels["alertname"], Severity: strings.ToLower(labels["severity"]), Labels: labels}
			byKey[key] = h
			keys = append(keys, key)
		}
		h.Episodes = append(h.Episodes, eps...)
	}
	out := make([]AlertHistory, 0, len(keys))
	for _, k := range keys {
		h := byKey[k]
		sort.Slice(h.Episodes, func(i, j int) bool { return h.Episodes[i].Start.Before(h.Episodes[j].Start) })
		h.Count = len(h.Episodes)
		for _, e := range h.Episodes {
			h.FiringSeconds += e.DurationSeconds
		}
		out = append(out, *h)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		switch {
		case a.Count != b.Count:
			return a.Count > b.Count
		case a.FiringSeconds != b.FiringSeconds:
			return a.FiringSeconds > b.FiringSeconds
		case a.Alertname != b.Alertname:
			return a.Alertname < b.Alertname
		}
		return labelString(a.Labels) < labelString(b.Labels)
	})
	return out
}

func toLabelSet(m map[string]string) model.LabelSet {
	ls := make(model.LabelSet, len(m))
	for k, v := range m {
		ls[model.LabelName(k)] = model.LabelValue(v)
	}
	return ls
}

func labelString(m map[string]string) string { return toLabelSet(m).String() }

// stampedEpisodes reads points whose values are sample timestamps. At a step
// t the alert fires when its latest sample is fresh (no older than twice
// the sample interval); a run of such steps is an episode from its first
// sample to its last. A jump between successive samples longer than that
// also ends an episode.
func stampedEpisodes(pts []model.SamplePair, w Window, step time.Duration) []Episode {
	if len(pts) == 0 {
		return nil
	}
	interval := time.Duration(0)
	prev := math.NaN()
	for _, p := range pts {
		v := float64(p.Value)
		if !math.IsNaN(prev) && v > prev {
			if d := secs(v - prev); interval == 0 || d < interval {
				interval = d
			}
		}
		prev = v
	}
	fresh := 2 * max(interval, step)
	var out []Episode
	var cur *Episode
	var lastSample time.Time
	var lastT time.Time
	flush := func(ongoing bool) {
		if cur == nil {
			return
		}
		cur.Ongoing = ongoing
		if finish(cur, lastSample, w) {
			out = append(out, *cur)
		}
		cur = nil
	}
	for _, p := range pts {
		t := p.Timestamp.Time()
		sample := unixTime(float64(p.Value))
		firing := t.Sub(sample) <= fresh
		if cur != nil && (!firing || sample.Sub(lastSample) > fresh || t.Sub(lastT) > step+step/2) {
			flush(false)
		}
		if firing && cur == nil {
			cur = &Episode{Start: sample}
		}
		if firing {
			lastSample, lastT = sample, t
		}
	}
	// Still firing when the last evaluation of the window saw it.
	flush(cur != nil && w.To.Sub(lastT) < step)
	return out
}

// presenceEpisodes reads points of the plain selector: an episode is a run
// of consecutive steps where the series is present.
func presenceEpisodes(pts []model.SamplePair, w Window, step time.Duration) []Episode {
	var out []Episode
	var cur *Episode
	var lastT time.Time
	for _, p := range pts {
		t := p.Timestamp.Time()
		if cur != nil && t.Sub(lastT) > step+step/2 {
			if finish(cur, lastT, w) {
				out = append(out, *cur)
			}
			cur = nil
		}
		if cur == nil {
			cur = &Episode{Start: t}
		}
		lastT = t
	}
	if cur != nil {
		cur.Ongoing = w.To.Sub(lastT) < step
		if finish(cur, lastT, w) {
			out = append(out, *cur)
		}
	}
	return out
}

// finish sets End (nil while ongoing) and the duration, in the window's
// zone, and clamps an episode that began before the window to its start. It
// reports false for an episode that ended before the window.
func finish(e *Episode, last time.Time, w Window) bool {
	if !e.Ongoing && last.Before(w.From) {
		return false
	}
	if e.Start.Before(w.From) {
		e.Start, e.StartedBefore = w.From, true
	}
	loc := w.To.Location()
	e.Start = e.Start.In(loc)
	end := w.To
	if !e.Ongoing {
		end = last.In(loc)
		e.End = &end
	}
	e.DurationSeconds = int64(end.Sub(e.Start).Seconds())
	return true
}

func secs(f float64) time.Duration { return time.Duration(math.Round(f*1e3)) * time.Millisecond }

func unixTime(f float64) time.Time { return time.UnixMilli(int64(math.Round(f * 1e3))) }
