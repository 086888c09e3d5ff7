package handoff

import (
	"fmt"
	"math"
	"strings"
	"time"

	"oncall/internal/timefmt"
)

// Markdown renders the summary as GitHub-flavoured Markdown: headings,
// tables and lists, no raw HTML, every untrusted string escaped (see Esc).
// Times are shown in the summary's time zone: "15:04" on the day the window
// ends, with the date otherwise.
func Markdown(s *Summary) string {
	r := mdWriter{s: s}
	r.header()
	for _, part := range s.parts() {
		r.s, r.prefix = part, partPrefix(s, part, func(c string) string { return Esc(c, 40) })
		r.firing()
		r.fired()
		r.silences()
		r.acks()
		r.budgets()
	}
	r.s, r.prefix = s, ""
	r.notes()
	r.failed()
	r.problems()
	return strings.TrimRight(r.b.String(), "\n") + "\n"
}

type mdWriter struct {
	s *Summary
	b strings.Builder
	// prefix names the cluster a section is about ("prod · "), when the
	// handoff covers several
	prefix string
}

func (r *mdWriter) p(format string, args ...any) { fmt.Fprintf(&r.b, format+"\n", args...) }

func (r *mdWriter) h2(title string) { r.p("\n## %s%s\n", r.prefix, title) }

// at formats a time relative to the day the window ends.
func (r *mdWriter) at(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	t = t.In(r.s.Window.To.Location())
	ref := r.s.Window.To
	if t.Year() == ref.Year() && t.YearDay() == ref.YearDay() {
		return t.Format("15:04")
	}
	return t.Format("Jan 2 15:04")
}

func (r *mdWriter) table(header ...string) {
	r.p("| %s |", strings.Join(header, " | "))
	seps := make([]string, len(header))
	for i := range seps {
		seps[i] = "---"
	}
	r.p("| %s |", strings.Join(seps, " | "))
}

func (r *mdWriter) row(cells ...string) { r.p("| %s |", strings.Join(cells, " | ")) }

func (r *mdWriter) none() { r.p("None.") }

func (r *mdWriter) header() {
	s, w := r.s, r.s.Window
	r.p("# Shift handoff · %s\n", Esc(s.Context, 80))
	_, off := w.To.Zone()
	r.p("**Window:** %s → %s (%s, %s UTC%s) · by %s\n", w.From.Format("Mon Jan 2 15:04"), w.To.Format("Mon Jan 2 15:04"),
		timefmt.Human(w.Duration()), Esc(s.Timezone, 60), offset(off), Esc(s.User, 80))
	r.p("**In short:** %s", inShort(s))
	if len(s.SourceErrors) > 0 {
		var names []string
		for _, e := range s.SourceErrors {
			names = append(names, Esc(e.Source, 40))
		}
		r.p("\n**Incomplete:** could not read %s (see Source errors).", strings.Join(names, ", "))
	}
}

func offset(sec int) string {
	sign := "+"
	if sec < 0 {
		sign, sec = "-", -sec
	}
	return fmt.Sprintf("%s%02d:%02d", sign, sec/3600, sec%3600/60)
}

