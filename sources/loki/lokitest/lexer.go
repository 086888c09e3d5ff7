package lokitest

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/prometheus/common/model"
)

// tokKind is a LogQL token type. The names match the ones Loki's grammar
// prints in its syntax errors.
type tokKind int

const (
	tokEOF tokKind = iota
	tokIdent
	tokString
	tokNumber
	tokOpenBrace
	tokCloseBrace
	tokOpenParen
	tokCloseParen
	tokComma
	tokPipe
	tokPipeExact // |=
	tokPipeMatch // |~
	tokNeq       // !=
	tokNre       // !~
	tokEq        // =
	tokEqEq      // ==
	tokRe        // =~
	tokRange     // [5m]
	tokGT        // >
	tokGTE       // >=
	tokLT        // <
	tokLTE       // <=
	tokAdd       // +
	tokSub       // -
	tokMul       // *
	tokDiv       // /
	tokMod       // %
	tokPow       // ^
	tokOther
)

var tokNames = map[tokKind]string{
	tokEOF:        "$end",
	tokIdent:      "IDENTIFIER",
	tokString:     "STRING",
	tokNumber:     "NUMBER",
	tokOpenBrace:  "{",
	tokCloseBrace: "}",
	tokOpenParen:  "(",
	tokCloseParen: ")",
	tokComma:      ",",
	tokPipe:       "|",
	tokPipeExact:  "|=",
	tokPipeMatch:  "|~",
	tokNeq:        "!=",
	tokNre:        "!~",
	tokEq:         "=",
	tokEqEq:       "==",
	tokRe:         "=~",
	tokRange:      "RANGE",
}

type token struct {
	kind tokKind
	text string        // identifier name, unquoted string value, or raw text
	dur  time.Duration // a range's duration
	line int           // 1-based
	col  int           // 1-based
}

func (t token) name() string {
	if n, ok := tokNames[t.kind]; ok {
		return n
	}
	return strconv.Quote(t.text)
}

// parseError is a LogQL parse error rendered the way Loki renders it.
type parseError struct {
	line, col int
	msg       string
}

func (e *parseError) Error() string {
	if e.line == 0 {
		return "parse error : " + e.msg
	}
	return fmt.Sprintf("parse error at line %d, col %d: %s", e.line, e.col, e.msg)
}

func syntaxErr(t token) error {
	return &parseError{line: t.line, col: t.col, msg: "syntax error: unexpected " + t.name()}
}

// twoChar is the operator spelled by s, or tokEOF when there is none.
func twoChar(s string) tokKind {
	switch s {
	case "|=":
		return tokPipeExact
	case "|~":
		return tokPipeMatch
	case "!=":
		return tokNeq
	case "!~":
		return tokNre
	case "=~":
		return tokRe
	case "==":
		return tokEqEq
	case ">=":
		return tokGTE
	case "<=":
		return tokLTE
	}
	return tokEOF
}

// oneChar is the punctuation or operator r, or tokEOF when it is none.
func oneChar(r rune) tokKind {
	if i := strings.IndexRune("{}(),|=><+-*/%^", r); i >= 0 {
		return [...]tokKind{tokOpenBrace, tokCloseBrace, tokOpenParen, tokCloseParen, tokComma, tokPipe, tokEq,
			tokGT, tokLT, tokAdd, tokSub, tokMul, tokDiv, tokMod, tokPow}[i]
	}
	return tokEOF
}

// lex splits a LogQL query into tokens.
func lex(q string) ([]token, error) {
	var toks []token
	line, col := 1, 1
	i := 0
	advance := func(n int) {
		for _, r := range q[i : i+n] {
			if r == '\n' {
				line++
				col = 1
			} else {
				col++
			}
		}
		i += n
	}
	for i < len(q) {
		r, size := utf8.DecodeRuneInString(q[i:])
		if unicode.IsSpace(r) {
			advance(size)
			continue
		}
		if r == '#' { // comment to end of line
			j := strings.IndexByte(q[i:], '\n')
			if j < 0 {
				j = len(q) - i
			}
			advance(j)
			continue
		}
		start := token{line: line, col: col}
		two := ""
		if i+1 < len(q) {
			two = q[i : i+2]
		}
		switch {
		case twoChar(two) != tokEOF:
			start.kind, start.text = twoChar(two), two
			advance(2)
		case oneChar(r) != tokEOF:
			start.kind, start.text = oneChar(r), string(r)
			advance(1)
		case r == '[':
			j := strings.IndexByte(q[i:], ']')
			if j < 0 {
				return nil, &parseError{line: line, col: col, msg: "missing closing ']' in duration"}
			}
			d, err := model.ParseDuration(q[i+1 : i+j])
			if err != nil {
				return nil, &parseError{line: line, col: col, msg: err.Error()}
			}
			start.kind, start.text, start.dur = tokRange, q[i:i+j+1], time.Duration(d)
			advance(j + 1)
		case r == '"' || r == '`':
			s, n, err := scanString(q[i:])
			if err != nil {
				return nil, &parseError{line: line, col: col, msg: err.Error()}
			}
			start.kind, start.text = tokString, s
			advance(n)
		case r == '_' || unicode.IsLetter(r):
			j := i
			for j < len(q) {
				c, w := utf8.DecodeRuneInString(q[j:])
				if c != '_' && c != ':' && c != '.' && !unicode.IsLetter(c) && !unicode.IsDigit(c) {
					break
				}
				j += w
			}
			start.kind, start.text = tokIdent, q[i:j]
			advance(j - i)
		case unicode.IsDigit(r):
			j := i
			for j < len(q) && (q[j] == '.' || q[j] >= '0' && q[j] <= '9' || unicode.IsLetter(rune(q[j]))) {
				j++
			}
			start.kind, start.text = tokNumber, q[i:j]
			advance(j - i)
		default:
			start.kind, start.text = tokOther, string(r)
			advance(size)
		}
		toks = append(toks, start)
	}
	toks = append(toks, token{kind: tokEOF, line: line, col: col})
	return toks, nil
}

// scanString reads a double-quoted (with Go escapes) or backtick-quoted
// string at the start of s and returns its value and byte length.
func scanString(s string) (string, int, error) {
	quote := s[0]
	if quote == '`' {
		j := strings.IndexByte(s[1:], '`')
		if j < 0 {
			return "", 0, fmt.Errorf("literal not terminated")
		}
		return s[1 : j+1], j + 2, nil
	}
	for j := 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case '"':
			v, err := strconv.Unquote(s[:j+1])
			if err != nil {
				return "", 0, fmt.Errorf("invalid string literal %s", s[:j+1])
			}
			return v, j + 1, nil
		}
	}
	return "", 0, fmt.Errorf("literal not terminated")
}
