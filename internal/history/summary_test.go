package history

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func ep(start, end time.Time, ongoing bool) Episode {
	e := Episode{Start: start, Ongoing: ongoing}
	if !ongoing {
		e.End = &end
	}
	return e
}

func TestSummarizeWindowsFlappingAndLastResolved(t *testing.T) {
	now := at(0).Add(Week)
	var eps []Episode
	// Three days ago: one long episode (only in the 7d window).
	old := now.Add(-3 * Day)
	eps = append(eps, ep(old, old.Add(2*time.Hour), false))
	// In the last 24h: six five-minute episodes, an hour apart, 12h ago…
	base := now.Add(-12 * time.Hour)
	for i := range 6 {
		s := base.Add(time.Duration(i) * time.Hour)
		eps = append(eps, ep(s, s.Add(5*time.Minute), false))
	}
	// …and one firing for the last 90 minutes.
	eps = append(eps, ep(now.Add(-90*time.Minute), time.Time{}, true))
	s := &Series{Labels: map[string]string{"alertname": "Flappy"}, Episodes: eps}

	sum := Summarize(s, now, 5)
	if sum.Episodes24h != 7 || sum.Episodes7d != 8 {
		t.Errorf("episodes 24h %d, 7d %d; want 7 and 8", sum.Episodes24h, sum.Episodes7d)
	}
	if !sum.Flapping {
		t.Error("7 episodes in 24h with a limit of 5 is flapping")
	}
	if Summarize(s, now, 7).Flapping {
		t.Error("7 episodes with a limit of 7 is not flapping (more than N)")
	}
	if !sum.Firing || !sum.LastFired.Equal(now.Add(-90*time.Minute)) {
		t.Errorf("firing %v, last fired %v", sum.Firing, sum.LastFired)
	}
	if want := base.Add(5*time.Hour + 5*time.Minute); sum.LastResolved == nil || !sum.LastResolved.Equal(want) {
		t.Errorf("last resolved %v, want %v", sum.LastResolved, want)
	}
	if want := int64(6*5*60 + 90*60); sum.FiringSeconds24h != want {
		t.Errorf("firing seconds 24h = %d, want %d", sum.FiringSeconds24h, want)
	}
	if want := sum.FiringSeconds24h + 2*3600; sum.FiringSeconds7d != want {
		t.Errorf("firing seconds 7d = %d, want %d", sum.FiringSeconds7d, want)
	}
	// 24 cells, oldest first: quiet for 12h, six partial hours, quiet for
	// four and a half, then the last 90 minutes: a partial and a full hour.
	if got, want := sum.Hourly.String(), strings.Repeat("·", 12)+strings.Repeat("▄", 6)+"····▄█"; got != want {
		t.Errorf("strip = %s, want %s", got, want)
	}
	if sum.Hourly.Firing[12] != 5*time.Minute || sum.Hourly.Firing[22] != 30*time.Minute || sum.Hourly.Firing[23] != time.Hour {
		t.Errorf("cell firing = %v", sum.Hourly.Firing)
	}

	js, err := json.Marshal(sum)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"episodes24h":7`, `"episodes7d":8`, `"flapping":true`, `"firing":true`, `"hourly":"············▄▄▄▄▄▄····▄█"`, `"lastResolved":"`} {
		if !strings.Contains(string(js), want) {
			t.Errorf("JSON lacks %s: %s", want, js)
		}
	}
}

func TestSummarizeNeverFired(t *testing.T) {
	now := at(0)
	sum := Summarize(nil, now, 0)
	if sum.Episodes24h != 0 || sum.Flapping || sum.LastFired != nil || sum.LastResolved != nil || sum.Firing {
		t.Errorf("summary = %+v", sum)
	}
	if sum.Hourly.String() != strings.Repeat("·", 24) {
		t.Errorf("strip = %s", sum.Hourly)
	}
	js, _ := json.Marshal(sum)
	if !strings.Contains(string(js), `"episodes":[]`) || !strings.Contains(string(js), `"lastResolved":null`) {
		t.Errorf("JSON = %s", js)
	}
}

// The set's Summary finds the alert by its labels and sums up at the end
// of the range.
func TestSetSummary(t *testing.T) {
	f := &fakeProm{series: []fakeSeries{
		{alertLabels("Down", "instance", "a:1"), join(firing(at(10), at(11), 15*time.Second, true), firing(at(20), at(21), 15*time.Second, true))},
	}}
	set, err := FetchWeek(context.Background(), f, at(0).Add(Week))
	if err != nil {
		t.Fatal(err)
	}
	if r := f.ranges[0]; !r.Start.Equal(at(0).Add(-Pad)) || r.Step != 61*time.Second || len(f.queries) != 1 {
		t.Fatalf("asked %d queries, %s to %s at %s", len(f.queries), r.Start, r.End, r.Step)
	}
	sum := set.Summary(map[string]string{"alertname": "Down", "instance": "a:1", "cluster": "eu"}, 1)
	if sum.Episodes7d != 2 || sum.Episodes24h != 0 || sum.Flapping || sum.LastResolved == nil {
		t.Errorf("summary = %+v", sum)
	}
}

// An instant episode (one evaluation) marks its cell.
func TestStripInstantEpisode(t *testing.T) {
	end := at(60)
	s := NewStrip([]Episode{ep(at(30), at(30), false)}, end, 4, 15*time.Minute)
	if s.String() != "··▄·" {
		t.Errorf("strip = %s", s)
	}
}
