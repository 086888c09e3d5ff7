// Package logql takes LogQL expressions apart, for oncall's log-based
// alerts: it finds the log queries inside a Loki ruler's metric
// expression (Extract), narrows one to an alert's own labels (Narrow), and
// says what a log query's pipeline costs (Analyze). It is written from
// Loki's LogQL documentation (the "Log queries", "Metric queries", "Query
// reference" and "Query best practices" pages); Loki's own parser is AGPL
// and is not used. It parses; it evaluates nothing.
package logql

import (
	"math"
	"slices"
	"strings"
)

// Extract parses a LogQL metric expression and returns the log queries
// inside it, each with its range, offset, unwrap and grouping, and the
// comparison at the top when there is one. An expression that cannot be
// taken apart (a syntax error, a bare log query, no log query at all)
// returns an *Error that says where and why.
func Extract(expr string) (*Metric, error) {
	n, err := parse(expr)
	if err != nil {
		return nil, err
	}
	m := &Metric{}
	walk(n, nil, &m.Queries)
	if len(m.Queries) == 0 {
		return nil, &Error{Line: 1, Col: 1, Msg: "no log query in the expression: nothing to take apart"}
	}
	m.Comparison = comparison(n, expr)
	if b, ok := unparen(n).(*binaryNode); ok {
		m.TopOp = b.op
	}
	return m, nil
}

// ParseLogQuery parses a log query: a stream selector and a pipeline, with
// no range and no unwrap. The result's String is the query in canonical
// form.
func ParseLogQuery(q string) (LogQuery, error) {
	toks, err := lex(q)
	if err != nil {
		return LogQuery{}, err
	}
	p := &parser{src: q, toks: toks}
	if p.peek().kind == tEOF {
		return LogQuery{}, &Error{Msg: "empty log query"}
	}
	sel, err := p.selector()
	if err != nil {
		return LogQuery{}, err
	}
	stages, _, err := p.pipeline(false)
	if err != nil {
		return LogQuery{}, err
	}
	switch t := p.peek(); t.kind {
	case tEOF:
	case tRange:
		return LogQuery{}, p.failAt(t, "a range "+t.show()+" belongs in a metric query's range aggregation, not in a log query")
	default:
		return LogQuery{}, p.fail(t, "a pipeline stage or the end of the query")
	}
	return LogQuery{Selector: sel, Stages: stages}, nil
}

// logQuery builds the LogQuery of a range aggregation: the unwrap goes,
// and so do the label filters after it that test only __error__ and
// __error_details__ (they drop the samples whose conversion failed);
// other label filters after it still select lines and are kept.
func (n *rangeNode) logQuery() LogQuery {
	q := LogQuery{
		Selector: slices.Clone(n.lr.sel),
		Stages:   slices.Clone(n.lr.stages),
		Func:     n.fn,
		Range:    n.lr.rng,
		Offset:   n.lr.off,
	}
	if uw := n.lr.uw; uw != nil {
		q.Unwrap = uw.label
		for _, st := range uw.after {
			if !onlyErrorLabels(st.Labels) {
				q.Stages = append(q.Stages, st)
			}
		}
	}
	return q
}

func onlyErrorLabels(names []string) bool {
	for _, n := range names {
		if n != "__error__" && n != "__error_details__" {
			return false
		}
	}
	return true
}

// walk collects the log queries under n. outer lists the grouping steps
// between n and the top, outermost first.
func walk(n node, outer []Grouping, out *[]LogQuery) {
	switch n := n.(type) {
	case *parenNode:
		walk(n.inner, outer, out)
	case *rangeNode:
		q := n.logQuery()
		switch {
		case n.grouping != nil:
			q.Grouping = append(q.Grouping, Grouping{Func: n.fn, Without: n.grouping.without, Labels: n.grouping.labels})
		case n.fn == "absent_over_time":
			// absent's one series carries the selector's equality matchers.
			labels := []string{}
			for _, m := range q.Selector {
				if m.Op == "=" && !slices.Contains(labels, m.Name) {
					labels = append(labels, m.Name)
				}
			}
			q.Grouping = append(q.Grouping, Grouping{Func: n.fn, Labels: labels})
		}
		for i := len(outer) - 1; i >= 0; i-- {
			q.Grouping = append(q.Grouping, outer[i])
		}
		*out = append(*out, q)
	case *vectorAggNode:
		g := Grouping{Func: n.fn, Labels: []string{}}
		if n.grouping != nil {
			g.Without, g.Labels = n.grouping.without, n.grouping.labels
		}
		g.Keeps = slices.Contains(keepLabels, n.fn)
		walk(n.inner, with(outer, g), out)
	case *labelReplaceNode:
		walk(n.inner, with(outer, Grouping{Func: "label_replace", Without: true, Labels: []string{n.dst}}), out)
	case *binaryNode:
		l, r := n.steps()
		walk(n.lhs, with(outer, l...), out)
		walk(n.rhs, with(outer, r...), out)
	}
}

