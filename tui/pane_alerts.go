package tui

import (
	"fmt"
	"sort"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"oncall/internal/alerts"
	"oncall/internal/sanitize"
	"oncall/internal/timefmt"

	"oncall/tui/kit"
)

// alertRow is one line of the list: a group header or an alert. Text from
// servers is sanitized once, when rows are built, never per frame.
type alertRow struct {
	header  string // group header text (sanitized), "" for alert rows
	count   int
	alert   *alerts.Alert
	name    string
	summary string
	sev     string
}

// AlertsPane is the grouped, filtered, sorted alert list. Rows are rebuilt
// only when data, filter, sort or grouping change; View draws only the
// visible window.
type AlertsPane struct {
	keys *kit.Keymap
	// emptyText replaces "No alerts." when the list is empty because
	// nothing is known yet (set by the root before each frame).
	emptyText string
	all       []*alerts.Alert
	groupBy   []string
	sortKey   alerts.SortKey

	filter alerts.Filter
	index  *alerts.Index // all alerts in sort order, built once per data or sort change
	shown  int           // alerts that pass the filter
	search kit.SearchBox
	// tag renders an alert's cluster; nil when one cluster is watched (no
	// cluster column).
	tag        func(cluster string) string
	rows       []alertRow
	cursor     int
	offset     int
	height     int
	selectedFP string
	moved      bool // the operator moved the cursor: keep it on their alert

	// episodes counts an alert's firing episodes for alerts.SortEpisodes
	// (nil: none known).
	episodes func(*alerts.Alert) int
}

// NewAlertsPane builds an empty pane.
func NewAlertsPane(keys *kit.Keymap, groupBy []string, sortKey alerts.SortKey) *AlertsPane {
	if sortKey == "" {
		sortKey = alerts.SortSeverity
	}
	return &AlertsPane{keys: keys, groupBy: groupBy, sortKey: sortKey,
		search: kit.NewSearchBox(`severity="critical" service=~"api.*"  or free text`, 512)}
}

// SetAlerts replaces the data, keeping the selection on the same alert.
func (p *AlertsPane) SetAlerts(as []*alerts.Alert) {
	p.all = as
	p.index = nil
	p.rebuild()
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
		if r.alert != nil {
			out = append(out, r.alert)
		}
	}
	return out
}

// rebuild recomputes the rows. Sorting and indexing the whole list happen
// only when the data or the order changed; a filter keystroke only searches
// the index (filtering keeps the sorted order).
func (p *AlertsPane) rebuild() {
	if p.index == nil {
		sorted := append([]*alerts.Alert(nil), p.all...)
		alerts.SortBy(sorted, p.sortKey, p.episodes)
		p.index = alerts.NewIndex(sorted)
	}
	vis := p.index.Apply(p.filter)
	p.shown = len(vis)
	groups := alerts.GroupBy(vis, p.groupBy)
	rows := make([]alertRow, 0, len(vis)+len(groups))
	for _, g := range groups {
		if len(p.groupBy) > 0 && len(g.Alerts) > 1 {
			var parts []string
			for _, l := range p.groupBy {
				parts = append(parts, sanitize.Text(g.Labels[l]))
			}
			rows = append(rows, alertRow{header: strings.Join(parts, " · "), count: len(g.Alerts)})
		}
		for _, a := range g.Alerts {
			sev := a.Severity()
			if sev == "" {
				sev = "none"
			}
			rows = append(rows, alertRow{alert: a, name: sanitize.Text(a.Name()), summary: sanitize.Text(a.Summary()), sev: sev})
		}
	}
	p.rows = rows
	// keep the selection on the same alert if it is still there
	p.cursor = -1
	for i, r := range rows {
		if p.moved && r.alert != nil && r.alert.Fingerprint == p.selectedFP {
			p.cursor = i
			break
		}
	}
	if p.cursor < 0 {
		p.cursor = p.firstAlert(0, 1)
	}
	p.clamp()
}

// firstAlert finds the next alert row from i in direction dir.
func (p *AlertsPane) firstAlert(i, dir int) int {
	for ; i >= 0 && i < len(p.rows); i += dir {
		if p.rows[i].alert != nil {
			return i
		}
	}
	return -1
}

// Selected is the alert under the cursor, or nil.
func (p *AlertsPane) Selected() *alerts.Alert {
	if p.cursor < 0 || p.cursor >= len(p.rows) {
		return nil
	}
	return p.rows[p.cursor].alert
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
		p.selectedFP = a.Fingerprint
	}
	h := p.height
	if h <= 0 {
		return
	}
	c := p.cursor
	if c > 0 && p.rows[c-1].header != "" {
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
				p.sortKey = keys[(i+1)%len(keys)]
				p.index = nil
				break
			}
		}
		p.rebuild()
	case k.Is(msg, kit.Back) && !p.filter.Empty():
		p.search.SetValue("")
		p.applyFilter()
	default:
		return false, nil
	}
	return true, nil
}

func (p *AlertsPane) applyFilter() {
	before := p.filter.Raw
	p.filter = alerts.ParseFilter(p.search.Value())
	if p.filter.Raw != before {
		p.offset = 0
		p.rebuild()
	}
}

// View draws the pane into exactly w×h cells.
func (p *AlertsPane) View(w, h int, st *kit.Styles, now time.Time) string {
	lines := make([]string, 0, h)
	if p.search.Active() {
		lines = append(lines, p.search.View())
	} else if !p.filter.Empty() {
		kind := "text"
		if len(p.filter.Matchers) > 0 {
			kind = "matchers"
		}
		lines = append(lines, st.Accent.Render("filter ("+kind+"): ")+sanitize.Text(p.filter.Raw)+st.Muted.Render(fmt.Sprintf("  %d shown · esc clears", p.shown)))
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
	r := p.rows[i]
	if r.header != "" {
		return st.GroupHeader.Render(kit.Cut(r.header, w-8)) + st.Muted.Render(fmt.Sprintf(" (%d)", r.count))
	}
	a := r.alert
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
		tw := min(12, max(6, w/12))
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

// severityCounts tallies alerts by severity, most severe first. It runs once
// per data rebuild; the header only renders the result.
func severityCounts(as []*alerts.Alert) []sevCount {
	counts := alerts.Counts(as)
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
