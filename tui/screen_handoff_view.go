package tui

import (
	"fmt"
	"strings"
	"time"

	"oncall/internal/handoff"
	"oncall/internal/sanitize"
	"oncall/internal/timefmt"
)

// View implements Screen: a title, the counts, the notes list, the rendered
// preview (only its visible lines) and the keys.
func (h *handoffScreen) View(w, hgt int, st *Styles, now time.Time) string {
	var top []string
	title := st.Title.Render("Handoff")
	switch {
	case h.sum != nil:
		win := h.sum.Window
		title += st.Muted.Render(fmt.Sprintf(" · %s → %s (%s) · %s", win.From.Format("Mon Jan 2 15:04"), win.To.Format("Mon Jan 2 15:04"),
			timefmt.Human(win.Duration()), sanitize.Text(h.sum.Timezone)))
	case h.err == "":
		title += st.Muted.Render(" · collecting…")
	}
	if h.loading && h.sum != nil {
		title += st.Muted.Render(" · reloading…")
	}
	top = append(top, title)
	if h.err != "" {
		top = append(top, st.Error.Render("handoff: "+sanitize.Text(h.err)))
	}
	if s := h.sum; s != nil {
		top = append(top, st.Muted.Render(counts(s)))
		for _, e := range s.SourceErrors {
			top = append(top, st.Error.Render("✗ "+sanitize.Text(e.Source)+": "+sanitize.Text(e.Error)))
		}
		if h.renderErr != "" {
			top = append(top, st.Error.Render("preview: "+sanitize.Text(h.renderErr)))
		}
	}
	footer := h.footer(st)
	if len(h.notes) > 0 {
		room := hgt - len(top) - 4 // header, separator, footer, one preview line
		top = append(top, h.notesView(w, max(1, min(len(h.notes), max(2, (hgt-len(top))/3), room)), st)...)
	}
	top = append(top, st.Border.Render(strings.Repeat("─", max(0, w))))
	h.height = max(1, hgt-len(top)-1)
	h.clamp()
	lines := top
	end := min(len(h.rendered), h.offset+h.height)
	if h.offset < end {
		lines = append(lines, h.rendered[h.offset:end]...)
	}
	for len(lines) < hgt-1 {
		lines = append(lines, "")
	}
	lines = append(lines[:hgt-1], footer)
	return box(lines, w, hgt)
}

// counts is the one-line summary under the title.
func counts(s *handoff.Summary) string {
	episodes := 0
	for _, a := range s.Fired {
		episodes += a.Count
	}
	n := func(k int, what string) string { return fmt.Sprintf("%d %s%s", k, what, plural(k)) }
	return fmt.Sprintf("%d firing now · %d fired (%s) · %s created · %d expiring next shift · %s · %s",
		len(s.FiringNow), len(s.Fired), n(episodes, "episode"), n(len(s.Silences.Created), "silence"), len(s.Silences.Expiring),
		n(len(s.Acks), "ack"), n(len(s.FollowUps), "open follow-up"))
}

// notesView draws the notes header and n rows around the cursor.
func (h *handoffScreen) notesView(w, n int, st *Styles) []string {
	hint := " · tab selects · e edit · x strike out · n new"
	if h.focusNotes {
		hint = " · ↑/↓ select · e edit · x strike out/restore · tab preview"
	}
	out := []string{st.Header.Render(fmt.Sprintf("Notes (%d)", len(h.notes))) + st.Muted.Render(hint)}
	first := 0
	if h.cursor >= n {
		first = h.cursor - n + 1
	}
	for i := first; i < min(len(h.notes), first+n); i++ {
		nt := h.notes[i]
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
		head := fmt.Sprintf("%s %s %s · %s: ", mark, h.when(nt.At), sanitize.Text(nt.By), about)
		text := sanitize.Text(nt.Text)
		line := st.Muted.Render(head) + st.Value.Render(text)
		if nt.Struck {
			line = st.Subtle.Render(head) + st.Subtle.Strikethrough(true).Render(text) + st.Subtle.Render(" (struck out)")
			text += " (struck out)"
		}
		prefix := "  "
		if h.focusNotes && i == h.cursor {
			prefix = st.Cursor.Render("› ")
			line = st.Selected.Render(fit(ansiStrip(head+text), max(0, w-2)))
		}
		out = append(out, prefix+line)
	}
	return out
}

// when formats a time like the Markdown does: the clock on the day the
// window ends, with the date otherwise.
func (h *handoffScreen) when(t time.Time) string {
	if h.sum == nil {
		return t.Format("15:04")
	}
	ref := h.sum.Window.To
	t = t.In(ref.Location())
	if t.YearDay() == ref.YearDay() && t.Year() == ref.Year() {
		return t.Format("15:04")
	}
	return t.Format("Jan 2 15:04")
}

func (h *handoffScreen) footer(st *Styles) string {
	post := "p post"
	if h.opts.Webhook == "" {
		post = "p post (no webhook)"
	}
	parts := []string{"c copy", "w write file", post, "n note", "tab notes", "↑/↓ scroll", "r reload", "esc back"}
	var b strings.Builder
	for i, p := range parts {
		if i > 0 {
			b.WriteString(st.Muted.Render(" · "))
		}
		k, rest, _ := strings.Cut(p, " ")
		b.WriteString(st.Key.Render(k) + st.Muted.Render(" "+rest))
	}
	return b.String()
}
