package logql

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// kind is a token type.
type kind int

const (
	tEOF     kind = iota
	tIdent        // label names, keywords and function names: [A-Za-z_][A-Za-z0-9_]*
	tString       // "…" (Go escapes) or `…` (raw)
	tNumber       // 5, 0.99, 1e3, and unit-suffixed 5m, 1h30m, 20MB
	tRange        // [5m]: text is what stands between the brackets
	tFlag         // --strict
	tLBrace       // {
	tRBrace       // }
	tLParen       // (
	tRParen       // )
	tComma        // ,
	tPipe         // |
	tPipeEq       // |=
	tPipeRe       // |~
	tPipePat      // |>
	tNeq          // !=
	tNre          // !~
	tNotPat       // !>
	tEq           // =
	tEqEq         // ==
	tRe           // =~
	tGt           // >
	tGte          // >=
	tLt           // <
	tLte          // <=
	tAdd          // +
	tSub          // -
	tMul          // *
	tDiv          // /
	tMod          // %
	tPow          // ^
)

// token is one lexeme. raw is its exact source text (a string keeps its
// quotes, so it can be written back as the author wrote it); text is the
// unquoted value of a string, the inside of a range, or raw otherwise.
type token struct {
	kind kind
	raw  string
	text string
	off  int // byte offset of the first byte
	end  int // byte offset just past the last byte
	line int // 1-based
	col  int // 1-based, in runes
}

// Error is a failure to take a LogQL expression apart. It names the place
// (1-based line and column, in characters) and the cause, on one line.
type Error struct {
	Line, Col int
	Msg       string
}

func (e *Error) Error() string {
	if e.Line == 0 {
		return "logql: " + e.Msg
	}
	return fmt.Sprintf("logql: line %d, col %d: %s", e.Line, e.Col, e.Msg)
}

// show renders a token for an error message: quoted, on one line, short.
func (t token) show() string {
	if t.kind == tEOF {
		return "end of input"
	}
	s := t.raw
	if utf8.RuneCountInString(s) > 24 {
		r := []rune(s)
		s = string(r[:24]) + "…"
	}
	return strconv.Quote(s)
}

// maxInput bounds what is parsed: a rule expression is a few hundred bytes;
// a megabyte is not a rule.
const maxInput = 64 << 10

// lex splits src into tokens. Comments run from # to the end of the line
// (outside strings), per the LogQL reference's "Comments" section.
func lex(src string) ([]token, error) {
	if len(src) > maxInput {
		return nil, &Error{Msg: fmt.Sprintf("expression is %d bytes, more than the %d this parser takes", len(src), maxInput)}
	}
	if !utf8.ValidString(src) {
		i := 0
		for i < len(src) {
			r, w := utf8.DecodeRuneInString(src[i:])
			if r == utf8.RuneError && w == 1 {
				break
			}
			i += w
		}
		l, c := position(src, i)
		return nil, &Error{Line: l, Col: c, Msg: "invalid UTF-8"}
	}
	lx := lexer{src: src, line: 1, col: 1}
	var toks []token
	for {
		t, err := lx.next()
		if err != nil {
			return nil, err
		}
		toks = append(toks, t)
		if t.kind == tEOF {
			return toks, nil
		}
	}
}

