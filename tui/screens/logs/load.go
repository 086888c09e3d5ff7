package logs

import (
	"context"
	"fmt"
	"slices"
	"time"

	tea "charm.land/bubbletea/v2"

	"oncall/internal/alerts"
	"oncall/internal/logview"
	"oncall/internal/sanitize"
	"oncall/sources/loki"
	"oncall/tui/kit"
)

// report is what the last load says about itself, sanitized: how long it
// took and how many requests, what it found out (the lines that fired a
// log-based alert, the errors filter's form), the limits it worked
// around, the end of the window a limit cut, and for a timeout the stage
// likely slow with the cheaper form.
type report struct {
	took     time.Duration
	requests int
	notes    []string // muted, one line each
	hint     string   // SlowHint, shown as an error
}

// loadedMsg is the reply to one window load.
type loadedMsg struct {
	seq                    int
	selector, query        string
	start, end             time.Time
	rows                   []logview.Row
	capped                 bool
	keep                   func(*logview.Row) bool
	report                 report
	err                    error
	fromRule, ruleFellBack bool
}

// Screen implements kit.Routed.
func (loadedMsg) Screen() string { return Name }

// loadSpec is everything one load needs, copied out of the screen so the
// command touches nothing the update loop owns.
type loadSpec struct {
	seq                         int
	c                           *loki.Client
	b                           *logview.Builder
	planner                     *logview.Planner
	tmpl                        *logview.SelectorTemplate
	alert                       *alerts.Alert
	labels                      map[string]string
	selector                    string // resolved before ("": resolve it)
	logAlert, whole, errorsOnly bool
	start, end, now             time.Time
	max                         int
	timeout                     time.Duration
	clock                       func() time.Time
	wholeKey                    string
}

// reload fetches the window again: for a log-based alert the lines that
// fired it (its rule's log query over the rule's range before it became
// active), otherwise, or with W, the service's logs from AlertLead before
// the alert started; until now either way.
func (s *Screen) reload(h kit.Host) tea.Cmd {
	if s.cfgErr != "" || s.labels == nil {
		return nil
	}
	s.seq++
	s.loading, s.err = true, ""
	if !s.tailing {
		s.tailNote, s.tailErr = "", false
	}
	now := h.Now()
	s.start, s.end = logview.AlertWindow(s.started, now)
	sp := loadSpec{
		seq: s.seq, c: s.opts.Client, b: s.b, planner: s.planner, tmpl: s.tmpl, alert: s.alert, labels: s.labels,
		selector: s.selector, logAlert: s.logAlert, whole: s.whole, errorsOnly: s.errorsOnly,
		start: s.start, end: s.end, now: now, max: s.buf.Cap(), timeout: s.opts.Timeout, clock: h.Now,
		wholeKey: s.keys.Key(actWhole),
	}
	return func() tea.Msg { return sp.run() }
}

