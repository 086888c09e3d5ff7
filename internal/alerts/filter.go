package alerts

import (
	"strings"

	"github.com/prometheus/alertmanager/pkg/labels"
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
	return labels.ParseMatchers(s)
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
		return f.Matchers.Matches(a.LabelSet())
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
		if ms.Matches(a.LabelSet()) {
			n++
		}
	}
	return n
}