// position returns the 1-based line and column of byte offset off.
func position(src string, off int) (int, int) {
	line, col := 1, 1
	for _, r := range src[:off] {
		if r == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}

type lexer struct {
	src       string
	i         int
	line, col int
}

func (lx *lexer) advance(n int) {
	for _, r := range lx.src[lx.i : lx.i+n] {
		if r == '\n' {
			lx.line++
			lx.col = 1
		} else {
			lx.col++
		}
	}
	lx.i += n
}

func (lx *lexer) errAt(msg string) error {
	return &Error{Line: lx.line, Col: lx.col, Msg: msg}
}

var twoChar = map[string]kind{
	"|=": tPipeEq, "|~": tPipeRe, "|>": tPipePat,
	"!=": tNeq, "!~": tNre, "!>": tNotPat,
	"==": tEqEq, "=~": tRe, ">=": tGte, "<=": tLte,
}

var oneChar = map[byte]kind{
	'{': tLBrace, '}': tRBrace, '(': tLParen, ')': tRParen, ',': tComma,
	'|': tPipe, '=': tEq, '>': tGt, '<': tLt,
	'+': tAdd, '-': tSub, '*': tMul, '/': tDiv, '%': tMod, '^': tPow,
}

func isIdentStart(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool      { return c >= '0' && c <= '9' }
func isIdentChar(c byte) bool  { return isIdentStart(c) || isDigit(c) }

func (lx *lexer) next() (token, error) {
	src := lx.src
	for lx.i < len(src) {
		c := src[lx.i]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' {
			lx.advance(1)
			continue
		}
		if c == '#' {
			j := strings.IndexByte(src[lx.i:], '\n')
			if j < 0 {
				j = len(src) - lx.i
			}
			lx.advance(j)
			continue
		}
		break
	}
	t := token{off: lx.i, line: lx.line, col: lx.col}
	if lx.i >= len(src) {
		t.kind, t.end = tEOF, lx.i
		return t, nil
	}
	c := src[lx.i]
	n := 0
	switch {
	case c == '"' || c == '`':
		v, w, err := scanString(src[lx.i:])
		if err != nil {
			return t, lx.errAt(err.Error())
		}
		t.kind, t.text, n = tString, v, w
	case c == '[':
		j := strings.IndexByte(src[lx.i:], ']')
		if j < 0 {
			return t, lx.errAt("range not closed: missing ]")
		}
		t.kind, t.text, n = tRange, strings.TrimSpace(src[lx.i+1:lx.i+j]), j+1
	case isIdentStart(c):
		j := lx.i + 1
		for j < len(src) && isIdentChar(src[j]) {
			j++
		}
		t.kind, n = tIdent, j-lx.i
	case isDigit(c) || c == '.' && lx.i+1 < len(src) && isDigit(src[lx.i+1]):
		t.kind, n = tNumber, scanNumber(src[lx.i:])
	case c == '-' && lx.i+2 < len(src) && src[lx.i+1] == '-' && isIdentStart(src[lx.i+2]):
		j := lx.i + 2
		for j < len(src) && (isIdentChar(src[j]) || src[j] == '-') {
			j++
		}
		t.kind, n = tFlag, j-lx.i
	default:
		if lx.i+1 < len(src) {
			if k, ok := twoChar[src[lx.i:lx.i+2]]; ok {
				t.kind, n = k, 2
				break
			}
		}
		k, ok := oneChar[c]
		if !ok {
			r, _ := utf8.DecodeRuneInString(src[lx.i:])
			return t, lx.errAt(fmt.Sprintf("unexpected character %q", r))
		}
		t.kind, n = k, 1
	}
	t.raw = src[lx.i : lx.i+n]
	if t.kind != tString && t.kind != tRange {
		t.text = t.raw
	}
	lx.advance(n)
	t.end = lx.i
	return t, nil
}

// scanNumber returns the length of the number-like token at the start of
// s: digits, dots, letters (units: 5m, 1h30m, 20MB, 1.5KiB; µs) and an
// exponent sign (1e-3). It is classified later, where the grammar says
// what it may be.
func scanNumber(s string) int {
	j := 0
	for j < len(s) {
		c := s[j]
		switch {
		case isIdentChar(c) || c == '.':
			j++
		case (c == '+' || c == '-') && j > 0 && (s[j-1] == 'e' || s[j-1] == 'E') && isMantissa(s[:j-1]) &&
			j+1 < len(s) && isDigit(s[j+1]):
			j++
		case strings.HasPrefix(s[j:], "µ"):
			j += len("µ")
		default:
			return j
		}
	}
	return j
}

// isMantissa reports whether s is digits with at most one dot (so that
// "1e-3" is an exponent but "5m-1" is not).
func isMantissa(s string) bool {
	dot := false
	for i := 0; i < len(s); i++ {
		switch {
		case isDigit(s[i]):
		case s[i] == '.' && !dot:
			dot = true
		default:
			return false
		}
	}
	return s != ""
}

// scanString reads the string at the start of s: double-quoted with Go
// escapes, or backtick-quoted and raw. LogQL strings are Go strings (the
// log queries page: "`\w+` is the same as "\\w+""). It returns the value
// and the byte length of the literal.
func scanString(s string) (string, int, error) {
	if s[0] == '`' {
		j := strings.IndexByte(s[1:], '`')
		if j < 0 {
			return "", 0, fmt.Errorf("string not closed: missing `")
		}
		return s[1 : j+1], j + 2, nil
	}
	for j := 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case '\n':
			return "", 0, fmt.Errorf(`string not closed before the end of the line: missing "`)
		case '"':
			v, err := strconv.Unquote(s[:j+1])
			if err != nil {
				return "", 0, fmt.Errorf("invalid escape in string %s", clip(s[:j+1]))
			}
			return v, j + 1, nil
		}
	}
	return "", 0, fmt.Errorf(`string not closed: missing "`)
}

// clip quotes s for a message, cut to a readable length.
func clip(s string) string {
	r := []rune(s)
	if len(r) > 32 {
		return strconv.Quote(string(r[:32])) + "…"
	}
	return strconv.Quote(s)
}
