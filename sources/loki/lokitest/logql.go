package lokitest

import (
	"regexp"
	"strings"
)

// The fake evaluates the subset of LogQL the project uses:
//
//	{name="v", name!="v", name=~"re", name!~"re"}
//	  |= "s"  != "s"  |~ "re"  !~ "re"
//	  | json   | logfmt   | unpack   | regexp "re"   | pattern "<a> <_>"
//	  | name="v"  (also !=, =~, !~, ==; joined with "and", "," or "or")
//
// Anything else is answered with a Loki-style parse error.

type matchOp int

const (
	opEq matchOp = iota
	opNeq
	opRe
	opNre
)

// matcher is one label matcher; regexes are fully anchored as in Loki.
type matcher struct {
	name  string
	op    matchOp
	value string
	re    *regexp.Regexp
}

func (m matcher) matches(v string) bool {
	switch m.op {
	case opEq:
		return v == m.value
	case opNeq:
		return v != m.value
	case opRe:
		return m.re.MatchString(v)
	default:
		return !m.re.MatchString(v)
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
		m, err := p.matcher()
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

func (p *parser) matcher() (matcher, error) {
	name, err := p.expect(tokIdent)
	if err != nil {
		return matcher{}, err
	}
	opTok := p.next()
	var m matcher
	m.name = name.text
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

func isMatchOp(k tokKind) bool {
	return k == tokEq || k == tokEqEq || k == tokNeq || k == tokRe || k == tokNre
}

// endsStage reports whether a token may follow a complete stage.
func endsStage(k tokKind) bool {
	return k == tokEOF || k == tokPipe || k == tokPipeExact || k == tokNeq || k == tokPipeMatch || k == tokNre
}

// labelFilter parses `a="x" and b=~"y" or c!="z"`; "and" (or ",") binds
// tighter than "or".
func (p *parser) labelFilter() (stage, error) {
	st := stage{kind: stageLabelFilter}
	var conj []matcher
	for {
		m, err := p.matcher()
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
