package graph

import (
	"context"
	"strconv"
	"time"

	tea "charm.land/bubbletea/v2"

	"oncall/internal/alerts"
	"oncall/internal/graph"
	"oncall/internal/history"
	"oncall/internal/sanitize"
	"oncall/tui/chart"
	"oncall/tui/kit"
)

// maxEntries bounds the graphs kept: the least recently asked for go
// first.
const maxEntries = 200

// entry is one alert's graph over one range: the latest reply, and the
// compact chart built from it for the detail.
type entry struct {
	seq      int // of the latest request
	inFlight bool
	asked    time.Time // when it was last requested (or wanted)
	at       time.Time // when the shown reply arrived
	res      *graph.Result
	err      string // the latest request failed (sanitized); res is the one before

	compact compactKey
	chart   *chart.Chart
}

// compactKey is what the detail's chart was built for.
type compactKey struct {
	res  *graph.Result
	w, h int
	st   *kit.Styles
}

// entryKey identifies an alert's graph over a range.
func entryKey(a *alerts.Alert, span time.Duration) string {
	return a.Key() + "|" + strconv.FormatInt(int64(span/time.Second), 10)
}

func (e *entry) reply(msg graphMsg, now time.Time) {
	e.inFlight = false
	if msg.err != nil {
		e.err = sanitize.Text(msg.err.Error())
		if e.res == nil {
			e.res = msg.res // the plan: its note and query
		}
		e.at = now
		return
	}
	e.res, e.err, e.at = msg.res, "", now
}

// ensure queries the alert's graph over span unless a reply younger than
// MaxAge or a request is there (force: query anyway, unless in flight).
func (s *screen) ensure(h kit.Host, a *alerts.Alert, span time.Duration, force bool) tea.Cmd {
	key := entryKey(a, span)
	e := s.graphs[key]
	now := h.Now()
	if e == nil {
		s.evict()
		e = &entry{}
		s.graphs[key] = e
	}
	e.asked = now
	switch {
	case e.inFlight:
		return nil
	case !force && e.res != nil && now.Sub(e.at) < s.opts.MaxAge:
		return nil
	}
	s.seq++
	e.seq, e.inFlight = s.seq, true
	req := graph.Request{Alert: a, Span: span, Points: points, TopN: topN, Now: now}
	src := s.sources(h, a)
	seq, timeout := e.seq, s.opts.Timeout
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		res, err := graph.Fetch(ctx, src, req)
		return graphMsg{key: key, seq: seq, res: res, err: err}
	}
}

// sources are where the alert's rule runs: its cluster's Prometheus and
// the screen's Loki (a nil client stays a nil interface).
func (s *screen) sources(h kit.Host, a *alerts.Alert) graph.Sources {
	src := graph.Sources{Loki: s.opts.Loki}
	if p := h.Sources(a).Prom; p != nil {
		src.Prom = p
	}
	return src
}

// evict drops the least recently asked-for graph when the cache is full.
func (s *screen) evict() {
	if len(s.graphs) < maxEntries {
		return
	}
	oldest := ""
	for k, e := range s.graphs {
		if !e.inFlight && (oldest == "" || e.asked.Before(s.graphs[oldest].asked)) {
			oldest = k
		}
	}
	delete(s.graphs, oldest)
}

// hist is the cluster's firing history: every alert's episodes over the
// last week, read with one query, and each alert's summary of it.
type hist struct {
	set      *history.Set
	err      string // the latest read failed (sanitized)
	asked    time.Time
	seq      int
	inFlight bool
	noProm   bool // the cluster has no Prometheus to read ALERTS from
	sums     map[string]history.Summary
}

// ensureHistory reads the cluster's firing history unless it was read less
// than HistoryEvery ago (force: read it anyway, unless in flight).
func (s *screen) ensureHistory(h kit.Host, force bool) tea.Cmd {
	hs := &s.hist
	now := h.Now()
	if hs.inFlight || (!force && !hs.asked.IsZero() && now.Sub(hs.asked) < s.opts.HistoryEvery) {
		return nil
	}
	prom := h.Sources(nil).Prom
	hs.noProm = prom == nil
	if prom == nil {
		return nil
	}
	hs.seq++
	hs.inFlight, hs.asked = true, now
	seq, timeout, shared := hs.seq, s.opts.Timeout, s.opts.History
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		if shared != nil {
			set, err := shared.Week(ctx, prom, now, force)
			return historyMsg{seq: seq, set: set, err: err}
		}
		set, err := history.FetchWeek(ctx, prom, now)
		return historyMsg{seq: seq, set: set, err: err}
	}
}

// reply applies a history reply; false for a stale one.
func (hs *hist) reply(msg historyMsg) bool {
	if msg.seq != hs.seq {
		return false
	}
	hs.inFlight = false
	if msg.err != nil {
		hs.err = sanitize.Text(msg.err.Error())
		return true
	}
	hs.set, hs.err = msg.set, ""
	clear(hs.sums)
	return true
}

// summary is the alert's history summary (ok false: no history read yet).
func (s *screen) summary(a *alerts.Alert) (history.Summary, bool) {
	hs := &s.hist
	if hs.set == nil || a == nil {
		return history.Summary{}, false
	}
	key := a.Key()
	if sum, ok := hs.sums[key]; ok {
		return sum, true
	}
	sum := hs.set.Summary(a.Labels, s.opts.Flapping)
	hs.sums[key] = sum
	return sum, true
}

// Episodes implements kit.EpisodeCounter: the alert's firing episodes in
// the last 24h.
func (s *screen) Episodes(a *alerts.Alert) (int, bool) {
	sum, ok := s.summary(a)
	return sum.Episodes24h, ok
}
