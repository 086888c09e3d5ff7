package logview

import (
	"context"
	"fmt"
	"strings"
	"time"

	"oncall/internal/alerts"
	"oncall/internal/logql"
	"oncall/sources/loki"
)

// RuleLines is the log query of a log-based alert: the lines that fired
// it, found from its rule's LogQL expression.
type RuleLines struct {
	// Query is the rule's log query narrowed to the alert's labels, ready
	// for query_range: {service_name="conectcrm-backend"} |= "too many
	// clients" for sum by (service_name) (count_over_time({…} |= "too
	// many clients" [1m])) > 5.
	Query string
	// Start and End are the window: the rule's range (at least AlertLead)
	// before the alert became active, until now, both moved back by the
	// rule's offset.
	Start, End time.Time
	// Func is the range aggregation (count_over_time, rate,
	// absent_over_time…).
	Func string
	// Why is one line for the status: what the pane shows and how it was
	// found.
	Why string
}

// IsLogAlert reports whether the alert's rule is a Loki ruler rule with an
// expression to take apart.
func IsLogAlert(a *alerts.Alert) bool {
	return a != nil && a.Rule != nil && a.Rule.Source == alerts.SourceLoki && strings.TrimSpace(a.Rule.Expr) != ""
}

// ForRule takes a log-based alert's rule expression apart
// (logql.Extract), keeps its first log query (a ratio's numerator: the
// lines that count against the threshold), and narrows it to the alert's
// labels where the expression groups by them (logql.NarrowWith), asking
// the labels API which of them are stream labels; when Loki cannot say,
// every grouped label not set by a stage is taken for one. The error of an
// expression that cannot be taken apart says so in one line; the caller
// falls back to the service's whole log.
func ForRule(ctx context.Context, c *loki.Client, a *alerts.Alert, now time.Time) (RuleLines, error) {
	if !IsLogAlert(a) {
		return RuleLines{}, fmt.Errorf("the alert's rule is not a Loki ruler rule")
	}
	m, err := logql.Extract(a.Rule.Expr)
	if err != nil {
		return RuleLines{}, fmt.Errorf("the rule's expression cannot be taken apart (%s)", oneLine(err.Error()))
	}
	q := m.Queries[0]
	lead := max(q.Range, AlertLead)
	since := a.Since()
	if since.IsZero() || since.After(now) {
		since = now
	}
	out := RuleLines{Start: since.Add(-lead - q.Offset), End: now.Add(-q.Offset), Func: q.Func}
	sel := logql.LogQuery{Selector: q.Selector}.String()
	var streams []string
	if c != nil {
		if names, err := c.LabelsMatching(ctx, sel, out.Start, out.End); err == nil {
			streams = names
		}
	}
	if out.Query, err = logql.NarrowWith(q, a.Labels, logql.NarrowOptions{StreamLabels: streams}); err != nil {
		return RuleLines{}, fmt.Errorf("the rule's log query does not fit the alert (%s)", oneLine(err.Error()))
	}
	switch {
	case q.Func == "absent_over_time":
		out.Why = "the rule fires when these lines are missing: an empty pane is the alert"
	case len(m.Queries) > 1:
		out.Why = fmt.Sprintf("the lines that fired it: the first of the rule's %d log queries, narrowed to the alert's labels", len(m.Queries))
	default:
		out.Why = "the lines that fired it: the rule's log query, narrowed to the alert's labels"
	}
	return out, nil
}

// SelectorOf is a log query's stream selector ("" when it has none).
func SelectorOf(query string) string {
	sh, err := ParseShape(query)
	if err != nil {
		return ""
	}
	return sh.Selector
}
