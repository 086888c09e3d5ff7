package runbooks

import (
	"fmt"
	"strings"
	"time"
)

// EscalationState describes where an alert stands on the escalation ladder.
// Step k (from 0) is due after k*after without an ack, and the last step runs
// out after len(steps)*after. Examples with L1/L2/L3 and 15m:
//
//	"acked"
//	"unacked for 12m; escalate to L2 at 15m"
//	"unacked for 20m; at L2 since 15m; escalate to L3 at 30m"
//	"unacked for 35m; at L3 since 30m; past L3 at 45m"
//	"unacked for 47m; past L3 (escalated at 45m)"
//
// A step's short name is the text before its first colon ("L2: team lead"
// → "L2"). after <= 0 means 15 minutes.
func EscalationState(a Alert, steps []string, after time.Duration) string {
	if a.Acked {
		return "acked"
	}
	if after <= 0 {
		after = DefaultEscalateAfter
	}
	t := a.ActiveFor
	if t < 0 {
		t = 0
	}
	head := "unacked for " + formatDuration(t)
	n := len(steps)
	if n == 0 {
		return head
	}
	k := int(t / after)
	at := func(i int) string { return formatDuration(time.Duration(i) * after) }
	switch {
	case k >= n:
		return fmt.Sprintf("%s; past %s (escalated at %s)", head, stepName(steps[n-1]), at(n))
	case k == n-1 && k == 0:
		return fmt.Sprintf("%s; past %s at %s", head, stepName(steps[0]), at(n))
	case k == n-1:
		return fmt.Sprintf("%s; at %s since %s; past %s at %s", head, stepName(steps[k]), at(k), stepName(steps[k]), at(n))
	case k == 0:
		return fmt.Sprintf("%s; escalate to %s at %s", head, stepName(steps[1]), at(1))
	}
	return fmt.Sprintf("%s; at %s since %s; escalate to %s at %s", head, stepName(steps[k]), at(k), stepName(steps[k+1]), at(k+1))
}

// stepName is the part of a step before its first colon, trimmed.
func stepName(step string) string {
	if name, _, ok := strings.Cut(step, ":"); ok && strings.TrimSpace(name) != "" {
		return strings.TrimSpace(name)
	}
	return strings.TrimSpace(step)
}

// formatDuration prints a duration compactly: 45s, 12m, 1h, 1h5m, 2d3h.
func formatDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	case d < 24*time.Hour:
		h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
		if m == 0 {
			return fmt.Sprintf("%dh", h)
		}
		return fmt.Sprintf("%dh%dm", h, m)
	}
	days, h := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour)
	if h == 0 {
		return fmt.Sprintf("%dd", days)
	}
	return fmt.Sprintf("%dd%dh", days, h)
}
