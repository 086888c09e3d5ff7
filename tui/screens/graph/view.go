package graph

import (
	"fmt"
	"strings"
	"time"

	"oncall/internal/graph"
	"oncall/internal/sanitize"
	"oncall/internal/timefmt"
	"oncall/tui/chart"
	"oncall/tui/kit"
)

// fullKey is what the full-screen chart was built for.
type fullKey struct {
	res  *graph.Result
	w, h int
	st   *kit.Styles
}

// View implements kit.Screen: a header (the alert, the ranges, the
// reply's age, the keys), the chart with a legend line per series and the
// cursor's readout, and a footer (the query, the series left out, the
// note). The chart is built when the reply, the size or the styles
// change; a frame that changes none of them draws nothing new.
func (s *screen) View(w, h int, st *kit.Styles, now time.Time) string {
	lines := []string{s.headerLine(w, st, now)}
	a := s.alert
	if a == nil {
		return kit.Box(append(lines, "", st.Muted.Render("  Select an alert first.")), w, h)
	}
	if a.Rule == nil {
		why := "no rule of this context lists this alert"
		if s.noRules {
			why = "no rules for this source (Alertmanager only)"
		}
		return kit.Box(append(lines, "", st.Muted.Render("  "+why)), w, h)
	}
	e := s.graphs[entryKey(a, s.spanD())]
	footer := s.footer(e, w, st)
	body := h - len(lines) - len(footer)
	switch {
	case e == nil || (e.res == nil && e.err == ""):
		lines = append(lines, "", st.Muted.Render("  querying the rule's expression…"))
	case e.res == nil || (len(e.res.Series) == 0 && e.err != ""):
		lines = append(lines, "", st.Error.Render("  ✗ "+e.err))
	case len(e.res.Series) == 0:
		lines = append(lines, "", st.Muted.Render("  "+noteOr(e.res, "no data")))
	case body < 6:
		lines = append(lines, st.Muted.Render("  enlarge the terminal to see the chart"))
	default:
		lines = append(lines, strings.Split(s.fullChart(e.res, w, body, st).View(), "\n")...)
	}
	return kit.Box(append(padTo(lines, h-len(footer)), footer...), w, h)
}

// fullChart is the chart of the reply at w×h, built when one of them or
// the styles changed; the cursor stays on its column.
func (s *screen) fullChart(res *graph.Result, w, h int, st *kit.Styles) *chart.Chart {
	want := fullKey{res: res, w: w, h: h, st: st}
	if s.full == nil || s.built != want {
		s.full = chart.New(chart.FromGraph(res), w, h, st, chart.Options{Variant: chart.Full, Shapes: st.Shapes})
		s.built = want
		if s.cursor >= 0 {
			s.full.SetCursor(s.cursor)
		}
	}
	return s.full
}

// headerLine is " Graph · APIDown · 1h 6h 24h 7d · 12s ago" with the
// keys on the right.
func (s *screen) headerLine(w int, st *kit.Styles, now time.Time) string {
	left := " " + st.Title.Render("Graph")
	if a := s.alert; a != nil {
		left += st.Muted.Render(" · ") + st.Bold.Render(sanitize.Text(a.Name()))
		if s.multi && a.Cluster != "" {
			left += st.Muted.Render(" @" + sanitize.Text(a.Cluster))
		}
	}
	var spans []string
	for i, d := range graph.Spans() {
		if i == s.span {
			spans = append(spans, st.Key.Render(spanLabel(d)))
			continue
		}
		spans = append(spans, st.Muted.Render(spanLabel(d)))
	}
	left += st.Muted.Render(" · ") + strings.Join(spans, " ")
	if s.alert != nil {
		if e := s.graphs[entryKey(s.alert, s.spanD())]; e != nil {
			switch {
			case e.inFlight && e.res == nil:
				left += st.Muted.Render(" · querying…")
			case e.res != nil:
				left += st.Muted.Render(" · " + timefmt.Ago(e.at, now) + " ago")
			}
		}
	}
	hints := s.keys.HintsWithin(w - kit.Width(left) - 3)
	if hints == "" {
		return kit.Cut(left, w)
	}
	right := st.Muted.Render(hints + " ")
	return left + strings.Repeat(" ", max(1, w-kit.Width(left)-kit.Width(right))) + right
}

// footer is the query run, the series left out by name, and what could
// not be done (the note, a failed refresh).
func (s *screen) footer(e *entry, w int, st *kit.Styles) []string {
	if e == nil || e.res == nil {
		return nil
	}
	var out []string
	r := e.res
	if r.Query != "" {
		out = append(out, kit.Cut(st.Label.Render(" query: ")+st.Accent.Render(sanitize.Text(r.Query)), w))
	}
	if len(r.HiddenNames) > 0 {
		names := strings.Join(r.HiddenNames, ", ")
		if more := r.Hidden - len(r.HiddenNames); more > 0 {
			names += fmt.Sprintf(" and %d more", more)
		}
		out = append(out, kit.Cut(st.Label.Render(fmt.Sprintf(" %d hidden: ", r.Hidden))+st.Muted.Render(sanitize.Text(names)), w))
	}
	if r.Note != "" && len(r.Series) > 0 {
		out = append(out, kit.Cut(st.Muted.Render(" "+sanitize.Text(r.Note)), w))
	}
	if e.err != "" && len(r.Series) > 0 {
		out = append(out, kit.Cut(st.Error.Render(" ✗ the last query failed: "+e.err), w))
	}
	return out
}

// spanLabel is "1h", "6h", "24h" or "7d".
func spanLabel(d time.Duration) string {
	if d >= 48*time.Hour && d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	return fmt.Sprintf("%dh", d/time.Hour)
}
