package lokitest

import (
	"regexp"
	"strconv"
	"strings"
)

// The fake evaluates the subset of LogQL the project uses:
//
//	{name="v", name!="v", name=~"re", name!~"re"}
//	  |= "s"  != "s"  |~ "re"  !~ "re"
//	  | json   | logfmt   | unpack   | regexp "re"   | pattern "<a> <_>"
//	  | name="v"  (also !=, =~, !~, ==; joined with "and", "," or "or")
//	  | name>5    (numbers: >, >=, <, <=, ==, =, !=)
//
// and the metric queries of metric.go over such log queries. Anything else
// is answered with a Loki-style parse error, or with errUnsupported for
// valid LogQL the fake does not evaluate.

type matchOp int

const (
	opEq matchOp = iota
	opNeq
	opRe
	opNre
	// numeric label filters (| status >= 500)
	opNumEq
	opNumNeq
	opGT
	opGTE
	opLT
	opLTE
)

// matcher is one label matcher; regexes are fully anchored as in Loki.
type matcher struct {
	name  string
	op    matchOp
	value string
	re    *regexp.Regexp
	num   float64 // a numeric filter's operand
}

func (m matcher) numeric() bool { return m.op >= opNumEq }

// matches compares a label value; a numeric filter on a value that is not
// a number does not match (see stage.labelsMatch for its error label).
func (m matcher) matches(v string) bool {
	switch m.op {
	case opEq:
		return v == m.value
	case opNeq:
		return v != m.value
	case opRe:
		return m.re.MatchString(v)
	case opNre:
		return !m.re.MatchString(v)
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return false
	}
	switch m.op {
	case opNumEq:
		return f == m.num
	case opNumNeq:
		return f != m.num
	case opGT:
		return f > m.num
	case opGTE:
		return f >= m.num
	case opLT:
		return f < m.num
	default:
		return f <= m.num
	}
}

type stageKind int

const (
	stageLineFilter stageKind = iota
	stageJSON
	stageLogfmt
	stageRegexp
	stagePattern
	stageUnpack
	stageLabelFilter
)

// stage is one pipeline stage.
type stage struct {
	kind stageKind
	// line filter
	negate bool
	substr string
	re     *regexp.Regexp
	// label filter: a disjunction of conjunctions
	anyOf [][]matcher
	// pattern parser
	pat *pattern
}

// logQuery is a parsed log query.
type logQuery struct {
	selector []matcher
	stages   []stage
}

type parser struct {
	toks []token
	pos  int
}

func (p *parser) peek() token { return p.toks[p.pos] }
func (p *parser) next() token {
	t := p.toks[p.pos]
	if t.kind != tokEOF {
		p.pos++
	}
	return t
}

func (p *parser) expect(k tokKind) (token, error) {
	t := p.next()
	if t.kind != k {
		return t, syntaxErr(t)
	}
	return t, nil
}

// parseQuery parses a log query of the supported subset.
func parseQuery(q string) (*logQuery, error) {
	if strings.TrimSpace(q) == "" {
		return nil, &parseError{msg: "syntax error: unexpected $end"}
	}
	toks, err := lex(q)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	sel, err := p.selector()
	if err != nil {
		return nil, err
	}
	lq := &logQuery{selector: sel}
	for p.peek().kind != tokEOF {
		st, err := p.stage()
		if err != nil {
			return nil, err
		}
		lq.stages = append(lq.stages, st)
	}
	return lq, nil
}

// parseSelector parses a bare stream selector (for match[] and query params
// of the metadata endpoints).
func parseSelector(q string) ([]matcher, error) {
	lq, err := parseQuery(q)
	if err != nil {
		return nil, err
	}
	if len(lq.stages) > 0 {
		return nil, &parseError{msg: "only stream selectors are allowed here"}
	}
	return lq.selector, nil
}

func (p *parser) selector() ([]matcher, error) {
	open, err := p.expect(tokOpenBrace)
	if err != nil {
		return nil, err
	}
	var ms []matcher
	for {
		if p.peek().kind == tokCloseBrace && len(ms) == 0 {
			p.next()
			break
		}
		m, err := p.matcher(false)
		if err != nil {
			return nil, err
		}
		ms = append(ms, m)
		t := p.next()
		if t.kind == tokCloseBrace {
			break
		}
		if t.kind != tokComma {
			return nil, syntaxErr(t)
		}
	}
	for _, m := range ms {
		if !m.matches("") {
			return ms, nil
		}
	}
	return nil, &parseError{line: open.line, col: open.col, msg: `queries require at least one regexp or equality matcher that does not have an empty-compatible value. For instance, app=~".*" does not meet this requirement, but app=~".+" will`}
}

// matcher parses `name op "value"`; with numeric (a label filter) also
// `name op number`.
func (p *parser) matcher(numeric bool) (matcher, error) {
	name, err := p.expect(tokIdent)
	if err != nil {
		return matcher{}, err
	}
	opTok := p.next()
	var m matcher
	m.name = name.text
	if numeric && (p.peek().kind == tokNumber || p.peek().kind == tokSub) {
		return p.numericFilter(m, opTok)
	}
	switch opTok.kind {
	case tokEq, tokEqEq:
		m.op = opEq
	case tokNeq:
		m.op = opNeq
	case tokRe:
		m.op = opRe
	case tokNre:
		m.op = opNre
	default:
		return m, syntaxErr(opTok)
	}
	val, err := p.expect(tokString)
	if err != nil {
		return m, err
	}
	m.value = val.text
	if m.op == opRe || m.op == opNre {
		re, err := regexp.Compile("^(?s:" + m.value + ")$")
		if err != nil {
			return m, &parseError{line: val.line, col: val.col, msg: err.Error()}
		}
		m.re = re
	}
	return m, nil
}

