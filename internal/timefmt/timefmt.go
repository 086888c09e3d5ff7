// Package timefmt formats durations and instants compactly for operators.
package timefmt

import (
	"fmt"
	"time"
)

// Human renders a duration compactly: 45s, 12m, 3h4m, 2d5h.
func Human(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 24*time.Hour:
		h := int(d.Hours())
		m := int(d.Minutes()) - h*60
		if m == 0 {
			return fmt.Sprintf("%dh", h)
		}
		return fmt.Sprintf("%dh%dm", h, m)
	}
	days := int(d.Hours()) / 24
	h := int(d.Hours()) - days*24
	if h == 0 {
		return fmt.Sprintf("%dd", days)
	}
	return fmt.Sprintf("%dd%dh", days, h)
}

// Ago renders the time since t relative to now, e.g. "12m".
func Ago(t, now time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return Human(now.Sub(t))
}

// Left renders the time until t relative to now, or "expired".
func Left(t, now time.Time) string {
	if !t.After(now) {
		return "expired"
	}
	return Human(t.Sub(now))
}
