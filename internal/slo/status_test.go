package slo

import (
	"math"
	"testing"
	"time"
)

func def999() Definition {
	return Definition{
		Name:      "api",
		Objective: 99.9,
		Errors:    `sum(rate(http_requests_total{code=~"5.."}[$window]))`,
		Total:     `sum(rate(http_requests_total[$window]))`,
	}
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

// TestBudgetTotal checks the budget-as-time arithmetic. The product brief
// quoted "8.64h a month" for 99.9% over 30 days; the honest figure is
// 30d x 0.1% = 43.2 minutes (43m12s). 8.64h is 0.1% of a 360-day "year"
// (a 365-day year gives 8h45m36s), so the brief mixed up month and year.
func TestBudgetTotal(t *testing.T) {
	cases := []struct {
		objective float64
		window    time.Duration
		want      time.Duration
	}{
		{99.9, 0, 43*time.Minute + 12*time.Second}, // default 30d window
		{99.9, 30 * day, 43*time.Minute + 12*time.Second},
		{99.9, 360 * day, 8*time.Hour + 38*time.Minute + 24*time.Second}, // 8.64h
		{99.9, 365 * day, 8*time.Hour + 45*time.Minute + 36*time.Second},
		{99, 30 * day, 7*time.Hour + 12*time.Minute},
		{99.99, 28 * day, 4*time.Minute + 1*time.Second + 920*time.Millisecond},
	}
	for _, c := range cases {
		d := def999()
		d.Objective, d.Window = c.objective, c.window
		got := Compute(d, 0, nil).BudgetTotal
		if diff := got - c.want; diff < -time.Millisecond || diff > time.Millisecond {
			t.Errorf("objective %g window %s: budget %s, want %s", c.objective, c.window, got, c.want)
		}
	}
}

// TestWorkbookConsumption reproduces the table in the SRE workbook
// ("Alerting on SLOs", recommended parameters for a 99.9% 30-day SLO).
func TestWorkbookConsumption(t *testing.T) {
	cases := []struct {
		burn     float64
		duration time.Duration
		want     float64
	}{
		{14.4, time.Hour, 0.02},
		{6, 6 * time.Hour, 0.05},
		{3, day, 0.10},
		{1, 3 * day, 0.10},
		{1, 30 * day, 1.0}, // burn rate 1 spends exactly the budget over the window
	}
	d := def999()
	for _, c := range cases {
		got := BudgetConsumedBetween(d, c.burn*d.BudgetFraction(), c.duration)
		if !near(got, c.want, 1e-9) {
			t.Errorf("burn %g for %s consumed %.6f, want %.2f", c.burn, c.duration, got, c.want)
		}
	}
	if got := BudgetConsumedBetween(d, 0.5, -time.Hour); got != 0 {
		t.Errorf("negative interval consumed %g, want 0", got)
	}
}

func TestComputeFractions(t *testing.T) {
	d := def999()
	s := Compute(d, 0.00018, map[string]float64{"1h": 0.0004, "5m": 0.02})
	if !near(s.SLI, 0.99982, 1e-12) || !near(s.ErrorRatio, 0.00018, 1e-12) {
		t.Errorf("SLI %g ratio %g", s.SLI, s.ErrorRatio)
	}
	if !near(s.BudgetConsumed, 0.18, 1e-9) || !near(s.BudgetRemaining, 0.82, 1e-9) {
		t.Errorf("consumed %g remaining %g, want 0.18 and 0.82", s.BudgetConsumed, s.BudgetRemaining)
	}
	wantLeft := time.Duration(0.82 * (43*60 + 12) * float64(time.Second))
	if diff := s.BudgetRemainingTime - wantLeft; diff < -time.Millisecond || diff > time.Millisecond {
		t.Errorf("remaining time %s, want %s", s.BudgetRemainingTime, wantLeft)
	}
	if !near(s.BurnRates["1h"], 0.4, 1e-9) || !near(s.BurnRates["5m"], 20, 1e-9) {
		t.Errorf("burn rates %v", s.BurnRates)
	}
	if _, ok := s.BurnRates["6h"]; ok {
		t.Error("6h burn rate present although no ratio was given")
	}
	if s.Def.Window != 30*day {
		t.Errorf("window not defaulted: %s", s.Def.Window)
	}

	over := Compute(d, 0.0015, nil)
	if !near(over.BudgetRemaining, -0.5, 1e-9) || over.BudgetRemainingTime >= 0 {
		t.Errorf("overspent: remaining %g (%s), want -0.5 and negative time", over.BudgetRemaining, over.BudgetRemainingTime)
	}

	odd := Compute(d, math.NaN(), map[string]float64{"1h": -1, "5m": 7})
	if odd.ErrorRatio != 0 || odd.BurnRates["1h"] != 0 || !near(odd.BurnRates["5m"], 1000, 1e-6) {
		t.Errorf("sanitising: ratio %g burns %v", odd.ErrorRatio, odd.BurnRates)
	}
}

func TestClassify(t *testing.T) {
	const eps = 1e-9
	cases := []struct {
		name  string
		burns map[string]float64
		want  State
	}{
		{"nothing", nil, StateOK},
		{"fast page at threshold", map[string]float64{"1h": 14.4, "5m": 14.4}, StateOK},
		{"fast page just above", map[string]float64{"1h": 14.4 + eps, "5m": 14.4 + eps}, StatePage},
		{"fast page 1h only", map[string]float64{"1h": 20, "5m": 14.4}, StateOK},
		{"fast page 5m only (reset)", map[string]float64{"1h": 14.4, "5m": 100}, StateOK},
		{"fast page 5m missing", map[string]float64{"1h": 100}, StateOK},
		{"slow page at threshold (no 3d, so no ticket)", map[string]float64{"6h": 6, "30m": 6}, StateOK},
		{"slow page just above", map[string]float64{"6h": 6 + eps, "30m": 6 + eps}, StatePage},
		{"slow page 30m below", map[string]float64{"6h": 7, "30m": 6 - eps}, StateOK},
		{"fast ticket at threshold", map[string]float64{"1d": 3, "2h": 3}, StateOK},
		{"fast ticket just above", map[string]float64{"1d": 3 + eps, "2h": 3 + eps}, StateTicket},
		{"fast ticket 2h below", map[string]float64{"1d": 5, "2h": 3}, StateOK},
		{"slow ticket at threshold", map[string]float64{"3d": 1, "6h": 1}, StateOK},
		{"slow ticket just above", map[string]float64{"3d": 1 + eps, "6h": 1 + eps}, StateTicket},
		{"slow ticket 3d below", map[string]float64{"3d": 1 - eps, "6h": 5}, StateOK},
		{"page beats ticket", map[string]float64{"1h": 15, "5m": 15, "1d": 4, "2h": 4}, StatePage},
		{"all windows calm", map[string]float64{"5m": 1, "30m": 1, "1h": 1, "2h": 1, "6h": 1, "1d": 1, "3d": 1}, StateOK},
	}
	for _, c := range cases {
		if got := Classify(c.burns); got != c.want {
			t.Errorf("%s: %v → %s, want %s", c.name, c.burns, got, c.want)
		}
	}
}

func TestComputeState(t *testing.T) {
	d := def999()
	b := d.BudgetFraction()
	page := Compute(d, 0, map[string]float64{"1h": 15 * b, "5m": 15 * b})
	ticket := Compute(d, 0, map[string]float64{"3d": 1.5 * b, "6h": 1.5 * b})
	calm := Compute(d, 0, map[string]float64{"1h": 0.5 * b, "5m": 20 * b})
	if page.State != StatePage || ticket.State != StateTicket || calm.State != StateOK {
		t.Errorf("states %s %s %s, want page ticket ok", page.State, ticket.State, calm.State)
	}
}

func TestExhaustion(t *testing.T) {
	d := def999()
	b := d.BudgetFraction()
	cases := []struct {
		name   string
		window float64 // error ratio over the SLO window
		burn1h *float64
		want   *time.Duration
	}{
		{"full budget at 14.4x lasts 50h", 0, ptr(14.4), dur(50 * time.Hour)},
		{"half budget at 2x lasts 7.5d", 0.5 * b, ptr(2), dur(180 * time.Hour)},
		{"quarter budget at 1x lasts 7.5d", 0.75 * b, ptr(1), dur(180 * time.Hour)},
		{"overspent is zero", 1.2 * b, ptr(3), dur(0)},
		{"exactly spent is zero", b, ptr(3), dur(0)},
		{"not burning", 0.5 * b, ptr(0), nil},
		{"no 1h data", 0.5 * b, nil, nil},
	}
	for _, c := range cases {
		burns := map[string]float64{}
		if c.burn1h != nil {
			burns["1h"] = *c.burn1h * b
		}
		got := Compute(d, c.window, burns).Exhaustion
		switch {
		case c.want == nil && got != nil:
			t.Errorf("%s: exhaustion %s, want nil", c.name, *got)
		case c.want != nil && got == nil:
			t.Errorf("%s: exhaustion nil, want %s", c.name, *c.want)
		case c.want != nil && (*got-*c.want > time.Second || *c.want-*got > time.Second):
			t.Errorf("%s: exhaustion %s, want %s", c.name, *got, *c.want)
		}
	}
}

func ptr(f float64) *float64             { return &f }
func dur(d time.Duration) *time.Duration { return &d }
