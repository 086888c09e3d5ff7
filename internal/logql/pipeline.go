package logql

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// The log query grammar, from Loki's "Log queries" page (stream selector,
// line filter, label filter, parser, line_format, label_format, drop and
// keep expressions), "Matching IP addresses" (ip("…") in line and label
// filters) and the LogQL reference (|> and !> pattern line filters; "#"
// comments). Loki 3 joins the strings of one line filter with "or".

type parser struct {
	src     string
	toks    []token
	pos     int
	depth   int
	queries int // range aggregations parsed
}

func (p *parser) peek() token { return p.toks[p.pos] }
func (p *parser) peekAt(n int) token {
	if p.pos+n < len(p.toks) {
		return p.toks[p.pos+n]
	}
	return p.toks[len(p.toks)-1]
}

func (p *parser) next() token {
	t := p.toks[p.pos]
	if t.kind != tEOF {
		p.pos++
	}
	return t
}

// fail reports an unexpected token and what the grammar wanted there.
func (p *parser) fail(t token, want string) error {
	return &Error{Line: t.line, Col: t.col, Msg: "unexpected " + t.show() + ", expected " + want}
}

// failAt reports a cause at a token.
func (p *parser) failAt(t token, msg string) error {
	return &Error{Line: t.line, Col: t.col, Msg: msg}
}

func (p *parser) expect(k kind, want string) (token, error) {
	t := p.next()
	if t.kind != k {
		return t, p.fail(t, want)
	}
	return t, nil
}

func (p *parser) isKeyword(t token, words ...string) bool {
	return t.kind == tIdent && slices.Contains(words, t.text)
}

// selector parses {name op "value", …}. Loki refuses an empty selector.
func (p *parser) selector() ([]Matcher, error) {
	open, err := p.expect(tLBrace, "a stream selector {…}")
	if err != nil {
		return nil, err
	}
	if p.peek().kind == tRBrace {
		return nil, p.failAt(open, "empty stream selector {}: Loki needs at least one matcher")
	}
	var ms []Matcher
	for {
		m, err := p.matcher()
		if err != nil {
			return nil, err
		}
		ms = append(ms, m)
		t := p.next()
		if t.kind == tRBrace {
			return ms, nil
		}
		if t.kind != tComma {
			return nil, p.fail(t, `"," or "}"`)
		}
	}
}

var matchOps = map[kind]string{tEq: "=", tNeq: "!=", tRe: "=~", tNre: "!~"}

func (p *parser) matcher() (Matcher, error) {
	name, err := p.expect(tIdent, "a label name")
	if err != nil {
		return Matcher{}, err
	}
	opTok := p.next()
	op, ok := matchOps[opTok.kind]
	if !ok {
		return Matcher{}, p.fail(opTok, "=, !=, =~ or !~")
	}
	val, err := p.expect(tString, "a quoted value")
	if err != nil {
		return Matcher{}, err
	}
	if op == "=~" || op == "!~" {
		if err := p.checkRegexp(val); err != nil {
			return Matcher{}, err
		}
	}
	return Matcher{Name: name.text, Op: op, Value: val.text, raw: val.raw}, nil
}

func (p *parser) checkRegexp(t token) error {
	if _, err := regexp.Compile(t.text); err != nil {
		return p.failAt(t, "invalid regular expression: "+oneLine(err.Error()))
	}
	return nil
}

// oneLine makes text from the expression fit a one-line message: runs of
// white space become one space, other unprintable characters are escaped,
// and it is cut to 80 characters.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
		q := strconv.Quote(s)
		s = q[1 : len(q)-1]
	}
	if r := []rune(s); len(r) > 80 {
		s = string(r[:80]) + "…"
	}
	return s
}

var lineFilterOps = map[kind]string{tPipeEq: "|=", tNeq: "!=", tPipeRe: "|~", tNre: "!~", tPipePat: "|>", tNotPat: "!>"}

// unwrapped is what an | unwrap stage and the label filters after it add
// to a pipeline.
type unwrapped struct {
	label string  // as written: latency, duration(latency)
	after []Stage // label filters after it
}

