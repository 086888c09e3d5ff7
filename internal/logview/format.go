package logview

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-logfmt/logfmt"

	"oncall/internal/sanitize"
)

// SegKind is what a part of a formatted line is, for the UI to style.
type SegKind uint8

const (
	// SegMessage is the line's message (msg, message, or error).
	SegMessage SegKind = iota
	// SegKey is a field name with its "=".
	SegKey
	// SegValue is a field value.
	SegValue
)

// Segment is one part of a formatted text: Text[Start:End]. The spaces
// between segments belong to none.
type Segment struct {
	Kind       SegKind
	Start, End int
}

// Formatted is a line made readable.
type Formatted struct {
	// Text is the message, then the remaining fields as key=value, on one
	// sanitized line of at most MaxDisplay runes. For a plain-text line it
	// is the line itself, sanitized.
	Text string
	// Segs mark Text's parts; nil for plain text.
	Segs []Segment
	// Level and Service are the line's own level and service fields, raw
	// ("" when it has none), for the columns.
	Level, Service string
	// Structured is set for JSON and logfmt lines.
	Structured bool
}

// Keys the columns show: never repeated in the text.
var (
	timeKeys    = []string{"ts", "time", "timestamp", "@timestamp", "t", "datetime"}
	levelKeys   = []string{"level", "lvl", "severity", "loglevel", "log_level", "log.level", "levelname", "detected_level"}
	serviceKeys = []string{"service", "service_name", "service.name", "app", "application"}
	messageKeys = []string{"msg", "message"}
	errorKeys   = []string{"error", "err"}
)

// Formatter makes JSON and logfmt lines readable: the message first, then
// the remaining fields as key=value, without the fields the time, service
// and level columns already show and without the fields it was told to
// hide. Plain-text lines stay as they are. It is immutable and safe for
// concurrent use; the logs pane and the trace pane share it.
type Formatter struct {
	hide map[string]bool
}

// NewFormatter hides the given field names besides the columns' (e.g.
// trace_id and span_id in a pane that already shows the trace).
func NewFormatter(hide []string) *Formatter {
	f := &Formatter{hide: map[string]bool{}}
	for _, group := range [][]string{timeKeys, levelKeys, hide} {
		for _, k := range group {
			f.hide[k] = true
		}
	}
	return f
}

// NewTraceFormatter is the trace pane's formatter: every line there
// belongs to the trace, so its trace and span ids are not repeated.
func NewTraceFormatter() *Formatter {
	return NewFormatter([]string{"trace_id", "traceId", "traceID", "span_id", "spanId", "spanID"})
}

// field is one key and value of a structured line, in line order; raw
// marks a JSON value that is not a string (number, object, …), shown as
// its compact JSON.
type field struct {
	key, value string
	raw        bool
}

// Format makes one line readable. service is the row's service column: a
// service field with the same value is not repeated, nor one that will
// fill an empty column (Formatted.Service).
func (f *Formatter) Format(line, service string) Formatted {
	fields, ok := jsonFields(line)
	if !ok {
		fields, ok = logfmtFields(line)
	}
	if !ok {
		return Formatted{Text: sanitize.Truncate(line, MaxDisplay)}
	}
	out := Formatted{Structured: true}
	msg, msgKey := "", ""
	for _, group := range [][]string{messageKeys, errorKeys} {
		for _, k := range group {
			if v, found := lookup(fields, k); found && msg == "" && v != "" {
				msg, msgKey = v, k
			}
		}
	}
	var w segWriter
	if msg != "" {
		w.add(SegMessage, msg)
	}
	emit := func(fd field) {
		w.add(SegKey, fd.key+"=")
		if fd.raw {
			w.glue(SegValue, fd.value)
		} else {
			w.glue(SegValue, quoteValue(fd.value))
		}
	}
	// error and err come right after the message
	for _, k := range errorKeys {
		if v, found := lookup(fields, k); found && k != msgKey && !f.hide[k] {
			emit(field{key: k, value: v})
		}
	}
	for _, fd := range fields {
		switch {
		case fd.key == msgKey, contains(errorKeys, fd.key), contains(messageKeys, fd.key) && fd.value == "":
		case contains(levelKeys, fd.key):
			if out.Level == "" {
				out.Level = fd.value
			}
		case contains(serviceKeys, fd.key):
			if out.Service == "" {
				out.Service = fd.value
			}
			// shown unless the service column shows it (an empty column
			// takes the line's own service)
			if service != "" && fd.value != service && !f.hide[fd.key] {
				emit(fd)
			}
		case f.hide[fd.key]:
		default:
			emit(fd)
		}
	}
	out.Text, out.Segs = w.b.String(), w.segs
	return out
}

