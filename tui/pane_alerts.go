package tui

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"oncall/internal/alerts"
	"oncall/internal/sanitize"
	"oncall/internal/timefmt"

	"oncall/tui/kit"
)

// alertRow is one line of the list: an alert (pos >= 0, into the sorted
// list) or the header of a group of several (pos < 0).
type alertRow struct {
	pos int32
	gid int32
}

func (r alertRow) header() bool { return r.pos < 0 }

// rowText is an alert's text as drawn, sanitized once (when first drawn).
type rowText struct {
	name, summary, sev string
}

// groupInfo is one group of the group-by labels.
type groupInfo struct {
	header string // the values, sanitized
	count  int32  // alerts shown in the group (per rebuild)
	start  int32  // where its rows begin (per rebuild)
	placed int32
}

// AlertList is one cluster's alerts, in any order; ID names the list so
// that its order is sorted once (a snapshot's alerts never change).
type AlertList struct {
	ID     any
	Alerts []*alerts.Alert
}

// AlertsPane is the grouped, filtered, sorted alert list. It holds 100,000
// alerts over many clusters: a cluster's refresh sorts that cluster only
// and merges the sorted lists; a filter keystroke scans search keys
// prepared once (a character typed after the last one narrows the last
// result); rows are positions, and an alert's text is sanitized when it is
// first drawn. View draws only the visible window.
type AlertsPane struct {
	keys *kit.Keymap
	// emptyText replaces "No alerts." when the list is empty because
	// nothing is known yet (set by the root before each frame).
	emptyText string
	groupBy   []string
	sortKey   alerts.SortKey
	search    kit.SearchBox
	// tag renders an alert's cluster; nil when one cluster is watched (no
	// cluster column).
	tag func(cluster string) string
	// tagW is the widest watched cluster name (the tag column's width when
	// the screen has room).
	tagW int

	lists   []AlertList
	ordered map[any]*alerts.Ordered // per list ID, in sortKey order

	// rebuilt on data, sort or grouping change
	sorted []*alerts.Alert
	gid    []int32 // group of each sorted alert
	groups []groupInfo
	texts  map[*alerts.Alert]*rowText

	// rebuilt on a filter change
	filter alerts.Filter
	match  []int32 // positions passing the filter; nil: all
	shown  int
	rows   []alertRow

	cursor      int
	offset      int
	height      int
	selectedKey string
	selectedFP  string
	selectedPtr *alerts.Alert
	moved       bool // the operator moved the cursor: keep it on their alert

	// episodes counts an alert's firing episodes for alerts.SortEpisodes
	// (nil: none known).
	episodes func(*alerts.Alert) int
}

// NewAlertsPane builds an empty pane.
func NewAlertsPane(keys *kit.Keymap, groupBy []string, sortKey alerts.SortKey) *AlertsPane {
	if sortKey == "" {
		sortKey = alerts.SortSeverity
	}
	return &AlertsPane{keys: keys, groupBy: groupBy, sortKey: sortKey, ordered: map[any]*alerts.Ordered{},
		search: kit.NewSearchBox(`severity="critical" service=~"api.*"  or free text`, 512)}
}

// SetAlerts replaces the data with one list (tests, one cluster).
func (p *AlertsPane) SetAlerts(as []*alerts.Alert) {
	var id any = &as
	if len(as) > 0 {
		id = &as[0]
	}
	p.SetLists([]AlertList{{ID: id, Alerts: as}})
}

// SetLists replaces the data, one list per cluster, keeping the selection
// on the same alert. A list whose ID was seen before keeps its order.
func (p *AlertsPane) SetLists(ls []AlertList) {
	keep := make(map[any]*alerts.Ordered, len(ls))
	for _, l := range ls {
		if o, ok := p.ordered[l.ID]; ok {
			keep[l.ID] = o
		}
	}
	p.lists, p.ordered = ls, keep
	p.resort()
}

// resort merges the lists in the sort order and regroups them.
func (p *AlertsPane) resort() {
	os := make([]*alerts.Ordered, 0, len(p.lists))
	for _, l := range p.lists {
		o, ok := p.ordered[l.ID]
		if !ok {
			o = alerts.OrderBy(l.Alerts, p.sortKey, p.episodes)
			p.ordered[l.ID] = o
		}
		os = append(os, o)
	}
	p.sorted = alerts.Merge(os...)
	p.texts = make(map[*alerts.Alert]*rowText, 64)
	p.regroup()
	p.match = nil
	p.refilter(alerts.Filter{}, p.filter)
}

