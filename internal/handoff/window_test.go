package handoff

import (
	"strings"
	"testing"
	"time"

	"oncall/internal/config"
	"oncall/internal/journal"
)

func TestResolveWindow(t *testing.T) {
	noLast := func() (time.Time, bool) { return time.Time{}, false }
	day := func(d, h, m int) time.Time { return local(d, h, m) }
	for _, tc := range []struct {
		name          string
		since         string
		shift         config.Shift
		now           time.Time
		from, nextEnd time.Time
		basis         string
	}{
		{"night shift handed off before 08:00", "", shift, day(15, 7, 45), day(14, 20, 0), day(15, 20, 0), "shift"},
		{"day shift mid-way: the next shift is the night", "", shift, day(15, 13, 0), day(15, 8, 0), day(16, 8, 0), "shift"},
		{"late handoff covers the shift that just ended", "", shift, day(15, 8, 20), day(14, 20, 0), day(15, 20, 0), "shift"},
		{"exactly at a start is late too", "", shift, day(15, 20, 0), day(15, 8, 0), day(16, 8, 0), "shift"},
		{"length only", "", config.Shift{Length: config.Duration(8 * time.Hour), Timezone: "America/Sao_Paulo"}, day(15, 7, 45), day(14, 23, 45), day(15, 15, 45), "shift"},
		{"default length", "", config.Shift{Timezone: "UTC"}, day(15, 7, 45), day(14, 19, 45), day(15, 19, 45), "shift"},
		{"since a duration", "90m", shift, day(15, 7, 45), day(15, 6, 15), day(15, 20, 0), "since"},
		{"since in days", "1d", shift, day(15, 7, 45), day(14, 7, 45), day(15, 20, 0), "since"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			loc, err := Location(tc.shift)
			if err != nil {
				t.Fatal(err)
			}
			w, err := ResolveWindow(tc.since, tc.shift, tc.now, loc, noLast)
			if err != nil {
				t.Fatal(err)
			}
			if !w.From.Equal(tc.from) || !w.To.Equal(tc.now) || !w.NextShiftEnd.Equal(tc.nextEnd) || w.Basis != tc.basis {
				t.Fatalf("window = %s → %s (next end %s, %s), want %s → %s (next end %s, %s)",
					w.From, w.To, w.NextShiftEnd, w.Basis, tc.from, tc.now, tc.nextEnd, tc.basis)
			}
			if w.From.Location().String() != loc.String() || w.Seconds != int64(tc.now.Sub(tc.from).Seconds()) {
				t.Fatalf("zone %s, seconds %d", w.From.Location(), w.Seconds)
			}
		})
	}
}

func TestResolveWindowSinceLastHandoff(t *testing.T) {
	last := local(15, 1, 30)
	entries := []journal.Entry{
		{Time: local(14, 20, 0), User: "alice", Context: "prod", Action: journal.ActionHandoff, Result: journal.ResultOK},
		{Time: last, User: "alice", Context: "prod", Action: journal.ActionHandoff, Result: journal.ResultOK},
		{Time: local(15, 2, 0), User: "bob", Context: "prod", Action: journal.ActionHandoff, Result: journal.ResultOK},
		{Time: local(15, 3, 0), User: "alice", Context: "staging", Action: journal.ActionHandoff, Result: journal.ResultOK},
		{Time: local(15, 4, 0), User: "alice", Context: "prod", Action: journal.ActionHandoff, Result: journal.ResultError},
	}
	w, err := ResolveWindow("last", shift, fixedNow, saoPaulo, func() (time.Time, bool) { return LastHandoff(entries, "alice", "prod") })
	if err != nil {
		t.Fatal(err)
	}
	if !w.From.Equal(last) || w.Basis != "last-handoff" {
		t.Fatalf("from %s (%s), want %s", w.From, w.Basis, last)
	}
	_, err = ResolveWindow("last", shift, fixedNow, saoPaulo, func() (time.Time, bool) { return LastHandoff(entries, "carol", "prod") })
	if err == nil || !strings.Contains(err.Error(), "no earlier handoff") {
		t.Fatalf("err = %v", err)
	}
}

func TestWindowErrorsAreOneLine(t *testing.T) {
	noLast := func() (time.Time, bool) { return time.Time{}, false }
	for _, tc := range []struct {
		since string
		shift config.Shift
		want  string
	}{
		{"yesterday", shift, `--since "yesterday": use a duration`},
		{"-5m", shift, `--since "-5m"`},
		{"", config.Shift{Starts: []string{"8am"}}, `shift.starts: "8am" is not a time of day`},
		{"", config.Shift{Starts: []string{"24:00"}}, `shift.starts: "24:00"`},
	} {
		_, err := ResolveWindow(tc.since, tc.shift, fixedNow, saoPaulo, noLast)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("ResolveWindow(%q, %v) error = %v, want %q", tc.since, tc.shift.Starts, err, tc.want)
		}
	}
	if _, err := Location(config.Shift{Timezone: "Mars/Olympus"}); err == nil || !strings.Contains(err.Error(), `unknown time zone "Mars/Olympus"`) {
		t.Errorf("Location error = %v", err)
	}
}