func count(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// labelText shows an alert's identifying labels (not alertname, severity).
func labelText(m map[string]string) string { return Esc(labelPairs(m), 120) }

func (r *mdWriter) firing() {
	r.h2("Firing now")
	if len(r.s.FiringNow) == 0 {
		r.none()
		return
	}
	for i, g := range severityGroups(r.s.FiringNow) {
		sev := g[0].Severity
		if sev == "" {
			sev = "no severity"
		}
		if i > 0 {
			r.p("")
		}
		r.p("### %s (%d)\n", Esc(sev, 40), len(g))
		r.table("Alert", "Labels", "Since", "Age", "State", "Acked / silenced by", "Until")
		for _, a := range g {
			by, until := "-", "-"
			switch {
			case a.AckedBy != "":
				by = "ack: " + Esc(a.AckedBy, 60)
				if a.AckNote != "" {
					by += " (" + Esc(a.AckNote, 80) + ")"
				}
			case a.SilencedBy != "":
				by = Esc(a.SilencedBy, 60) + ": " + Esc(a.SilenceComment, 80)
			}
			if a.SilenceEndsAt != nil {
				until = fmt.Sprintf("%s (in %s)", r.at(*a.SilenceEndsAt), timefmt.Left(*a.SilenceEndsAt, r.s.Window.To))
			}
			name := Esc(a.Alertname, 80)
			if a.Summary != "" {
				name += ": " + Esc(a.Summary, 120)
			}
			if u := linkURL(a.RunbookURL); u != nil {
				name += " ([runbook](" + safeURL(u) + "))"
			}
			r.row(name, labelText(a.Labels), r.at(a.Since), timefmt.Human(time.Duration(a.AgeSeconds)*time.Second), Esc(a.State, 20), by, until)
		}
	}
}

func (r *mdWriter) fired() {
	r.h2("Fired during the shift")
	if len(r.s.Fired) == 0 {
		r.none()
		return
	}
	r.p("Noisiest first. Fired is the first and resolved the last evaluation seen firing.\n")
	r.table("Alert", "Labels", "Episodes", "Fired", "Resolved", "Duration")
	for _, h := range r.s.Fired {
		for i, e := range h.Episodes {
			name, labels, n := "", "", ""
			if i == 0 {
				name = Esc(h.Alertname, 80)
				if h.Severity != "" {
					name += " (" + Esc(h.Severity, 20) + ")"
				}
				labels, n = labelText(h.Labels), fmt.Sprint(h.Count)
			}
			fired := r.at(e.Start)
			if e.StartedBefore {
				fired = "before " + fired
			}
			resolved := "still firing"
			if e.End != nil {
				resolved = r.at(*e.End)
			}
			r.row(name, labels, n, fired, resolved, timefmt.Human(time.Duration(e.DurationSeconds)*time.Second))
		}
	}
}

func (r *mdWriter) matchers(ms []string) string { return Esc(strings.Join(ms, ", "), 160) }

func (r *mdWriter) silences() {
	s := r.s.Silences
	r.h2("Silences")
	r.p("### Created (%d)\n", len(s.Created))
	if len(s.Created) == 0 {
		r.none()
	} else {
		r.table("Matchers", "By", "Comment", "Starts", "Ends", "State")
		for _, x := range s.Created {
			r.row(r.matchers(x.Matchers), Esc(x.CreatedBy, 60), Esc(x.Comment, 200), r.at(x.StartsAt), r.at(x.EndsAt), Esc(x.State, 20))
		}
	}
	r.p("\n### Expired (%d)\n", len(s.Expired))
	if len(s.Expired) == 0 {
		r.none()
	} else {
		r.table("Matchers", "By", "Comment", "Ended", "Expired by")
		for _, x := range s.Expired {
			by := "-"
			if x.ExpiredBy != "" {
				by = Esc(x.ExpiredBy, 60)
			}
			r.row(r.matchers(x.Matchers), Esc(x.CreatedBy, 60), Esc(x.Comment, 200), r.at(x.EndsAt), by)
		}
	}
	r.p("\n### Expiring in the next shift (%d, until %s)\n", len(s.Expiring), r.at(r.s.Window.NextShiftEnd))
	if len(s.Expiring) == 0 {
		r.none()
		return
	}
	r.table("Matchers", "By", "Comment", "Ends", "In")
	for _, x := range s.Expiring {
		r.row(r.matchers(x.Matchers), Esc(x.CreatedBy, 60), Esc(x.Comment, 200), r.at(x.EndsAt), timefmt.Left(x.EndsAt, r.s.Window.To))
	}
}

func (r *mdWriter) acks() {
	r.h2("Acks")
	if len(r.s.Acks) == 0 {
		r.none()
		return
	}
	r.table("Alert", "By", "Note", "At", "Until", "State")
	for _, a := range r.s.Acks {
		r.row(Esc(a.Alert, 120), Esc(a.By, 60), Esc(a.Note, 200), r.at(a.At), r.at(a.EndsAt), Esc(a.State, 20))
	}
}

// pct formats a budget fraction as a percentage.
func pct(f *float64) string {
	if f == nil || math.IsNaN(*f) || math.IsInf(*f, 0) {
		return "-"
	}
	v := *f * 100
	if math.Abs(v) < 1 {
		return fmt.Sprintf("%.2f%%", v)
	}
	return fmt.Sprintf("%.1f%%", v)
}

func (r *mdWriter) budgets() {
	r.h2("Error budget")
	if len(r.s.Budgets) == 0 {
		r.none()
		return
	}
	r.table("SLO", "Objective", "Remaining at start", "Remaining at end", "Consumed this shift")
	for _, b := range r.s.Budgets {
		consumed := pct(b.Consumed)
		if b.Error != "" {
			consumed += " (" + Esc(b.Error, 160) + ")"
		}
		r.row(Esc(b.Name, 80), fmt.Sprintf("%g%% over %s", b.Objective, Esc(b.Window, 10)), pct(b.RemainingStart), pct(b.RemainingEnd), consumed)
	}
}

func (r *mdWriter) noteLine(n Note) string {
	about := "shift"
	if n.Alert != "" {
		about = Esc(n.Alert, 80)
	}
	text := fmt.Sprintf("%s · %s · %s: %s", r.at(n.At), Esc(n.By, 60), about, Esc(n.Text, 500))
	if n.FollowUp {
		text = "**follow-up** " + text
	}
	if n.EditedAt != nil {
		text += fmt.Sprintf(" (edited %s)", r.at(*n.EditedAt))
	}
	if n.Struck {
		text = "~~" + text + "~~"
		if n.StruckBy != "" {
			text += " (struck out by " + Esc(n.StruckBy, 60) + ")"
		}
	}
	return text
}

func (r *mdWriter) notes() {
	r.h2("Notes")
	if len(r.s.Notes) == 0 {
		r.none()
	}
	for _, n := range r.s.Notes {
		r.p("- %s", r.noteLine(n))
	}
	r.h2("Open follow-ups")
	if len(r.s.FollowUps) == 0 {
		r.none()
	}
	for _, n := range r.s.FollowUps {
		about := ""
		if n.Alert != "" {
			about = " on " + Esc(n.Alert, 80)
		}
		r.p("- [ ] %s (%s, %s%s)", Esc(n.Text, 500), Esc(n.By, 60), r.at(n.At), about)
	}
}

func (r *mdWriter) failed() {
	if len(r.s.FailedActions) == 0 {
		return
	}
	r.h2("Failed actions")
	r.table("When", "Who", "Action", "Target", "Error")
	for _, f := range r.s.FailedActions {
		r.row(r.at(f.At), Esc(f.User, 60), Esc(f.Action, 20), Esc(f.Target, 120), Esc(f.Error, 200))
	}
}

func (r *mdWriter) problems() {
	if len(r.s.SourceErrors) == 0 && len(r.s.JournalProblems) == 0 {
		return
	}
	r.h2("Source errors")
	for _, e := range r.s.SourceErrors {
		r.p("- %s: %s", Esc(e.Source, 40), Esc(e.Error, 300))
	}
	if n := len(r.s.JournalProblems); n > 0 {
		r.p("- journal: %s skipped (%s)", count(n, "unreadable line"), Esc(strings.Join(r.s.JournalProblems, "; "), 300))
	}
}
