package runbooks

import (
	"testing"
	"time"
)

func TestEscalationState(t *testing.T) {
	steps := DefaultEscalation()
	m := time.Minute
	cases := []struct {
		a     Alert
		steps []string
		after time.Duration
		want  string
	}{
		{Alert{Acked: true, ActiveFor: 90 * m}, steps, 15 * m, "acked"},
		{Alert{ActiveFor: 0}, steps, 15 * m, "unacked for 0s; escalate to L2 at 15m"},
		{Alert{ActiveFor: 45 * time.Second}, steps, 15 * m, "unacked for 45s; escalate to L2 at 15m"},
		{Alert{ActiveFor: 12 * m}, steps, 15 * m, "unacked for 12m; escalate to L2 at 15m"},
		{Alert{ActiveFor: 15 * m}, steps, 15 * m, "unacked for 15m; at L2 since 15m; escalate to L3 at 30m"},
		{Alert{ActiveFor: 35 * m}, steps, 15 * m, "unacked for 35m; at L3 since 30m; past L3 at 45m"},
		{Alert{ActiveFor: 47 * m}, steps, 15 * m, "unacked for 47m; past L3 (escalated at 45m)"},
		{Alert{ActiveFor: 26*time.Hour + 5*m}, steps, 15 * m, "unacked for 1d2h; past L3 (escalated at 45m)"},
		{Alert{ActiveFor: 70 * m}, steps, 0, "unacked for 1h10m; past L3 (escalated at 45m)"},
		{Alert{ActiveFor: 25 * m}, []string{"primary", "secondary", "manager"}, 10 * m, "unacked for 25m; at manager since 20m; past manager at 30m"},
		{Alert{ActiveFor: 5 * m}, []string{"L1: me"}, 15 * m, "unacked for 5m; past L1 at 15m"},
		{Alert{ActiveFor: 5 * m}, nil, 15 * m, "unacked for 5m"},
		{Alert{ActiveFor: 2 * time.Hour}, steps, time.Hour, "unacked for 2h; at L3 since 2h; past L3 at 3h"},
	}
	for _, c := range cases {
		if got := EscalationState(c.a, c.steps, c.after); got != c.want {
			t.Errorf("EscalationState(%v, %d steps, %v) = %q, want %q", c.a.ActiveFor, len(c.steps), c.after, got, c.want)
		}
	}
	f := NewFinder(Options{Escalation: []string{"A: x", "B: y"}, EscalateAfter: 5 * m})
	if got := f.Escalation(Alert{ActiveFor: 6 * m}); got != "unacked for 6m; at B since 5m; past B at 10m" {
		t.Errorf("Finder.Escalation = %q", got)
	}
}