func (sp loadSpec) run() loadedMsg {
	ctx, cancel := context.WithTimeout(context.Background(), sp.timeout)
	defer cancel()
	began := sp.clock()
	msg := loadedMsg{seq: sp.seq, selector: sp.selector, start: sp.start, end: sp.end}
	var notes []string
	base := ""
	if sp.logAlert && !sp.whole {
		rl, err := logview.ForRule(ctx, sp.c, sp.alert, sp.now)
		if err == nil {
			base, msg.start, msg.end, msg.fromRule = rl.Query, rl.Start, rl.End, true
			notes = append(notes, rl.Why+" ("+sp.wholeKey+": the service's whole log)")
		} else {
			msg.ruleFellBack = true
			notes = append(notes, err.Error()+": the service's whole log is shown")
		}
	}
	if base == "" {
		if msg.selector == "" {
			sel, err := logview.ResolveSelector(ctx, sp.c, sp.tmpl, sp.labels, msg.start, msg.end)
			if err != nil && sp.logAlert {
				// no alert_selector fits a log-based alert's labels: its
				// rule's own stream selector is its service's log
				if rs := ruleSelector(sp.alert); rs != "" {
					sel, err = rs, nil
					notes = append(notes, "the rule's stream selector: no alert_selector fits this alert's labels")
				}
			}
			if err != nil {
				msg.err = err
				return msg
			}
			msg.selector = sel
		}
		base = msg.selector
	}
	load := logview.Load{Query: base, Start: msg.start, End: msg.end, Max: sp.max}
	if sp.errorsOnly && sp.planner != nil {
		plan, err := sp.planner.ErrorQuery(ctx, base, msg.start, msg.end)
		if err != nil {
			msg.err = err
			msg.report = report{took: sp.clock().Sub(began), notes: sanitizeAll(notes)}
			return msg
		}
		load.Query = plan.Query
		notes = append(notes, plan.Why)
		if plan.Source == logview.FromLineFilter {
			msg.keep = plan.Keep
		}
	}
	msg.query = load.Query
	out, err := load.Run(ctx, sp.c, sp.b)
	msg.rows, msg.capped, msg.err = out.Rows, out.Capped, err
	if msg.keep != nil {
		msg.rows = slices.DeleteFunc(msg.rows, func(r logview.Row) bool { return !msg.keep(&r) })
	}
	if out.Fetch != nil {
		msg.report.requests = out.Fetch.Requests
		notes = append(notes, out.Fetch.Notes()...)
	}
	msg.report.took, msg.report.notes, msg.report.hint = sp.clock().Sub(began), sanitizeAll(notes), out.Hint
	return msg
}

// ruleSelector is the stream selector of a log-based alert's rule ("" when
// the expression cannot be taken apart).
func ruleSelector(a *alerts.Alert) string {
	if !logview.IsLogAlert(a) {
		return ""
	}
	rl, err := logview.ForRule(context.Background(), nil, a, time.Now())
	if err != nil {
		return ""
	}
	return logview.SelectorOf(rl.Query)
}

func sanitizeAll(in []string) []string {
	out := make([]string, 0, len(in))
	for _, s := range in {
		if s != "" {
			out = append(out, sanitize.Text(s))
		}
	}
	return out
}

func (s *Screen) applyLoaded(msg loadedMsg) tea.Cmd {
	if msg.seq != s.seq {
		return nil // a newer load was asked for
	}
	s.loading = false
	s.report, s.keep = msg.report, msg.keep
	if !msg.start.IsZero() {
		s.start, s.end = msg.start, msg.end
	}
	if msg.selector != "" {
		s.selector = msg.selector
	}
	if msg.query != "" {
		s.query, s.queryText = msg.query, sanitize.Text(msg.query)
	}
	if msg.err != nil {
		s.err = sanitize.Text(msg.err.Error())
		if len(msg.rows) == 0 {
			return nil
		}
	}
	s.loaded, s.capped = true, msg.capped
	s.buf.Reset(msg.rows)
	s.list.SetLen(s.buf.Len())
	s.list.Select(s.buf.Len() - 1)
	s.top, s.tailNew = max(0, s.buf.Len()-s.bodyH()), 0
	s.recount()
	if s.tailing && s.tail == nil {
		return s.startTail()
	}
	return nil
}

// toggleWhole switches a log-based alert between the lines that fired it
// and its service's whole log.
func (s *Screen) toggleWhole(h kit.Host) tea.Cmd {
	if !s.logAlert {
		return kit.Status("this alert's rule is not a Loki ruler rule: the service's whole log is what is shown", false)
	}
	s.whole = !s.whole
	if s.tailing {
		s.stopTail("")
		s.tailing = true // restarted on the new query once it has loaded
	}
	return s.reload(h)
}

// noteLines are the lines under the status line: the report's notes
// (muted, together on one line) and a timeout's hint.
func (s *Screen) noteLines() int {
	n := 0
	if len(s.report.notes) > 0 {
		n++
	}
	if s.report.hint != "" {
		n++
	}
	return n
}

// tookText is " in 312ms (3 requests)"; the time is left out below a
// millisecond (a frozen test clock) and the requests when there was one.
func (r report) tookText() string {
	out := ""
	if r.took >= time.Millisecond {
		out = " in " + r.took.Round(time.Millisecond).String()
	}
	if r.requests > 1 {
		out += fmt.Sprintf(" (%d requests)", r.requests)
	}
	return out
}
