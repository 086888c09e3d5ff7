package history

import (
	"math"
	"time"

	"github.com/prometheus/common/model"
)

// raw is an episode before it is cut to the range: start is the first and
// end the last firing sample (for an approximate one, the bounds of the
// steps it was seen in); firstStep and lastStep are the first and last
// query steps that saw it.
type raw struct {
	start, end          time.Time
	firstStep, lastStep time.Time
	ongoing, approx     bool
}

// stampedEpisodes reads the timestamp() half: points whose values are
// sample timestamps. At a step t the alert fires when its latest sample is
// fresh (no older than twice the sample interval, or twice the step when
// that is longer); a run of such steps is an episode from its first sample
// to its last. A jump between successive samples longer than that, or a
// missing step (a staleness marker hid the series), also ends an episode.
func stampedEpisodes(pts []model.SamplePair, r Range) []raw {
	if len(pts) == 0 {
		return nil
	}
	step := r.Step
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
	var out []raw
	var cur *raw
	flush := func(ongoing bool) {
		if cur != nil {
			cur.ongoing = ongoing
			out = append(out, *cur)
			cur = nil
		}
	}
	for _, p := range pts {
		t := p.Timestamp.Time()
		sample := unixTime(float64(p.Value))
		firing := t.Sub(sample) <= fresh
		if cur != nil && (!firing || sample.Sub(cur.end) > fresh || t.Sub(cur.lastStep) > step+step/2) {
			flush(false)
		}
		if !firing {
			continue
		}
		if cur == nil {
			cur = &raw{start: sample, firstStep: t}
		}
		cur.end, cur.lastStep = sample, t
	}
	// Still firing when the last step of the range saw it.
	flush(cur != nil && r.To.Sub(cur.lastStep) < step)
	return out
}

// uncovered reads the count_over_time half: each point counts the firing
// samples in (t-step, t]. A step with samples that no stamped episode
// accounts for holds an episode the timestamp() half missed (it fell
// between two steps); runs of such steps become approximate episodes.
func uncovered(pts []model.SamplePair, stamped []raw, r Range) []raw {
	var out []raw
	var cur *raw
	for _, p := range pts {
		if p.Value <= 0 {
			continue
		}
		t := p.Timestamp.Time()
		if covered(stamped, t, r.Step) {
			continue
		}
		from := t.Add(-r.Step)
		if cur != nil && from.After(cur.end) {
			out = append(out, *cur)
			cur = nil
		}
		if cur == nil {
			cur = &raw{start: from, approx: true}
		}
		cur.end = t
	}
	if cur != nil {
		out = append(out, *cur)
	}
	for i := range out {
		if out[i].end.After(r.To) {
			out[i].end = r.To
		}
	}
	return out
}

// covered reports whether the step ending at t belongs to a stamped
// episode: it is one of the steps that saw it, or the step right after the
// last (with staleness markers, the samples between the last step that saw
// an episode and its end are only counted there).
func covered(eps []raw, t time.Time, step time.Duration) bool {
	for _, e := range eps {
		if !t.Before(e.firstStep) && !t.After(e.lastStep.Add(step)) {
			return true
		}
	}
	return false
}

// finish turns a raw episode into an Episode cut to the range; false when
// it ended before the range began.
func (e raw) finish(r Range) (Episode, bool) {
	ep := Episode{Start: e.start, Ongoing: e.ongoing, Approximate: e.approx}
	if !e.ongoing {
		end := e.end
		ep.End = &end
	}
	c := Clip([]Episode{ep}, r.From, r.To)
	if len(c) == 0 {
		return Episode{}, false
	}
	return c[0], true
}

func secs(f float64) time.Duration { return time.Duration(math.Round(f*1e3)) * time.Millisecond }

func unixTime(f float64) time.Time { return time.UnixMilli(int64(math.Round(f * 1e3))) }
