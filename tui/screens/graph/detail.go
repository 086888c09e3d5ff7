package graph

import (
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"oncall/internal/alerts"
	"oncall/internal/graph"
	"oncall/internal/history"
	"oncall/internal/sanitize"
	"oncall/internal/timefmt"
	"oncall/tui/chart"
	"oncall/tui/kit"
)

// DetailShown implements kit.DetailFetcher: the detail shows a, width
// cells wide. Its graph over the last hour is queried once the detail has
// stayed on it for Debounce (at once when cached and fresh: nothing), and
// the cluster's history is read if it never was.
func (s *screen) DetailShown(h kit.Host, a *alerts.Alert, width int) tea.Cmd {
	s.detail, s.detailW = a, width
	_, s.bodyH = h.BodySize()
	src := h.Sources(a)
	s.noRules = src.Prom == nil && s.opts.Loki == nil
	cmd := s.ensureHistory(h, false)
	if a.Rule == nil || width <= 0 {
		return cmd
	}
	if e := s.graphs[entryKey(a, time.Hour)]; e != nil && (e.inFlight || (e.res != nil && h.Now().Sub(e.at) < s.opts.MaxAge)) {
		return cmd
	}
	s.want++
	gen := s.want
	wait := tea.Tick(s.opts.Debounce, func(time.Time) tea.Msg { return wantMsg{gen: gen, a: a} })
	return tea.Batch(cmd, wait)
}

// compactHeight is the detail chart's height: 9 lines, 7 on a short
// terminal.
func compactHeight(bodyH int) int {
	if bodyH < 30 {
		return 7
	}
	return 9
}

// DetailLines implements kit.DetailExtender: the alert's graph over the
// last hour (or why there is none, in one line) and its firing history.
func (s *screen) DetailLines(a *alerts.Alert, st *kit.Styles, now time.Time) []string {
	if a == nil || s.detail == nil || a.Key() != s.detail.Key() {
		return nil
	}
	out := s.graphLines(a, st)
	return append(out, s.historyLines(a, st, now)...)
}

// graphLines are the detail's graph: a title and the compact chart, or
// one line saying why there is none.
func (s *screen) graphLines(a *alerts.Alert, st *kit.Styles) []string {
	w := s.detailW
	if a.Rule == nil {
		why := "no rule of this context lists this alert"
		if s.noRules {
			why = "no rules for this source (Alertmanager only)"
		}
		return []string{kit.Cut(st.Label.Render("graph: ")+st.Muted.Render(why), w)}
	}
	title := st.Header.Render("Graph") + st.Muted.Render(" · last hour · "+s.keys.Global().Key(openBound)+" full screen")
	e := s.graphs[entryKey(a, time.Hour)]
	ch := compactHeight(s.bodyH)
	switch {
	case w < 24:
		return nil
	case e == nil || (e.res == nil && e.err == ""):
		return append([]string{title}, padTo([]string{st.Muted.Render("  querying the rule's expression…")}, ch)...)
	case e.err != "" && (e.res == nil || len(e.res.Series) == 0):
		return []string{title, kit.Cut(st.Error.Render("  ✗ "+e.err), w)}
	case len(e.res.Series) == 0:
		return []string{title, kit.Cut(st.Muted.Render("  "+noteOr(e.res, "no data")), w)}
	}
	if e.err != "" {
		title += st.Error.Render(" · ✗ " + e.err)
	}
	out := []string{kit.Cut(title, w)}
	out = append(out, strings.Split(e.compactChart(w, ch, st).View(), "\n")...)
	if e.res.Note != "" { // why there is no threshold line, for one
		out = append(out, kit.Cut(st.Muted.Render(" "+noteOr(e.res, "")), w))
	}
	return out
}

// compactChart is the detail's chart of the reply, built when the reply,
// the width or the styles changed.
func (e *entry) compactChart(w, h int, st *kit.Styles) *chart.Chart {
	want := compactKey{res: e.res, w: w, h: h, st: st}
	if e.chart == nil || e.compact != want {
		d := chart.FromGraph(e.res)
		if len(d.Lines) > compactTopN {
			d.Hidden += len(d.Lines) - compactTopN
			d.Lines = d.Lines[:compactTopN]
		}
		e.chart = chart.New(d, w, h, st, chart.Options{Variant: chart.Compact, Shapes: st.Shapes})
		e.compact = want
	}
	return e.chart
}

// noteOr is the result's note (sanitized: it may quote the rule), or def
// when it has none.
func noteOr(r *graph.Result, def string) string {
	if r != nil && r.Note != "" {
		return sanitize.Text(r.Note)
	}
	return def
}

