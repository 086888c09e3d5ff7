package handoff

import (
	"fmt"
	"strings"
	"time"

	"oncall/internal/handoff"
	"oncall/internal/sanitize"
	"oncall/internal/timefmt"
	"oncall/tui/kit"
)

// View implements kit.Screen: a title, the counts, the notes list, the
// rendered preview (only its visible lines) and the keys.
func (s *screen) View(w, hgt int, st *kit.Styles, now time.Time) string {
	var top []string
	title := st.Title.Render("Handoff")
	switch {
	case s.sum != nil:
		win := s.sum.Window
		title += st.Muted.Render(fmt.Sprintf(" · %s → %s (%s) · %s", win.From.Format("Mon Jan 2 15:04"), win.To.Format("Mon Jan 2 15:04"),
			timefmt.Human(win.Duration()), sanitize.Text(s.sum.Timezone)))
	case s.err == "":
		title += st.Muted.Render(" · collecting…")
	}
	if s.loading && s.sum != nil {
		title += st.Muted.Render(" · reloading…")
	}
	top = append(top, title)
	if s.err != "" {
		top = append(top, st.Error.Render("handoff: "+sanitize.Text(s.err)))
	}
	if sum := s.sum; sum != nil {
		top = append(top, st.Muted.Render(counts(sum)))
		for _, e := range sum.SourceErrors {
			top = append(top, st.Error.Render("✗ "+sanitize.Text(e.Source)+": "+sanitize.Text(e.Error)))
		}
		if s.renderErr != "" {
			top = append(top, st.Error.Render("preview: "+sanitize.Text(s.renderErr)))
		}
	}
	footer := s.footer(st)
	if len(s.notes) > 0 {
		room := hgt - len(top) - 4 // header, separator, footer, one preview line
		top = append(top, s.notesView(w, max(1, min(len(s.notes), max(2, (hgt-len(top))/3), room)), st)...)
	}
	top = append(top, st.Border.Render(strings.Repeat("─", max(0, w))))
	s.height = max(1, hgt-len(top)-1)
	s.clamp()
	lines := top
	end := min(len(s.rendered), s.offset+s.height)
	if s.offset < end {
		lines = append(lines, s.rendered[s.offset:end]...)
	}
	for len(lines) < hgt-1 {
		lines = append(lines, "")
	}
	lines = append(lines[:hgt-1], footer)
	return kit.Box(lines, w, hgt)
}

// counts is the one-line summary under the title.
func counts(s *handoff.Summary) string {
	episodes := 0
	for _, a := range s.Fired {
		episodes += a.Count
	}
	n := func(k int, what string) string { return fmt.Sprintf("%d %s%s", k, what, kit.Plural(k)) }
	return fmt.Sprintf("%d firing now · %d fired (%s) · %s created · %d expiring next shift · %s · %s",
		len(s.FiringNow), len(s.Fired), n(episodes, "episode"), n(len(s.Silences.Created), "silence"), len(s.Silences.Expiring),
		n(len(s.Acks), "ack"), n(len(s.FollowUps), "open follow-up"))
}

// notesView draws the notes header and n rows around the cursor.
func (s *screen) notesView(w, n int, st *kit.Styles) []string {
	k := s.keys
	hint := fmt.Sprintf(" · %s selects · %s edit · %s strike out · %s new", k.Key(kit.Tab), k.Key(actEdit), k.Key(actStrike), k.Key(actNote))
	if s.focusNotes {
		hint = fmt.Sprintf(" · %s/%s select · %s edit · %s strike out/restore · %s preview",
			firstKey(k, kit.Up), firstKey(k, kit.Down), k.Key(actEdit), k.Key(actStrike), k.Key(kit.Tab))
	}
	out := []string{st.Header.Render(fmt.Sprintf("Notes (%d)", len(s.notes))) + st.Muted.Render(hint)}
	first := 0
	if s.cursor >= n {
		first = s.cursor - n + 1
	}
	for i := first; i < min(len(s.notes), first+n); i++ {
		nt := s.notes[i]
		mark := "•"
		switch {
		case nt.FollowUp && nt.Struck:
			mark = "✓"
		case nt.FollowUp:
			mark = "☐"
		}
		about := "shift"
		if nt.Alert != "" {
			about = sanitize.Text(nt.Alert)
		}
		head := fmt.Sprintf("%s %s %s · %s: ", mark, s.when(nt.At), sanitize.Text(nt.By), about)
		text := sanitize.Text(nt.Text)
		line := st.Muted.Render(head) + st.Value.Render(text)
		if nt.Struck {
			line = st.Subtle.Render(head) + st.Subtle.Strikethrough(true).Render(text) + st.Subtle.Render(" (struck out)")
			text += " (struck out)"
		}
		prefix := "  "
		if s.focusNotes && i == s.cursor {
			prefix = st.Cursor.Render("› ")
			line = st.Selected.Render(kit.Fit(kit.Strip(head+text), max(0, w-2)))
		}
		out = append(out, prefix+line)
	}
	return out
}

// when formats a time like the Markdown does: the clock on the day the
// window ends, with the date otherwise.
func (s *screen) when(t time.Time) string {
	if s.sum == nil {
		return t.Format("15:04")
	}
	ref := s.sum.Window.To
	t = t.In(ref.Location())
	if t.YearDay() == ref.YearDay() && t.Year() == ref.Year() {
		return t.Format("15:04")
	}
	return t.Format("Jan 2 15:04")
}

// footer is the hint line: the bindings with a Short label, in their
// order; movement shows as one "↑/↓ scroll", and post says when no
// webhook is configured.
func (s *screen) footer(st *kit.Styles) string {
	var b strings.Builder
	for _, k := range s.keys.Own() {
		if k.Short == "" {
			continue
		}
		key, label := k.Display, k.Short
		switch k.Action {
		case kit.Up:
			key = firstKey(s.keys, kit.Up) + "/" + firstKey(s.keys, kit.Down)
		case actPost:
			if s.opts.Webhook == "" {
				label += " (no webhook)"
			}
		}
		if b.Len() > 0 {
			b.WriteString(st.Muted.Render(" · "))
		}
		b.WriteString(st.Key.Render(key) + st.Muted.Render(" "+label))
	}
	return b.String()
}
