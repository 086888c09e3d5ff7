// Package guard judges a silence, an ack or an extension against a
// context's rails ([contexts.NAME.guard] in the config) and the live alerts
// of that context's Alertmanager cluster, before anything is written.
//
// It is pure: no I/O. internal/actions calls it for every write, so the TUI,
// the CLI and `oncall serve` get the same verdicts. A Verdict lists each
// violated rule as a one-line Finding whose Mode says whether it refuses the
// write or only asks for an explicit confirmation, and the firing alerts the
// matchers select, for a dialog's preview or a dry run.
package guard

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/alertmanager/pkg/labels"
	"github.com/prometheus/common/model"

	"oncall/internal/alerts"
	"oncall/internal/config"
	"oncall/internal/sanitize"
)

// Mode is what a violated rule does.
type Mode string

// Modes.
const (
	// Refuse: the write is refused and cannot be forced.
	Refuse Mode = config.GuardRefuse
	// Confirm: the write needs a second, explicit confirmation.
	Confirm Mode = config.GuardConfirm
)

// Rule names, as findings, errors and the journal name them.
const (
	RuleBreadth  = "breadth"
	RuleMatchers = "matchers"
	RuleDuration = "duration"
	RuleComment  = "comment"
	RuleRegex    = "regex"
	// RuleAuthor is not configured: internal/actions raises it when a
	// silence created by someone else is expired.
	RuleAuthor = "author"
)

// Kind is the kind of write judged.
type Kind string

// Kinds.
const (
	KindSilence   Kind = "silence"    // a new silence: every rule
	KindAck       Kind = "ack"        // a new ack: every rule but comment, ack duration limit
	KindExtend    Kind = "extend"     // a silence's new end: duration only
	KindAckExtend Kind = "ack-extend" // an ack's new end (also keep-alive): duration only, ack limit
)

// Request is the write to judge.
type Request struct {
	Kind     Kind
	Matchers labels.Matchers
	// Duration is how long the silence lasts from now (for an extension,
	// from now to its new end).
	Duration time.Duration
	// Comment is the silence's comment (not judged for acks: theirs is
	// generated).
	Comment string
}

// Finding is one violated rule.
type Finding struct {
	Rule   string `json:"rule"`
	Mode   Mode   `json:"mode"`
	Reason string `json:"reason"` // one line
}

// String is "rule: reason".
func (f Finding) String() string { return f.Rule + ": " + f.Reason }

// Verdict is the guard's judgement of one request.
type Verdict struct {
	// Findings are the violated rules, in rule order.
	Findings []Finding `json:"findings"`
	// Matched are the firing alerts the matchers select (nil when no live
	// alerts were given).
	Matched []*alerts.Alert `json:"matched"`
	// Firing is how many alerts of the cluster fire (pending and resolved
	// ones do not count; silenced and inhibited ones do).
	Firing int `json:"firing"`
	// Rules reports whether the policy has any rule at all.
	Rules bool `json:"rules"`
}

// Refusal returns the first finding whose mode is Refuse.
func (v Verdict) Refusal() (Finding, bool) {
	for _, f := range v.Findings {
		if f.Mode == Refuse {
			return f, true
		}
	}
	return Finding{}, false
}

// Unconfirmed returns the Confirm findings whose rule is not in confirmed.
func (v Verdict) Unconfirmed(confirmed []string) []Finding {
	var out []Finding
	for _, f := range v.Findings {
		if f.Mode == Confirm && !slices.Contains(confirmed, f.Rule) {
			out = append(out, f)
		}
	}
	return out
}

// Confirmations returns the rules of the Confirm findings.
func (v Verdict) Confirmations() []string {
	var out []string
	for _, f := range v.Findings {
		if f.Mode == Confirm && !slices.Contains(out, f.Rule) {
			out = append(out, f.Rule)
		}
	}
	return out
}

// Policy is a context's compiled rules. The nil Policy has none.
type Policy struct {
	breadth  config.BreadthGuard
	matchers config.MatchersGuard
	duration config.DurationGuard
	comment  *regexp.Regexp
	regex    config.RegexGuard
	modes    map[string]Mode
}