// Lead is where the line's message, and an error= or err= field right
// after it, end in Text: a pane draws Text[:Lead] as it is and the other
// fields dim. 0 for plain text or a line without a message (nothing to
// set apart: draw it all as it is).
func (f Formatted) Lead() int {
	if !f.Structured || len(f.Segs) == 0 || f.Segs[0].Kind != SegMessage {
		return 0
	}
	end, i := f.Segs[0].End, 1
	for i+1 < len(f.Segs) && f.Segs[i].Kind == SegKey && f.Segs[i+1].Kind == SegValue {
		if k := f.Text[f.Segs[i].Start:f.Segs[i].End]; k != "error=" && k != "err=" {
			break
		}
		end, i = f.Segs[i+1].End, i+2
	}
	return end
}

func contains(list []string, k string) bool {
	for _, s := range list {
		if s == k {
			return true
		}
	}
	return false
}

func lookup(fields []field, key string) (string, bool) {
	for _, fd := range fields {
		if fd.key == key {
			return fd.value, true
		}
	}
	return "", false
}

// quoteValue quotes a value that would not read back as one token.
func quoteValue(v string) string {
	if v == "" || strings.ContainsAny(v, " \t\"=") {
		return strconv.Quote(v)
	}
	return v
}

// segWriter builds a sanitized text of at most MaxDisplay runes with its
// segments.
type segWriter struct {
	b     strings.Builder
	segs  []Segment
	runes int
	full  bool
}

// add writes a part after a space; glue writes it right after the last.
func (w *segWriter) add(k SegKind, s string) {
	if w.b.Len() > 0 {
		w.raw(" ")
	}
	w.glue(k, s)
}

func (w *segWriter) glue(k SegKind, s string) {
	if w.full {
		return
	}
	start := w.b.Len()
	w.raw(sanitize.Text(s))
	if w.b.Len() > start {
		w.segs = append(w.segs, Segment{Kind: k, Start: start, End: w.b.Len()})
	}
}

func (w *segWriter) raw(s string) {
	if w.full {
		return
	}
	n := utf8.RuneCountInString(s)
	if w.runes+n <= MaxDisplay {
		w.b.WriteString(s)
		w.runes += n
		return
	}
	keep := MaxDisplay - 1 - w.runes
	for i := range s {
		if keep == 0 {
			s = s[:i]
			break
		}
		keep--
	}
	w.b.WriteString(s)
	w.b.WriteString("…")
	w.full = true
}

// jsonFields reads a JSON object's top-level fields in order; values that
// are not strings keep their compact JSON form. It is a small scanner (the
// decoder's token API cost 70 µs a line); anything it does not accept as
// one well-formed object is not JSON to it.
func jsonFields(line string) ([]field, bool) {
	t := strings.TrimSpace(line)
	if len(t) < 2 || t[0] != '{' || t[len(t)-1] != '}' {
		return nil, false
	}
	sc := jsonScan{s: t, i: 1}
	var out []field
	sc.ws()
	if sc.peek() == '}' {
		return out, sc.i+1 == len(t)
	}
	for {
		sc.ws()
		k, ok := sc.str()
		if !ok {
			return nil, false
		}
		sc.ws()
		if sc.peek() != ':' {
			return nil, false
		}
		sc.i++
		sc.ws()
		fd := field{key: k}
		if sc.peek() == '"' {
			if fd.value, ok = sc.str(); !ok {
				return nil, false
			}
		} else {
			start := sc.i
			if !sc.skipValue(0) {
				return nil, false
			}
			raw := t[start:sc.i]
			if strings.ContainsAny(raw, " \t\n\r") {
				var b bytes.Buffer
				if json.Compact(&b, []byte(raw)) != nil {
					return nil, false
				}
				raw = b.String()
			}
			fd.value, fd.raw = raw, true
		}
		out = append(out, fd)
		sc.ws()
		switch sc.peek() {
		case ',':
			sc.i++
		case '}':
			return out, sc.i+1 == len(t)
		default:
			return nil, false
		}
	}
}

