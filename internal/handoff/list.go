package handoff

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"oncall/internal/alerts"
	"oncall/internal/timefmt"
)

// dialect is the markup a list-shaped handoff is written in: Slack mrkdwn
// (slack.go) or Markdown for the terminal preview (preview.go). The list
// layout has no tables: every record is a bullet with its details as
// sub-bullets, so it fits a chat window or a narrow terminal.
type dialect struct {
	// text escapes untrusted prose (summaries, comments, notes, names),
	// ident untrusted identifiers (labels, matchers), cut to max runes.
	text, ident func(s string, max int) string
	// own adapts oncall's own words (the preview keeps their hyphens).
	own              func(s string) string
	bold, strike, h3 func(s string) string
	h1, h2           func(s string) string
	// link shows a checked absolute URL (see linkURL) as a link labelled
	// label.
	link func(u *url.URL, label string) string
	// item, sub and task start a bullet, a sub-bullet and an open
	// follow-up.
	item, sub, task string
}

// listWriter writes the handoff in a dialect.
type listWriter struct {
	s *Summary
	d dialect
	b strings.Builder
	// prefix names the cluster a section is about, when the handoff covers
	// several
	prefix string
}

func writeList(s *Summary, d dialect) string {
	r := &listWriter{s: s, d: d}
	r.header()
	for _, part := range s.parts() {
		r.s, r.prefix = part, partPrefix(s, part, func(c string) string { return d.text(c, 40) })
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

func (r *listWriter) p(format string, args ...any) { fmt.Fprintf(&r.b, format+"\n", args...) }

func (r *listWriter) item(s string) { r.b.WriteString(r.d.item + s + "\n") }
func (r *listWriter) sub(s string)  { r.b.WriteString(r.d.sub + s + "\n") }

func (r *listWriter) section(title string) { r.p("\n%s\n", r.d.h2(r.prefix+r.d.own(title))) }

func (r *listWriter) none() { r.p("None.") }

func (r *listWriter) at(t time.Time) string { return (&mdWriter{s: r.s}).at(t) }

func (r *listWriter) header() {
	s, w, d := r.s, r.s.Window, r.d
	r.p("%s\n", d.h1("Shift handoff · "+d.text(s.Context, 80)))
	_, off := w.To.Zone()
	r.p("%s %s → %s (%s, %s %s) · by %s\n", d.bold("Window:"), w.From.Format("Mon Jan 2 15:04"), w.To.Format("Mon Jan 2 15:04"),
		timefmt.Human(w.Duration()), d.text(s.Timezone, 60), d.own("UTC"+offset(off)), d.text(s.User, 80))
	r.p("%s %s", d.bold("In short:"), d.own(inShort(s)))
	if len(s.SourceErrors) > 0 {
		var names []string
		for _, e := range s.SourceErrors {
			names = append(names, d.text(e.Source, 40))
		}
		r.p("\n%s could not read %s (see Source errors).", d.bold("Incomplete:"), strings.Join(names, ", "))
	}
}

// inShort is the one-line count of every section.
func inShort(s *Summary) string {
	crit := 0
	for _, a := range s.FiringNow {
		if alerts.SeverityRank(a.Severity) == 0 {
			crit++
		}
	}
	episodes := 0
	for _, h := range s.Fired {
		episodes += h.Count
	}
	parts := []string{
		fmt.Sprintf("%s firing now (%d critical)", count(len(s.FiringNow), "alert"), crit),
		fmt.Sprintf("%s fired during the shift (%s)", count(len(s.Fired), "alert"), count(episodes, "episode")),
		fmt.Sprintf("%s created, %d expired, %d expiring next shift", count(len(s.Silences.Created), "silence"), len(s.Silences.Expired), len(s.Silences.Expiring)),
		count(len(s.Acks), "ack"),
		count(len(s.FollowUps), "open follow-up"),
	}
	if n := len(s.FailedActions); n > 0 {
		parts = append(parts, count(n, "failed action"))
	}
	return strings.Join(parts, " · ")
}

// labelPairs shows an alert's identifying labels (not alertname,
// severity), raw: callers escape.
func labelPairs(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		if k != "alertname" && k != "severity" && k != "alertstate" && k != "__name__" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + m[k]
	}
	return strings.Join(parts, ", ")
}

func (r *listWriter) firing() {
	d := r.d
	r.section("Firing now")
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
		r.p("%s\n", d.h3(fmt.Sprintf("%s (%d)", d.text(sev, 40), len(g))))
		for _, a := range g {
			name := d.bold(d.text(a.Alertname, 80))
			if a.Summary != "" {
				name += ": " + d.text(a.Summary, 160)
			}
			r.item(name)
			since := fmt.Sprintf("firing since %s (%s)", r.at(a.Since), timefmt.Human(time.Duration(a.AgeSeconds)*time.Second))
			if a.State != "" && a.State != string(alerts.StateFiring) {
				since = d.text(a.State, 20) + " · " + since
			}
			r.sub(since)
			if l := labelPairs(a.Labels); l != "" {
				r.sub("labels: " + d.ident(l, 160))
			}
			until := ""
			if a.SilenceEndsAt != nil {
				until = fmt.Sprintf(" until %s (in %s)", r.at(*a.SilenceEndsAt), timefmt.Left(*a.SilenceEndsAt, r.s.Window.To))
			}
			switch {
			case a.AckedBy != "":
				by := "acked by " + d.text(a.AckedBy, 60)
				if a.AckNote != "" {
					by += " (" + d.text(a.AckNote, 120) + ")"
				}
				r.sub(by + until)
			case a.SilencedBy != "":
				r.sub("silenced by " + d.text(a.SilencedBy, 60) + until + ": " + d.text(a.SilenceComment, 160))
			}
			if rb := r.runbook(a.RunbookURL); rb != "" {
				r.sub(rb)
			}
		}
	}
}

