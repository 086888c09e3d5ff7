package slo

import (
	"testing"
	"time"
)

func TestSentence(t *testing.T) {
	d := def999()
	b := d.BudgetFraction()
	// Remaining budget chosen so that 14.2x burn empties it in exactly 2h6m:
	// remaining*720h/14.2 = 2.1h.
	remaining := 2.1 * 14.2 / 720
	cases := []struct {
		name   string
		window float64
		burns  map[string]float64
		state  State
		want   string
	}{
		{
			"page", (1 - remaining) * b,
			map[string]float64{"1h": 14.2 * b, "5m": 15 * b, "6h": 7 * b, "30m": 7 * b}, StatePage,
			"Burning 14.2× faster than sustainable; at this rate the 30-day budget is gone in 2h 6m.",
		},
		{
			"ok", 0.18 * b,
			map[string]float64{"1h": 0.4 * b, "5m": 0.3 * b}, StateOK,
			"Within budget: burning 0.4× the sustainable rate; 82% of the 30-day budget remains.",
		},
		{
			"exhausted", 1.12 * b,
			map[string]float64{"1h": 30 * b, "5m": 30 * b}, StatePage,
			"Budget exhausted: 112% of the 30-day budget is spent.",
		},
		{
			"ticket with a calm last hour", 0.4 * b,
			map[string]float64{"1h": 0.8 * b, "2h": 4.1 * b, "1d": 3.2 * b}, StateTicket,
			"Elevated burn: 4.1× the sustainable rate over the last 2h; 60% of the 30-day budget remains.",
		},
		{
			"slow burn above 1x but no alert", 0.1 * b,
			map[string]float64{"1h": 2 * b}, StateOK,
			"Burning 2.0× faster than sustainable; at this rate the 30-day budget is gone in 13d 12h.",
		},
		{
			"no burn data", 0.001 * b, nil, StateOK,
			"Within budget: 99.9% of the 30-day budget remains.",
		},
	}
	for _, c := range cases {
		s := Compute(d, c.window, c.burns)
		if s.State != c.state {
			t.Errorf("%s: state %s, want %s", c.name, s.State, c.state)
		}
		if got := s.Sentence(); got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.name, got, c.want)
		}
	}

	week := d
	week.Window = 7 * day
	if got := Compute(week, 0, nil).Sentence(); got != "Within budget: 100% of the 7-day budget remains." {
		t.Errorf("7-day window: %q", got)
	}
}

func TestHumanDuration(t *testing.T) {
	cases := []struct {
		in   time.Duration
		want string
	}{
		{0, "0s"},
		{400 * time.Millisecond, "0s"},
		{45 * time.Second, "45s"},
		{90 * time.Second, "1m 30s"},
		{5 * time.Minute, "5m"},
		{2*time.Hour + 6*time.Minute + 10*time.Second, "2h 6m"},
		{2*time.Hour + 5*time.Minute + 40*time.Second, "2h 6m"},
		{time.Hour + 59*time.Minute + 40*time.Second, "2h"},
		{23*time.Hour + 59*time.Minute + 50*time.Second, "1d"},
		{3*day + 4*time.Hour + 10*time.Minute, "3d 4h"},
		{50 * time.Hour, "2d 2h"},
		{-(3*time.Minute + 2*time.Second), "-3m 2s"},
	}
	for _, c := range cases {
		if got := HumanDuration(c.in); got != c.want {
			t.Errorf("HumanDuration(%s) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestPercent(t *testing.T) {
	cases := map[float64]string{
		0.82: "82%", 1.12: "112%", 0: "0%", 1: "100%",
		0.9996: "99.9%", 0.0004: "0.1%", -0.0004: "-0.1%", -0.25: "-25%",
	}
	for in, want := range cases {
		if got := Percent(in); got != want {
			t.Errorf("Percent(%g) = %q, want %q", in, got, want)
		}
	}
}