// pipeline parses stages until a token that cannot start one. With
// allowUnwrap, an | unwrap stage may come, followed only by label filters
// (the log queries page: "Label filter expressions are the only
// expression allowed after the unwrap expression").
func (p *parser) pipeline(allowUnwrap bool) ([]Stage, *unwrapped, error) {
	var stages []Stage
	var uw *unwrapped
	for {
		t := p.peek()
		start := p.pos
		var st Stage
		var err error
		switch {
		case lineFilterOps[t.kind] != "":
			st, err = p.lineFilter()
		case t.kind == tPipe:
			kw := p.peekAt(1)
			if p.isKeyword(kw, "unwrap") && !isCompare(p.peekAt(2).kind) {
				if !allowUnwrap {
					return nil, nil, p.failAt(kw, "| unwrap belongs in a metric query's range aggregation, not in a log query")
				}
				if uw != nil {
					return nil, nil, p.failAt(kw, "a second | unwrap")
				}
				if uw, err = p.unwrap(); err != nil {
					return nil, nil, err
				}
				continue
			}
			st, err = p.pipeStage()
		default:
			return stages, uw, nil
		}
		if err != nil {
			return nil, nil, err
		}
		st.text = render(p.toks[start:p.pos])
		if uw != nil {
			if st.Kind != LabelFilter {
				return nil, nil, p.failAt(t, "only label filters may follow | unwrap, not a "+st.Kind.String())
			}
			uw.after = append(uw.after, st)
			continue
		}
		stages = append(stages, st)
	}
}

func isCompare(k kind) bool {
	switch k {
	case tEq, tEqEq, tNeq, tRe, tNre, tGt, tGte, tLt, tLte:
		return true
	}
	return false
}

// lineFilter parses `|= "a"`, `|= "a" or "b"`, `!= ip("10.0.0.0/8")`.
func (p *parser) lineFilter() (Stage, error) {
	op := p.next()
	st := Stage{Kind: LineFilter, Name: lineFilterOps[op.kind]}
	if p.isKeyword(p.peek(), "ip") && p.peekAt(1).kind == tLParen {
		ipTok := p.next()
		if st.Name != "|=" && st.Name != "!=" {
			return st, p.failAt(ipTok, "ip(…) line filters take only |= and !=")
		}
		arg, err := p.ipArg()
		if err != nil {
			return st, err
		}
		st.IP, st.Args = true, []string{arg}
		return st, nil
	}
	for {
		s, err := p.expect(tString, "a quoted string")
		if err != nil {
			return st, err
		}
		if st.Name == "|~" || st.Name == "!~" {
			if err := p.checkRegexp(s); err != nil {
				return st, err
			}
		}
		st.Args = append(st.Args, s.text)
		if !p.isKeyword(p.peek(), "or") || p.peekAt(1).kind != tString {
			return st, nil
		}
		p.next()
	}
}

// ipArg parses ("pattern") after ip.
func (p *parser) ipArg() (string, error) {
	if _, err := p.expect(tLParen, "("); err != nil {
		return "", err
	}
	s, err := p.expect(tString, "a quoted IP, range or CIDR")
	if err != nil {
		return "", err
	}
	if _, err := p.expect(tRParen, ")"); err != nil {
		return "", err
	}
	return s.text, nil
}

