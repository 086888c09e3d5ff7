package logview

import (
	"errors"
	"strconv"
	"strings"
)

// This file takes a LogQL log query apart at the top level, only as far
// as oncall needs to build cheap queries and to warn about slow ones: the
// stream selector and the kind of each pipeline stage. It is a heuristic,
// not a LogQL parser; a query it cannot take apart is sent as written.

// StageKind is what a pipeline stage does.
type StageKind int

// Stage kinds, by their cost to Loki.
const (
	// StageOther is a stage the analyser does not classify.
	StageOther StageKind = iota
	// StageLineFilter (|= != |~ !~ |> !>) reads the line: cheap.
	StageLineFilter
	// StageParser (json, logfmt, regexp, pattern, unpack) parses every
	// line that reaches it: the expensive stage.
	StageParser
	// StageLabelFilter (| name op value) compares labels.
	StageLabelFilter
	// StageFormat (line_format, label_format, decolorize, drop, keep,
	// unwrap) rewrites the line or its labels.
	StageFormat
)

// Stage is one pipeline stage as written.
type Stage struct {
	Kind StageKind
	Text string
}

// Shape is a log query taken apart: the text before its stream selector
// (a metric expression's functions), the selector, the pipeline stages in
// order, and the text after them (a range, closing parentheses).
type Shape struct {
	Prefix, Selector, Suffix string
	Stages                   []Stage
}

// String puts the shape back together.
func (s Shape) String() string {
	var b strings.Builder
	b.WriteString(s.Prefix)
	b.WriteString(s.Selector)
	for _, st := range s.Stages {
		b.WriteByte(' ')
		b.WriteString(st.Text)
	}
	if s.Suffix != "" {
		if !strings.HasPrefix(s.Suffix, " ") && !strings.HasPrefix(s.Suffix, "[") && !strings.HasPrefix(s.Suffix, ")") {
			b.WriteByte(' ')
		}
		b.WriteString(s.Suffix)
	}
	return b.String()
}

// FirstParser is the index of the first parser stage, -1 when none.
func (s Shape) FirstParser() int {
	for i, st := range s.Stages {
		if st.Kind == StageParser {
			return i
		}
	}
	return -1
}

// ParserBeforeFilter reports a parser that runs before any line filter:
// Loki then parses every line of the selected streams.
func (s Shape) ParserBeforeFilter() bool {
	for _, st := range s.Stages {
		switch st.Kind {
		case StageLineFilter:
			return false
		case StageParser:
			return true
		}
	}
	return false
}

// WideSelector reports a selector without an exact, non-empty matcher
// (only regexes or negations, e.g. {service_name=~".+"}): it picks every
// stream the regex allows, often all of them.
func (s Shape) WideSelector() bool {
	toks, err := lexLogQL(strings.TrimSuffix(strings.TrimPrefix(s.Selector, "{"), "}"))
	if err != nil {
		return false
	}
	for i := 0; i+2 < len(toks); i++ {
		if toks[i].kind == ltIdent && toks[i+1].text == "=" && toks[i+2].kind == ltString && toks[i+2].text != `""` {
			return false
		}
	}
	return true
}

// errNoSelector is a query without a stream selector.
var errNoSelector = errors.New("no stream selector ({…}) in the query")

// ParseShape takes a query apart (see Shape). It fails when no selector
// can be found or a string or brace is left open.
func ParseShape(query string) (Shape, error) {
	toks, err := lexLogQL(query)
	if err != nil {
		return Shape{}, err
	}
	open := -1
	for i, t := range toks {
		if t.text == "{" {
			open = i
			break
		}
	}
	if open < 0 {
		return Shape{}, errNoSelector
	}
	closeAt := -1
	for i := open + 1; i < len(toks); i++ {
		if toks[i].text == "}" {
			closeAt = i
			break
		}
	}
	if closeAt < 0 {
		return Shape{}, errors.New("the stream selector's { is not closed")
	}
	sh := Shape{
		Prefix:   strings.TrimLeft(query[:toks[open].at], " \t\n\r"),
		Selector: query[toks[open].at:toks[closeAt].end],
	}
	i := closeAt + 1
	for i < len(toks) && startsStage(toks, i) {
		j := i + 1
		for j < len(toks) && !startsStage(toks, j) && !endsPipeline(toks[j]) {
			j++
		}
		text := strings.TrimSpace(query[toks[i].at:toks[j-1].end])
		sh.Stages = append(sh.Stages, Stage{Kind: stageKind(toks[i:j]), Text: text})
		i = j
	}
	rest := toks[closeAt].end
	if len(sh.Stages) > 0 {
		rest = toks[i-1].end
	}
	sh.Suffix = strings.TrimRight(query[rest:], " \t\n")
	if strings.TrimSpace(sh.Suffix) == "" {
		sh.Suffix = ""
	}
	return sh, nil
}

