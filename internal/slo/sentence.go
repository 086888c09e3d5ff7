package slo

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Sentence summarises the status in one plain-words sentence, e.g.
//
//	Burning 14.2× faster than sustainable; at this rate the 30-day budget is gone in 2h 6m.
//	Within budget: burning 0.4× the sustainable rate; 82% of the 30-day budget remains.
//	Budget exhausted: 112% of the 30-day budget is spent.
func (s Status) Sentence() string {
	period := PeriodPhrase(s.Def.EffectiveWindow())
	b1h, has1h := s.BurnRates[Window1h]
	switch {
	case s.BudgetRemaining <= 0:
		return fmt.Sprintf("Budget exhausted: %s of the %s budget is spent.", Percent(s.BudgetConsumed), period)
	case has1h && b1h > 1 && s.Exhaustion != nil:
		return fmt.Sprintf("Burning %s× faster than sustainable; at this rate the %s budget is gone in %s.",
			formatBurn(b1h), period, HumanDuration(*s.Exhaustion))
	case s.State != StateOK:
		w, b := s.fastestWindow()
		return fmt.Sprintf("Elevated burn: %s× the sustainable rate over the last %s; %s of the %s budget remains.",
			formatBurn(b), w, Percent(s.BudgetRemaining), period)
	case has1h:
		return fmt.Sprintf("Within budget: burning %s× the sustainable rate; %s of the %s budget remains.",
			formatBurn(b1h), Percent(s.BudgetRemaining), period)
	}
	return fmt.Sprintf("Within budget: %s of the %s budget remains.", Percent(s.BudgetRemaining), period)
}

// fastestWindow returns the burn window with the highest burn rate, the
// shorter window winning ties.
func (s Status) fastestWindow() (string, float64) {
	best, bestRate := "", math.Inf(-1)
	for _, d := range BurnWindows() {
		w := WindowLabel(d)
		if r, ok := s.BurnRates[w]; ok && r > bestRate {
			best, bestRate = w, r
		}
	}
	if best == "" {
		return "window", 0
	}
	return best, bestRate
}

// PeriodPhrase names an SLO period for prose: "30-day", "7-day", "12h".
func PeriodPhrase(window time.Duration) string {
	if window > 0 && window%day == 0 {
		return strconv.FormatInt(int64(window/day), 10) + "-day"
	}
	return FormatWindow(window)
}

// Percent formats a fraction as a whole percentage ("82%", "112%"), using one
// decimal where rounding would otherwise claim "0%" or "100%" for a value
// that is not exactly that ("0.1%", "99.9%").
func Percent(f float64) string {
	v := f * 100
	r := math.Round(v)
	switch {
	case r == 0 && v > 0:
		return strconv.FormatFloat(math.Ceil(v*10)/10, 'f', 1, 64) + "%"
	case r == 0 && v < 0:
		return strconv.FormatFloat(math.Floor(v*10)/10, 'f', 1, 64) + "%"
	case r == 100 && v < 100:
		return strconv.FormatFloat(math.Floor(v*10)/10, 'f', 1, 64) + "%"
	}
	return strconv.FormatFloat(r, 'f', 0, 64) + "%"
}

func formatBurn(b float64) string {
	switch {
	case b == 0:
		return "0"
	case b < 0.1:
		return strconv.FormatFloat(b, 'f', 2, 64)
	}
	return strconv.FormatFloat(b, 'f', 1, 64)
}

// HumanDuration renders d with its two most significant units, rounded:
// "2h 6m", "3d 4h", "45s", "5m". Durations under half a second are "0s".
func HumanDuration(d time.Duration) string {
	if d < 0 {
		if d == math.MinInt64 {
			d++
		}
		return "-" + HumanDuration(-d)
	}
	units := []struct {
		name string
		size time.Duration
	}{{"d", day}, {"h", time.Hour}, {"m", time.Minute}, {"s", time.Second}}
	top := func(d time.Duration) int {
		for i, u := range units {
			if d >= u.size {
				return i
			}
		}
		return len(units) - 1
	}
	d = d.Round(time.Second)
	i := top(d)
	if i+1 < len(units) {
		d = d.Round(units[i+1].size)
		i = top(d)
	}
	var parts []string
	parts = append(parts, strconv.FormatInt(int64(d/units[i].size), 10)+units[i].name)
	if i+1 < len(units) {
		if rest := (d % units[i].size) / units[i+1].size; rest > 0 {
			parts = append(parts, strconv.FormatInt(int64(rest), 10)+units[i+1].name)
		}
	}
	return strings.Join(parts, " ")
}
