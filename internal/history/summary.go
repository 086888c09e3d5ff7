package history

import (
	"strings"
	"time"
)

// The summary windows: the UI fetches Week (it holds Day).
const (
	Day  = 24 * time.Hour
	Week = 7 * Day
)

// DefaultFlappingEpisodes is [alerts] flapping_episodes' default: more
// episodes than this in the last 24h marks an alert as flapping.
const DefaultFlappingEpisodes = 5

// Summary is one alert's firing history as the alert detail, the alert
// list (sort by episodes) and `oncall alerts --history -o json` show it.
// Times are in the location of the range's end.
type Summary struct {
	// Episodes24h and Episodes7d count the episodes that overlap the last
	// 24h and 7d (an episode already firing when the window began counts).
	Episodes24h      int   `json:"episodes24h"`
	Episodes7d       int   `json:"episodes7d"`
	FiringSeconds24h int64 `json:"firingSeconds24h"`
	FiringSeconds7d  int64 `json:"firingSeconds7d"`
	// Firing: the last evaluation of the range saw it firing.
	Firing bool `json:"firing"`
	// LastFired is when the latest episode started, LastResolved when the
	// latest ended episode ended; nil when there is none in the last 7d.
	LastFired    *time.Time `json:"lastFired"`
	LastResolved *time.Time `json:"lastResolved"`
	// Flapping: more than the configured number of episodes in the last 24h.
	Flapping bool `json:"flapping"`
	// Hourly is the last 24h in 24 one-hour cells, oldest first.
	Hourly Strip `json:"hourly"`
	// Episodes are those of the last 7d, oldest first.
	Episodes []Episode `json:"episodes"`
}

// Summarize sums up an alert's history (s may be nil: it never fired) at
// now, the end of the range it was read over. flapping is the number of
// episodes in 24h above which it is flapping (0: DefaultFlappingEpisodes).
func Summarize(s *Series, now time.Time, flapping int) Summary {
	if flapping <= 0 {
		flapping = DefaultFlappingEpisodes
	}
	var eps []Episode
	if s != nil {
		eps = s.Episodes
	}
	week := Clip(eps, now.Add(-Week), now)
	day := Clip(eps, now.Add(-Day), now)
	sum := Summary{Episodes24h: len(day), Episodes7d: len(week), Episodes: week,
		Hourly: NewStrip(day, now, 24, time.Hour)}
	if sum.Episodes == nil {
		sum.Episodes = []Episode{}
	}
	for _, e := range day {
		sum.FiringSeconds24h += e.DurationSeconds
	}
	for _, e := range week {
		sum.FiringSeconds7d += e.DurationSeconds
	}
	sum.Flapping = sum.Episodes24h > flapping
	if n := len(week); n > 0 {
		last := week[n-1]
		sum.Firing = last.Ongoing
		start := last.Start
		sum.LastFired = &start
		for i := n - 1; i >= 0; i-- {
			if week[i].End != nil {
				end := *week[i].End
				sum.LastResolved = &end
				break
			}
		}
	}
	return sum
}

// Summary is the summary of the alert with these labels (see For),
// at the end of the set's range.
func (s *Set) Summary(labels map[string]string, flapping int) Summary {
	return Summarize(s.For(labels), s.Range.To, flapping)
}

// Cell is one cell of a Strip.
type Cell uint8

// A cell is quiet (never firing), partial (firing part of the time) or
// firing (the whole cell).
const (
	Quiet Cell = iota
	Partial
	Firing
)

// Strip is a run of equal cells ending at End, oldest first, for drawing a
// history strip (karma-style 24 hourly blocks). Its text form, used in
// JSON, is one rune per cell: · quiet, ▄ partial, █ firing (shapes, not
// colour, so it reads without colour too).
type Strip struct {
	End   time.Time
	Width time.Duration
	Cells []Cell
	// Firing is the time firing within each cell.
	Firing []time.Duration
}

// NewStrip lays episodes out on n cells of width ending at end.
func NewStrip(eps []Episode, end time.Time, n int, width time.Duration) Strip {
	s := Strip{End: end, Width: width, Cells: make([]Cell, n), Firing: make([]time.Duration, n)}
	start := end.Add(-time.Duration(n) * width)
	for _, e := range eps {
		eEnd := end
		if e.End != nil {
			eEnd = *e.End
		}
		for i := range n {
			from := start.Add(time.Duration(i) * width)
			to := from.Add(width)
			if eEnd.Before(from) || !e.Start.Before(to) || (eEnd.Equal(from) && e.Start.Before(from)) {
				continue
			}
			// An instant episode (one evaluation) adds nothing but still
			// marks its cell.
			s.Firing[i] += minTime(to, eEnd).Sub(maxTime(from, e.Start))
			if s.Cells[i] == Quiet {
				s.Cells[i] = Partial
			}
		}
	}
	for i, f := range s.Firing {
		switch {
		case f >= width:
			s.Firing[i], s.Cells[i] = width, Firing
		case f > 0:
			s.Cells[i] = Partial
		}
	}
	return s
}

// String is one rune per cell: · quiet, ▄ partial, █ firing.
func (s Strip) String() string {
	var b strings.Builder
	for _, c := range s.Cells {
		switch c {
		case Firing:
			b.WriteRune('█')
		case Partial:
			b.WriteRune('▄')
		default:
			b.WriteRune('·')
		}
	}
	return b.String()
}

// MarshalText makes a Strip its String in JSON.
func (s Strip) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