var lineFilterOps = map[string]bool{"|=": true, "!=": true, "|~": true, "!~": true, "|>": true, "!>": true}

// startsStage reports whether token i begins a pipeline stage. "!=" is
// also a label filter's operator: it starts a stage only after a value,
// a closing parenthesis or a bare parser.
func startsStage(toks []lexTok, i int) bool {
	t := toks[i]
	if t.text == "|" || t.text == "|=" || t.text == "|~" || t.text == "|>" || t.text == "!~" || t.text == "!>" {
		return true
	}
	if t.text != "!=" || i == 0 {
		return false
	}
	p := toks[i-1]
	switch {
	case p.kind == ltString || p.kind == ltNumber || p.text == ")" || p.text == "}":
		return true
	case p.kind == ltIdent && i >= 2 && toks[i-2].text == "|" && parserOrBare(p.text):
		return true
	}
	return false
}

func parserOrBare(name string) bool {
	switch name {
	case "json", "logfmt", "unpack", "decolorize":
		return true
	}
	return false
}

// endsPipeline reports a token after which the log query is over: a range
// or the metric expression's closing parenthesis.
func endsPipeline(t lexTok) bool { return t.text == "[" || t.text == ")" }

func stageKind(toks []lexTok) StageKind {
	if lineFilterOps[toks[0].text] {
		return StageLineFilter
	}
	if len(toks) < 2 || toks[1].kind != ltIdent {
		return StageOther
	}
	switch toks[1].text {
	case "json", "logfmt", "regexp", "pattern", "unpack":
		return StageParser
	case "line_format", "label_format", "decolorize", "drop", "keep", "unwrap":
		return StageFormat
	}
	if len(toks) > 2 && toks[2].kind == ltOp {
		return StageLabelFilter
	}
	return StageOther
}

// withSelectorMatcher adds a matcher to the shape's selector:
// {a="b"} becomes {a="b", name=~"value"}.
func (s Shape) withSelectorMatcher(name, op, value string) Shape {
	inner := strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(s.Selector, "{"), "}"))
	inner = strings.TrimSuffix(inner, ",")
	m := name + op + strconv.Quote(value)
	if inner == "" {
		s.Selector = "{" + m + "}"
	} else {
		s.Selector = "{" + inner + ", " + m + "}"
	}
	return s
}

// withStageFirst puts a stage right after the selector, before the rest
// of the pipeline (where it is cheapest).
func (s Shape) withStageFirst(st Stage) Shape {
	s.Stages = append([]Stage{st}, s.Stages...)
	return s
}

// lexTok is one LogQL token; at and end are byte offsets in the query.
type lexTok struct {
	kind    int
	text    string
	at, end int
}

const (
	ltIdent = iota
	ltString
	ltNumber
	ltOp
	ltPunct
)

// lexLogQL splits a query into tokens: identifiers, quoted strings (with
// escapes) and backtick strings, numbers and durations, operators and
// punctuation. Comments (#…) are skipped.
func lexLogQL(q string) ([]lexTok, error) {
	var out []lexTok
	for i := 0; i < len(q); {
		c := q[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '#':
			for i < len(q) && q[i] != '\n' {
				i++
			}
		case c == '"' || c == '`':
			j := i + 1
			for j < len(q) && q[j] != c {
				if c == '"' && q[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(q) {
				return nil, errors.New("a string is not closed")
			}
			out = append(out, lexTok{ltString, q[i : j+1], i, j + 1})
			i = j + 1
		case isIdentStart(c):
			j := i
			for j < len(q) && (isIdentStart(q[j]) || q[j] >= '0' && q[j] <= '9' || q[j] == '.' || q[j] == ':') {
				j++
			}
			out = append(out, lexTok{ltIdent, q[i:j], i, j})
			i = j
		case c >= '0' && c <= '9':
			j := i
			for j < len(q) && (q[j] == '.' || q[j] >= '0' && q[j] <= '9' || isIdentStart(q[j])) {
				j++
			}
			out = append(out, lexTok{ltNumber, q[i:j], i, j})
			i = j
		default:
			if i+1 < len(q) {
				two := q[i : i+2]
				switch two {
				case "|=", "!=", "|~", "!~", "|>", "!>", "=~", "==", ">=", "<=":
					out = append(out, lexTok{ltOp, two, i, i + 2})
					i += 2
					continue
				}
			}
			kind := ltPunct
			if strings.IndexByte("=<>", c) >= 0 {
				kind = ltOp
			}
			out = append(out, lexTok{kind, q[i : i+1], i, i + 1})
			i++
		}
	}
	return out, nil
}

func isIdentStart(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
