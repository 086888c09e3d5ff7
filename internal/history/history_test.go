package history

import (
	"context"
	"strings"
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// lookback is Prometheus' default: an instant selector sees the latest
// sample at most 5m old, unless it is a staleness marker.
const lookback = 5 * time.Minute

// sample is one ALERTS sample: firing, or the staleness marker Prometheus
// writes at the first evaluation after the alert stopped firing.
type sample struct {
	t     time.Time
	stale bool
}

type fakeSeries struct {
	labels  model.Metric
	samples []sample // oldest first
}

// fakeProm evaluates the history query over fixed series the way
// Prometheus does: timestamp() of the latest non-stale sample within the
// lookback, and count_over_time of the samples in (t-step, t].
type fakeProm struct {
	series  []fakeSeries
	queries []string
	ranges  []v1.Range
}

func (f *fakeProm) QueryRange(_ context.Context, q string, r v1.Range) (model.Value, error) {
	f.queries, f.ranges = append(f.queries, q), append(f.ranges, r)
	return evaluate(f.series, r), nil
}

func evaluate(series []fakeSeries, r v1.Range) model.Matrix {
	var m model.Matrix
	for _, s := range series {
		metric := model.Metric{}
		for k, v := range s.labels {
			if k != model.MetricNameLabel {
				metric[k] = v
			}
		}
		bucketMetric := metric.Clone()
		bucketMetric[bucketLabel] = "1"
		stamps := &model.SampleStream{Metric: metric}
		counts := &model.SampleStream{Metric: bucketMetric}
		for t := r.Start; !t.After(r.End); t = t.Add(r.Step) {
			var latest *sample
			n := 0
			for i := range s.samples {
				x := &s.samples[i]
				if x.t.After(t) {
					break
				}
				if t.Sub(x.t) < lookback {
					latest = x
				}
				if !x.stale && x.t.After(t.Add(-r.Step)) {
					n++
				}
			}
			ts := model.TimeFromUnixNano(t.UnixNano())
			if latest != nil && !latest.stale {
				stamps.Values = append(stamps.Values, model.SamplePair{Timestamp: ts, Value: model.SampleValue(float64(latest.t.UnixMilli()) / 1e3)})
			}
			if n > 0 {
				counts.Values = append(counts.Values, model.SamplePair{Timestamp: ts, Value: model.SampleValue(n)})
			}
		}
		for _, ss := range []*model.SampleStream{stamps, counts} {
			if len(ss.Values) > 0 {
				m = append(m, ss)
			}
		}
	}
	return m
}

var t0 = time.Date(2026, 3, 15, 10, 0, 0, 0, time.UTC)

func at(min int, sec ...int) time.Time {
	s := 0
	if len(sec) > 0 {
		s = sec[0]
	}
	return t0.Add(time.Duration(min)*time.Minute + time.Duration(s)*time.Second)
}

// firing returns samples every interval over [from, to]; stale adds the
// staleness marker of the next evaluation.
func firing(from, to time.Time, interval time.Duration, stale bool) []sample {
	var out []sample
	for t := from; !t.After(to); t = t.Add(interval) {
		out = append(out, sample{t: t})
	}
	if stale {
		out = append(out, sample{t: to.Add(interval), stale: true})
	}
	return out
}

func join(parts ...[]sample) []sample {
	var out []sample
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func alertLabels(name string, kv ...string) model.Metric {
	m := model.Metric{model.MetricNameLabel: "ALERTS", "alertstate": "firing", "alertname": model.LabelValue(name)}
	for i := 0; i+1 < len(kv); i += 2 {
		m[model.LabelName(kv[i])] = model.LabelValue(kv[i+1])
	}
	return m
}

func fetch(t *testing.T, f *fakeProm, from, to time.Time) *Set {
	t.Helper()
	set, err := Fetch(context.Background(), f, from, to)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func episodes(s *Series) string {
	if s == nil {
		return "<none>"
	}
	var parts []string
	for _, e := range s.Episodes {
		x := e.Start.Format("15:04:05") + "-"
		if e.StartedBefore {
			x = "before " + x
		}
		if e.End == nil {
			x += "ongoing"
		} else {
			x += e.End.Format("15:04:05")
		}
		if e.Approximate {
			x += "~"
		}
		parts = append(parts, x)
	}
	return strings.Join(parts, " ")
}

func TestStepAndQuery(t *testing.T) {
	for span, want := range map[time.Duration]time.Duration{
		time.Minute: time.Second, time.Hour: time.Second, 12 * time.Hour: 5 * time.Second, Day: 9 * time.Second, Week: 61 * time.Second,
	} {
		if got := Step(span); got != want {
			t.Errorf("Step(%s) = %s, want %s", span, got, want)
		}
		if pts := int(span/Step(span)) + 1; pts > 11000 {
			t.Errorf("Step(%s): %d points, over Prometheus' 11,000", span, pts)
		}
	}
	want := `timestamp(ALERTS{alertstate="firing"}) or label_replace(count_over_time(ALERTS{alertstate="firing"}[1m1s]), "oncall_bucket", "1", "", "")`
	if got := Query(61 * time.Second); got != want {
		t.Errorf("Query = %s", got)
	}
}

// Without staleness markers (backfilled or federated data) the lookback
// bridges a 3-minute gap; the history still sees two episodes, ending at
// their last samples.
func TestGapsWithoutStalenessMarkers(t *testing.T) {
	f := &fakeProm{series: []fakeSeries{
		{alertLabels("Flap", "severity", "warning"), join(firing(at(10), at(20), time.Minute, false), firing(at(23), at(30), time.Minute, false))},
	}}
	set := fetch(t, f, at(0), at(60))
	if len(f.queries) != 1 || f.ranges[0].Step != time.Second {
		t.Fatalf("queries %v at %v: want one at a 1s step", f.queries, f.ranges)
	}
	s := set.For(map[string]string{"alertname": "Flap", "severity": "warning"})
	if got, want := episodes(s), "10:10:00-10:20:00 10:23:00-10:30:00"; got != want {
		t.Fatalf("episodes = %s, want %s", got, want)
	}
	if d := s.Episodes[0].DurationSeconds; d != 600 {
		t.Errorf("duration = %d, want 600", d)
	}
}

// An episode still firing at the end of the range is ongoing; one that
// began before the range starts at the range start.
func TestOpenAndEarlierEpisodes(t *testing.T) {
	f := &fakeProm{series: []fakeSeries{
		{alertLabels("Open"), firing(at(50), at(60), 15*time.Second, false)},
		{alertLabels("Early"), firing(at(-30), at(12), 15*time.Second, true)},
		// Resolved before the range began: not in the set.
		{alertLabels("Gone"), firing(at(-40), at(-20), 15*time.Second, true)},
	}}
	set := fetch(t, f, at(0), at(60))
	if len(set.Series) != 2 {
		t.Fatalf("series = %+v", set.Series)
	}
	open := set.For(map[string]string{"alertname": "Open"})
	if got := episodes(open); got != "10:50:00-ongoing" || !open.Episodes[0].Ongoing || open.Episodes[0].DurationSeconds != 600 {
		t.Errorf("Open = %s %+v", got, open.Episodes)
	}
	early := set.For(map[string]string{"alertname": "Early"})
	if got := episodes(early); got != "before 10:00:00-10:12:00" {
		t.Errorf("Early = %s", got)
	}
	if set.For(map[string]string{"alertname": "Gone"}) != nil {
		t.Error("an episode that ended before the range is listed")
	}
}

// With staleness markers a resolved alert disappears at the next
// evaluation; a 30s pause is a gap even at a 5s step.
func TestStalenessMarkersEndEpisodes(t *testing.T) {
	f := &fakeProm{series: []fakeSeries{
		{alertLabels("Blip"), join(firing(at(5), at(6), 5*time.Second, true), firing(at(6, 35), at(7), 5*time.Second, true))},
	}}
	set := fetch(t, f, at(0), at(0).Add(12*time.Hour))
	if set.Range.Step != 5*time.Second {
		t.Fatalf("step %s", set.Range.Step)
	}
	if got, want := episodes(set.For(map[string]string{"alertname": "Blip"})), "10:05:00-10:06:00 10:06:35-10:07:00"; got != want {
		t.Errorf("episodes = %s, want %s", got, want)
	}
}

// At the 7d step (61s) an episode of two 10s evaluations that falls
// between two steps is invisible to timestamp(); count_over_time still
// sees it, bounded by its step. An episode seen at steps is one episode,
// within a step of its first and last samples.
func TestShortEpisodeBetweenStepsIsApproximate(t *testing.T) {
	from := at(0)
	to := from.Add(Week)
	step := func(k int) time.Time { return from.Add(-Pad).Add(time.Duration(k) * 61 * time.Second) }
	// Steps 5 and 6 are 10:00:05 and 10:01:06; the short episode (10:00:15,
	// 10:00:25, stale at 10:00:35) falls between them.
	short := firing(at(0, 15), at(0, 25), 10*time.Second, true)
	long := firing(at(30), at(45), 10*time.Second, true)
	f := &fakeProm{series: []fakeSeries{{alertLabels("Short"), join(short, long)}}}
	set := fetch(t, f, from, to)
	if set.Range.Step != 61*time.Second || !f.ranges[0].Start.Equal(from.Add(-Pad)) {
		t.Fatalf("step %s from %s", set.Range.Step, f.ranges[0].Start)
	}
	s := set.For(map[string]string{"alertname": "Short"})
	if s == nil || len(s.Episodes) != 2 {
		t.Fatalf("episodes = %s", episodes(s))
	}
	e := s.Episodes[0]
	if !e.Approximate || !e.Start.Equal(step(5)) || !e.End.Equal(step(6)) || e.DurationSeconds != 61 {
		t.Errorf("short episode = %s, want approximate %s-%s", e, step(5), step(6))
	}
	l := s.Episodes[1]
	if l.Approximate || l.Start.Before(at(30)) || l.Start.After(at(31)) || l.End.After(at(45)) || l.End.Before(at(44)) {
		t.Errorf("long episode = %s, want 10:30:00-10:45:00 within a step", l)
	}
}

// An ALERTS series belongs to an alert when its labels are a subset of the
// alert's (the alert may carry external labels); the most specific wins.
func TestForMatchesAlertsByLabels(t *testing.T) {
	f := &fakeProm{series: []fakeSeries{
		{alertLabels("Down", "instance", "a:1", "severity", "critical"), firing(at(1), at(2), 15*time.Second, true)},
		{alertLabels("Down", "instance", "b:1", "severity", "critical"), firing(at(3), at(4), 15*time.Second, true)},
		{alertLabels("Down", "severity", "critical"), firing(at(5), at(6), 15*time.Second, true)},
	}}
	set := fetch(t, f, at(0), at(60))
	alert := map[string]string{"alertname": "Down", "instance": "b:1", "severity": "critical", "cluster": "eu-1", "replica": "0"}
	if got := episodes(set.For(alert)); got != "10:03:00-10:04:00" {
		t.Errorf("b:1 with external labels = %s", got)
	}
	if got := episodes(set.For(map[string]string{"alertname": "Down", "severity": "critical", "cluster": "eu-1"})); got != "10:05:00-10:06:00" {
		t.Errorf("no instance = %s", got)
	}
	if s := set.For(map[string]string{"alertname": "Down", "instance": "a:1", "severity": "warning"}); s != nil {
		t.Errorf("another severity matched %s", episodes(s))
	}
	if s := set.For(map[string]string{"alertname": "Up"}); s != nil {
		t.Errorf("another alert matched %s", episodes(s))
	}
	var nilSet *Set
	if nilSet.For(alert) != nil {
		t.Error("nil set")
	}
}

func TestParseRejectsNonMatrix(t *testing.T) {
	_, err := Parse(model.Vector{}, NewRange(at(0), at(1)))
	if err == nil || !strings.Contains(err.Error(), "want a matrix") {
		t.Fatalf("err = %v", err)
	}
	set, err := Parse(nil, NewRange(at(0), at(1)))
	if err != nil || len(set.Series) != 0 {
		t.Fatalf("nil value: %v %v", set, err)
	}
}

func TestClip(t *testing.T) {
	end := at(20)
	eps := []Episode{
		{Start: at(0), End: &end},
		{Start: at(30), Ongoing: true},
	}
	got := Clip(eps, at(10), at(40))
	if len(got) != 2 || !got[0].StartedBefore || !got[0].Start.Equal(at(10)) || got[0].DurationSeconds != 600 ||
		!got[1].Ongoing || got[1].DurationSeconds != 600 {
		t.Fatalf("clip = %v", got)
	}
	// A window that ends while an episode still fires: ongoing at its end.
	got = Clip(eps, at(0), at(15))
	if len(got) != 1 || !got[0].Ongoing || got[0].End != nil || got[0].DurationSeconds != 900 {
		t.Fatalf("clip to 10:15 = %v", got)
	}
	if got := Clip(eps, at(21), at(29)); len(got) != 0 {
		t.Fatalf("quiet window = %v", got)
	}
}
