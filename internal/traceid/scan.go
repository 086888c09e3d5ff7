package traceid

import (
	"strconv"
	"strings"
)

// maxJSONDepth bounds nesting so hostile lines cannot exhaust the stack.
const maxJSONDepth = 32

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// normHex validates s as n hex characters, not all zeros, and returns it in
// lower case ("" when invalid).
func normHex(s string, n int) string {
	if len(s) != n {
		return ""
	}
	upper, zero := false, true
	for i := 0; i < n; i++ {
		c := s[i]
		if !isHex(c) {
			return ""
		}
		if c != '0' {
			zero = false
		}
		if c >= 'A' && c <= 'F' {
			upper = true
		}
	}
	if zero {
		return ""
	}
	if upper {
		return strings.ToLower(s)
	}
	return s
}

// normTrace validates a trace id: 16 or 32 hex characters.
func normTrace(s string) string {
	s = strings.TrimSpace(s)
	if len(s) == 32 {
		return normHex(s, 32)
	}
	return normHex(s, 16)
}

// normSpan validates a span id: 16 hex characters.
func normSpan(s string) string { return normHex(strings.TrimSpace(s), 16) }

// parseTraceparent reads a W3C traceparent value:
// 00-<32 hex trace>-<16 hex span>-<2 hex flags>.
func parseTraceparent(v string) (trace, span string, ok bool) {
	v = strings.TrimSpace(v)
	if len(v) != 55 || v[0] != '0' || v[1] != '0' || v[2] != '-' || v[35] != '-' || v[52] != '-' ||
		!isHex(v[53]) || !isHex(v[54]) {
		return "", "", false
	}
	trace, span = normHex(v[3:35], 32), normHex(v[36:52], 16)
	if trace == "" || span == "" {
		return "", "", false
	}
	return trace, span, true
}

// findTraceparent finds a traceparent anywhere in the line, not glued to
// other letters or digits.
func findTraceparent(line string) candidate {
	for i := 0; i+55 <= len(line); {
		j := strings.Index(line[i:], "00-")
		if j < 0 {
			break
		}
		p := i + j
		if (p == 0 || !isAlnum(line[p-1])) && p+55 <= len(line) && (p+55 == len(line) || !isAlnum(line[p+55])) {
			if t, s, ok := parseTraceparent(line[p : p+55]); ok {
				return candidate{trace: t, span: s, coupled: true}
			}
		}
		i = p + 1
	}
	return candidate{}
}

// looksJSON is the cheap test that decides whether to scan a line as JSON.
func looksJSON(line string) bool {
	for i := 0; i < len(line); i++ {
		switch line[i] {
		case ' ', '\t', '\r', '\n':
			continue
		case '{':
			return true
		default:
			return false
		}
	}
	return false
}

// fromJSON scans a JSON object without building it, looking at string
// values whose key is a known name at any depth, and at {"trace":{"id":…}}
// and {"span":{"id":…}}. Shallower fields win. ok is false for malformed
// JSON (what was found before the error is still returned).
func fromJSON(line string) (candidate, bool) {
	sc := jsonScanner{s: line}
	p := newPicker()
	sc.skipWS()
	ok := sc.object(&p, "", 0) == nil
	if ok {
		sc.skipWS()
		ok = sc.i == len(sc.s)
	}
	return p.candidate(), ok
}

type jsonScanner struct {
	s string
	i int
}

type scanError struct{}

func (scanError) Error() string { return "malformed JSON" }

var errScan = scanError{}

func (sc *jsonScanner) skipWS() {
	for sc.i < len(sc.s) {
		switch sc.s[sc.i] {
		case ' ', '\t', '\r', '\n':
			sc.i++
		default:
			return
		}
	}
}

// str reads a JSON string at sc.i (which must be '"').
func (sc *jsonScanner) str() (string, error) {
	if sc.i >= len(sc.s) || sc.s[sc.i] != '"' {
		return "", errScan
	}
	start := sc.i
	escaped := false
	for j := sc.i + 1; j < len(sc.s); j++ {
		switch c := sc.s[j]; {
		case c == '\\':
			escaped = true
			j++
		case c == '"':
			sc.i = j + 1
			if !escaped {
				return sc.s[start+1 : j], nil
			}
			v, err := strconv.Unquote(sc.s[start : j+1])
			if err != nil {
				return "", nil // odd escapes (e.g. \/): value unusable, scan goes on
			}
			return v, nil
		case c < 0x20:
			return "", errScan
		}
	}
	return "", errScan
}