func padTo(lines []string, n int) []string {
	for len(lines) < n {
		lines = append(lines, "")
	}
	return lines
}

// The history of a log-based alert that Prometheus's ALERTS does not
// have: Loki's ruler writes its alerts' ALERTS series only with
// remote_write set up, so no series is no evidence that it never fired.
const (
	noRulerALERTS = "none in Prometheus' ALERTS"
	noRulerWhy    = "(Loki's ruler writes ALERTS only with remote_write)"
)

// historyLines are the alert's firing history: the last 24 hours as a
// strip of hourly cells (█ firing the whole hour, ▄ part of it, · quiet),
// its episodes in 24h and 7d, a flapping mark, and when it last resolved.
// A log-based alert without an ALERTS series says so instead (on two
// lines when one is too narrow).
func (s *screen) historyLines(a *alerts.Alert, st *kit.Styles, now time.Time) []string {
	hs := &s.hist
	label := st.Label.Render("history ")
	sum, ok := s.summary(a)
	switch {
	case hs.noProm:
		return nil
	case !ok && hs.err != "":
		return []string{kit.Cut(label+st.Error.Render("✗ "+hs.err), s.detailW)}
	case !ok:
		return []string{label + st.Muted.Render("reading ALERTS…")}
	case a.Rule != nil && a.Rule.Source == alerts.SourceLoki && hs.set.For(a.Labels) == nil:
		if line := label + st.Muted.Render(noRulerALERTS+" "+noRulerWhy); kit.Width(line) <= s.detailW {
			return []string{line}
		}
		return []string{kit.Cut(label+st.Muted.Render(noRulerALERTS), s.detailW), kit.Cut(st.Muted.Render("        "+noRulerWhy), s.detailW)}
	}
	return historyText(sum, s.opts.Flapping, st, now, s.detailW)
}

// historyText lays a summary out in one line when it fits in w, else two.
func historyText(sum history.Summary, flapping int, st *kit.Styles, now time.Time, w int) []string {
	strip := stripText(sum.Hourly, st)
	counts := st.Value.Render(fmt.Sprintf("%d episode%s in 24h", sum.Episodes24h, kit.Plural(sum.Episodes24h))) +
		st.Muted.Render(fmt.Sprintf(" · %d in 7d", sum.Episodes7d))
	flap := ""
	if sum.Flapping {
		flap = " " + st.Sev["warning"].Render(fmt.Sprintf("⚑ flapping (>%d in 24h)", flapping))
	}
	when, short := "no firing in 7d", ""
	switch {
	case sum.LastResolved != nil:
		short = "last resolved " + timefmt.Ago(*sum.LastResolved, now) + " ago"
		when = short + " (" + clock(*sum.LastResolved, now) + ")"
	case sum.Episodes7d > 0:
		when = "not resolved in 7d"
	}
	if short != "" && kit.Width(counts)+kit.Width(when)+11 > w {
		when = short
	}
	head := st.Label.Render("history ") + st.Muted.Render("-24h ") + strip + st.Muted.Render(" now")
	sep, indent := st.Muted.Render(" · "), "        "
	switch {
	case kit.Width(head+sep+counts+flap+sep+when) <= w:
		return []string{head + sep + counts + flap + st.Muted.Render(" · "+when)}
	case kit.Width(head+sep+counts+flap) <= w:
		return []string{head + sep + counts + flap, kit.Cut(st.Muted.Render(indent+when), w)}
	}
	return []string{kit.Cut(head+flap, w), kit.Cut(indent+counts+st.Muted.Render(" · "+when), w)}
}

// stripText draws the hourly strip: shapes that read without colour,
// coloured by how much of the hour fired.
func stripText(s history.Strip, st *kit.Styles) string {
	var b strings.Builder
	styles := map[history.Cell]lipgloss.Style{history.Quiet: st.Subtle, history.Partial: st.Sev["warning"], history.Firing: st.StateStyle("firing")}
	runes := []rune(s.String())
	for i := 0; i < len(s.Cells); {
		j := i
		for j < len(s.Cells) && s.Cells[j] == s.Cells[i] {
			j++
		}
		b.WriteString(styles[s.Cells[i]].Render(string(runes[i:j])))
		i = j
	}
	return b.String()
}

// clock is a time of day, with the date when it is not today's.
func clock(t, now time.Time) string {
	t, now = t.Local(), now.Local()
	if t.YearDay() == now.YearDay() && t.Year() == now.Year() {
		return t.Format("15:04")
	}
	return t.Format("Jan 2 15:04")
}
