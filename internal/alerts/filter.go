package alerts

import (
	"errors"
	"strings"

	"github.com/prometheus/alertmanager/pkg/labels"

	"oncall/internal/sanitize"
)

// Filter selects alerts by Alertmanager matchers or by free text.
type Filter struct {
	Raw      string
	Matchers labels.Matchers
	Text     string // lower-cased free text, when the input is not matchers
}

// ParseFilter reads the filter box: Alertmanager matcher syntax
// (`severity="critical" service=~"api.*"`, with or without braces) when it
// parses as such, free text otherwise.
func ParseFilter(s string) Filter {
	s = strings.TrimSpace(s)
	f := Filter{Raw: s}
	if s == "" {
		return f
	}
	if looksLikeMatchers(s) {
		if ms, err := ParseMatchers(s); err == nil && len(ms) > 0 {
			f.Matchers = ms
			return f
		}
	}
	f.Text = strings.ToLower(s)
	return f
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
func joinMatchers(s string) string {
	var b strings.Builder
	inQuote, esc, pendingSep := false, false, false
	for _, r := range s {
		switch {
		case esc:
			esc = false
		case r == '\\' && inQuote:
			esc = true
		case r == '"':
			inQuote = !inQuote
		case !inQuote && (r == ' ' || r == '\t' || r == ','):
			pendingSep = b.Len() > 0
			continue
		}
		if pendingSep {
			b.WriteByte(',')
			pendingSep = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

func looksLikeMatchers(s string) bool {
	return strings.ContainsAny(s, "=~") && !strings.HasPrefix(s, "=")
}

// Empty reports whether the filter matches everything.
func (f Filter) Empty() bool { return len(f.Matchers) == 0 && f.Text == "" }

// Match reports whether the alert passes the filter.
func (f Filter) Match(a *Alert) bool {
	if len(f.Matchers) > 0 {
		return a.MatchedBy(f.Matchers)
	}
	if f.Text == "" {
		return true
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

// Index holds alerts with their free-text search keys, built once per data
// refresh so each keystroke in the filter box costs one substring search per
// alert instead of lower-casing every label again.
type Index struct {
	alerts []*Alert
	hay    []string
}

// hayBreak separates the fields of a search key so a needle never matches
// across two of them (a needle holding it falls back to Filter.Match).
const hayBreak = "\x00"

// NewIndex indexes as, keeping their order.
func NewIndex(as []*Alert) *Index {
	ix := &Index{alerts: as, hay: make([]string, len(as))}
	var b strings.Builder
	for i, a := range as {
		b.Reset()
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
		ix.hay[i] = b.String()
	}
	return ix
}

// Len is the number of indexed alerts.
func (ix *Index) Len() int { return len(ix.alerts) }

// Apply returns the indexed alerts that pass f, in index order (a new
// slice); it selects exactly what f.Apply would.
func (ix *Index) Apply(f Filter) []*Alert {
	if f.Empty() || len(f.Matchers) > 0 || strings.Contains(f.Text, hayBreak) {
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
