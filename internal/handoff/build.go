package handoff

import (
	"sort"
	"strings"
	"time"

	"github.com/prometheus/alertmanager/api/v2/models"
	"github.com/prometheus/alertmanager/pkg/labels"

	"oncall/internal/alerts"
	"oncall/internal/journal"
)

// Data is everything the sources returned; Build turns it into a Summary.
type Data struct {
	// Alerts and Silences are Alertmanager's current alerts and silences
	// (it keeps expired silences for a while). HaveAlerts is false when
	// the alerts could not be read.
	Alerts     models.GettableAlerts
	HaveAlerts bool
	Silences   models.GettableSilences
	// History is the firing history from Prometheus.
	History []AlertHistory
	Budgets []Budget
	// Journal holds the journal entries (all retained ones: notes and
	// follow-ups may predate the window).
	Journal         []journal.Entry
	JournalProblems []journal.Problem
	Errors          []SourceError
}

// Build assembles the summary for window w. It is pure: same data, same
// summary.
func Build(d Data, w Window, context, user string) *Summary {
	loc := w.To.Location()
	s := &Summary{
		Schema: SchemaVersion, Context: context, User: user, GeneratedAt: w.To, Timezone: loc.String(), Window: w,
		FiringNow: []FiringAlert{}, Fired: d.History, Acks: []Ack{}, Budgets: d.Budgets,
		Notes: []Note{}, FollowUps: []Note{}, FailedActions: []FailedAction{},
		SourceErrors: d.Errors, JournalProblems: []string{},
		Silences: SilenceReport{Created: []Silence{}, Expired: []Silence{}, Expiring: []Silence{}},
	}
	if s.Fired == nil {
		s.Fired = []AlertHistory{}
	}
	if s.Budgets == nil {
		s.Budgets = []Budget{}
	}
	if s.SourceErrors == nil {
		s.SourceErrors = []SourceError{}
	}
	sort.SliceStable(s.SourceErrors, func(i, j int) bool { return s.SourceErrors[i].Source < s.SourceErrors[j].Source })
	for _, p := range d.JournalProblems {
		s.JournalProblems = append(s.JournalProblems, p.String())
	}
	var entries []journal.Entry
	for _, e := range d.Journal {
		if e.Context == "" || e.Context == context {
			entries = append(entries, e)
		}
	}
	as, sils := alerts.Build(d.Alerts, d.Silences, nil, nil)
	s.FiringNow = firingNow(as, sils, w)
	s.Silences, s.Acks = silenceSections(sils, entries, w)
	s.Notes, s.FollowUps = noteSections(entries, w)
	for _, e := range entries {
		if e.Result == journal.ResultError && inWindow(e.Time, w) {
			s.FailedActions = append(s.FailedActions, FailedAction{At: e.Time.In(loc), User: e.User, Action: e.Action, Target: e.Target, Error: e.Error})
		}
	}
	return s
}

func inWindow(t time.Time, w Window) bool { return !t.Before(w.From) && !t.After(w.To) }

// firingNow lists the alerts Alertmanager holds, by severity then age.
func firingNow(as []*alerts.Alert, sils []*alerts.Silence, w Window) []FiringAlert {
	loc := w.To.Location()
	byID := map[string]*alerts.Silence{}
	for _, s := range sils {
		byID[s.ID] = s
	}
	alerts.Sort(as, alerts.SortSeverity)
	out := []FiringAlert{}
	for _, a := range as {
		f := FiringAlert{Alertname: a.Name(), Severity: a.Severity(), State: string(a.State), Labels: a.Labels, Summary: a.Summary(),
			RunbookURL: a.Annotations["runbook_url"], Fingerprint: a.Fingerprint, Since: a.Since().In(loc), AgeSeconds: int64(w.To.Sub(a.Since()).Seconds())}
		if sil := coveringSilence(a, byID); sil != nil {
			end := sil.EndsAt.In(loc)
			f.SilencedBy, f.SilenceComment, f.SilenceID, f.SilenceEndsAt = sil.CreatedBy, sil.Comment, sil.ID, &end
			if by, note, ok := alerts.ParseAckComment(sil.Comment); ok {
				f.AckedBy, f.AckNote = by, note
			}
		}
		out = append(out, f)
	}
	sort.SliceStable(out, func(i, j int) bool {
		return alerts.SeverityRank(out[i].Severity) < alerts.SeverityRank(out[j].Severity)
	})
	return out
}

// coveringSilence picks the silence to show for an alert: an ack first,
// else the one that lasts longest.
func coveringSilence(a *alerts.Alert, byID map[string]*alerts.Silence) *alerts.Silence {
	var best *alerts.Silence
	for _, id := range a.SilencedBy {
		s := byID[id]
		switch {
		case s == nil:
		case best == nil, s.Ack && !best.Ack, s.Ack == best.Ack && s.EndsAt.After(best.EndsAt):
			best = s
		}
	}
	return best
}

