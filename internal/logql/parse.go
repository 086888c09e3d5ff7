package logql

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"time"
)

// The metric grammar, from Loki's "Metric queries" page (range
// aggregations, unwrap, offset, built-in aggregation operators, vector(),
// approx_topk) and the LogQL reference (binary, logical and comparison
// operators, bool, on/ignoring, group_left/group_right, order of
// operations, label_replace). Precedence is PromQL's, lowest first:
// or; and, unless; comparisons; + -; * / %; ^ (right-associative).

// maxDepth bounds nesting, so a hostile expression cannot exhaust the
// stack; maxQueries bounds the log queries of one expression (an alert
// rule has a handful), so taking one apart stays linear in its size.
const (
	maxDepth   = 100
	maxQueries = 100
)

// node is a metric expression; start and end are byte offsets in the source.
type node interface{ span() (int, int) }

type pos struct{ start, end int }

func (p pos) span() (int, int) { return p.start, p.end }

type numberNode struct {
	pos
	v float64
}

type parenNode struct {
	pos
	inner node
}

type groupClause struct {
	without bool
	labels  []string
}

type rangeNode struct {
	pos
	fn       string
	lr       *lrange
	grouping *groupClause
}

type vectorAggNode struct {
	pos
	fn       string
	grouping *groupClause
	inner    node
}

type vectorNode struct{ pos }

type labelReplaceNode struct {
	pos
	inner node
	dst   string
}

type binaryNode struct {
	pos
	op       string
	boolMod  bool
	match    string // "", on, ignoring
	matchOn  []string
	group    string // "", group_left, group_right
	include  []string
	lhs, rhs node
}

// lrange is a range aggregation's argument: a log query, its range and
// offset, and an unwrap.
type lrange struct {
	sel      []Matcher
	stages   []Stage
	uw       *unwrapped
	hasRange bool
	rng, off time.Duration
}

var (
	rangeFuncs = []string{"count_over_time", "rate", "rate_counter", "bytes_over_time", "bytes_rate",
		"avg_over_time", "sum_over_time", "min_over_time", "max_over_time", "stdvar_over_time",
		"stddev_over_time", "quantile_over_time", "first_over_time", "last_over_time", "absent_over_time"}
	// needUnwrap aggregate a label's values; noUnwrap count lines or bytes.
	needUnwrap = []string{"rate_counter", "avg_over_time", "sum_over_time", "min_over_time", "max_over_time",
		"stdvar_over_time", "stddev_over_time", "quantile_over_time", "first_over_time", "last_over_time"}
	noUnwrap   = []string{"count_over_time", "bytes_over_time", "bytes_rate"}
	vectorOps  = []string{"sum", "avg", "min", "max", "stddev", "stdvar", "count", "topk", "bottomk", "sort", "sort_desc", "approx_topk"}
	paramOps   = []string{"topk", "bottomk", "approx_topk"}
	keepLabels = []string{"topk", "bottomk", "sort", "sort_desc", "approx_topk"}
)

// parse parses a metric expression.
func parse(src string) (node, error) {
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{src: src, toks: toks}
	if p.peek().kind == tEOF {
		return nil, &Error{Msg: "empty expression"}
	}
	n, err := p.expr(0)
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, p.fail(t, "an operator or the end of the expression")
	}
	return n, nil
}

// binOp returns a token's binary operator, precedence and associativity.
func binOp(t token) (op string, prec int, right bool) {
	switch t.kind {
	case tIdent:
		switch t.text {
		case "or":
			return "or", 1, false
		case "and", "unless":
			return t.text, 2, false
		}
	case tEqEq, tNeq, tGt, tGte, tLt, tLte:
		return t.raw, 3, false
	case tAdd, tSub:
		return t.raw, 4, false
	case tMul, tDiv, tMod:
		return t.raw, 5, false
	case tPow:
		return "^", 6, true
	}
	return "", 0, false
}

func isComparison(op string) bool {
	return op == "==" || op == "!=" || op == ">" || op == ">=" || op == "<" || op == "<="
}

