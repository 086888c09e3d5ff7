package tui

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"charm.land/lipgloss/v2"

	"oncall/internal/alerts"
	"oncall/internal/config"
	"oncall/internal/sanitize"
	"oncall/internal/timefmt"
	"oncall/internal/watch"
	"oncall/tui/kit"
)

// clusterCounts are the header's severity counts, in total and per
// watched cluster, computed once per rebuild.
type clusterCounts struct {
	total []sevCount
	per   map[string][]sevCount
}

// countClusters counts each watched cluster (a snapshot is counted once)
// and sums them.
func (m *Model) countClusters() clusterCounts {
	c := clusterCounts{per: map[string][]sevCount{}}
	total := map[string]int{}
	for _, n := range m.watched {
		s := m.snaps[n]
		if s == nil {
			continue
		}
		cached, ok := m.countCache[s]
		if !ok {
			cached = alerts.Counts(s.Alerts)
		}
		m.countCache[s] = cached
		c.per[n] = sortCounts(cached)
		for sev, k := range cached {
			total[sev] += k
		}
	}
	for s := range m.countCache {
		if m.snaps[s.Cluster] != s {
			delete(m.countCache, s)
		}
	}
	c.total = sortCounts(total)
	return c
}

// accent is a cluster's [contexts.X.ui] accent style, if it has one.
func (m *Model) accent(cluster string) (lipgloss.Style, bool) {
	if ctx := m.deps.Config.Contexts[cluster]; ctx != nil {
		if col, err := config.AccentColor(ctx.UI.Accent); err == nil && col != "" {
			return lipgloss.NewStyle().Foreground(lipgloss.Color(col)).Bold(true), true
		}
	}
	return m.st.Muted, false
}

// tag is a cluster's name as the list and the bars show it, in its accent.
func (m *Model) tag(cluster string) string {
	st, _ := m.accent(cluster)
	return st.Render(sanitize.Text(cluster))
}

func (m *Model) header(now time.Time) string {
	title := m.st.Title.Render("oncall")
	var names []string
	accented := false
	for _, n := range m.watched {
		names = append(names, m.tag(n))
		_, ok := m.accent(n)
		accented = accented || ok
	}
	ctx := m.st.Muted.Render(" · ") + strings.Join(names, m.st.Muted.Render(","))
	if !accented {
		ctx = m.st.Muted.Render(" · " + sanitize.Text(strings.Join(m.watched, ",")))
	}
	counts := severityHeader(m.counts.total, m.st)
	if len(m.counts.total) == 0 {
		switch m.alertsState() {
		case alertsLoading:
			counts = m.st.Muted.Render("loading…")
		case alertsUnknown:
			counts = m.st.StatusErr.Render("no data")
		}
	}
	if m.multi() {
		var per []string
		for _, n := range m.watched {
			per = append(per, m.tag(n)+" "+compactCounts(m.counts.per[n], m.st))
		}
		counts += m.st.Muted.Render("  │ ") + strings.Join(per, m.st.Muted.Render(" · "))
	}
	right := m.st.Muted.Render(fmt.Sprintf("sort: %s", m.alertsPane.SortKey()))
	left := title + ctx + "  " + counts
	gap := m.width - kit.Width(left) - kit.Width(right)
	if gap < 1 {
		return kit.Fit(left, m.width)
	}
	return left + strings.Repeat(" ", gap) + right
}

// compactCounts is "2c 1w 1i" (or "clear").
func compactCounts(counts []sevCount, st *kit.Styles) string {
	if len(counts) == 0 {
		return st.StatusOK.Render("clear")
	}
	parts := make([]string, 0, len(counts))
	for _, c := range counts {
		letter := "?"
		if c.sev != "" {
			letter = c.sev[:1]
		}
		parts = append(parts, st.SevStyle(c.sev).Render(fmt.Sprintf("%d%s", c.n, letter)))
	}
	return strings.Join(parts, " ")
}

func (m *Model) tabs() string {
	type tab struct {
		name   string
		active bool
	}
	tabs := []tab{{"Alerts", m.view == viewAlerts || (m.view == viewDetail && m.wide)}}
	if !m.wide {
		tabs = append(tabs, tab{"Detail", m.view == viewDetail})
	}
	tabs = append(tabs, tab{"Silences", m.view == viewSilences})
	if m.view == viewScreen {
		in := m.current()
		title := m.specs[in.name].Title
		if in.cluster != "" && m.multi() {
			title += " · " + sanitize.Text(in.cluster)
		}
		tabs = append(tabs, tab{title, true})
	}
	var parts []string
	for _, t := range tabs {
		if t.active {
			parts = append(parts, m.st.TabActive.Render(t.name))
		} else {
			parts = append(parts, m.st.TabInactive.Render(t.name))
		}
	}
	return kit.Fit(strings.Join(parts, ""), m.width)
}