// silenceSections sorts silences into created, expired and expiring in the
// next shift, and acks made during the window, from Alertmanager and the
// journal (which remembers silences Alertmanager has dropped, and who
// expired one).
func silenceSections(sils []*alerts.Silence, entries []journal.Entry, w Window) (SilenceReport, []Ack) {
	loc := w.To.Location()
	rep := SilenceReport{Created: []Silence{}, Expired: []Silence{}, Expiring: []Silence{}}
	acks := []Ack{}
	expiredBy := map[string]string{}
	for _, e := range entries {
		if e.Action == journal.ActionExpire && e.Result == journal.ResultOK {
			expiredBy[e.SilenceID] = e.User
		}
	}
	known := map[string]bool{}
	all := make([]Silence, 0, len(sils))
	for _, s := range sils {
		known[s.ID] = true
		if s.Ack {
			if inWindow(s.StartsAt, w) {
				by, note, _ := alerts.ParseAckComment(s.Comment)
				acks = append(acks, Ack{Alert: alertOf(s.Matchers), Matchers: s.Matchers, By: by, Note: note, At: s.StartsAt.In(loc),
					EndsAt: s.EndsAt.In(loc), State: s.State, SilenceID: s.ID})
			}
			continue
		}
		all = append(all, Silence{ID: s.ID, State: s.State, Matchers: nonNil(s.Matchers), CreatedBy: s.CreatedBy, Comment: s.Comment,
			StartsAt: s.StartsAt.In(loc), EndsAt: s.EndsAt.In(loc), ExpiredBy: expiredBy[s.ID], Source: SourceAlertmanager})
	}
	for _, e := range entries {
		if e.Result != journal.ResultOK || e.SilenceID == "" || known[e.SilenceID] || !inWindow(e.Time, w) {
			continue
		}
		switch e.Action {
		case journal.ActionSilence:
			known[e.SilenceID] = true
			s := Silence{ID: e.SilenceID, State: "active", Matchers: matcherList(e.Target), CreatedBy: e.User, Comment: e.Comment,
				StartsAt: e.Time.In(loc), ExpiredBy: expiredBy[e.SilenceID], Source: SourceJournal}
			if e.EndsAt != nil {
				s.EndsAt = e.EndsAt.In(loc)
			}
			if s.ExpiredBy != "" || !s.EndsAt.After(w.To) {
				s.State = "expired"
			}
			all = append(all, s)
		case journal.ActionAck:
			known[e.SilenceID] = true
			by, note, ok := alerts.ParseAckComment(e.Comment)
			if !ok {
				by = e.User
			}
			a := Ack{Alert: e.Alert, Matchers: matcherList(e.Target), By: by, Note: note, At: e.Time.In(loc), State: "unknown", SilenceID: e.SilenceID}
			if e.EndsAt != nil {
				a.EndsAt = e.EndsAt.In(loc)
			}
			acks = append(acks, a)
		}
	}
	for _, s := range all {
		if inWindow(s.StartsAt, w) {
			rep.Created = append(rep.Created, s)
		}
		if s.State == "expired" && inWindow(s.EndsAt, w) {
			rep.Expired = append(rep.Expired, s)
		}
		if s.State != "expired" && s.EndsAt.After(w.To) && !s.EndsAt.After(w.NextShiftEnd) {
			rep.Expiring = append(rep.Expiring, s)
		}
	}
	byTime := func(xs []Silence, at func(Silence) time.Time) {
		sort.SliceStable(xs, func(i, j int) bool {
			if !at(xs[i]).Equal(at(xs[j])) {
				return at(xs[i]).Before(at(xs[j]))
			}
			return xs[i].ID < xs[j].ID
		})
	}
	byTime(rep.Created, func(s Silence) time.Time { return s.StartsAt })
	byTime(rep.Expired, func(s Silence) time.Time { return s.EndsAt })
	byTime(rep.Expiring, func(s Silence) time.Time { return s.EndsAt })
	sort.SliceStable(acks, func(i, j int) bool { return acks[i].At.Before(acks[j].At) })
	return rep, acks
}

// alertOf is the alertname an equality matcher names, else the matchers.
func alertOf(ms []string) string {
	for _, m := range ms {
		if v, ok := strings.CutPrefix(m, `alertname="`); ok {
			return strings.TrimSuffix(v, `"`)
		}
	}
	return strings.Join(ms, " ")
}

// matcherList splits a journaled matcher set ({a="b",c=~"d"}) into its
// matchers; text that does not parse is kept whole.
func matcherList(target string) []string {
	ms, err := labels.ParseMatchers(target)
	if err != nil || len(ms) == 0 {
		return []string{target}
	}
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.String()
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// noteSections returns the notes created or changed during the window and
// every open follow-up, whenever it was written.
func noteSections(entries []journal.Entry, w Window) (notes, followUps []Note) {
	loc := w.To.Location()
	notes, followUps = []Note{}, []Note{}
	for _, n := range journal.FoldNotes(entries) {
		out := Note{ID: n.ID, By: n.User, At: n.Created.In(loc), Text: n.Text, Alert: n.Alert, Fingerprint: n.Fingerprint,
			FollowUp: n.FollowUp, Struck: n.Struck, StruckBy: n.StruckBy}
		if n.Edited != nil {
			t := n.Edited.In(loc)
			out.EditedAt = &t
		}
		if inWindow(n.Created, w) || inWindow(n.Updated(), w) {
			notes = append(notes, out)
		}
		if n.Open() && !n.Created.After(w.To) {
			followUps = append(followUps, out)
		}
	}
	return notes, followUps
}

func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}