// with returns outer followed by steps, in a new slice.
func with(outer []Grouping, steps ...Grouping) []Grouping {
	out := make([]Grouping, 0, len(outer)+len(steps))
	return append(append(out, outer...), steps...)
}

// steps returns the label steps a binary operator puts on each side,
// following the vector matching of the LogQL reference (PromQL's rules):
// a one-to-one match keeps only the on(…) labels, or drops the ignoring(…)
// ones; group_left keeps the left side's labels and copies the listed ones
// from the right; and/unless return the left side's series; or returns
// both sides' series as they are.
func (n *binaryNode) steps() (left, right []Grouping) {
	if isScalar(n.lhs) || isScalar(n.rhs) || n.op == "or" {
		return nil, nil
	}
	match := func() []Grouping {
		switch n.match {
		case "on":
			return []Grouping{{Func: "on", Labels: n.matchOn}}
		case "ignoring":
			return []Grouping{{Func: "ignoring", Without: true, Labels: n.matchOn}}
		}
		return nil
	}
	if n.op == "and" || n.op == "unless" {
		return nil, match()
	}
	// many is the side whose labels the result keeps; one gives the
	// included labels.
	var many, one []Grouping
	switch n.group {
	case "":
		m := match()
		return m, m
	case "group_left", "group_right":
		if len(n.include) > 0 {
			many = []Grouping{{Func: n.group, Without: true, Labels: n.include}}
		}
		if n.match == "on" {
			labels := slices.Clone(n.matchOn)
			for _, l := range n.include {
				if !slices.Contains(labels, l) {
					labels = append(labels, l)
				}
			}
			one = []Grouping{{Func: "on", Labels: labels}}
		} else {
			var labels []string
			for _, l := range n.matchOn {
				if !slices.Contains(n.include, l) {
					labels = append(labels, l)
				}
			}
			one = []Grouping{{Func: "ignoring", Without: true, Labels: labels}}
		}
	}
	if n.group == "group_right" {
		return one, many
	}
	return many, one
}

func unparen(n node) node {
	for {
		p, ok := n.(*parenNode)
		if !ok {
			return n
		}
		n = p.inner
	}
}

// isScalar reports whether n is a constant: numbers and arithmetic on them.
func isScalar(n node) bool {
	_, ok := constValue(n)
	return ok
}

// constValue evaluates a constant expression.
func constValue(n node) (float64, bool) {
	switch n := unparen(n).(type) {
	case *numberNode:
		return n.v, true
	case *binaryNode:
		a, ok1 := constValue(n.lhs)
		b, ok2 := constValue(n.rhs)
		if !ok1 || !ok2 {
			return 0, false
		}
		switch n.op {
		case "+":
			return a + b, true
		case "-":
			return a - b, true
		case "*":
			return a * b, true
		case "/":
			return a / b, true
		case "%":
			return math.Mod(a, b), true
		case "^":
			return math.Pow(a, b), true
		case "==", "!=", ">", ">=", "<", "<=":
			if compare(n.op, a, b) {
				return 1, true
			}
			return 0, true
		}
	}
	return 0, false
}

func compare(op string, a, b float64) bool {
	switch op {
	case "==":
		return a == b
	case "!=":
		return a != b
	case ">":
		return a > b
	case ">=":
		return a >= b
	case "<":
		return a < b
	}
	return a <= b
}

// flipped turns a comparison around: 5 < m is m > 5.
var flipped = map[string]string{"==": "==", "!=": "!=", ">": "<", ">=": "<=", "<": ">", "<=": ">="}

// comparison returns the top comparison of n with a constant, if any.
func comparison(n node, src string) *Comparison {
	b, ok := unparen(n).(*binaryNode)
	if !ok || !isComparison(b.op) {
		return nil
	}
	side := func(m node) string {
		s, e := m.span()
		return strings.TrimSpace(src[s:e])
	}
	if v, ok := constValue(b.rhs); ok && !isScalar(b.lhs) {
		return &Comparison{Op: b.op, Bool: b.boolMod, Threshold: v, Expr: side(b.lhs)}
	}
	if v, ok := constValue(b.lhs); ok && !isScalar(b.rhs) {
		return &Comparison{Op: flipped[b.op], Bool: b.boolMod, Threshold: v, Expr: side(b.rhs)}
	}
	return nil
}