// regroup assigns each sorted alert its group.
func (p *AlertsPane) regroup() {
	p.groups = p.groups[:0]
	p.gid = make([]int32, len(p.sorted))
	if len(p.groupBy) == 0 {
		return
	}
	ids := map[string]int32{}
	var key []byte // reused: a map lookup with string(key) does not allocate
	for i, a := range p.sorted {
		key = key[:0]
		for j, l := range p.groupBy {
			if j > 0 {
				key = append(key, 0)
			}
			key = append(key, a.Field(l)...)
		}
		g, ok := ids[string(key)]
		if !ok {
			g = int32(len(p.groups))
			ids[string(key)] = g
			parts := make([]string, 0, len(p.groupBy))
			for _, l := range p.groupBy {
				parts = append(parts, sanitize.Text(a.Field(l)))
			}
			p.groups = append(p.groups, groupInfo{header: strings.Join(parts, " · ")})
		}
		p.gid[i] = g
	}
}

// Filtering reports whether the filter box has focus (it takes all keys).
func (p *AlertsPane) Filtering() bool { return p.search.Active() }

// FilterText is the current filter.
func (p *AlertsPane) FilterText() string { return p.filter.Raw }

// SortKey is the current order.
func (p *AlertsPane) SortKey() alerts.SortKey { return p.sortKey }

// Visible returns the alerts that pass the filter, in display order.
func (p *AlertsPane) Visible() []*alerts.Alert {
	out := make([]*alerts.Alert, 0, len(p.rows))
	for _, r := range p.rows {
		if !r.header() {
			out = append(out, p.sorted[r.pos])
		}
	}
	return out
}

// layoutRows builds the rows from the matching positions: each group
// where it first appears, a header above a group of several.
func (p *AlertsPane) layoutRows() {
	n := len(p.sorted)
	if p.match != nil {
		n = len(p.match)
	}
	at := func(k int) int32 {
		if p.match != nil {
			return p.match[k]
		}
		return int32(k)
	}
	p.shown = n
	rows := p.rows[:0]
	if len(p.groupBy) == 0 {
		for k := range n {
			rows = append(rows, alertRow{pos: at(k)})
		}
	} else {
		for g := range p.groups {
			p.groups[g].count, p.groups[g].placed = 0, 0
		}
		var order []int32
		for k := range n {
			g := p.gid[at(k)]
			if p.groups[g].count == 0 {
				order = append(order, g)
			}
			p.groups[g].count++
		}
		total := int32(0)
		for _, g := range order {
			gi := &p.groups[g]
			if gi.count > 1 {
				total++ // its header
			}
			gi.start = total
			total += gi.count
		}
		if cap(rows) < int(total) {
			rows = make([]alertRow, total)
		}
		rows = rows[:total]
		for _, g := range order {
			if gi := p.groups[g]; gi.count > 1 {
				rows[gi.start-1] = alertRow{pos: -1, gid: g}
			}
		}
		for k := range n {
			pos := at(k)
			gi := &p.groups[p.gid[pos]]
			rows[gi.start+gi.placed] = alertRow{pos: pos, gid: p.gid[pos]}
			gi.placed++
		}
	}
	p.rows = rows
	// keep the selection on the same alert if it is still there
	p.cursor = -1
	if p.moved && p.selectedKey != "" {
		// the same alert (a filter change keeps the data), else the alert
		// with the same key in new data
		for i, r := range rows {
			if !r.header() && p.sorted[r.pos] == p.selectedPtr {
				p.cursor = i
				break
			}
		}
		for i, r := range rows {
			if p.cursor >= 0 {
				break
			}
			if !r.header() && p.sorted[r.pos].Fingerprint == p.selectedFP && p.sorted[r.pos].Key() == p.selectedKey {
				p.cursor = i
			}
		}
	}
	if p.cursor < 0 {
		p.cursor = p.firstAlert(0, 1)
	}
	p.clamp()
}

// text is an alert's drawn text, sanitized once.
func (p *AlertsPane) text(a *alerts.Alert) *rowText {
	if t := p.texts[a]; t != nil {
		return t
	}
	sev := a.Severity()
	if sev == "" {
		sev = "none"
	}
	t := &rowText{name: sanitize.Text(a.Name()), summary: sanitize.Text(a.Summary()), sev: sev}
	p.texts[a] = t
	return t
}

// firstAlert finds the next alert row from i in direction dir.
func (p *AlertsPane) firstAlert(i, dir int) int {
	for ; i >= 0 && i < len(p.rows); i += dir {
		if !p.rows[i].header() {
			return i
		}
	}
	return -1
}

// Selected is the alert under the cursor, or nil.
func (p *AlertsPane) Selected() *alerts.Alert {
	if p.cursor < 0 || p.cursor >= len(p.rows) || p.rows[p.cursor].header() {
		return nil
	}
	return p.sorted[p.rows[p.cursor].pos]
}