func (p *parser) expr(minPrec int) (node, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxDepth {
		return nil, p.failAt(p.peek(), "expression nested too deeply")
	}
	lhs, err := p.unary()
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		op, prec, right := binOp(t)
		if op == "" || prec < minPrec {
			return lhs, nil
		}
		p.next()
		b := &binaryNode{op: op, lhs: lhs}
		if err := p.binModifiers(b, t); err != nil {
			return nil, err
		}
		next := prec + 1
		if right {
			next = prec
		}
		if b.rhs, err = p.expr(next); err != nil {
			return nil, err
		}
		b.start, _ = lhs.span()
		_, b.end = b.rhs.span()
		lhs = b
	}
}

// binModifiers parses bool, on(…)/ignoring(…) and group_left/group_right.
func (p *parser) binModifiers(b *binaryNode, opTok token) error {
	set := b.op == "and" || b.op == "or" || b.op == "unless"
	if t := p.peek(); p.isKeyword(t, "bool") {
		if !isComparison(b.op) {
			return p.failAt(t, "bool goes only after a comparison operator")
		}
		p.next()
		b.boolMod = true
	}
	if t := p.peek(); p.isKeyword(t, "on", "ignoring") && p.peekAt(1).kind == tLParen {
		p.next()
		labels, err := p.labelList()
		if err != nil {
			return err
		}
		b.match, b.matchOn = t.text, labels
	}
	if t := p.peek(); p.isKeyword(t, "group_left", "group_right") {
		if set {
			return p.failAt(t, t.text+" is not allowed with "+opTok.raw)
		}
		if b.match == "" {
			return p.failAt(t, t.text+" needs on(…) or ignoring(…) before it")
		}
		p.next()
		b.group = t.text
		if p.peek().kind == tLParen {
			labels, err := p.labelList()
			if err != nil {
				return err
			}
			b.include = labels
		}
	}
	return nil
}

// labelList parses (a, b, c); it may be empty.
func (p *parser) labelList() ([]string, error) {
	if _, err := p.expect(tLParen, "( and a list of labels"); err != nil {
		return nil, err
	}
	var out []string
	if p.peek().kind == tRParen {
		p.next()
		return []string{}, nil
	}
	for {
		t, err := p.expect(tIdent, "a label name")
		if err != nil {
			return nil, err
		}
		out = append(out, t.text)
		t = p.next()
		if t.kind == tRParen {
			return out, nil
		}
		if t.kind != tComma {
			return nil, p.fail(t, `"," or ")"`)
		}
	}
}

func (p *parser) grouping() (*groupClause, error) {
	kw := p.next()
	labels, err := p.labelList()
	if err != nil {
		return nil, err
	}
	return &groupClause{without: kw.text == "without", labels: labels}, nil
}

func (p *parser) atGrouping() bool {
	return p.isKeyword(p.peek(), "by", "without") && p.peekAt(1).kind == tLParen
}

func (p *parser) unary() (node, error) {
	t := p.peek()
	switch t.kind {
	case tAdd, tSub:
		if p.peekAt(1).kind != tNumber {
			return nil, p.failAt(t, "a sign goes only before a number")
		}
		p.next()
		n, err := p.number()
		if err != nil {
			return nil, err
		}
		if t.kind == tSub {
			n.v = -n.v
		}
		n.start = t.off
		return n, nil
	case tNumber:
		return p.number()
	case tLParen:
		p.next()
		inner, err := p.expr(0)
		if err != nil {
			return nil, err
		}
		end, err := p.expect(tRParen, `")"`)
		if err != nil {
			return nil, err
		}
		return &parenNode{pos{t.off, end.end}, inner}, nil
	case tLBrace:
		return nil, p.failAt(t, "a log query, not a metric expression: it needs a range aggregation such as count_over_time(… [5m])")
	case tIdent:
		switch {
		case slices.Contains(rangeFuncs, t.text):
			return p.rangeAgg()
		case slices.Contains(vectorOps, t.text):
			return p.vectorAgg()
		case t.text == "vector":
			return p.vector()
		case t.text == "label_replace":
			return p.labelReplace()
		case p.peekAt(1).kind == tLParen:
			return nil, p.failAt(t, "unknown function "+t.show())
		}
	}
	return nil, p.fail(t, "a metric expression")
}