// runbook links an absolute runbook URL and shows a relative one as text.
func (r *listWriter) runbook(raw string) string {
	if raw == "" {
		return ""
	}
	if u := linkURL(raw); u != nil {
		return r.d.link(u, "runbook")
	}
	return "runbook: " + r.d.ident(raw, 160)
}

func severityGroups(as []FiringAlert) [][]FiringAlert {
	var groups [][]FiringAlert
	for _, a := range as {
		n := len(groups)
		if n == 0 || groups[n-1][0].Severity != a.Severity {
			groups = append(groups, nil)
			n++
		}
		groups[n-1] = append(groups[n-1], a)
	}
	return groups
}

func (r *listWriter) fired() {
	d := r.d
	r.section("Fired during the shift")
	if len(r.s.Fired) == 0 {
		r.none()
		return
	}
	r.p("Noisiest first; an episode runs from the first to the last evaluation seen firing.\n")
	for _, h := range r.s.Fired {
		name := d.bold(d.text(h.Alertname, 80))
		if h.Severity != "" {
			name += " (" + d.text(h.Severity, 20) + ")"
		}
		r.item(name + " · " + count(h.Count, "episode"))
		if l := labelPairs(h.Labels); l != "" {
			r.sub("labels: " + d.ident(l, 160))
		}
		for _, e := range h.Episodes {
			fired := r.at(e.Start)
			if e.StartedBefore {
				fired = "before " + fired
			}
			resolved := "still firing"
			if e.End != nil {
				resolved = r.at(*e.End)
			}
			line := fmt.Sprintf("%s → %s (%s)", fired, resolved, timefmt.Human(time.Duration(e.DurationSeconds)*time.Second))
			if e.Approximate {
				line += " approximately"
			}
			r.sub(line)
		}
	}
}

func (r *listWriter) silence(x Silence, when string) {
	d := r.d
	r.item(d.ident(strings.Join(x.Matchers, ", "), 160))
	r.sub("by " + d.text(x.CreatedBy, 60) + " · " + when)
	r.sub("comment: " + d.text(x.Comment, 300))
}

func (r *listWriter) silences() {
	s, d := r.s.Silences, r.d
	r.section("Silences")
	r.p("%s\n", d.h3(fmt.Sprintf("Created (%d)", len(s.Created))))
	if len(s.Created) == 0 {
		r.none()
	}
	for _, x := range s.Created {
		r.silence(x, fmt.Sprintf("%s → %s · %s", r.at(x.StartsAt), r.at(x.EndsAt), d.text(x.State, 20)))
	}
	r.p("\n%s\n", d.h3(fmt.Sprintf("Expired (%d)", len(s.Expired))))
	if len(s.Expired) == 0 {
		r.none()
	}
	for _, x := range s.Expired {
		when := "ended " + r.at(x.EndsAt)
		if x.ExpiredBy != "" {
			when += ", expired by " + d.text(x.ExpiredBy, 60)
		}
		r.silence(x, when)
	}
	r.p("\n%s\n", d.h3(fmt.Sprintf("Expiring in the next shift (%d, until %s)", len(s.Expiring), r.at(r.s.Window.NextShiftEnd))))
	if len(s.Expiring) == 0 {
		r.none()
	}
	for _, x := range s.Expiring {
		r.silence(x, fmt.Sprintf("ends %s (in %s)", r.at(x.EndsAt), timefmt.Left(x.EndsAt, r.s.Window.To)))
	}
}