// New compiles a context's guard config. It validates it first (config.Load
// already did, with the configured default durations).
func New(c config.Guard) (*Policy, error) {
	if err := c.Validate(0, 0); err != nil {
		return nil, err
	}
	p := &Policy{breadth: c.Breadth, matchers: c.Matchers, duration: c.Duration, regex: c.Regex, modes: map[string]Mode{}}
	if p.breadth.MinAlerts == 0 {
		p.breadth.MinAlerts = config.DefaultMinAlerts
	}
	if c.Comment.Pattern != "" {
		p.comment = regexp.MustCompile(c.Comment.Pattern) // compiled by Validate
	}
	for rule, m := range map[string]string{RuleBreadth: c.Breadth.Mode, RuleMatchers: c.Matchers.Mode,
		RuleDuration: c.Duration.Mode, RuleComment: c.Comment.Mode, RuleRegex: c.Regex.Mode} {
		p.modes[rule] = Confirm
		if m != "" {
			p.modes[rule] = Mode(m)
		}
	}
	return p, nil
}

// Empty reports a policy without rules.
func (p *Policy) Empty() bool {
	return p == nil || !p.breadthOn() && !p.matchersOn() && p.duration.Max == 0 && p.duration.MaxAck == 0 && p.comment == nil && len(p.regex.Labels) == 0
}

func (p *Policy) breadthOn() bool {
	return p.breadth.MaxAlerts > 0 || p.breadth.MaxPercent > 0 || p.breadth.WholeSeverity
}

func (p *Policy) matchersOn() bool {
	return p.matchers.BesidesAlertname || len(p.matchers.Required) > 0
}

// NeedsLive reports whether judging k needs the live alerts: it does when
// the breadth rule is on and k creates a silence or an ack.
func (p *Policy) NeedsLive(k Kind) bool {
	return p != nil && p.breadthOn() && (k == KindSilence || k == KindAck)
}

// Check judges r against the rules and the cluster's live alerts (every
// alert its Alertmanager holds, as alerts.FromAlertmanager or alerts.Build
// return them; nil when unknown, which leaves Matched nil and skips the
// live breadth checks). A nil policy finds nothing but still lists what r
// matches.
func (p *Policy) Check(r Request, live []*alerts.Alert) Verdict {
	v := Verdict{Rules: !p.Empty()}
	var firing []*alerts.Alert
	if live != nil && (r.Kind == KindSilence || r.Kind == KindAck) {
		firing = Firing(live)
		v.Firing = len(firing)
		v.Matched = []*alerts.Alert{}
		for _, a := range firing {
			if a.MatchedBy(r.Matchers) {
				v.Matched = append(v.Matched, a)
			}
		}
	}
	if p == nil {
		return v
	}
	add := func(rule, format string, args ...any) {
		v.Findings = append(v.Findings, Finding{Rule: rule, Mode: p.modes[rule], Reason: fmt.Sprintf(format, args...)})
	}
	creates := r.Kind == KindSilence || r.Kind == KindAck
	if creates && p.breadthOn() {
		if reason := p.checkBreadth(r.Matchers, firing, v.Matched, live != nil); reason != "" {
			add(RuleBreadth, "%s", reason)
		}
	}
	if creates && p.matchersOn() {
		if reason := p.checkMatchers(r.Matchers); reason != "" {
			add(RuleMatchers, "%s", reason)
		}
	}
	if limit, what := p.durationLimit(r.Kind); limit > 0 && r.Duration > limit {
		add(RuleDuration, "%s lasts %s from now, longer than the %s maximum", what, model.Duration(r.Duration.Round(time.Second)), model.Duration(limit))
	}
	if r.Kind == KindSilence && p.comment != nil && !p.comment.MatchString(r.Comment) {
		add(RuleComment, "comment %q does not match %s", sanitize.Truncate(r.Comment, 80), p.comment.String())
	}
	if creates {
		for _, m := range r.Matchers {
			if (m.Type == labels.MatchRegexp || m.Type == labels.MatchNotRegexp) && slices.Contains(p.regex.Labels, m.Name) && MatchesEveryValue(m) {
				add(RuleRegex, "%s matches every %s", m.String(), m.Name)
			}
		}
	}
	return v
}

