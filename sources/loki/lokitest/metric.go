package lokitest

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// The metric queries the fake evaluates, over log queries of logql.go:
//
//	count_over_time(<log query> [5m])   rate(…)   bytes_over_time(…)   bytes_rate(…)
//	  (the range after the selector, after the pipeline, or after a
//	  parenthesised log query)
//	sum|count|min|max|avg [by|without (a, b)] (<expr>) [by|without (a, b)]
//	topk|bottomk(k, <expr>)
//	<expr> <op> [bool] <expr>   with + - * / % ^, == != > >= < <=, and or unless
//	  (between a vector and a number, or two vectors matched on all labels)
//
// Valid LogQL outside it (unwrap, offset, on/ignoring, label_replace…)
// is refused with errUnsupported, never answered wrongly.

// errUnsupported marks valid LogQL the fake does not evaluate.
var errUnsupported = errors.New("not supported by lokitest, the fake Loki")

// unsupported is the 400 for valid LogQL the fake does not evaluate.
func unsupported(what string) error {
	return fmt.Errorf("%s: %w", what, errUnsupported)
}

// node is a metric expression: *rangeAgg, *vectorAgg, *binary or literal.
type node interface{ isNode() }

// rangeAgg is count_over_time, rate, bytes_over_time or bytes_rate over a
// log query.
type rangeAgg struct {
	op  string
	q   *logQuery
	rng time.Duration
}

// vectorAgg is sum, count, min, max, avg, topk or bottomk.
type vectorAgg struct {
	op       string
	k        int // topk, bottomk
	without  bool
	grouping []string
	grouped  bool // by/without given (by () groups everything)
	inner    node
}

// binary is lhs op rhs; a set operation or a comparison without bool
// filters, the others compute.
type binary struct {
	op       string
	retBool  bool
	lhs, rhs node
}

// literal is a number.
type literal float64

func (*rangeAgg) isNode()  {}
func (*vectorAgg) isNode() {}
func (*binary) isNode()    {}
func (literal) isNode()    {}

// rangeOps are the range aggregations the fake evaluates; otherRangeOps
// and otherFuncs are LogQL's others, refused as unsupported.
func rangeOp(name string) (ok, known bool) {
	switch name {
	case "count_over_time", "rate", "bytes_over_time", "bytes_rate":
		return true, true
	case "rate_counter", "avg_over_time", "sum_over_time", "min_over_time", "max_over_time", "stdvar_over_time",
		"stddev_over_time", "quantile_over_time", "first_over_time", "last_over_time", "absent_over_time":
		return false, true
	}
	return false, false
}

func vectorOp(name string) (ok, known bool) {
	switch name {
	case "sum", "count", "min", "max", "avg", "topk", "bottomk":
		return true, true
	case "stddev", "stdvar", "sort", "sort_desc", "approx_topk", "label_replace", "vector":
		return false, true
	}
	return false, false
}

// parseExpr parses a query: a log query (lq) or a metric query (n).
func parseExpr(q string) (lq *logQuery, n node, err error) {
	if strings.TrimSpace(q) == "" {
		return nil, nil, &parseError{msg: "syntax error: unexpected $end"}
	}
	toks, err := lex(q)
	if err != nil {
		return nil, nil, err
	}
	if toks[0].kind == tokOpenBrace {
		lq, err := parseQuery(q)
		return lq, nil, err
	}
	p := &parser{toks: toks}
	if n, err = p.expr(0); err != nil {
		return nil, nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		return nil, nil, syntaxErr(t)
	}
	if _, ok := n.(literal); ok {
		return nil, nil, unsupported("a query that is only a number")
	}
	return nil, n, nil
}

// binPrec is the precedence of a binary operator token (0: not one), as
// in LogQL: or < and, unless < comparisons < + - < * / % < ^.
func binPrec(t token) (string, int) {
	switch t.kind {
	case tokIdent:
		switch t.text {
		case "or":
			return "or", 1
		case "and", "unless":
			return t.text, 2
		}
	case tokEqEq, tokNeq, tokGT, tokGTE, tokLT, tokLTE:
		return t.text, 3
	case tokAdd, tokSub:
		return t.text, 4
	case tokMul, tokDiv, tokMod:
		return t.text, 5
	case tokPow:
		return t.text, 6
	}
	return "", 0
}

func isComparison(op string) bool {
	switch op {
	case "==", "!=", ">", ">=", "<", "<=":
		return true
	}
	return false
}

func isSetOp(op string) bool { return op == "and" || op == "or" || op == "unless" }

// expr parses operators of at least precedence min (precedence climbing;
// ^ is right-associative).
func (p *parser) expr(min int) (node, error) {
	lhs, err := p.unary()
	if err != nil {
		return nil, err
	}
	for {
		op, prec := binPrec(p.peek())
		if prec == 0 || prec < min {
			return lhs, nil
		}
		p.next()
		b := &binary{op: op, lhs: lhs}
		if t := p.peek(); t.kind == tokIdent && t.text == "bool" {
			p.next()
			b.retBool = true
		}
		if t := p.peek(); t.kind == tokIdent && (t.text == "on" || t.text == "ignoring") && p.toks[p.pos+1].kind == tokOpenParen {
			return nil, unsupported("vector matching with " + t.text + "(…)")
		}
		next := prec + 1
		if op == "^" {
			next = prec
		}
		if b.rhs, err = p.expr(next); err != nil {
			return nil, err
		}
		if lhs, err = b.check(); err != nil {
			return nil, err
		}
	}
}

