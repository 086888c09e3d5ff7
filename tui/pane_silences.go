package tui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"oncall/internal/alerts"
	"oncall/internal/sanitize"
	"oncall/internal/timefmt"
)

// recentlyExpired is how far back expired silences are listed.
const recentlyExpired = 24 * time.Hour

type silenceRow struct {
	s                          *alerts.Silence
	matchers, by, comment, sid string
}

// SilencesPane lists active, pending and recently expired silences.
type SilencesPane struct {
	keys      *KeyMap
	all       []*alerts.Silence
	rows      []silenceRow
	input     textinput.Model
	filtering bool
	filter    string
	cursor    int
	offset    int
	height    int
	selID     string
}

// NewSilencesPane builds an empty pane.
func NewSilencesPane(keys *KeyMap) *SilencesPane {
	in := textinput.New()
	in.Prompt = "/ "
	in.Placeholder = "filter silences (matchers, author, comment)"
	return &SilencesPane{keys: keys, input: in}
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
		r := silenceRow{s: s, matchers: sanitize.Text(strings.Join(s.Matchers, " ")), by: sanitize.Text(s.CreatedBy), comment: sanitize.Text(s.Comment), sid: shortID(s.ID)}
		if f != "" && !strings.Contains(strings.ToLower(r.matchers+" "+r.by+" "+r.comment+" "+s.ID), f) {
			continue
		}
		p.rows = append(p.rows, r)
	}
	p.cursor = 0
	for i, r := range p.rows {
		if r.s.ID == p.selID {
			p.cursor = i
		}
	}
	p.clamp()
}

// Selected is the silence under the cursor.
func (p *SilencesPane) Selected() *alerts.Silence {
	if p.cursor < 0 || p.cursor >= len(p.rows) {
		return nil
	}
	return p.rows[p.cursor].s
}

// Filtering reports whether the filter box has focus.
func (p *SilencesPane) Filtering() bool { return p.filtering }

func (p *SilencesPane) clamp() {
	if p.cursor >= len(p.rows) {
		p.cursor = len(p.rows) - 1
	}
	if p.cursor < 0 {
		p.cursor = 0
	}
	if s := p.Selected(); s != nil {
		p.selID = s.ID
	}
	h := max(1, p.height)
	if p.cursor < p.offset {
		p.offset = p.cursor
	}
	if p.cursor >= p.offset+h {
		p.offset = p.cursor - h + 1
	}
	p.offset = max(0, min(p.offset, len(p.rows)-h))
}

// SetSize sets the size.
func (p *SilencesPane) SetSize(w, h int) {
	p.input.SetWidth(w - 4)
	p.height = h - 2
	p.clamp()
}

// HandleKey handles list keys.
func (p *SilencesPane) HandleKey(msg tea.KeyPressMsg, now time.Time) (bool, tea.Cmd) {
	k := p.keys
	if p.filtering {
		switch msg.String() {
		case "enter", "esc":
			p.filtering = false
			p.input.Blur()
			if msg.String() == "esc" {
				p.input.SetValue("")
			}
		default:
			var cmd tea.Cmd
			p.input, cmd = p.input.Update(msg)
			p.filter = p.input.Value()
			p.rebuild(now)
			return true, cmd
		}
		p.filter = p.input.Value()
		p.rebuild(now)
		return true, nil
	}
	switch {
	case matches(msg, k.Up):
		p.cursor--
	case matches(msg, k.Down):
		p.cursor++
	case matches(msg, k.Top):
		p.cursor = 0
	case matches(msg, k.Bottom):
		p.cursor = len(p.rows) - 1
	case matches(msg, k.PageUp):
		p.cursor -= max(1, p.height-1)
	case matches(msg, k.PageDown):
		p.cursor += max(1, p.height-1)
	case matches(msg, k.Filter):
		p.filtering = true
		p.input.SetValue(p.filter)
		return true, p.input.Focus()
	default:
		return false, nil
	}
	p.clamp()
	return true, nil
}

// View draws the pane.
func (p *SilencesPane) View(w, h int, st *Styles, now time.Time) string {
	var lines []string
	switch {
	case p.filtering:
		lines = append(lines, p.input.View())
	case p.filter != "":
		lines = append(lines, st.Accent.Render("filter: ")+sanitize.Text(p.filter))
	default:
		lines = append(lines, st.Muted.Render(fmt.Sprintf("%d silences · x expire · e extend · / filter", len(p.rows))))
	}
	lines = append(lines, st.Header.Render(fit("  ID       STATE    ENDS        BY", 36)+" "+fit("MATCHERS", max(8, w/3))+" COMMENT"))
	if len(p.rows) == 0 {
		lines = append(lines, "", st.Muted.Render("  No silences."))
		return box(lines, w, h)
	}
	body := h - len(lines)
	end := min(len(p.rows), p.offset+body)
	for i := p.offset; i < end; i++ {
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
		line := fit(r.sid, 8) + " " + st.StateStyle(r.s.State).Render(fit(r.s.State, 8)) + " " + fit(ends, 11) + " " + fit(r.by, 14) + " " +
			fit(r.matchers, max(8, w/3)) + " " + r.comment + mark
		if i == p.cursor {
			lines = append(lines, st.Cursor.Render("▌ ")+st.Selected.Render(fit(ansiStrip(line), w-2)))
		} else {
			lines = append(lines, "  "+line)
		}
	}
	return box(lines, w, h)
}