func (p *parser) number() (*numberNode, error) {
	t := p.next()
	v, err := strconv.ParseFloat(t.text, 64)
	if err != nil {
		if _, derr := parseDuration(t.text); derr == nil {
			return nil, p.failAt(t, "a duration "+t.show()+" out of place: a range is written [5m], an offset after it")
		}
		return nil, p.failAt(t, t.show()+" is not a number")
	}
	return &numberNode{pos{t.off, t.end}, v}, nil
}

// signedNumber parses a parameter such as topk's k or a quantile.
func (p *parser) signedNumber() (float64, error) {
	t := p.peek()
	if (t.kind == tSub || t.kind == tAdd) && p.peekAt(1).kind == tNumber || t.kind == tNumber {
		n, err := p.unary()
		if err != nil {
			return 0, err
		}
		return n.(*numberNode).v, nil
	}
	return 0, p.fail(t, "a number")
}

func (p *parser) rangeAgg() (node, error) {
	fn := p.next()
	if _, err := p.expect(tLParen, "( after "+fn.text); err != nil {
		return nil, err
	}
	if fn.text == "quantile_over_time" {
		if _, err := p.signedNumber(); err != nil {
			return nil, err
		}
		if _, err := p.expect(tComma, `"," after the quantile`); err != nil {
			return nil, err
		}
	} else if t := p.peek(); t.kind == tNumber {
		return nil, p.failAt(t, fn.text+" takes no parameter")
	}
	arg := p.peek()
	lr, err := p.logRange()
	if err != nil {
		return nil, err
	}
	if !lr.hasRange {
		return nil, p.fail(p.peek(), "a range such as [5m] at the end of the log query")
	}
	end, err := p.expect(tRParen, `")"`)
	if err != nil {
		return nil, err
	}
	if p.queries++; p.queries > maxQueries {
		return nil, p.failAt(fn, fmt.Sprintf("more than %d log queries in one expression", maxQueries))
	}
	n := &rangeNode{pos: pos{fn.off, end.end}, fn: fn.text, lr: lr}
	if p.atGrouping() {
		if n.grouping, err = p.grouping(); err != nil {
			return nil, err
		}
		n.end = p.toks[p.pos-1].end
	}
	switch {
	case lr.uw == nil && slices.Contains(needUnwrap, fn.text):
		return nil, p.failAt(arg, fn.text+" aggregates a label's values: it needs | unwrap label before the range")
	case lr.uw != nil && slices.Contains(noUnwrap, fn.text):
		return nil, p.failAt(arg, fn.text+" counts lines or bytes: it takes no | unwrap")
	}
	return n, nil
}

// logRange parses a range aggregation's argument in any of the forms the
// grammar allows: {…} | … [5m] offset 1h, {…}[5m] | …, ({…} | …)[5m],
// and any of them in parentheses.
func (p *parser) logRange() (*lrange, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxDepth {
		return nil, p.failAt(p.peek(), "expression nested too deeply")
	}
	if p.peek().kind == tLParen {
		p.next()
		inner, err := p.logRange()
		if err != nil {
			return nil, err
		}
		if _, err := p.expect(tRParen, `")"`); err != nil {
			return nil, err
		}
		if !inner.hasRange && p.peek().kind == tRange {
			if err := p.rangeOffset(inner); err != nil {
				return nil, err
			}
		}
		return inner, nil
	}
	sel, err := p.selector()
	if err != nil {
		return nil, err
	}
	lr := &lrange{sel: sel}
	if lr.stages, lr.uw, err = p.pipeline(true); err != nil {
		return nil, err
	}
	if p.peek().kind == tRange {
		if err := p.rangeOffset(lr); err != nil {
			return nil, err
		}
		if len(lr.stages) == 0 && lr.uw == nil {
			if lr.stages, lr.uw, err = p.pipeline(true); err != nil {
				return nil, err
			}
		}
	}
	return lr, nil
}