func (p *parser) stage() (stage, error) {
	t := p.next()
	switch t.kind {
	case tokPipeExact, tokNeq, tokPipeMatch, tokNre:
		val, err := p.expect(tokString)
		if err != nil {
			return stage{}, err
		}
		st := stage{kind: stageLineFilter, negate: t.kind == tokNeq || t.kind == tokNre, substr: val.text}
		if t.kind == tokPipeMatch || t.kind == tokNre {
			re, err := regexp.Compile(val.text)
			if err != nil {
				return stage{}, &parseError{line: val.line, col: val.col, msg: err.Error()}
			}
			st.re = re
		}
		return st, nil
	case tokPipe:
		id := p.peek()
		if id.kind != tokIdent {
			return stage{}, syntaxErr(p.next())
		}
		switch follow := p.toks[p.pos+1].kind; {
		case isMatchOp(follow):
			return p.labelFilter()
		case id.text == "json" || id.text == "logfmt" || id.text == "unpack":
			p.next()
			if after := p.peek(); !endsStage(after.kind) {
				return stage{}, syntaxErr(after)
			}
			return stage{kind: map[string]stageKind{"json": stageJSON, "logfmt": stageLogfmt, "unpack": stageUnpack}[id.text]}, nil
		case id.text == "regexp" || id.text == "pattern":
			p.next()
			val, err := p.expect(tokString)
			if err != nil {
				return stage{}, err
			}
			if after := p.peek(); !endsStage(after.kind) {
				return stage{}, syntaxErr(after)
			}
			if id.text == "pattern" {
				pat, err := parsePattern(val.text)
				if err != nil {
					return stage{}, &parseError{line: val.line, col: val.col, msg: err.Error()}
				}
				return stage{kind: stagePattern, pat: pat}, nil
			}
			re, err := regexp.Compile(val.text)
			if err != nil {
				return stage{}, &parseError{line: val.line, col: val.col, msg: err.Error()}
			}
			named := false
			for _, n := range re.SubexpNames() {
				named = named || n != ""
			}
			if !named {
				return stage{}, &parseError{line: val.line, col: val.col, msg: "at least one named capture must be supplied"}
			}
			return stage{kind: stageRegexp, re: re}, nil
		}
		return p.labelFilter()
	default:
		return stage{}, syntaxErr(t)
	}
}

// numericFilter parses the number of `name op number`.
func (p *parser) numericFilter(m matcher, opTok token) (matcher, error) {
	switch opTok.kind {
	case tokEq, tokEqEq:
		m.op = opNumEq
	case tokNeq:
		m.op = opNumNeq
	case tokGT:
		m.op = opGT
	case tokGTE:
		m.op = opGTE
	case tokLT:
		m.op = opLT
	case tokLTE:
		m.op = opLTE
	default:
		return m, syntaxErr(opTok)
	}
	sign := 1.0
	if p.peek().kind == tokSub {
		p.next()
		sign = -1
	}
	num, err := p.expect(tokNumber)
	if err != nil {
		return m, err
	}
	f, err := strconv.ParseFloat(num.text, 64)
	if err != nil {
		// 5s, 20MB: durations and bytes are LogQL too
		return m, unsupported("a label filter on a duration or a byte size (" + num.text + ")")
	}
	m.num, m.value = sign*f, num.text
	return m, nil
}

func isMatchOp(k tokKind) bool {
	switch k {
	case tokEq, tokEqEq, tokNeq, tokRe, tokNre, tokGT, tokGTE, tokLT, tokLTE:
		return true
	}
	return false
}

// endsStage reports whether a token may follow a complete stage: the end,
// the next stage, or (in a metric query) the range and the closing
// parenthesis.
func endsStage(k tokKind) bool {
	return k == tokEOF || startsStage(k) || k == tokRange || k == tokCloseParen
}

// startsStage reports whether a token begins a pipeline stage.
func startsStage(k tokKind) bool {
	return k == tokPipe || k == tokPipeExact || k == tokNeq || k == tokPipeMatch || k == tokNre
}

// labelFilter parses `a="x" and b=~"y" or c!="z"`; "and" (or ",") binds
// tighter than "or".
func (p *parser) labelFilter() (stage, error) {
	st := stage{kind: stageLabelFilter}
	var conj []matcher
	for {
		m, err := p.matcher(true)
		if err != nil {
			return stage{}, err
		}
		conj = append(conj, m)
		t := p.peek()
		switch {
		case t.kind == tokComma || t.kind == tokIdent && t.text == "and":
			p.next()
		case t.kind == tokIdent && t.text == "or":
			p.next()
			st.anyOf = append(st.anyOf, conj)
			conj = nil
		case endsStage(t.kind):
			st.anyOf = append(st.anyOf, conj)
			return st, nil
		default:
			return stage{}, syntaxErr(p.next())
		}
	}
}

// matchesSelector reports whether a label set satisfies every matcher.
func matchesSelector(ms []matcher, labels map[string]string) bool {
	for _, m := range ms {
		if !m.matches(labels[m.name]) {
			return false
		}
	}
	return true
}