// pipeStage parses a stage that starts with |.
func (p *parser) pipeStage() (Stage, error) {
	p.next() // |
	kw := p.peek()
	if kw.kind == tLParen || kw.kind == tIdent && isCompare(p.peekAt(1).kind) {
		return p.labelFilter()
	}
	if kw.kind != tIdent {
		return Stage{}, p.fail(kw, "a parser, a formatter or a label filter after |")
	}
	p.next()
	st := Stage{Name: kw.text}
	switch kw.text {
	case "json", "logfmt":
		st.Kind = Parser
		for kw.text == "logfmt" && p.peek().kind == tFlag {
			f := p.next()
			if f.text != "--strict" && f.text != "--keep-empty" {
				return st, p.failAt(f, "unknown logfmt flag "+f.show()+": --strict or --keep-empty")
			}
			st.Flags = append(st.Flags, f.text)
		}
		if p.peek().kind != tIdent {
			st.AnyLabel = true
			return st, nil
		}
		for {
			name, err := p.expect(tIdent, "a label name")
			if err != nil {
				return st, err
			}
			st.Labels = append(st.Labels, name.text)
			if p.peek().kind == tEq {
				p.next()
				if _, err := p.expect(tString, "a quoted "+kw.text+" expression"); err != nil {
					return st, err
				}
			}
			if p.peek().kind != tComma {
				return st, nil
			}
			p.next()
		}
	case "regexp", "pattern":
		st.Kind = Parser
		s, err := p.expect(tString, "a quoted "+kw.text+" expression")
		if err != nil {
			return st, err
		}
		st.Args = []string{s.text}
		if kw.text == "regexp" {
			re, err := regexp.Compile(s.text)
			if err != nil {
				return st, p.failAt(s, "invalid regular expression: "+oneLine(err.Error()))
			}
			for _, n := range re.SubexpNames() {
				if n != "" && !slices.Contains(st.Labels, n) {
					st.Labels = append(st.Labels, n)
				}
			}
		} else {
			st.Labels = patternCaptures(s.text)
		}
		return st, nil
	case "unpack":
		st.Kind, st.AnyLabel = Parser, true
		return st, nil
	case "decolorize":
		st.Kind = Decolorize
		return st, nil
	case "line_format":
		st.Kind = LineFormat
		s, err := p.expect(tString, "a quoted template")
		if err != nil {
			return st, err
		}
		st.Args = []string{s.text}
		return st, nil
	case "label_format":
		st.Kind = LabelFormat
		for {
			dst, err := p.expect(tIdent, "a label name")
			if err != nil {
				return st, err
			}
			if _, err := p.expect(tEq, "="); err != nil {
				return st, err
			}
			st.Labels = append(st.Labels, dst.text)
			src := p.next()
			switch src.kind {
			case tIdent: // a rename: src is dropped
				st.Labels = append(st.Labels, src.text)
			case tString:
			default:
				return st, p.fail(src, "a label name or a quoted template")
			}
			if p.peek().kind != tComma {
				return st, nil
			}
			p.next()
		}
	case "drop", "keep":
		st.Kind = DropLabels
		if kw.text == "keep" {
			st.Kind = KeepLabels
		}
		for {
			name, err := p.expect(tIdent, "a label name")
			if err != nil {
				return st, err
			}
			st.Labels = append(st.Labels, name.text)
			if op := p.peek(); matchOps[op.kind] != "" {
				p.next()
				v, err := p.expect(tString, "a quoted value")
				if err != nil {
					return st, err
				}
				if op.kind == tRe || op.kind == tNre {
					if err := p.checkRegexp(v); err != nil {
						return st, err
					}
				}
			}
			if p.peek().kind != tComma {
				return st, nil
			}
			p.next()
		}
	}
	return st, p.failAt(kw, fmt.Sprintf("unknown pipeline stage %s: expected json, logfmt, regexp, pattern, unpack, line_format, label_format, decolorize, drop, keep or a label filter", kw.show()))
}

// patternCaptures returns the named captures <name> of a pattern
// expression; <_> captures nothing.
func patternCaptures(s string) []string {
	var out []string
	for {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			return out
		}
		s = s[i+1:]
		j := 0
		for j < len(s) && isIdentChar(s[j]) {
			j++
		}
		if j > 0 && j < len(s) && s[j] == '>' && isIdentStart(s[0]) {
			if n := s[:j]; n != "_" && !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
	}
}

// labelFilter parses predicates joined by and, or, "," or a space, with
// parentheses (the log queries page, "Label filter expression").
func (p *parser) labelFilter() (Stage, error) {
	st := Stage{Kind: LabelFilter}
	if err := p.filterTerms(&st, 0); err != nil {
		return st, err
	}
	return st, nil
}

func (p *parser) filterTerms(st *Stage, depth int) error {
	if depth > maxDepth {
		return p.failAt(p.peek(), "label filter nested too deeply")
	}
	for {
		if err := p.filterTerm(st, depth); err != nil {
			return err
		}
		t := p.peek()
		switch {
		case t.kind == tComma || p.isKeyword(t, "and", "or") && startsPredicate(p.peekAt(1), p.peekAt(2)):
			p.next()
		case startsPredicate(t, p.peekAt(1)):
			// a space joins predicates as "and" does
		default:
			return nil
		}
	}
}