func (r *listWriter) acks() {
	d := r.d
	r.section("Acks")
	if len(r.s.Acks) == 0 {
		r.none()
	}
	for _, a := range r.s.Acks {
		r.item(d.bold(d.text(a.Alert, 120)) + " acked by " + d.text(a.By, 60))
		r.sub(fmt.Sprintf("%s → %s · %s", r.at(a.At), r.at(a.EndsAt), d.text(a.State, 20)))
		if a.Note != "" {
			r.sub("note: " + d.text(a.Note, 300))
		}
	}
}

func (r *listWriter) budgets() {
	d := r.d
	r.section("Error budget")
	if len(r.s.Budgets) == 0 {
		r.none()
	}
	for _, b := range r.s.Budgets {
		r.item(fmt.Sprintf("%s · %g%% over %s", d.bold(d.text(b.Name, 80)), b.Objective, d.text(b.Window, 10)))
		r.sub(fmt.Sprintf("remaining %s → %s · consumed this shift %s", pct(b.RemainingStart), pct(b.RemainingEnd), pct(b.Consumed)))
		if b.Error != "" {
			r.sub("error: " + d.text(b.Error, 200))
		}
	}
}

func (r *listWriter) noteLine(n Note) string {
	d := r.d
	about := "shift"
	if n.Alert != "" {
		about = d.text(n.Alert, 80)
	}
	text := fmt.Sprintf("%s · %s · %s: %s", r.at(n.At), d.text(n.By, 60), about, d.text(n.Text, 500))
	if n.EditedAt != nil {
		text += fmt.Sprintf(" (edited %s)", r.at(*n.EditedAt))
	}
	if n.Struck {
		text = d.strike(text)
		if n.StruckBy != "" {
			text += " (struck out by " + d.text(n.StruckBy, 60) + ")"
		}
	}
	if n.FollowUp {
		text = d.bold(d.own("follow-up")) + " " + text
	}
	return text
}

func (r *listWriter) notes() {
	d := r.d
	r.section("Notes")
	if len(r.s.Notes) == 0 {
		r.none()
	}
	for _, n := range r.s.Notes {
		r.item(r.noteLine(n))
	}
	r.section("Open follow-ups")
	if len(r.s.FollowUps) == 0 {
		r.none()
	}
	for _, n := range r.s.FollowUps {
		about := ""
		if n.Alert != "" {
			about = " on " + d.text(n.Alert, 80)
		}
		r.b.WriteString(fmt.Sprintf("%s%s (%s, %s%s)\n", d.task, d.text(n.Text, 500), d.text(n.By, 60), r.at(n.At), about))
	}
}

func (r *listWriter) failed() {
	d := r.d
	if len(r.s.FailedActions) == 0 {
		return
	}
	r.section("Failed actions")
	for _, f := range r.s.FailedActions {
		r.item(fmt.Sprintf("%s · %s · %s %s", r.at(f.At), d.text(f.User, 60), d.text(f.Action, 20), d.ident(f.Target, 160)))
		r.sub("error: " + d.text(f.Error, 200))
	}
}

func (r *listWriter) problems() {
	d := r.d
	if len(r.s.SourceErrors) == 0 && len(r.s.JournalProblems) == 0 {
		return
	}
	r.section("Source errors")
	for _, e := range r.s.SourceErrors {
		r.item(d.text(e.Source, 40) + ": " + d.text(e.Error, 300))
	}
	if n := len(r.s.JournalProblems); n > 0 {
		r.item(fmt.Sprintf("journal: %s skipped (%s)", count(n, "unreadable line"), d.text(strings.Join(r.s.JournalProblems, "; "), 300)))
	}
}

// linkURL returns raw as an absolute http(s) URL fit to be linked (no user
// info, at most 500 bytes), nil otherwise. String it with safeURL.
func linkURL(raw string) *url.URL {
	raw = strings.TrimSpace(raw)
	if len(raw) > 500 {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return nil
	}
	for _, c := range u.Host {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune(".-:[]", c)) {
			return nil
		}
	}
	if safeURL(u) == "" {
		return nil
	}
	return u
}

// safeURL is u as ASCII with every character after the host that could
// end a Markdown link, a table cell or a Slack <url|text> (spaces, quotes,
// brackets, parentheses, |, \, `) percent-encoded.
func safeURL(u *url.URL) string {
	s := u.String()
	head := u.Scheme + "://" + u.Host
	if !strings.HasPrefix(s, head) {
		return ""
	}
	var b strings.Builder
	b.WriteString(head)
	for i := len(head); i < len(s); i++ {
		c := s[i]
		if c >= 0x80 || c <= ' ' || strings.IndexByte("\"<>()[]|\\`{}^", c) >= 0 {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}
