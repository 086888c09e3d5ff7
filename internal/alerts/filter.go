package alerts

import (
	"errors"
	"slices"
	"strings"

	"github.com/prometheus/alertmanager/pkg/labels"

	"oncall/internal/sanitize"
)

// Filter selects alerts by Alertmanager matchers or by free text, and by
// oncall's own fields written karma's way: @cluster=prod-eu,
// @state=~"firing|pending", @source=loki, @receiver=pager.
type Filter struct {
	Raw      string
	Matchers labels.Matchers
	Meta     labels.Matchers // on MetaFields, named without the @
	Text     string          // lower-cased free text, when the input is not matchers
	Err      string          // what was not understood (the rest still applies)
}

// MetaFields are the @ fields a filter can name.
func MetaFields() []string { return []string{"cluster", "state", "source", "receiver"} }

// ParseFilter reads the filter box: Alertmanager matcher syntax
// (`severity="critical" service=~"api.*"`, with or without braces) when it
// parses as such, free text otherwise; @field terms are taken out first.
func ParseFilter(s string) Filter {
	s = strings.TrimSpace(s)
	f := Filter{Raw: s}
	if s == "" {
		return f
	}
	rest := s
	if strings.Contains(s, "@") {
		rest = f.takeMeta(s)
	}
	if rest == "" {
		return f
	}
	if looksLikeMatchers(rest) {
		if ms, err := ParseMatchers(rest); err == nil && len(ms) > 0 {
			f.Matchers = ms
			return f
		}
	}
	f.Text = strings.ToLower(rest)
	return f
}

// takeMeta moves the @field terms of s into f.Meta and returns the rest.
func (f *Filter) takeMeta(s string) string {
	terms := splitTerms(s)
	if !slices.ContainsFunc(terms, func(t string) bool { return strings.HasPrefix(t, "@") }) {
		return s // no @field term: the text stays as typed ("a,b@c")
	}
	var rest []string
	for _, tok := range terms {
		name, ok := strings.CutPrefix(tok, "@")
		if !ok {
			rest = append(rest, tok)
			continue
		}
		m, err := labels.ParseMatcher(name)
		switch {
		case err != nil:
			f.Err = "not a field matcher: " + sanitize.Text(tok) + " (e.g. @cluster=prod)"
		case !slices.Contains(MetaFields(), m.Name):
			f.Err = "unknown field @" + sanitize.Text(m.Name) + " (known: @" + strings.Join(MetaFields(), ", @") + ")"
		default:
			f.Meta = append(f.Meta, m)
		}
	}
	return strings.Join(rest, " ")
}

// splitTerms splits at spaces and commas outside double quotes.
func splitTerms(s string) []string {
	var out []string
	var b strings.Builder
	inQuote, esc := false, false
	flush := func() {
		if b.Len() > 0 {
			out = append(out, b.String())
			b.Reset()
		}
	}
	for _, r := range s {
		switch {
		case esc:
			esc = false
		case r == '\\' && inQuote:
			esc = true
		case r == '"':
			inQuote = !inQuote
		case !inQuote && (r == ' ' || r == '\t' || r == ','):
			flush()
			continue
		}
		b.WriteRune(r)
	}
	flush()
	return out
}

// metaMatch reports whether the alert's @fields pass ms.
func metaMatch(a *Alert, ms labels.Matchers) bool {
	for _, m := range ms {
		switch m.Name {
		case "cluster":
			if !m.Matches(a.Cluster) {
				return false
			}
		case "state":
			if !m.Matches(string(a.State)) {
				return false
			}
		case "source":
			src := ""
			if a.Rule != nil {
				src = a.Rule.Source
			}
			if !m.Matches(src) {
				return false
			}
		case "receiver":
			if !slices.ContainsFunc(a.Receivers, m.Matches) && !(len(a.Receivers) == 0 && m.Matches("")) {
				return false
			}
		}
	}
	return true
}

// ParseMatchers parses space- or comma-separated matchers with Alertmanager's
// own parser (regexes are anchored, as Alertmanager evaluates them).
func ParseMatchers(s string) (labels.Matchers, error) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "{") {
		s = "{" + joinMatchers(s) + "}"
	}
	ms, err := labels.ParseMatchers(s)
	if err != nil {
		// The parser quotes the input raw: keep the error on one
		// terminal-safe line (a pasted newline or escape must not reach
		// the dialog or the CLI's error line).
		return nil, errors.New(sanitize.Text(err.Error()))
	}
	return ms, nil
}

// joinMatchers turns `a="1" b=~"x y"` into `a="1",b=~"x y"`, respecting quotes.
func joinMatchers(s string) string { return strings.Join(splitTerms(s), ",") }

