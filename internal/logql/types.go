package logql

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Matcher is one stream selector matcher: Name Op "Value".
type Matcher struct {
	Name string
	Op   string // =, !=, =~ or !~
	// Value is the unquoted value.
	Value string
	raw   string // the value as written, quotes included; empty: quote Value
}

func (m Matcher) String() string {
	v := m.raw
	if v == "" {
		v = strconv.Quote(m.Value)
	}
	return m.Name + m.Op + v
}

// StageKind classifies a pipeline stage, after the log queries page's four
// categories (filters, parsers, formatters, labels expressions).
type StageKind int

const (
	// LineFilter is |= != |~ !~ |> !> with strings (joined by "or") or ip("…").
	LineFilter StageKind = iota + 1
	// Parser is | json, | logfmt, | regexp, | pattern or | unpack.
	Parser
	// LabelFilter is | name="v", | duration > 10s, … joined by and, or, ",".
	LabelFilter
	// LineFormat is | line_format "template": it rewrites the line.
	LineFormat
	// LabelFormat is | label_format dst=src, dst="template".
	LabelFormat
	// Decolorize is | decolorize: it strips ANSI colour codes from the line.
	Decolorize
	// DropLabels is | drop name, name="v".
	DropLabels
	// KeepLabels is | keep name, name="v".
	KeepLabels
)

var stageKindNames = [...]string{"", "line filter", "parser", "label filter", "line_format", "label_format", "decolorize", "drop", "keep"}

func (k StageKind) String() string {
	if k > 0 && int(k) < len(stageKindNames) {
		return stageKindNames[k]
	}
	return "stage(" + strconv.Itoa(int(k)) + ")"
}

// Stage is one stage of a log pipeline. Stages are made by Extract and
// ParseLogQuery; String is the stage as parsed, in canonical form.
type Stage struct {
	Kind StageKind
	// Name is the stage's keyword (json, logfmt, regexp, pattern, unpack,
	// line_format, label_format, decolorize, drop, keep); for a line filter,
	// its operator (|=, !=, |~, !~, |>, !>); empty for a label filter.
	Name string
	// Args are unquoted strings: a line filter's alternatives (|= "a" or
	// "b"), or its ip("…") pattern when IP is set; the expression of regexp
	// and pattern; the template of line_format.
	Args []string
	IP   bool
	// Flags are logfmt's --strict and --keep-empty.
	Flags []string
	// Labels are the label names the stage names: those a parser with
	// parameters extracts (json a="b.c", logfmt host; regexp's named groups,
	// pattern's captures); those a label filter tests; those label_format
	// sets or renames away; those drop or keep list.
	Labels []string
	// AnyLabel is set on a parser that may extract any label: json, logfmt
	// and unpack without parameters, or a regexp that does not compile.
	AnyLabel bool
	text     string
}

// String is the stage as LogQL text, e.g. `|= "x"` or `| json`.
func (s Stage) String() string { return s.text }

// ChangesLine reports whether the stage rewrites the log line itself, so
// a line filter cannot move across it: line_format, decolorize, and unpack
// (which replaces the line with its _entry).
func (s Stage) ChangesLine() bool {
	return s.Kind == LineFormat || s.Kind == Decolorize || s.Kind == Parser && s.Name == "unpack"
}

// sets reports whether the stage may set, replace or remove label name.
// inStream says every selected stream carries the label: a parser then
// cannot replace it, since the log queries page says an extracted label
// whose name "already exists in the original log stream" is suffixed with
// _extracted; label_format, drop and keep still can.
func (s Stage) sets(name string, inStream bool) bool {
	switch s.Kind {
	case Parser:
		return !inStream && (s.AnyLabel || slices.Contains(s.Labels, name))
	case LabelFormat, DropLabels:
		return slices.Contains(s.Labels, name)
	case KeepLabels:
		return !slices.Contains(s.Labels, name)
	}
	return false
}

// inStream reports whether the selector makes every selected stream carry
// label name: a matcher on it that the empty value (a missing label) fails.
func inStream(sel []Matcher, name string) bool {
	for _, m := range sel {
		if m.Name != name {
			continue
		}
		switch m.Op {
		case "=":
			if m.Value != "" {
				return true
			}
		case "!=":
			if m.Value == "" {
				return true
			}
		case "=~", "!~":
			re, err := regexp.Compile("^(?:" + m.Value + ")$")
			if err == nil && re.MatchString("") == (m.Op == "!~") {
				return true
			}
		}
	}
	return false
}

// LogQuery is a log query: a stream selector and its pipeline, as found
// inside a range aggregation, with what the aggregation adds.
type LogQuery struct {
	Selector []Matcher
	// Stages is the pipeline without | unwrap and without the label
	// filters after it that only test __error__ (they serve the metric).
	Stages []Stage
	// Func is the range aggregation, e.g. count_over_time or rate; empty
	// for a bare log query (ParseLogQuery).
	Func string
	// Range and Offset are the aggregation's [range] and offset.
	Range, Offset time.Duration
	// Unwrap is the unwrapped label as written, e.g. "latency" or
	// "duration(latency)"; empty when the aggregation counts lines.
	Unwrap string
	// Grouping lists the groupings and label changes between this query
	// and the top of the expression, innermost first.
	Grouping []Grouping
}

// String is the log query as LogQL text, ready for query_range: the
// selector then each stage, strings as written, comments and the
// aggregation's own parts left out.
func (q LogQuery) String() string {
	var b strings.Builder
	b.WriteByte('{')
	for i, m := range q.Selector {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(m.String())
	}
	b.WriteByte('}')
	for _, s := range q.Stages {
		b.WriteByte(' ')
		b.WriteString(s.text)
	}
	return b.String()
}

// Grouping is one step from a log query up to the top of the expression
// that decides which labels of the query's lines reach the result.
type Grouping struct {
	// Func names the step: an aggregation (sum, topk, quantile_over_time,
	// absent_over_time, …), label_replace, or a binary operator's matching
	// (on, ignoring, group_left, group_right).
	Func string
	// Without is set when Labels are the labels removed or replaced (without,
	// ignoring, label_replace's target, the labels group_left copies from
	// the other side); otherwise Labels are the only labels kept (by, on).
	Without bool
	Labels  []string
	// Keeps is set for a step that selects series but keeps all their
	// labels (topk, bottomk, sort, sort_desc, approx_topk, with or without
	// by): it narrows nothing.
	Keeps bool
}

func (g Grouping) String() string {
	if g.Keeps {
		return g.Func
	}
	list := "(" + strings.Join(g.Labels, ", ") + ")"
	switch g.Func {
	case "on", "ignoring", "label_replace", "group_left", "group_right":
		return g.Func + list
	}
	if g.Without {
		return g.Func + " without " + list
	}
	return g.Func + " by " + list
}

// Comparison is the top of an alert expression `metric OP threshold`.
type Comparison struct {
	// Op is ==, !=, >, >=, < or <=, read with the metric on the left (a
	// threshold written first, `5 < m`, is turned around: `m > 5`).
	Op string
	// Bool is set for `OP bool`.
	Bool      bool
	Threshold float64
	// Expr is the metric side as written (comments inside kept).
	Expr string
}

// Metric is a LogQL metric expression taken apart.
type Metric struct {
	// Queries are the log queries inside, in the order they are written.
	Queries []LogQuery
	// Comparison is set when the top of the expression compares a metric
	// with a constant; nil otherwise.
	Comparison *Comparison
	// TopOp is the binary operator at the top of the expression, outer
	// parentheses looked through ("and", "or", "unless", ">", "/"…);
	// empty when the top is not a binary operation.
	TopOp string
}