// startsPredicate reports whether t (followed by u) can start a label
// filter term: a parenthesis or a label name followed by an operator.
func startsPredicate(t, u token) bool {
	return t.kind == tLParen || t.kind == tIdent && isCompare(u.kind)
}

func (p *parser) filterTerm(st *Stage, depth int) error {
	if p.peek().kind == tLParen {
		p.next()
		if err := p.filterTerms(st, depth+1); err != nil {
			return err
		}
		_, err := p.expect(tRParen, `")" or a label filter joined by and, or ","`)
		return err
	}
	name, err := p.expect(tIdent, "a label name")
	if err != nil {
		return err
	}
	if !slices.Contains(st.Labels, name.text) {
		st.Labels = append(st.Labels, name.text)
	}
	op := p.next()
	if !isCompare(op.kind) {
		return p.fail(op, "a comparison such as =, !=, =~, !~, >, >=, <, <=")
	}
	v := p.peek()
	switch {
	case v.kind == tString:
		p.next()
		switch op.kind {
		case tGt, tGte, tLt, tLte:
			return p.failAt(op, op.raw+" compares numbers, durations or bytes, not strings")
		case tRe, tNre:
			return p.checkRegexp(v)
		}
		return nil
	case p.isKeyword(v, "ip") && p.peekAt(1).kind == tLParen:
		p.next()
		if op.kind != tEq && op.kind != tNeq {
			return p.failAt(op, "ip(…) label filters take only = and !=")
		}
		_, err := p.ipArg()
		return err
	case v.kind == tNumber || (v.kind == tSub || v.kind == tAdd) && p.peekAt(1).kind == tNumber:
		if v.kind != tNumber {
			p.next()
		}
		n := p.next()
		if op.kind == tRe || op.kind == tNre {
			return p.failAt(op, op.raw+" matches strings, not numbers")
		}
		if !isNumberValue(n.text) {
			return p.failAt(n, n.show()+" is not a number, a duration (300ms, 1h30m) or a byte size (20MB, 1.5KiB)")
		}
		return nil
	}
	return p.fail(v, "a quoted string, a number, a duration, a byte size or ip(…)")
}

// unwrap parses | unwrap label or | unwrap conv(label) (the metric
// queries page: duration, duration_seconds and bytes conversions).
func (p *parser) unwrap() (*unwrapped, error) {
	p.next() // |
	p.next() // unwrap
	name, err := p.expect(tIdent, "the label to unwrap")
	if err != nil {
		return nil, err
	}
	if p.peek().kind != tLParen {
		return &unwrapped{label: name.text}, nil
	}
	switch name.text {
	case "duration", "duration_seconds", "bytes":
	default:
		return nil, p.failAt(name, "unknown unwrap conversion "+name.show()+": duration, duration_seconds or bytes")
	}
	p.next()
	arg, err := p.expect(tIdent, "the label to unwrap")
	if err != nil {
		return nil, err
	}
	if _, err := p.expect(tRParen, ")"); err != nil {
		return nil, err
	}
	return &unwrapped{label: name.text + "(" + arg.text + ")"}, nil
}

// render writes tokens back as canonical LogQL: strings as written,
// one space between tokens except inside matchers (a="b"), calls (ip("…"),
// duration(x)), parentheses, before commas and after a sign.
func render(toks []token) string {
	var b strings.Builder
	for i, t := range toks {
		if i > 0 && !tight(toks[i-1], t, i-1 == 0) {
			b.WriteByte(' ')
		}
		b.WriteString(t.raw)
	}
	return b.String()
}

func tight(prev, cur token, prevFirst bool) bool {
	switch {
	case cur.kind == tRParen || cur.kind == tComma || prev.kind == tLParen:
		return true
	case cur.kind == tLParen:
		return prev.kind == tIdent && prev.text != "and" && prev.text != "or"
	case prevFirst:
		return false // `|= "x"`, `| json`
	case prev.kind == tSub || prev.kind == tAdd:
		return true // a sign: -5
	}
	tightOp := func(k kind) bool { return k == tEq || k == tNeq || k == tRe || k == tNre }
	return tightOp(prev.kind) || tightOp(cur.kind)
}