func (p *AlertsPane) move(delta int) {
	if len(p.rows) == 0 {
		return
	}
	dir := 1
	if delta < 0 {
		dir = -1
	}
	target := p.cursor + delta
	if target < 0 {
		target = 0
	}
	if target >= len(p.rows) {
		target = len(p.rows) - 1
	}
	next := p.firstAlert(target, dir)
	if next < 0 {
		next = p.firstAlert(target, -dir)
	}
	if next >= 0 {
		p.cursor = next
	}
	p.clamp()
}

func (p *AlertsPane) clamp() {
	if a := p.Selected(); a != nil {
		p.selectedKey, p.selectedFP, p.selectedPtr = a.Key(), a.Fingerprint, a
	}
	h := p.height
	if h <= 0 {
		return
	}
	c := p.cursor
	if c > 0 && p.rows[c-1].header() {
		c-- // keep the group header of the selected alert in view
	}
	if c < p.offset {
		p.offset = c
	}
	if p.cursor >= p.offset+h {
		p.offset = p.cursor - h + 1
	}
	if max := len(p.rows) - h; p.offset > max {
		p.offset = max
	}
	if p.offset < 0 {
		p.offset = 0
	}
}

// SetSize sets the list height (rows available for alerts).
func (p *AlertsPane) SetSize(w, h int) {
	p.search.SetWidth(w - 4)
	p.height = h - p.chromeLines()
	p.clamp()
}

func (p *AlertsPane) chromeLines() int {
	if p.search.Active() || !p.filter.Empty() {
		return 1
	}
	return 0
}

// HandleKey handles a key for the list. It returns true if it used it.
func (p *AlertsPane) HandleKey(msg tea.KeyPressMsg) (bool, tea.Cmd) {
	k := p.keys
	if p.search.Active() {
		ev, cmd := p.search.HandleKey(msg)
		switch ev {
		case kit.SearchCommit:
			return true, nil
		case kit.SearchCancel:
			p.search.SetValue("")
		}
		p.applyFilter()
		return true, cmd
	}
	p.moved = true
	switch {
	case k.Is(msg, kit.Up):
		p.move(-1)
	case k.Is(msg, kit.Down):
		p.move(1)
	case k.Is(msg, kit.Top):
		p.cursor = p.firstAlert(0, 1)
		p.clamp()
	case k.Is(msg, kit.Bottom):
		p.cursor = p.firstAlert(len(p.rows)-1, -1)
		p.clamp()
	case k.Is(msg, kit.PageUp):
		p.move(-max(1, p.height-1))
	case k.Is(msg, kit.PageDown):
		p.move(max(1, p.height-1))
	case k.Is(msg, kit.Filter):
		return true, p.search.Open(p.filter.Raw)
	case k.Is(msg, actSort):
		keys := alerts.SortKeys()
		for i, s := range keys {
			if s == p.sortKey {
				p.SetSort(keys[(i+1)%len(keys)])
				break
			}
		}
	case k.Is(msg, kit.Back) && !p.filter.Empty():
		p.search.SetValue("")
		p.applyFilter()
	default:
		return false, nil
	}
	return true, nil
}

// SetFilter replaces the filter (":filter EXPR").
func (p *AlertsPane) SetFilter(text string) {
	p.search.SetValue(text)
	p.applyFilter()
}

// SetSort changes the order (":sort KEY").
func (p *AlertsPane) SetSort(k alerts.SortKey) {
	if k != p.sortKey {
		p.sortKey, p.ordered = k, map[any]*alerts.Ordered{}
		p.resort()
	}
}

// Reorder sorts every list again (what the order depends on changed: the
// episode counts of alerts.SortEpisodes).
func (p *AlertsPane) Reorder() {
	p.ordered = map[any]*alerts.Ordered{}
	p.resort()
}

// SetGroupBy groups the list by these labels or @fields (none: no groups).
func (p *AlertsPane) SetGroupBy(by []string) {
	if !slices.Equal(by, p.groupBy) {
		p.groupBy = by
		p.regroup()
		p.refilter(alerts.Filter{}, p.filter)
	}
}

func (p *AlertsPane) applyFilter() {
	prev, f := p.filter, alerts.ParseFilter(p.search.Value())
	if f.Raw != prev.Raw {
		p.offset = 0
		p.refilter(prev, f)
	}
}