// rangeOffset parses [5m] and an optional offset 1h; the metric queries
// page: the offset modifier "always needs to follow the range vector
// selector immediately".
func (p *parser) rangeOffset(lr *lrange) error {
	r := p.next()
	d, err := parseDuration(r.text)
	if err != nil {
		return p.failAt(r, "invalid range "+r.show()+": "+err.Error())
	}
	if d <= 0 {
		return p.failAt(r, "invalid range "+r.show()+": it must be longer than 0")
	}
	lr.hasRange, lr.rng = true, d
	if !p.isKeyword(p.peek(), "offset") {
		return nil
	}
	p.next()
	t, err := p.expect(tNumber, "a duration such as 5m after offset")
	if err != nil {
		return err
	}
	if lr.off, err = parseDuration(t.text); err != nil {
		return p.failAt(t, "invalid offset "+t.show()+": "+err.Error())
	}
	return nil
}

func (p *parser) vectorAgg() (node, error) {
	fn := p.next()
	var g *groupClause
	var err error
	if p.atGrouping() {
		if g, err = p.grouping(); err != nil {
			return nil, err
		}
	}
	if _, err := p.expect(tLParen, "( after "+fn.text); err != nil {
		return nil, err
	}
	if slices.Contains(paramOps, fn.text) {
		if _, err := p.signedNumber(); err != nil {
			return nil, err
		}
		if _, err := p.expect(tComma, `"," after `+fn.text+"'s parameter"); err != nil {
			return nil, err
		}
	} else if t := p.peek(); t.kind == tNumber && p.peekAt(1).kind == tComma {
		return nil, p.failAt(t, fn.text+" takes no parameter")
	}
	inner, err := p.expr(0)
	if err != nil {
		return nil, err
	}
	end, err := p.expect(tRParen, `")"`)
	if err != nil {
		return nil, err
	}
	n := &vectorAggNode{pos: pos{fn.off, end.end}, fn: fn.text, grouping: g, inner: inner}
	if p.atGrouping() {
		if g != nil {
			return nil, p.failAt(p.peek(), fn.text+" is grouped twice")
		}
		if n.grouping, err = p.grouping(); err != nil {
			return nil, err
		}
		n.end = p.toks[p.pos-1].end
	}
	return n, nil
}

func (p *parser) vector() (node, error) {
	fn := p.next()
	if _, err := p.expect(tLParen, "( after vector"); err != nil {
		return nil, err
	}
	if _, err := p.signedNumber(); err != nil {
		return nil, err
	}
	end, err := p.expect(tRParen, `")"`)
	if err != nil {
		return nil, err
	}
	return &vectorNode{pos{fn.off, end.end}}, nil
}

// labelReplace parses label_replace(v, "dst", "replacement", "src", "regex").
func (p *parser) labelReplace() (node, error) {
	fn := p.next()
	if _, err := p.expect(tLParen, "( after label_replace"); err != nil {
		return nil, err
	}
	inner, err := p.expr(0)
	if err != nil {
		return nil, err
	}
	var args [4]token
	for i, what := range []string{"the destination label", "the replacement", "the source label", "the regular expression"} {
		if _, err := p.expect(tComma, `","`); err != nil {
			return nil, err
		}
		if args[i], err = p.expect(tString, "a quoted string: "+what); err != nil {
			return nil, err
		}
	}
	end, err := p.expect(tRParen, `")"`)
	if err != nil {
		return nil, err
	}
	if !validLabelName(args[0].text) {
		return nil, p.failAt(args[0], "invalid label name "+args[0].show())
	}
	if _, err := regexp.Compile(args[3].text); err != nil {
		return nil, p.failAt(args[3], "invalid regular expression: "+oneLine(err.Error()))
	}
	return &labelReplaceNode{pos{fn.off, end.end}, inner, args[0].text}, nil
}

// validLabelName reports whether s is [a-zA-Z_][a-zA-Z0-9_]*.
func validLabelName(s string) bool {
	if s == "" || !isIdentStart(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isIdentChar(s[i]) {
			return false
		}
	}
	return true
}
