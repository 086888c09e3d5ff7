package logql

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
)

// parseDuration reads a range or offset duration. The metric queries page:
// "Loki defines Time Durations with the same syntax as Prometheus", which
// is integers with the units ms, s, m, h, d, w, y in decreasing order
// (1h30m, 7d); Loki also takes what Go's time.ParseDuration takes (1.5h,
// 300us). Negative durations are refused.
func parseDuration(s string) (time.Duration, error) {
	if s == "" {
		return 0, errors.New("empty duration")
	}
	if s[0] == '-' || s[0] == '+' {
		return 0, errors.New("a duration has no sign")
	}
	if d, err := time.ParseDuration(s); err == nil {
		return d, nil
	}
	units := []struct {
		name string
		d    time.Duration
	}{
		{"y", 365 * 24 * time.Hour}, {"w", 7 * 24 * time.Hour}, {"d", 24 * time.Hour},
		{"h", time.Hour}, {"ms", time.Millisecond}, {"m", time.Minute}, {"s", time.Second},
	}
	order := []string{"y", "w", "d", "h", "m", "s", "ms"}
	var total time.Duration
	last := -1
	rest := s
	for rest != "" {
		i := 0
		for i < len(rest) && isDigit(rest[i]) {
			i++
		}
		if i == 0 {
			return 0, errors.New("not a duration: a number and a unit (ms, s, m, h, d, w, y) such as 5m or 1h30m")
		}
		n, err := strconv.ParseInt(rest[:i], 10, 64)
		if err != nil {
			return 0, errors.New("duration out of range")
		}
		rest = rest[i:]
		u := -1
		for k, cand := range units {
			if strings.HasPrefix(rest, cand.name) && !(cand.name == "m" && strings.HasPrefix(rest, "ms")) {
				u = k
				break
			}
		}
		if u < 0 {
			return 0, errors.New("not a duration: a number and a unit (ms, s, m, h, d, w, y) such as 5m or 1h30m")
		}
		rank := indexOf(order, units[u].name)
		if rank <= last {
			return 0, errors.New("duration units out of order")
		}
		last = rank
		rest = rest[len(units[u].name):]
		if n > math.MaxInt64/int64(units[u].d) {
			return 0, errors.New("duration out of range")
		}
		add := time.Duration(n) * units[u].d
		if total > math.MaxInt64-add {
			return 0, errors.New("duration out of range")
		}
		total += add
	}
	return total, nil
}

func indexOf(xs []string, s string) int {
	for i, x := range xs {
		if x == s {
			return i
		}
	}
	return -1
}

// isNumberValue reports whether a label filter's unquoted value is one the
// log queries page names: a number (250, 89.923), a duration (300ms, 1.5h,
// 2h45m) or a byte size (42MB, 1.5KiB, 20B).
func isNumberValue(s string) bool {
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return true
	}
	if _, err := time.ParseDuration(s); err == nil {
		return true
	}
	return isBytes(s)
}

// isBytes reports whether s is a decimal number followed by a byte unit.
// The page lists B, kB, MB, GB, TB, KB, KiB, MiB, GiB, TiB; Loki reads
// them case-insensitively, with the P and E sizes and bare K, M, G too.
func isBytes(s string) bool {
	i := 0
	for i < len(s) && (isDigit(s[i]) || s[i] == '.') {
		i++
	}
	if i == 0 {
		return false
	}
	if _, err := strconv.ParseFloat(s[:i], 64); err != nil {
		return false
	}
	switch strings.ToLower(s[i:]) {
	case "b", "k", "kb", "kib", "ki", "m", "mb", "mib", "mi", "g", "gb", "gib", "gi",
		"t", "tb", "tib", "ti", "p", "pb", "pib", "pi", "e", "eb", "eib", "ei":
		return true
	}
	return false
}
