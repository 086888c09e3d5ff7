package dialog

import (
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"oncall/tui/kit"
)

// Help lists the keys of what is shown: the current view's or screen's own
// keys first, then the global ones by group. It is built from the same
// bindings that drive the keys and the hint lines, so the three agree.
type Help struct {
	keys     *kit.Keymap
	commands []string
}

// NewHelp builds the help for a scope's keymap, and the ":" commands (the
// command line's own registry, so both agree).
func NewHelp(k *kit.Keymap, commands ...string) *Help { return &Help{keys: k, commands: commands} }

// HandleKey implements kit.Dialog: any key closes it.
func (d *Help) HandleKey(tea.KeyPressMsg) (kit.Action, tea.Cmd) { return kit.ActionClose{}, nil }

type helpSection struct {
	title   string
	entries []kit.Binding
}

// sections: the scope's own keys, then each global group in order.
func (d *Help) sections() []helpSection {
	var out []helpSection
	if own := d.keys.Own(); len(own) > 0 && d.keys.Global() != d.keys {
		out = append(out, helpSection{title: d.keys.Title(), entries: own})
	}
	mine := map[string]bool{}
	for _, b := range d.keys.Own() {
		mine[b.Action] = true
	}
	idx := map[string]int{}
	for _, b := range d.keys.Global().Own() {
		if mine[b.Action] && d.keys.Global() != d.keys {
			continue // listed with the scope's own meaning
		}
		i, ok := idx[b.Group]
		if !ok {
			i = len(out)
			idx[b.Group] = i
			out = append(out, helpSection{title: b.Group})
		}
		out[i].entries = append(out[i].entries, b)
	}
	return out
}

// View implements kit.Dialog: the sections in as many columns as fit,
// blank lines between them when the height allows.
func (d *Help) View(w, h int, st *kit.Styles) string {
	secs := d.sections()
	keyW, helpW := 1, 1
	for _, s := range secs {
		for _, b := range s.entries {
			keyW = max(keyW, kit.Width(b.Display))
			helpW = max(helpW, kit.Width(b.Help))
		}
	}
	keyW = min(keyW, 12)
	room := max(3, h-6) // border, title, footer
	// The widest columns that show every key: the natural width with a
	// margin, then up to the screen's edge, then narrower columns
	// (descriptions cut with …) so that more fit side by side; each with
	// blank lines between the sections, then without.
	var lines []string
	bw := 0
	fits := func(colW, margin int) bool {
		cols := max(1, min(4, (max(20, w-margin)+2)/(colW+2)))
		bw = cols*(colW+2) - 2 + 4 // the columns, the padding and the border
		if lines = d.layout(secs, cols, keyW, colW, true, st); len(lines) <= room {
			return true
		}
		lines = d.layout(secs, cols, keyW, colW, false, st)
		return len(lines) <= room
	}
	natural := min(keyW+1+helpW, 30)
	if !fits(natural, 8) && !fits(natural, 6) {
		for colW := natural - 2; colW > keyW+1+10 && !fits(colW, 6); colW -= 2 {
		}
	}
	if cmds := d.commandLines(bw-4, st); len(lines)+len(cmds) <= room {
		lines = append(lines, cmds...) // only when every key fits too
	}
	if len(lines) > room {
		lines = append(lines[:room-1], st.Muted.Render("… more keys: a taller terminal shows them"))
	}
	out := append([]string{st.DialogTitle.Render("Keys"), ""}, lines...)
	out = append(out, "", st.Muted.Render("any key closes"))
	return st.Dialog.Width(bw).Render(lipgloss.JoinVertical(lipgloss.Left, out...))
}

func (d *Help) layout(secs []helpSection, cols, keyW, colW int, gaps bool, st *kit.Styles) []string {
	var lines []string
	for si, s := range secs {
		if si > 0 && gaps {
			lines = append(lines, "")
		}
		lines = append(lines, st.GroupHeader.Render(s.title))
		rows := (len(s.entries) + cols - 1) / cols
		for r := 0; r < rows; r++ {
			var b strings.Builder
			for c := 0; c < cols; c++ {
				i := c*rows + r
				if i >= len(s.entries) {
					break
				}
				e := s.entries[i]
				cell := st.Key.Render(kit.Fit(e.Display, keyW)) + " " + st.Muted.Render(kit.Cut(e.Help, colW-keyW-1))
				if c > 0 {
					b.WriteString("  ")
				}
				b.WriteString(kit.Fit(cell, colW))
			}
			lines = append(lines, strings.TrimRight(b.String(), " "))
		}
	}
	return lines
}

// Info shows lines until any key closes it (":ctx" lists the contexts).
type Info struct {
	Title string
	Lines []string
}

// HandleKey implements kit.Dialog: any key closes it.
func (d *Info) HandleKey(tea.KeyPressMsg) (kit.Action, tea.Cmd) { return kit.ActionClose{}, nil }

// View implements kit.Dialog.
func (d *Info) View(w, h int, st *kit.Styles) string {
	out := append([]string{st.DialogTitle.Render(d.Title), ""}, d.Lines...)
	out = append(out, "", st.Muted.Render("any key closes"))
	return st.Dialog.Width(min(w-4, 70)).Render(lipgloss.JoinVertical(lipgloss.Left, out...))
}

// commandLines list the ":" commands, wrapped to w.
func (d *Help) commandLines(w int, st *kit.Styles) []string {
	if len(d.commands) == 0 {
		return nil
	}
	var out []string
	for i, l := range kit.Wrap("Commands: "+strings.Join(d.commands, " "), w) {
		if i == 0 {
			l = st.GroupHeader.Render("Commands:") + st.Muted.Render(strings.TrimPrefix(l, "Commands:"))
		} else {
			l = st.Muted.Render(l)
		}
		out = append(out, l)
	}
	return out
}