// statusBar: contexts, user, source health, last refresh, and either the
// transient status message or a key hint. One cluster lists each source;
// several list each cluster, compact.
func (m *Model) statusBar(now time.Time) string {
	st := m.st
	sep := st.Bar.Render(" │ ")
	user := m.deps.Config.Identity.User
	if m.opts.Role != "" {
		user += " (" + m.opts.Role + ")"
	} else if m.opts.ReadOnly {
		user += " (viewer)"
	}
	ctx := m.watched[0]
	if m.multi() {
		ctx = fmt.Sprintf("%d clusters", len(m.watched))
	}
	parts := []string{st.BarKey.Render(" " + sanitize.Text(ctx)), st.Bar.Render(sanitize.Text(user))}
	if ro := m.readOnlyText(); ro != "" {
		parts = append(parts, st.BarErr.Render(ro))
	}
	who := len(parts) // context, user, read-only: kept when a message needs the room
	if m.multi() {
		for _, n := range m.watched {
			parts = append(parts, m.clusterHealth(n, now))
		}
	} else {
		health := m.healthOf(ctx)
		names := make([]string, 0, len(health))
		for n := range health {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			parts = append(parts, m.sourceHealth(short(n), health[n], now))
		}
	}
	if !m.lastRefresh.IsZero() {
		parts = append(parts, st.Bar.Render("↻ "+m.lastRefresh.Local().Format("15:04:05")))
	}
	left := strings.Join(parts, sep)
	var right string
	switch {
	case m.status.text != "" && m.status.err:
		right = st.BarErr.Render(" " + sanitize.Text(m.status.text) + " ")
	case m.status.text != "":
		right = st.Bar.Render(" " + sanitize.Text(m.status.text) + " ")
	default:
		if e := m.firstSourceError(); e != "" {
			right = st.BarErr.Render(" " + sanitize.Text(e) + " ")
		} else {
			right = st.Bar.Render(" ? help · q quit ")
		}
	}
	if m.undo != nil {
		right = st.BarKey.Render(" "+m.keys.Scope(scopeSilences).Key(actUndo)+" undo ") + right
	}
	lw, rw := kit.Width(left), kit.Width(right)
	if m.status.text != "" && lw+rw+1 > m.width {
		// a message (a write's answer) wins the room over the health
		left = strings.Join(parts[:who], sep)
		lw = kit.Width(left)
	}
	if lw+rw+1 > m.width {
		right = kit.Cut(right, max(0, m.width-lw-1))
		rw = kit.Width(right)
	}
	if lw+rw > m.width {
		return kit.Fit(left, m.width)
	}
	return left + st.Bar.Render(strings.Repeat(" ", m.width-lw-rw)) + right
}

// readOnlyText marks the watched clusters whose services refuse every
// write: "read-only" when all do, "read-only: a, b" when some do.
func (m *Model) readOnlyText() string {
	var ro []string
	for _, n := range m.watched {
		if svc := m.actionsFor(n); svc != nil && svc.Writable() != nil {
			ro = append(ro, n)
		}
	}
	switch {
	case len(ro) == 0:
		return ""
	case len(ro) == len(m.watched):
		return "read-only"
	}
	return "read-only: " + sanitize.Text(strings.Join(ro, ", "))
}

// sourceHealth is one source in the status bar.
func (m *Model) sourceHealth(name string, h watch.Health, now time.Time) string {
	st := m.st
	switch {
	case h.OK && !m.wide:
		return st.BarOK.Render(name + " ✓")
	case h.OK:
		return st.BarOK.Render(name + " ✓ " + latency(h.Latency))
	case h.Err != "":
		return st.BarErr.Render(fmt.Sprintf("%s ✗ %s", name, timefmt.Ago(h.FailSince, now)))
	}
	return st.Bar.Render(name + " …")
}

// latency is a source's latency in a fixed width ("  12ms", " 1.4s"), so a
// change rewrites its own cells and never shifts the rest of the status bar
// (bytes on every SSH session).
func latency(d time.Duration) string {
	if ms := d.Milliseconds(); ms < 1000 {
		return fmt.Sprintf("%3dms", ms)
	}
	if d < 100*time.Second {
		return fmt.Sprintf("%4.1fs", d.Seconds())
	}
	return " >99s"
}

// clusterHealth sums a cluster's sources: ✓ when all answered, ✗ and how
// long when one fails (named on a wide screen), … while loading.
func (m *Model) clusterHealth(cluster string, now time.Time) string {
	health := m.healthOf(cluster)
	name := sanitize.Text(cluster)
	var worst string
	var since time.Time
	ok, busy := 0, false
	for src, h := range health {
		switch {
		case h.Err != "":
			if worst == "" || h.FailSince.Before(since) {
				worst, since = short(src), h.FailSince
			}
		case h.OK:
			ok++
		default:
			busy = true
		}
	}
	switch {
	case worst != "" && m.wide:
		return m.st.BarErr.Render(fmt.Sprintf("%s ✗ %s %s", name, worst, timefmt.Ago(since, now)))
	case worst != "":
		return m.st.BarErr.Render(fmt.Sprintf("%s ✗", name))
	case busy || len(health) == 0:
		return m.st.Bar.Render(name + " …")
	}
	return m.st.BarOK.Render(name + " ✓")
}

// firstSourceError is the oldest failure among the watched clusters'
// sources ("" when none fails).
func (m *Model) firstSourceError() string {
	type failure struct{ cluster, src, err string }
	var fs []failure
	for _, n := range m.watched {
		for src, h := range m.healthOf(n) {
			if h.Err != "" {
				fs = append(fs, failure{n, src, h.Err})
			}
		}
	}
	if len(fs) == 0 {
		return ""
	}
	sort.Slice(fs, func(i, j int) bool {
		if fs[i].cluster != fs[j].cluster {
			return fs[i].cluster < fs[j].cluster
		}
		return fs[i].src < fs[j].src
	})
	if m.multi() {
		return "stale: " + fs[0].cluster + ": " + fs[0].err
	}
	return "stale: " + fs[0].err
}

func short(source string) string {
	switch source {
	case watch.SrcAM:
		return "am"
	case watch.SrcProm:
		return "prom"
	case watch.SrcSil:
		return "sil"
	}
	return source
}
