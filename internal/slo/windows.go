package slo

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

const day = 24 * time.Hour

// Labels of the burn-rate windows, as used for map keys everywhere.
const (
	Window5m  = "5m"
	Window30m = "30m"
	Window1h  = "1h"
	Window2h  = "2h"
	Window6h  = "6h"
	Window1d  = "1d"
	Window3d  = "3d"
)

// BurnWindows returns the short windows the multi-window multi-burn-rate
// alerts look at: 5m, 30m, 1h, 2h, 6h, 1d and 3d. The slice is fresh on
// every call, so callers may modify it.
func BurnWindows() []time.Duration {
	return []time.Duration{
		5 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour,
		6 * time.Hour, day, 3 * day,
	}
}

// WindowLabel returns the label used for a window in maps and output: the
// Prometheus duration form, e.g. "5m", "1h", "1d", "3d", "30d".
func WindowLabel(d time.Duration) string {
	return FormatWindow(d)
}

// FormatWindow renders d the way Prometheus prints durations (and the way
// Sloth and Pyrra name their recording rules): "5m", "1h30m", "1d", "30d",
// "4w", "1y". Years and weeks are only used when they divide d exactly.
// Sub-millisecond precision is dropped.
func FormatWindow(d time.Duration) string {
	if d < 0 {
		return "-" + FormatWindow(-d)
	}
	ms := int64(d / time.Millisecond)
	if ms == 0 {
		return "0s"
	}
	var b strings.Builder
	unit := func(name string, mult int64, exact bool) {
		if exact && ms%mult != 0 {
			return
		}
		if v := ms / mult; v > 0 {
			b.WriteString(strconv.FormatInt(v, 10))
			b.WriteString(name)
			ms -= v * mult
		}
	}
	const msDay = 1000 * 60 * 60 * 24
	unit("y", msDay*365, true)
	unit("w", msDay*7, true)
	unit("d", msDay, false)
	unit("h", 1000*60*60, false)
	unit("m", 1000*60, false)
	unit("s", 1000, false)
	unit("ms", 1, false)
	return b.String()
}

var windowRE = regexp.MustCompile(`^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$`)

// ParseWindow parses a Prometheus-style duration such as "30d", "4w",
// "1h30m" or "90s". A year is 365 days and a week 7 days.
func ParseWindow(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errors.New("empty duration")
	}
	m := windowRE.FindStringSubmatch(s)
	if m == nil {
		return 0, fmt.Errorf("invalid duration %q (want e.g. 30d, 6h, 5m)", s)
	}
	mults := []time.Duration{365 * day, 7 * day, day, time.Hour, time.Minute, time.Second, time.Millisecond}
	var total time.Duration
	for i, mult := range mults {
		if m[i+1] == "" {
			continue
		}
		n, err := strconv.ParseInt(m[i+1], 10, 64)
		if err != nil || n > int64((1<<63-1)/mult) {
			return 0, fmt.Errorf("duration %q is too large", s)
		}
		total += time.Duration(n) * mult
		if total < 0 {
			return 0, fmt.Errorf("duration %q is too large", s)
		}
	}
	if total == 0 {
		return 0, fmt.Errorf("duration %q is zero", s)
	}
	return total, nil
}
