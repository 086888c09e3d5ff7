package tui

import (
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"oncall/internal/alerts"
	"oncall/internal/sanitize"
	"oncall/internal/timefmt"

	"oncall/tui/kit"
)

// recentlyExpired is how far back expired silences are listed.
const recentlyExpired = 24 * time.Hour

type silenceRow struct {
	s                          *alerts.Silence
	matchers, by, comment, sid string
}

// SilencesPane lists active, pending and recently expired silences.
type SilencesPane struct {
	keys   *kit.Keymap
	all    []*alerts.Silence
	rows   []silenceRow
	search kit.SearchBox
	filter string
	list   kit.List
	selID  string
	// tag renders a silence's cluster; nil when one cluster is watched.
	tag func(cluster string) string
}

// NewSilencesPane builds an empty pane.
func NewSilencesPane(keys *kit.Keymap) *SilencesPane {
	return &SilencesPane{keys: keys, search: kit.NewSearchBox("filter silences (matchers, author, comment)", 0)}
}

// SetSilences replaces the data.
func (p *SilencesPane) SetSilences(s []*alerts.Silence, now time.Time) {
	p.all = s
	p.rebuild(now)
}

func (p *SilencesPane) rebuild(now time.Time) {
	f := strings.ToLower(p.filter)
	p.rows = p.rows[:0]
	for _, s := range p.all {
		if s.State == "expired" && now.Sub(s.EndsAt) > recentlyExpired {
			continue
		}
		r := silenceRow{s: s, matchers: sanitize.Text(strings.Join(s.Matchers, " ")), by: sanitize.Text(s.CreatedBy), comment: sanitize.Text(s.Comment), sid: kit.ShortID(s.ID)}
		if f != "" && !strings.Contains(strings.ToLower(r.matchers+" "+r.by+" "+r.comment+" "+s.ID), f) {
			continue
		}
		p.rows = append(p.rows, r)
	}
	p.list.SetLen(len(p.rows))
	p.list.Select(0)
	for i, r := range p.rows {
		if r.s.ID == p.selID {
			p.list.Select(i)
		}
	}
}

// Selected is the silence under the cursor.
func (p *SilencesPane) Selected() *alerts.Silence {
	if c := p.list.Cursor(); c < len(p.rows) {
		return p.rows[c].s
	}
	return nil
}

// Filtering reports whether the filter box has focus.
func (p *SilencesPane) Filtering() bool { return p.search.Active() }

// SetSize sets the size.
func (p *SilencesPane) SetSize(w, h int) {
	p.search.SetWidth(w - 4)
	p.list.SetHeight(h - 2)
}

// HandleKey handles list keys.
func (p *SilencesPane) HandleKey(msg tea.KeyPressMsg, now time.Time) (bool, tea.Cmd) {
	if p.search.Active() {
		ev, cmd := p.search.HandleKey(msg)
		if ev == kit.SearchCancel {
			p.search.SetValue("")
		}
		p.filter = p.search.Value()
		p.rebuild(now)
		return true, cmd
	}
	if p.list.HandleKey(p.keys, msg) {
		if s := p.Selected(); s != nil {
			p.selID = s.ID
		}
		return true, nil
	}
	if p.keys.Is(msg, kit.Filter) {
		return true, p.search.Open(p.filter)
	}
	return false, nil
}

// View draws the pane.
func (p *SilencesPane) View(w, h int, st *kit.Styles, now time.Time) string {
	var lines []string
	switch {
	case p.search.Active():
		lines = append(lines, p.search.View())
	case p.filter != "":
		lines = append(lines, st.Accent.Render("filter: ")+sanitize.Text(p.filter))
	default:
		lines = append(lines, st.Muted.Render(fmt.Sprintf("%d silences · %s", len(p.rows), p.keys.Hints())))
	}
	head := "  " + kit.Fit("ID", 8) + " "
	if p.tag != nil {
		head += kit.Fit("CLUSTER", 10) + " "
	}
	head += kit.Fit("STATE", 8) + " " + kit.Fit("ENDS", 11) + " " + kit.Fit("BY", 14) + " " + kit.Fit("MATCHERS", max(8, w/3)) + " COMMENT"
	lines = append(lines, st.Header.Render(head))
	if len(p.rows) == 0 {
		lines = append(lines, "", st.Muted.Render("  No silences."))
		return kit.Box(lines, w, h)
	}
	from, to := p.list.Window()
	for i := from; i < to; i++ {
		r := p.rows[i]
		ends := timefmt.Left(r.s.EndsAt, now)
		if r.s.State == "expired" {
			ends = timefmt.Ago(r.s.EndsAt, now) + " ago"
		}
		mark := ""
		if r.s.State != "expired" && r.s.Matching == 0 {
			mark = st.Muted.Render(" [matches no alert]")
		}
		if r.s.Ack {
			mark += st.StateStyle("acked").Render(" [ack]")
		}
		cluster := ""
		if p.tag != nil {
			cluster = kit.Fit(p.tag(r.s.Cluster), 10) + " "
		}
		line := kit.Fit(r.sid, 8) + " " + cluster + st.StateStyle(r.s.State).Render(kit.Fit(r.s.State, 8)) + " " + kit.Fit(ends, 11) + " " + kit.Fit(r.by, 14) + " " +
			kit.Fit(r.matchers, max(8, w/3)) + " " + r.comment + mark
		if i == p.list.Cursor() {
			lines = append(lines, st.Cursor.Render("▌ ")+st.Selected.Render(kit.Fit(kit.Strip(line), w-2)))
		} else {
			lines = append(lines, "  "+line)
		}
	}
	return kit.Box(lines, w, h)
}