func looksLikeMatchers(s string) bool {
	return strings.ContainsAny(s, "=~") && !strings.HasPrefix(s, "=")
}

// Empty reports whether the filter matches everything.
func (f Filter) Empty() bool { return len(f.Matchers) == 0 && len(f.Meta) == 0 && f.Text == "" }

// Match reports whether the alert passes the filter.
func (f Filter) Match(a *Alert) bool {
	if len(f.Meta) > 0 && !metaMatch(a, f.Meta) {
		return false
	}
	if len(f.Matchers) > 0 {
		return a.MatchedBy(f.Matchers)
	}
	if f.Text == "" {
		return true
	}
	if a.search != "" && !strings.Contains(f.Text, hayBreak) {
		return strings.Contains(a.search, f.Text)
	}
	if strings.Contains(strings.ToLower(string(a.State)), f.Text) {
		return true
	}
	for k, v := range a.Labels {
		if containsFold(k, f.Text) || containsFold(v, f.Text) {
			return true
		}
	}
	for _, v := range a.Annotations {
		if containsFold(v, f.Text) {
			return true
		}
	}
	return a.Ack != nil && (containsFold(a.Ack.By, f.Text) || containsFold(a.Ack.Note, f.Text))
}

func containsFold(s, lowerNeedle string) bool {
	return strings.Contains(strings.ToLower(s), lowerNeedle)
}

// Apply returns the alerts that pass the filter (a new slice).
func (f Filter) Apply(as []*Alert) []*Alert {
	if f.Empty() {
		return append([]*Alert(nil), as...)
	}
	out := make([]*Alert, 0, len(as))
	for _, a := range as {
		if f.Match(a) {
			out = append(out, a)
		}
	}
	return out
}

// CountMatching counts alerts a silence with these matchers would cover.
func CountMatching(ms labels.Matchers, as []*Alert) int {
	n := 0
	for _, a := range as {
		if a.State == StatePending {
			continue // Alertmanager does not know pending alerts
		}
		if a.MatchedBy(ms) {
			n++
		}
	}
	return n
}

// Prepare computes each alert's search key once, so that filtering by free
// text is one substring search per alert. Call it before the alerts are
// shared (between sessions or goroutines); prepared alerts are not changed
// again.
func Prepare(as []*Alert) {
	for _, a := range as {
		if !a.prepared {
			a.search = searchKey(a)
			a.name, a.sev = a.Labels["alertname"], strings.ToLower(a.Labels["severity"])
			a.prepared = true
		}
	}
}

// hayBreak separates the fields of a search key so a needle never matches
// across two of them (a needle holding it falls back to the fields).
const hayBreak = "\x00"

func searchKey(a *Alert) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(string(a.State)))
	for k, v := range a.Labels {
		b.WriteString(hayBreak)
		b.WriteString(strings.ToLower(k))
		b.WriteString(hayBreak)
		b.WriteString(strings.ToLower(sanitize.Clip(v, sanitize.MaxText)))
	}
	for _, v := range a.Annotations {
		b.WriteString(hayBreak)
		b.WriteString(strings.ToLower(sanitize.Clip(v, sanitize.MaxText)))
	}
	if a.Ack != nil {
		b.WriteString(hayBreak)
		b.WriteString(strings.ToLower(a.Ack.By))
		b.WriteString(hayBreak)
		b.WriteString(strings.ToLower(a.Ack.Note))
	}
	return b.String()
}

// Index holds alerts with their free-text search keys, built once per data
// refresh so each keystroke in the filter box costs one substring search per
// alert instead of lower-casing every label again.
type Index struct {
	alerts []*Alert
	hay    []string
}

// NewIndex indexes as, keeping their order. Prepared alerts (Prepare) lend
// their keys; the others are keyed here without being changed.
func NewIndex(as []*Alert) *Index {
	ix := &Index{alerts: as, hay: make([]string, len(as))}
	for i, a := range as {
		if a.search != "" {
			ix.hay[i] = a.search
		} else {
			ix.hay[i] = searchKey(a)
		}
	}
	return ix
}

// Len is the number of indexed alerts.
func (ix *Index) Len() int { return len(ix.alerts) }

// Apply returns the indexed alerts that pass f, in index order (a new
// slice); it selects exactly what f.Apply would.
func (ix *Index) Apply(f Filter) []*Alert {
	if f.Empty() || len(f.Matchers) > 0 || len(f.Meta) > 0 || strings.Contains(f.Text, hayBreak) {
		return f.Apply(ix.alerts)
	}
	out := make([]*Alert, 0, len(ix.alerts))
	for i, h := range ix.hay {
		if strings.Contains(h, f.Text) {
			out = append(out, ix.alerts[i])
		}
	}
	return out
}
