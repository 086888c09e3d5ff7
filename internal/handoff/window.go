package handoff

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // shift time zones must resolve on hosts without tzdata

	"github.com/prometheus/common/model"

	"oncall/internal/config"
)

// DefaultShiftLength is used when the config sets neither starts nor length.
const DefaultShiftLength = 12 * time.Hour

// lateHandoff: a handoff made less than this after a shift start covers the
// shift that just ended, not the few minutes of the new one.
const lateHandoff = time.Hour

// Since values besides a duration.
const (
	SinceShift = ""     // the shift, from the config
	SinceLast  = "last" // since this user's last handoff
)

// Location returns the shift's time zone (time.Local when unset).
func Location(s config.Shift) (*time.Location, error) {
	if strings.TrimSpace(s.Timezone) == "" {
		return time.Local, nil
	}
	loc, err := time.LoadLocation(strings.TrimSpace(s.Timezone))
	if err != nil {
		return nil, fmt.Errorf("shift.timezone: unknown time zone %q (use an IANA name such as America/Sao_Paulo)", s.Timezone)
	}
	return loc, nil
}

// ParseSince checks a --since value: "", "last" or a duration such as
// 12h, 90m or 1d.
func ParseSince(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == SinceShift || s == SinceLast {
		return 0, nil
	}
	d, err := model.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("--since %q: use a duration such as 12h or 1d, or \"last\" (since your last handoff)", s)
	}
	return time.Duration(d), nil
}

// ResolveWindow picks the handoff window ending at now. since is "" (the
// shift: the latest of the config's starts, or now minus its length),
// "last" (from lastHandoff, which reports this user's last export) or a
// duration. NextShiftEnd is the end of the shift after the one handed off.
func ResolveWindow(since string, shift config.Shift, now time.Time, loc *time.Location, lastHandoff func() (time.Time, bool)) (Window, error) {
	d, err := ParseSince(since)
	if err != nil {
		return Window{}, err
	}
	starts, err := parseStarts(shift.Starts)
	if err != nil {
		return Window{}, err
	}
	length := shift.Length.D()
	if length <= 0 {
		length = DefaultShiftLength
	}
	w := Window{To: now}
	var shiftFrom time.Time
	if len(starts) > 0 {
		var last, prev, next, after time.Time
		last, prev, next, after = around(starts, now, loc)
		if now.Sub(last) < lateHandoff {
			shiftFrom, w.NextShiftEnd = prev, next
		} else {
			shiftFrom, w.NextShiftEnd = last, after
		}
	} else {
		shiftFrom, w.NextShiftEnd = now.Add(-length), now.Add(length)
	}
	switch strings.TrimSpace(since) {
	case SinceShift:
		w.From, w.Basis = shiftFrom, "shift"
	case SinceLast:
		t, ok := lastHandoff()
		if !ok {
			return Window{}, fmt.Errorf("no earlier handoff of yours in the journal: use --since with a duration such as 12h")
		}
		w.From, w.Basis = t, "last-handoff"
	default:
		w.From, w.Basis = now.Add(-d), "since"
	}
	if !w.From.Before(now) {
		return Window{}, fmt.Errorf("the handoff window would start at %s, not before now", w.From.In(loc).Format(time.RFC3339))
	}
	w.From, w.To, w.NextShiftEnd = w.From.In(loc), w.To.In(loc), w.NextShiftEnd.In(loc)
	w.Seconds = int64(w.Duration().Seconds())
	return w, nil
}

// clock is a time of day.
type clock struct{ h, m int }

func parseStarts(in []string) ([]clock, error) {
	var out []clock
	for _, s := range in {
		hh, mm, ok := strings.Cut(strings.TrimSpace(s), ":")
		h, herr := strconv.Atoi(hh)
		m, merr := strconv.Atoi(mm)
		if !ok || herr != nil || merr != nil || h < 0 || h > 23 || m < 0 || m > 59 {
			return nil, fmt.Errorf("shift.starts: %q is not a time of day (use HH:MM, e.g. \"08:00\")", s)
		}
		out = append(out, clock{h, m})
	}
	return out, nil
}

// around returns the shift starts around now: the last one at or before
// now, the one before it, the next one after now and the one after that.
func around(starts []clock, now time.Time, loc *time.Location) (last, prev, next, after time.Time) {
	local := now.In(loc)
	var cands []time.Time
	for day := -3; day <= 3; day++ {
		d := local.AddDate(0, 0, day)
		for _, c := range starts {
			cands = append(cands, time.Date(d.Year(), d.Month(), d.Day(), c.h, c.m, 0, 0, loc))
		}
	}
	for _, c := range cands {
		if !c.After(now) && (last.IsZero() || c.After(last)) {
			last = c
		}
		if c.After(now) && (next.IsZero() || c.Before(next)) {
			next = c
		}
	}
	for _, c := range cands {
		if c.Before(last) && (prev.IsZero() || c.After(prev)) {
			prev = c
		}
		if c.After(next) && (after.IsZero() || c.Before(after)) {
			after = c
		}
	}
	return last, prev, next, after
}