// object scans an object at sc.i. parent is the key it is the value of; a
// nil picker scans without collecting.
func (sc *jsonScanner) object(p *picker, parent string, depth int) error {
	if depth > maxJSONDepth || sc.i >= len(sc.s) || sc.s[sc.i] != '{' {
		return errScan
	}
	sc.i++
	sc.skipWS()
	if sc.i < len(sc.s) && sc.s[sc.i] == '}' {
		sc.i++
		return nil
	}
	for {
		sc.skipWS()
		key, err := sc.str()
		if err != nil {
			return err
		}
		sc.skipWS()
		if sc.i >= len(sc.s) || sc.s[sc.i] != ':' {
			return errScan
		}
		sc.i++
		sc.skipWS()
		if sc.i >= len(sc.s) {
			return errScan
		}
		switch sc.s[sc.i] {
		case '"':
			v, err := sc.str()
			if err != nil {
				return err
			}
			if p != nil {
				p.see(key, v, depth)
				switch {
				case key == "id" && parent == "trace":
					p.see("trace.id", v, depth-1)
				case key == "id" && parent == "span":
					p.see("span.id", v, depth-1)
				}
			}
		case '{':
			if err := sc.object(p, key, depth+1); err != nil {
				return err
			}
		default:
			if err := sc.skipValue(depth); err != nil {
				return err
			}
		}
		sc.skipWS()
		if sc.i >= len(sc.s) {
			return errScan
		}
		switch sc.s[sc.i] {
		case ',':
			sc.i++
		case '}':
			sc.i++
			return nil
		default:
			return errScan
		}
	}
}

// skipValue skips a non-object value (array, number, literal, string).
func (sc *jsonScanner) skipValue(depth int) error {
	if sc.i >= len(sc.s) {
		return errScan
	}
	switch c := sc.s[sc.i]; {
	case c == '"':
		_, err := sc.str()
		return err
	case c == '[':
		if depth > maxJSONDepth {
			return errScan
		}
		sc.i++
		sc.skipWS()
		if sc.i < len(sc.s) && sc.s[sc.i] == ']' {
			sc.i++
			return nil
		}
		for {
			sc.skipWS()
			var err error
			if sc.i < len(sc.s) && sc.s[sc.i] == '{' {
				err = sc.object(nil, "", depth+1) // ids inside arrays are ambiguous: ignored
			} else {
				err = sc.skipValue(depth + 1)
			}
			if err != nil {
				return err
			}
			sc.skipWS()
			if sc.i >= len(sc.s) {
				return errScan
			}
			if sc.s[sc.i] == ']' {
				sc.i++
				return nil
			}
			if sc.s[sc.i] != ',' {
				return errScan
			}
			sc.i++
		}
	default:
		start := sc.i
		for sc.i < len(sc.s) {
			c := sc.s[sc.i]
			if c == ',' || c == '}' || c == ']' || c == ' ' || c == '\t' || c == '\r' || c == '\n' {
				break
			}
			sc.i++
		}
		if sc.i == start {
			return errScan
		}
		return nil
	}
}

// fromLogfmt scans key=value pairs (values bare or double-quoted).
func fromLogfmt(line string) candidate {
	p := newPicker()
	s := line
	i := 0
	for i < len(s) {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		ks := i
		for i < len(s) && s[i] != '=' && s[i] != ' ' && s[i] != '\t' && s[i] != '"' {
			i++
		}
		key := s[ks:i]
		if i >= len(s) || s[i] != '=' {
			if i < len(s) && s[i] == '"' { // stray quote: skip the quoted run
				i = skipQuoted(s, i)
			} else if i == ks {
				i++
			}
			continue
		}
		i++ // '='
		var val string
		if i < len(s) && s[i] == '"' {
			end := skipQuoted(s, i)
			raw := s[i:end]
			if v, err := strconv.Unquote(raw); err == nil {
				val = v
			} else if len(raw) >= 2 && raw[len(raw)-1] == '"' {
				val = raw[1 : len(raw)-1]
			}
			i = end
		} else {
			vs := i
			for i < len(s) && s[i] != ' ' && s[i] != '\t' {
				i++
			}
			val = s[vs:i]
		}
		if key != "" {
			p.see(key, val, 0)
		}
	}
	return p.candidate()
}

// skipQuoted returns the index after the quoted string starting at s[i].
func skipQuoted(s string, i int) int {
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(s)
}