func (p *Policy) durationLimit(k Kind) (time.Duration, string) {
	switch k {
	case KindSilence:
		return p.duration.Max.D(), "the silence"
	case KindExtend:
		return p.duration.Max.D(), "the extended silence"
	case KindAck:
		return p.duration.MaxAck.D(), "the ack"
	case KindAckExtend:
		return p.duration.MaxAck.D(), "the extended ack"
	}
	return 0, ""
}

// Firing returns the alerts that count as firing: every alert Alertmanager
// holds (silenced, inhibited and acked ones too), not pending or resolved.
func Firing(live []*alerts.Alert) []*alerts.Alert {
	out := make([]*alerts.Alert, 0, len(live))
	for _, a := range live {
		if a != nil && a.State != alerts.StatePending && a.State != alerts.StateResolved {
			out = append(out, a)
		}
	}
	return out
}

// checkBreadth returns why ms is too broad, or "".
func (p *Policy) checkBreadth(ms labels.Matchers, firing, matched []*alerts.Alert, judged bool) string {
	b := p.breadth
	if b.WholeSeverity {
		if reason := severityOnly(ms); reason != "" {
			return reason
		}
	}
	if !judged {
		return ""
	}
	n, total := len(matched), len(firing)
	if b.MaxAlerts > 0 && n > b.MaxAlerts {
		return fmt.Sprintf("would match %d of %d firing alerts (more than %d)", n, total, b.MaxAlerts)
	}
	if b.MaxPercent > 0 && n >= b.MinAlerts && n*100 > b.MaxPercent*total {
		return fmt.Sprintf("would match %d of %d firing alerts, %d%% (more than %d%%)", n, total, n*100/total, b.MaxPercent)
	}
	if b.WholeSeverity && n >= b.MinAlerts {
		bySev := map[string]int{}
		for _, a := range firing {
			bySev[a.Severity()]++
		}
		hit := map[string]int{}
		for _, a := range matched {
			hit[a.Severity()]++
		}
		var sevs []string
		for s, c := range hit {
			if s != "" && c == bySev[s] && c >= b.MinAlerts {
				sevs = append(sevs, s)
			}
		}
		if len(sevs) > 0 {
			slices.Sort(sevs)
			return fmt.Sprintf("would match every firing %s alert (%d)", strings.Join(sevs, "/"), hit[sevs[0]])
		}
	}
	return ""
}

// severityOnly reports matchers that select nothing but a severity (or
// nothing at all): every other matcher matches every value.
func severityOnly(ms labels.Matchers) string {
	var sev []string
	for _, m := range ms {
		switch {
		case m.Name == "severity" && (m.Type == labels.MatchEqual || m.Type == labels.MatchRegexp) && !MatchesEveryValue(m):
			sev = append(sev, m.String())
		case !MatchesEveryValue(m):
			return ""
		}
	}
	if len(sev) == 0 {
		return "its matchers select every alert, of every severity"
	}
	return fmt.Sprintf("its matchers select nothing but %s: every such alert, now and later", strings.Join(sev, ", "))
}

// checkMatchers returns which required matchers ms lacks, or "".
func (p *Policy) checkMatchers(ms labels.Matchers) string {
	var problems []string
	if p.matchers.BesidesAlertname && !slices.ContainsFunc(ms, func(m *labels.Matcher) bool {
		return m.Name != "alertname" && narrows(m)
	}) {
		problems = append(problems, "no matcher narrows it beyond alertname")
	}
	var missing []string
	for _, l := range p.matchers.Required {
		if !slices.ContainsFunc(ms, func(m *labels.Matcher) bool {
			return m.Name == l && (m.Type == labels.MatchEqual || m.Type == labels.MatchRegexp)
		}) {
			missing = append(missing, l)
		}
	}
	if len(missing) > 0 {
		problems = append(problems, fmt.Sprintf("no = or =~ matcher on required label %s", strings.Join(missing, ", ")))
	}
	return strings.Join(problems, "; ")
}

// narrows reports a positive matcher (= or =~) that does not match every
// value.
func narrows(m *labels.Matcher) bool {
	return (m.Type == labels.MatchEqual || m.Type == labels.MatchRegexp) && !MatchesEveryValue(m)
}
