package graph

import (
	"errors"
	"math"
	"regexp"
	"slices"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

// Threshold is the constant an alert rule compares its expression with,
// read with the expression on the left: `0.05 < x` is `x > 0.05`.
type Threshold struct {
	Op    string  `json:"op"` // ==, !=, >, >=, < or <=
	Value float64 `json:"value"`
	// Bool is set for `OP bool`: the rule's values are 0 and 1 and it
	// fires on every series, but the plotted side is still compared with
	// Value.
	Bool bool `json:"bool,omitempty"`
}

// Holds reports whether a value of the plotted side satisfies the rule's
// comparison (the alert's condition holds at v).
func (t Threshold) Holds(v float64) bool {
	switch t.Op {
	case ">":
		return v > t.Value
	case ">=":
		return v >= t.Value
	case "<":
		return v < t.Value
	case "<=":
		return v <= t.Value
	case "==":
		return v == t.Value
	}
	return v != t.Value
}

// Split is a rule expression taken apart for the chart.
type Split struct {
	// Plotted is the expression to draw: the compared side when the top
	// of the expression is a comparison with a constant, else the whole
	// expression.
	Plotted string
	// Threshold is the constant, nil when there is none.
	Threshold *Threshold
	// Whole says why the expression is drawn whole ("" when it was split
	// or has no comparison at all).
	Whole string

	plotted parser.Expr // nil for LogQL
}

// promParser is built per call: NewParser copies its options and holds
// no state, and nothing here is package-level.
func promParser() parser.Parser { return parser.NewParser(parser.Options{}) }

// SplitPromQL splits a PromQL alert expression into the plotted side and
// the threshold, with Prometheus's own parser. Parentheses around the
// expression and around either side are looked through; a constant side
// may be arithmetic on numbers (`2 * 0.05`). `and`, `or` and `unless` at
// the top are kept whole, as is a comparison of two series.
func SplitPromQL(expr string) (Split, error) {
	e, err := promParser().ParseExpr(expr)
	if err != nil {
		return Split{}, oneLineParseError(err)
	}
	s := Split{Plotted: expr, plotted: e}
	b, ok := unparen(e).(*parser.BinaryExpr)
	switch {
	case !ok:
		return s, nil
	case b.Op.IsSetOperator():
		s.Whole = "an " + b.Op.String() + " expression is drawn whole: it has no single threshold"
		return s, nil
	case !b.Op.IsComparisonOperator():
		return s, nil
	}
	if v, ok := constValue(b.RHS); ok && b.LHS.Type() != parser.ValueTypeScalar {
		side := unparen(b.LHS)
		return Split{Plotted: side.String(), plotted: side, Threshold: &Threshold{Op: b.Op.String(), Value: v, Bool: b.ReturnBool}}, nil
	}
	if v, ok := constValue(b.LHS); ok && b.RHS.Type() != parser.ValueTypeScalar {
		side := unparen(b.RHS)
		return Split{Plotted: side.String(), plotted: side, Threshold: &Threshold{Op: flipped(b.Op.String()), Value: v, Bool: b.ReturnBool}}, nil
	}
	s.Whole = "the comparison is not with a constant: drawn whole, without a threshold line"
	return s, nil
}

// oneLineParseError keeps the first of the parser's errors: they may be
// several, one per line.
func oneLineParseError(err error) error {
	var pe parser.ParseErrors
	if errors.As(err, &pe) && len(pe) > 0 {
		return errors.New(pe[0].Error())
	}
	return err
}

func unparen(e parser.Expr) parser.Expr {
	for {
		switch x := e.(type) {
		case *parser.ParenExpr:
			e = x.Expr
		case *parser.StepInvariantExpr:
			e = x.Expr
		default:
			return e
		}
	}
}

// constValue evaluates a constant: a number, or arithmetic on numbers.
func constValue(e parser.Expr) (float64, bool) {
	switch x := unparen(e).(type) {
	case *parser.NumberLiteral:
		return x.Val, true
	case *parser.UnaryExpr:
		v, ok := constValue(x.Expr)
		if x.Op == parser.SUB {
			v = -v
		}
		return v, ok
	case *parser.BinaryExpr:
		a, ok1 := constValue(x.LHS)
		b, ok2 := constValue(x.RHS)
		if !ok1 || !ok2 {
			return 0, false
		}
		switch x.Op {
		case parser.ADD:
			return a + b, true
		case parser.SUB:
			return a - b, true
		case parser.MUL:
			return a * b, true
		case parser.DIV:
			return a / b, true
		case parser.MOD:
			return math.Mod(a, b), true
		case parser.POW:
			return math.Pow(a, b), true
		}
	}
	return 0, false
}

func flipped(op string) string {
	switch op {
	case ">":
		return "<"
	case ">=":
		return "<="
	case "<":
		return ">"
	case "<=":
		return ">="
	}
	return op // == and != read the same both ways
}

// labelFlow is the set of labels that reach an expression's result
// unchanged from the vector selectors it reads: all but drop, or only
// keep.
type labelFlow struct {
	all  bool
	set  map[string]bool // all: the labels that do not pass; else those that do
	sels []*parser.VectorSelector
}

func (f labelFlow) passes(l string) bool {
	if l == model.MetricNameLabel {
		return false
	}
	if f.all {
		return !f.set[l]
	}
	return f.set[l]
}

func flowNone() labelFlow { return labelFlow{set: map[string]bool{}} }

func (f labelFlow) only(names []string) labelFlow {
	out := labelFlow{set: map[string]bool{}, sels: f.sels}
	for _, n := range names {
		if f.passes(n) {
			out.set[n] = true
		}
	}
	return out
}

func (f labelFlow) without(names []string) labelFlow {
	if !f.all {
		out := labelFlow{set: map[string]bool{}, sels: f.sels}
		for n := range f.set {
			if !slices.Contains(names, n) {
				out.set[n] = true
			}
		}
		return out
	}
	out := labelFlow{all: true, set: map[string]bool{}, sels: f.sels}
	for n := range f.set {
		out.set[n] = true
	}
	for _, n := range names {
		out.set[n] = true
	}
	return out
}

// both is what passes through both sides of a binary operator whose
// series are matched on those labels; the selectors of both sides are
// narrowed together.
func both(a, b labelFlow) labelFlow {
	var out labelFlow
	switch {
	case a.all && b.all:
		out = a.without(keys(b.set))
	case a.all:
		out = b.without(keys(a.set))
	case b.all:
		out = a.without(keys(b.set))
	default:
		out = a.only(keys(b.set))
	}
	out.sels = append(slices.Clone(a.sels), b.sels...)
	return out
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// labelChange says how a function's result labels differ from its
// argument's: the labels it rewrites (label_replace and label_join name
// theirs in their second argument; histogram_quantile drops le), or none
// at all for the functions that make their own labels.
func labelChange(c *parser.Call) (drop []string, none bool) {
	switch c.Func.Name {
	case "label_replace", "label_join":
		if len(c.Args) > 1 {
			if s, ok := unparen(c.Args[1]).(*parser.StringLiteral); ok {
				return []string{s.Val}, false
			}
		}
		return nil, true
	case "histogram_quantile", "histogram_fraction":
		return []string{"le"}, false
	case "absent", "absent_over_time", "info", "histogram_quantiles", "vector", "scalar":
		return nil, true
	}
	return nil, false
}

// flow works out which labels reach e's result unchanged, and from which
// vector selectors. Narrowing those selectors with a matcher on such a
// label selects exactly the result series that carry that label value (or
// lack the label): every step keeps, groups by or matches on it. Anything
// that is not known to do so (an aggregation without by, topk, or, a
// function that makes or rewrites labels) passes nothing.
func flow(e parser.Expr) labelFlow {
	switch x := e.(type) {
	case *parser.ParenExpr:
		return flow(x.Expr)
	case *parser.StepInvariantExpr:
		return flow(x.Expr)
	case *parser.UnaryExpr:
		return flow(x.Expr)
	case *parser.VectorSelector:
		return labelFlow{all: true, set: map[string]bool{model.MetricNameLabel: true}, sels: []*parser.VectorSelector{x}}
	case *parser.MatrixSelector:
		return flow(x.VectorSelector)
	case *parser.SubqueryExpr:
		return flow(x.Expr)
	case *parser.Call:
		return callFlow(x)
	case *parser.AggregateExpr:
		return aggregateFlow(x)
	case *parser.BinaryExpr:
		return binaryFlow(x)
	}
	return flowNone()
}

func callFlow(c *parser.Call) labelFlow {
	if c.Func.ReturnType != parser.ValueTypeVector {
		return flowNone()
	}
	drop, none := labelChange(c)
	if none {
		return flowNone()
	}
	var arg parser.Expr
	for _, a := range c.Args {
		if t := a.Type(); t == parser.ValueTypeVector || t == parser.ValueTypeMatrix {
			if arg != nil {
				return flowNone() // two series arguments: no single source
			}
			arg = a
		}
	}
	if arg == nil {
		return flowNone()
	}
	return flow(arg).without(drop)
}

func aggregateFlow(a *parser.AggregateExpr) labelFlow {
	in := flow(a.Expr)
	switch {
	case a.Op == parser.COUNT_VALUES:
		return flowNone()
	case a.Without:
		// Grouped by every label but these: the others select their group.
		return in.without(a.Grouping)
	case len(a.Grouping) > 0:
		return in.only(a.Grouping)
	}
	return flowNone() // one group: every input counts
}

func binaryFlow(b *parser.BinaryExpr) labelFlow {
	ls, rs := b.LHS.Type() == parser.ValueTypeScalar, b.RHS.Type() == parser.ValueTypeScalar
	switch {
	case ls && rs:
		return flowNone()
	case rs:
		return flow(b.LHS)
	case ls:
		return flow(b.RHS)
	}
	m := b.VectorMatching
	if m == nil || m.FillValues.LHS != nil || m.FillValues.RHS != nil {
		return flowNone()
	}
	switch b.Op {
	case parser.LAND, parser.LUNLESS:
		// The result is the left side's series that have (or lack) a
		// match: narrowing the left side alone is exact.
		return flow(b.LHS)
	case parser.LOR:
		return flowNone()
	}
	f := both(flow(b.LHS), flow(b.RHS))
	switch {
	case m.On:
		f = f.only(m.MatchingLabels)
	case len(m.MatchingLabels) > 0:
		f = f.without(m.MatchingLabels)
	}
	if m.Card != parser.CardOneToOne {
		// group_left/right: only the matching labels are on both sides;
		// the included ones come from the other side.
		if !m.On {
			return flowNone()
		}
		f = f.without(m.Include)
	}
	return f
}

// injectMatchers narrows the selectors that the labels flow from with
// name=~"value|" for every identifying label that passes (so a series
// that lacks the label, as it lacks an external label the alert carries,
// still matches), and returns the labels it used, sorted.
func injectMatchers(e parser.Expr, ident map[string]string) []string {
	f := flow(e)
	var used []string
	for name := range ident {
		if f.passes(name) {
			used = append(used, name)
		}
	}
	slices.Sort(used)
	if len(used) == 0 {
		return nil
	}
	ms := make([]*labels.Matcher, 0, len(used))
	for _, name := range used {
		m, err := labels.NewMatcher(labels.MatchRegexp, name, regexp.QuoteMeta(ident[name])+"|")
		if err != nil {
			return nil // not reached: QuoteMeta makes every value a valid regexp
		}
		ms = append(ms, m)
	}
	for _, sel := range f.sels {
		sel.LabelMatchers = append(sel.LabelMatchers, ms...)
	}
	return used
}