// View draws the pane into exactly w×h cells.
func (p *AlertsPane) View(w, h int, st *kit.Styles, now time.Time) string {
	lines := make([]string, 0, h)
	if p.search.Active() {
		lines = append(lines, p.search.View())
	} else if !p.filter.Empty() {
		kind := "text"
		switch {
		case len(p.filter.Matchers) > 0:
			kind = "matchers"
		case p.filter.Text == "" && len(p.filter.Meta) > 0:
			kind = "fields"
		}
		line := st.Accent.Render("filter ("+kind+"): ") + sanitize.Text(p.filter.Raw) + st.Muted.Render(fmt.Sprintf("  %d shown · esc clears", p.shown))
		if p.filter.Err != "" {
			line += "  " + st.Error.Render(p.filter.Err)
		}
		lines = append(lines, line)
	}
	body := h - len(lines)
	if len(p.rows) == 0 {
		msg := "No alerts."
		switch {
		case !p.filter.Empty():
			msg = "No alerts match the filter."
		case p.emptyText != "":
			msg = p.emptyText
		}
		lines = append(lines, "", st.Muted.Render("  "+msg))
		return kit.Box(lines, w, h)
	}
	end := min(len(p.rows), p.offset+body)
	for i := p.offset; i < end; i++ {
		lines = append(lines, p.renderRow(i, w, st, now))
	}
	return kit.Box(lines, w, h)
}

func (p *AlertsPane) renderRow(i, w int, st *kit.Styles, now time.Time) string {
	row := p.rows[i]
	if row.header() {
		g := p.groups[row.gid]
		return st.GroupHeader.Render(kit.Cut(g.header, w-8)) + st.Muted.Render(fmt.Sprintf(" (%d)", g.count))
	}
	a := p.sorted[row.pos]
	r := p.text(a)
	sev := st.SevStyle(r.sev).Render(kit.Fit(sevLabel(r.sev), 5))
	state := stateLabel(a, now)
	stateW := 10
	if w >= 88 {
		stateW = 22
	}
	age := kit.Fit(timefmt.Ago(a.Since(), now), 5)
	nameW := min(28, max(12, w/4))
	rest := w - 2 - 5 - 1 - stateW - 1 - 5 - 1 - nameW - 1
	cluster := ""
	if p.tag != nil {
		tw := min(16, max(6, p.tagW), max(6, w/8))
		cluster, rest = kit.Fit(p.tag(a.Cluster), tw)+" ", rest-tw-1
	}
	summary := r.summary
	if a.Rule != nil && a.Rule.Source == alerts.SourceLoki {
		summary = st.Muted.Render("[log] ") + summary
	}
	line := sev + " " + cluster + st.StateStyle(string(a.State)).Render(kit.Fit(state, stateW)) + " " + st.Muted.Render(age) + " " +
		st.Bold.Render(kit.Fit(r.name, nameW)) + " " + kit.Fit(summary, max(0, rest))
	if i == p.cursor {
		return st.Cursor.Render("▌ ") + st.Selected.Render(kit.Fit(stripForSelection(line), w-2))
	}
	return "  " + line
}

// stripForSelection keeps the selected row readable on the selection
// background: the row is re-rendered without per-cell colours.
func stripForSelection(s string) string { return kit.Strip(s) }

func sevLabel(sev string) string {
	switch sev {
	case "critical":
		return "CRIT"
	case "warning":
		return "WARN"
	case "info":
		return "INFO"
	case "none":
		return "-"
	}
	return strings.ToUpper(sev)
}

func stateLabel(a *alerts.Alert, now time.Time) string {
	if a.Ack != nil {
		return "acked " + sanitize.Text(a.Ack.By) + " " + timefmt.Ago(a.Ack.At, now)
	}
	return string(a.State)
}

// sevCount is one severity's alert count, for the header.
type sevCount struct {
	sev string // sanitized
	n   int
}

// sortCounts orders severity counts most severe first, sanitized.
func sortCounts(counts map[string]int) []sevCount {
	out := make([]sevCount, 0, len(counts))
	for s, n := range counts {
		out = append(out, sevCount{sev: s, n: n})
	}
	sort.Slice(out, func(i, j int) bool {
		ri, rj := alerts.SeverityRank(out[i].sev), alerts.SeverityRank(out[j].sev)
		if ri != rj {
			return ri < rj
		}
		return out[i].sev < out[j].sev
	})
	for i := range out {
		out[i].sev = sanitize.Text(out[i].sev)
	}
	return out
}

// severityHeader renders "2 critical · 3 warning · 1 info" for the header.
func severityHeader(counts []sevCount, st *kit.Styles) string {
	if len(counts) == 0 {
		return st.StatusOK.Render("all clear")
	}
	parts := make([]string, 0, len(counts))
	for _, c := range counts {
		parts = append(parts, st.SevStyle(c.sev).Render(fmt.Sprintf("%d %s", c.n, c.sev)))
	}
	return strings.Join(parts, st.Muted.Render(" · "))
}
