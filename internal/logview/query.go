package logview

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"text/template"
	"time"

	"oncall/internal/sanitize"
	"oncall/sources/loki"
)

// AlertLead is how long before an alert started its log window opens.
const AlertLead = 5 * time.Minute

// ErrorLevels is the level regex of the error/warn toggle.
const ErrorLevels = `(?i)(error|err|fatal|panic|crit|critical|alert|emerg|warn|warning)`

// ErrorFilter narrows a log query to error and warn lines. It parses JSON
// lines and keeps those whose level is an error or warning spelling; the
// level may be a stream label, a JSON field (a stream label of the same
// name wins, as in Loki), or Loki 3's detected_level:
//
//	| json | level=~"(?i)(error|…|warning)" or detected_level=~"…"
//
// Lines that are not JSON keep their stream labels, so a `level` stream
// label still selects them.
//
// It parses every line of the selected streams, which a real Loki cannot
// do in time over a busy service's window (issue 15: no answer in 60 s
// over 33,000 lines). Prefer Planner.ErrorQuery, which builds the form
// Loki answers from its index or structured metadata.
const ErrorFilter = `| json | level=~"` + ErrorLevels + `" or detected_level=~"` + ErrorLevels + `"`

// SelectorTemplate renders a stream selector from an alert's labels. The
// template sees .Labels (values escaped for use inside double quotes) and
// .Raw (unescaped), and has the function quote (a LogQL string literal). A
// label the template uses but the alert lacks is an error.
//
//	{service_name="{{ .Labels.service }}", env="prod"}
type SelectorTemplate struct {
	src string
	t   *template.Template
}

// ParseSelectorTemplate compiles an alert_selector template ("" is valid:
// Render then fails and callers use DefaultSelector).
func ParseSelectorTemplate(src string) (*SelectorTemplate, error) {
	st := &SelectorTemplate{src: strings.TrimSpace(src)}
	if st.src == "" {
		return st, nil
	}
	t, err := template.New("alert_selector").Option("missingkey=error").
		Funcs(template.FuncMap{"quote": strconv.Quote}).Parse(st.src)
	if err != nil {
		return nil, fmt.Errorf("loki alert_selector: %s", oneLine(err.Error()))
	}
	st.t = t
	return st, nil
}

// Empty reports whether no template was configured.
func (s *SelectorTemplate) Empty() bool { return s == nil || s.t == nil }

// Render expands the template for an alert's labels.
func (s *SelectorTemplate) Render(labels map[string]string) (string, error) {
	if s.Empty() {
		return "", errors.New("loki alert_selector: not configured")
	}
	esc := make(map[string]string, len(labels))
	for k, v := range labels {
		q := strconv.Quote(v)
		esc[k] = q[1 : len(q)-1]
	}
	var b bytes.Buffer
	if err := s.t.Execute(&b, struct{ Labels, Raw map[string]string }{esc, labels}); err != nil {
		msg := err.Error()
		if i := strings.Index(msg, "map has no entry for key "); i >= 0 {
			msg = "the alert has no label " + strings.Trim(msg[i+len("map has no entry for key "):], `"`)
		}
		return "", fmt.Errorf("loki alert_selector: %s", oneLine(msg))
	}
	out := strings.TrimSpace(b.String())
	if !strings.HasPrefix(out, "{") {
		return "", fmt.Errorf("loki alert_selector: %q is not a stream selector (it must start with {)", sanitize.Truncate(out, 80))
	}
	return out, nil
}

// selectorPairs maps alert labels to the stream labels they are matched
// against, in priority order.
var selectorPairs = [...][2]string{
	{"service", "service_name"}, {"service", "service"}, {"service", "app"},
	{"job", "job"}, {"job", "service_name"}, {"job", "service"},
	{"app", "app"}, {"app", "service_name"},
	{"container", "container"},
}

// DefaultSelector builds a selector when no alert_selector is configured:
// the first of the alert's service, job, app or container labels, matched
// against the first stream label Loki knows (known: the names from
// /labels) among service_name, service, app, job and container, in that
// order (see selectorPairs). When the alert and the streams both have a
// namespace label, it is matched too.
func DefaultSelector(known []string, labels map[string]string) (string, error) {
	has := make(map[string]bool, len(known))
	for _, k := range known {
		has[k] = true
	}
	sel := map[string]string{}
	for _, p := range selectorPairs {
		if v := labels[p[0]]; v != "" && has[p[1]] {
			sel[p[1]] = v
			break
		}
	}
	if len(sel) == 0 {
		return "", errors.New("no label of the alert (service, job, app, container) names a Loki stream label; set [contexts.<name>.loki] alert_selector")
	}
	if v := labels["namespace"]; v != "" && has["namespace"] {
		sel["namespace"] = v
	}
	return loki.Selector(sel), nil
}

// DefaultTraceSelector is the selector `--trace` uses without a
// trace_selector: every stream that has the first known service label.
func DefaultTraceSelector(known []string) (string, error) {
	has := map[string]bool{}
	for _, k := range known {
		has[k] = true
	}
	for _, n := range serviceLabels {
		if has[n] {
			return "{" + n + `=~".+"}`, nil
		}
	}
	return "", errors.New("no service label in Loki to search every service for a trace: set [contexts.<name>.loki] trace_selector, e.g. {env=\"prod\"}")
}

// WithErrorFilter appends ErrorFilter to a query when on. Prefer
// Planner.ErrorQuery (see ErrorFilter).
func WithErrorFilter(query string, on bool) string {
	if !on {
		return query
	}
	return query + " " + ErrorFilter
}

// TraceQuery finds a trace's lines: selector |= "<id>". The line filter
// goes right after the stream selector, before any stage the selector
// template may carry (a parser after it then runs only on the trace's
// lines).
func TraceQuery(selector, traceID string) string {
	lf := Stage{StageLineFilter, "|= " + strconv.Quote(traceID)}
	sh, err := ParseShape(selector)
	if err != nil {
		return strings.TrimSpace(selector) + " " + lf.Text
	}
	return sh.withStageFirst(lf).String()
}

// NormTraceID validates a trace id (16 or 32 hex characters, not all zero)
// and returns it in lower case.
func NormTraceID(id string) (string, error) {
	id = strings.TrimSpace(id)
	if len(id) != 16 && len(id) != 32 {
		return "", fmt.Errorf("trace id %q: want 16 or 32 hex characters", sanitize.Truncate(id, 40))
	}
	zero := true
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return "", fmt.Errorf("trace id %q: not hexadecimal", sanitize.Truncate(id, 40))
		}
		if c != '0' {
			zero = false
		}
	}
	if zero {
		return "", errors.New("trace id is all zeros")
	}
	return strings.ToLower(id), nil
}

// AlertWindow is the log window of an alert: from AlertLead before it
// started until now.
func AlertWindow(started, now time.Time) (time.Time, time.Time) {
	if started.IsZero() || started.After(now) {
		started = now
	}
	return started.Add(-AlertLead), now
}

func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return sanitize.Text(s)
}