// check refuses what Loki refuses and folds an operation on two numbers.
func (b *binary) check() (node, error) {
	if b.retBool && !isComparison(b.op) {
		return nil, &parseError{msg: "bool modifier can only be used on comparison operators"}
	}
	l, lok := b.lhs.(literal)
	r, rok := b.rhs.(literal)
	if isSetOp(b.op) && (lok || rok) {
		return nil, &parseError{msg: fmt.Sprintf("unexpected literal for a leg of set binary operation (%s)", b.op)}
	}
	if !lok || !rok {
		return b, nil
	}
	if isComparison(b.op) && !b.retBool {
		return nil, &parseError{msg: "comparisons between scalars must use BOOL modifier"}
	}
	v, _ := apply(b.op, float64(l), float64(r))
	return literal(v), nil
}

// unary parses a signed number or a primary expression.
func (p *parser) unary() (node, error) {
	if t := p.peek(); t.kind == tokSub || t.kind == tokAdd {
		p.next()
		num := p.next()
		if num.kind != tokNumber {
			return nil, syntaxErr(num)
		}
		v, err := number(num)
		if t.kind == tokSub {
			v = -v
		}
		return literal(v), err
	}
	return p.primary()
}

func number(t token) (float64, error) {
	v, err := strconv.ParseFloat(t.text, 64)
	if err != nil || math.IsNaN(v) {
		return 0, syntaxErr(t)
	}
	return v, nil
}

func (p *parser) primary() (node, error) {
	t := p.next()
	switch t.kind {
	case tokNumber:
		v, err := number(t)
		return literal(v), err
	case tokOpenParen:
		n, err := p.expr(0)
		if err != nil {
			return nil, err
		}
		if _, err := p.expect(tokCloseParen); err != nil {
			return nil, err
		}
		return n, nil
	case tokIdent:
		follow := p.peek().kind
		isBy := p.peek().kind == tokIdent && (p.peek().text == "by" || p.peek().text == "without")
		if ok, known := rangeOp(t.text); known && follow == tokOpenParen {
			if !ok {
				return nil, unsupported(t.text)
			}
			return p.rangeAgg(t.text)
		}
		if ok, known := vectorOp(t.text); known && (follow == tokOpenParen || isBy) {
			if !ok {
				return nil, unsupported(t.text)
			}
			return p.vectorAgg(t.text)
		}
	}
	return nil, syntaxErr(t)
}

// rangeAgg parses `op(<log query> [range])` after op.
func (p *parser) rangeAgg(op string) (node, error) {
	if _, err := p.expect(tokOpenParen); err != nil {
		return nil, err
	}
	paren := p.peek().kind == tokOpenParen
	if paren {
		p.next()
	}
	sel, err := p.selector()
	if err != nil {
		return nil, err
	}
	ra := &rangeAgg{op: op, q: &logQuery{selector: sel}}
	var rng *token
	if t := p.peek(); t.kind == tokRange && !paren {
		p.next()
		rng = &t
	}
	for startsStage(p.peek().kind) {
		st, err := p.stage()
		if err != nil {
			return nil, err
		}
		ra.q.stages = append(ra.q.stages, st)
	}
	if paren {
		if _, err := p.expect(tokCloseParen); err != nil {
			return nil, err
		}
	}
	if rng == nil {
		t, err := p.expect(tokRange)
		if err != nil {
			return nil, err
		}
		rng = &t
	}
	if rng.dur <= 0 {
		return nil, &parseError{line: rng.line, col: rng.col, msg: "invalid range " + rng.text + ": want a positive duration"}
	}
	ra.rng = rng.dur
	if t := p.peek(); t.kind == tokIdent && t.text == "offset" {
		return nil, unsupported("offset")
	}
	if _, err := p.expect(tokCloseParen); err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind == tokIdent && (t.text == "by" || t.text == "without") {
		return nil, &parseError{msg: fmt.Sprintf("grouping not allowed for %s aggregation", op)}
	}
	return ra, nil
}

// vectorAgg parses an aggregation after its operator: the grouping goes
// before or after the parenthesised expression.
func (p *parser) vectorAgg(op string) (node, error) {
	va := &vectorAgg{op: op}
	if err := p.grouping(va); err != nil {
		return nil, err
	}
	if _, err := p.expect(tokOpenParen); err != nil {
		return nil, err
	}
	if op == "topk" || op == "bottomk" {
		num, err := p.expect(tokNumber)
		if err != nil {
			return nil, err
		}
		k, err := strconv.Atoi(num.text)
		if err != nil || k <= 0 {
			return nil, &parseError{msg: fmt.Sprintf("invalid parameter (must be strictly positive integer) %s(%s,", op, num.text)}
		}
		va.k = k
		if _, err := p.expect(tokComma); err != nil {
			return nil, err
		}
	}
	inner, err := p.expr(0)
	if err != nil {
		return nil, err
	}
	if _, ok := inner.(literal); ok {
		return nil, unsupported("an aggregation of a number")
	}
	va.inner = inner
	if _, err := p.expect(tokCloseParen); err != nil {
		return nil, err
	}
	if t := p.peek(); va.grouped && t.kind == tokIdent && (t.text == "by" || t.text == "without") {
		return nil, syntaxErr(t)
	}
	return va, p.grouping(va)
}

// grouping parses an optional `by (a, b)` or `without (a)`.
func (p *parser) grouping(va *vectorAgg) error {
	t := p.peek()
	if t.kind != tokIdent || (t.text != "by" && t.text != "without") {
		return nil
	}
	p.next()
	va.grouped, va.without = true, t.text == "without"
	if _, err := p.expect(tokOpenParen); err != nil {
		return err
	}
	for p.peek().kind != tokCloseParen {
		if len(va.grouping) > 0 {
			if _, err := p.expect(tokComma); err != nil {
				return err
			}
		}
		name, err := p.expect(tokIdent)
		if err != nil {
			return err
		}
		va.grouping = append(va.grouping, name.text)
	}
	p.next()
	return nil
}