type jsonScan struct {
	s string
	i int
}

func (sc *jsonScan) peek() byte {
	if sc.i < len(sc.s) {
		return sc.s[sc.i]
	}
	return 0
}

func (sc *jsonScan) ws() {
	for sc.i < len(sc.s) && (sc.s[sc.i] == ' ' || sc.s[sc.i] == '\t' || sc.s[sc.i] == '\n' || sc.s[sc.i] == '\r') {
		sc.i++
	}
}

// str reads a string, unescaping only when it has escapes.
func (sc *jsonScan) str() (string, bool) {
	if sc.peek() != '"' {
		return "", false
	}
	start, esc := sc.i, false
	for sc.i++; sc.i < len(sc.s); sc.i++ {
		switch c := sc.s[sc.i]; {
		case c < 0x20:
			return "", false // control characters must be escaped in JSON
		case c == '\\':
			esc = true
			sc.i++
		case c == '"':
			sc.i++
			raw := sc.s[start:sc.i]
			if !esc {
				return raw[1 : len(raw)-1], true
			}
			var v string
			if json.Unmarshal([]byte(raw), &v) != nil {
				return "", false
			}
			return v, true
		}
	}
	return "", false
}

// skipValue steps over a number, literal, object or array.
func (sc *jsonScan) skipValue(depth int) bool {
	if depth > 64 {
		return false
	}
	switch c := sc.peek(); {
	case c == '"':
		_, ok := sc.str()
		return ok
	case c == '{' || c == '[':
		closer := byte('}')
		if c == '[' {
			closer = ']'
		}
		sc.i++
		sc.ws()
		if sc.peek() == closer {
			sc.i++
			return true
		}
		for {
			sc.ws()
			if c == '{' {
				if _, ok := sc.str(); !ok {
					return false
				}
				sc.ws()
				if sc.peek() != ':' {
					return false
				}
				sc.i++
				sc.ws()
			}
			if !sc.skipValue(depth + 1) {
				return false
			}
			sc.ws()
			switch sc.peek() {
			case ',':
				sc.i++
			case closer:
				sc.i++
				return true
			default:
				return false
			}
		}
	default:
		start := sc.i
		for sc.i < len(sc.s) && strings.IndexByte(",}] \t\n\r", sc.s[sc.i]) < 0 {
			sc.i++
		}
		lit := sc.s[start:sc.i]
		return lit == "true" || lit == "false" || lit == "null" || jsonNumber.MatchString(lit)
	}
}

// jsonNumber is JSON's number grammar.
var jsonNumber = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$`)

// logfmtFields reads a logfmt line: at least two pairs, every one with a
// value, so plain text with a stray "=" stays plain.
func logfmtFields(line string) ([]field, bool) {
	if strings.IndexByte(line, '=') < 0 {
		return nil, false
	}
	dec := logfmt.NewDecoder(strings.NewReader(line))
	var out []field
	for dec.ScanRecord() {
		for dec.ScanKeyval() {
			if dec.Value() == nil {
				return nil, false
			}
			out = append(out, field{key: string(dec.Key()), value: string(dec.Value())})
		}
	}
	if dec.Err() != nil || len(out) < 2 {
		return nil, false
	}
	return out, true
}
