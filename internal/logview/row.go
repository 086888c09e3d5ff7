// Package logview is the data side of oncall's log screen and `oncall logs`:
// rows built once from Loki entries (sanitized display text, service,
// level, trace and span ids), a bounded ring buffer of rows, the LogQL
// queries an alert or a trace id turns into, batched loading, and a live
// tail that cannot outlive its reader.
package logview

import (
	"strings"
	"time"

	"oncall/internal/sanitize"
	"oncall/internal/traceid"
	"oncall/sources/loki"
)

// MaxDisplay is how many runes of a line are kept for display; the whole
// line stays in Row.Line (for the JSON view and the CLI).
const MaxDisplay = 2048

// Level is a normalized log level.
type Level uint8

// Levels, from unknown to the most severe.
const (
	LevelUnknown Level = iota
	LevelDebug
	LevelInfo
	LevelWarn
	LevelError
)

// String is the level's lower-case name ("" for unknown).
func (l Level) String() string {
	switch l {
	case LevelDebug:
		return "debug"
	case LevelInfo:
		return "info"
	case LevelWarn:
		return "warn"
	case LevelError:
		return "error"
	}
	return ""
}

// ParseLevel maps the usual spellings (err, warning, fatal, crit, trace,
// notice, …; any case) to a Level.
func ParseLevel(s string) Level {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "error", "err", "eror", "fatal", "panic", "crit", "critical", "alert", "emerg", "emergency", "severe", "dpanic":
		return LevelError
	case "warn", "warning", "wrn":
		return LevelWarn
	case "info", "information", "informational", "notice", "inf", "log":
		return LevelInfo
	case "debug", "dbg", "trace", "verbose", "debug1", "debug2", "debug3", "debug4", "debug5":
		return LevelDebug
	}
	return LevelUnknown
}

// Row is one log line, built once when it arrives. Text, Service and the
// ids are safe to draw; Line is the raw line, whole, never drawn as is.
type Row struct {
	Time time.Time
	// Labels are the stream labels (shared by the stream's rows: read-only).
	Labels map[string]string
	// Meta is the line's structured metadata (nil when none).
	Meta map[string]string
	// Service is the sanitized service name ("" when no label names one).
	Service string
	Level   Level
	// Line is the raw line as Loki returned it.
	Line string
	// Text is Line sanitized onto one line and cut to MaxDisplay runes.
	Text string
	// TraceID and SpanID are the ids found in the line (lower-case hex).
	TraceID, SpanID string
	// TraceAt is the byte offset of TraceID inside Text, -1 when the id is
	// not visible in it (e.g. it came from structured metadata).
	TraceAt int32
	// Lead is where the message (and an error field right after it) ends
	// in Text when a Formatter rewrote a JSON or logfmt line: the fields
	// after it are drawn dim. 0 for lines shown as they are. (One offset,
	// not the Formatter's segments: 100,000 rows of segments took 44 MB.)
	Lead int32
	// Gap is set on the marker row a Follower inserts where a live tail
	// reconnected; such a row is not a log line (Text says what happened).
	Gap *loki.Gap
}

// serviceLabels name a row's service, in priority order.
var serviceLabels = [...]string{"service_name", "service", "app", "application", "job", "container", "component"}

// levelLabels hold a level, in priority order.
var levelLabels = [...]string{"level", "detected_level", "severity", "lvl", "log_level"}

// Builder turns Loki entries into rows. It is immutable and safe for
// concurrent use.
type Builder struct {
	x   *traceid.Extractor
	loc *time.Location
	f   *Formatter
}

// NewBuilder builds rows with trace ids found by x (nil: the standard
// fields only) and times shown in loc (nil: local time).
func NewBuilder(x *traceid.Extractor, loc *time.Location) *Builder {
	if loc == nil {
		loc = time.Local
	}
	return &Builder{x: x, loc: loc}
}

// WithFormatter returns a builder whose rows show JSON and logfmt lines
// readable (Formatter): Row.Text is then the formatted text, with Lead,
// so search, wrap and the trace-id jump work on what is shown; Row.Line
// stays the raw line. nil formats nothing.
func (b *Builder) WithFormatter(f *Formatter) *Builder {
	c := *b
	c.f = f
	return &c
}

// Location is where row times are shown.
func (b *Builder) Location() *time.Location { return b.loc }

// Build makes one row.
func (b *Builder) Build(e loki.Entry) Row {
	r := Row{Time: e.Time.In(b.loc), Labels: e.Labels, Meta: e.StructuredMetadata, Line: e.Line, TraceAt: -1}
	r.Service = sanitize.Truncate(firstLabel(serviceLabels[:], e.Labels, e.StructuredMetadata, e.Parsed), 64)
	r.Level = ParseLevel(firstLabel(levelLabels[:], e.Labels, e.StructuredMetadata, e.Parsed))
	if r.Level == LevelUnknown {
		r.Level = levelInLine(e.Line)
	}
	r.Text = sanitize.Truncate(e.Line, MaxDisplay)
	if b.f != nil {
		if fm := b.f.Format(e.Line, r.Service); fm.Structured {
			r.Text, r.Lead = fm.Text, int32(fm.Lead())
			if r.Service == "" && fm.Service != "" {
				r.Service = sanitize.Truncate(fm.Service, 64)
			}
		}
	}
	meta := e.StructuredMetadata
	if len(meta) == 0 {
		meta = e.Labels // without categorize-labels Loki merges metadata into labels
	}
	ids := b.x.Extract(e.Line, meta)
	r.TraceID, r.SpanID = ids.TraceID, ids.SpanID
	if r.TraceID != "" {
		r.TraceAt = int32(indexFoldASCII(r.Text, r.TraceID))
	}
	return r
}

// GapRow is the marker row for a tail's reconnection: its time is the
// gap's end, its Text the gap's one-line description.
func (b *Builder) GapRow(g loki.Gap) Row {
	text := sanitize.Truncate("⋯ "+g.String(), MaxDisplay)
	return Row{Time: g.To.In(b.loc), Line: text, Text: text, TraceAt: -1, Gap: &g}
}

// BuildAll builds rows for entries, in order.
func (b *Builder) BuildAll(es []loki.Entry) []Row {
	out := make([]Row, len(es))
	for i := range es {
		out[i] = b.Build(es[i])
	}
	return out
}

func firstLabel(names []string, maps ...map[string]string) string {
	for _, n := range names {
		for _, m := range maps {
			if v := m[n]; v != "" {
				return v
			}
		}
	}
	return ""
}

// levelInLine finds a level in a JSON ("level":"x") or logfmt (level=x)
// line without parsing all of it.
func levelInLine(line string) Level {
	if len(line) > 64<<10 {
		line = line[:64<<10]
	}
	for _, k := range [...]string{"level", "lvl", "severity", "error_severity", "log.level"} {
		if v := jsonStringField(line, k); v != "" {
			if l := ParseLevel(v); l != LevelUnknown {
				return l
			}
		}
		if v := logfmtField(line, k); v != "" {
			if l := ParseLevel(v); l != LevelUnknown {
				return l
			}
		}
	}
	return LevelUnknown
}

// jsonStringField returns the value of the first `"key": "value"` pair.
func jsonStringField(line, key string) string {
	pat := `"` + key + `"`
	for off := 0; ; {
		i := strings.Index(line[off:], pat)
		if i < 0 {
			return ""
		}
		j := off + i + len(pat)
		for j < len(line) && (line[j] == ' ' || line[j] == '\t') {
			j++
		}
		if j < len(line) && line[j] == ':' {
			j++
			for j < len(line) && (line[j] == ' ' || line[j] == '\t') {
				j++
			}
			if j < len(line) && line[j] == '"' {
				end := strings.IndexByte(line[j+1:], '"')
				if end >= 0 && end <= 32 {
					return line[j+1 : j+1+end]
				}
			}
		}
		off = j
	}
}

// logfmtField returns the value of the first `key=value` pair.
func logfmtField(line, key string) string {
	pat := key + "="
	for off := 0; ; {
		i := strings.Index(line[off:], pat)
		if i < 0 {
			return ""
		}
		at := off + i
		if at == 0 || line[at-1] == ' ' || line[at-1] == '\t' {
			v := line[at+len(pat):]
			v = strings.TrimPrefix(v, `"`)
			if end := strings.IndexAny(v, " \t\""); end >= 0 {
				v = v[:end]
			}
			return v
		}
		off = at + len(pat)
	}
}

// indexFoldASCII is strings.Index ignoring ASCII case; sub must be ASCII.
// Candidates are found with strings.IndexByte (vectorised) on the rarest
// byte of sub, in either case, which keeps a search of 100,000 lines within
// a frame; a byte loop took 2-3 frames.
func indexFoldASCII(s, sub string) int {
	n := len(sub)
	if n == 0 {
		return 0
	}
	if !hasLetterASCII(sub) {
		return strings.Index(s, sub)
	}
	k := rarestByte(sub)
	lo, up := lowerASCII(sub[k]), sub[k]
	if 'a' <= lo && lo <= 'z' {
		up = lo - ('a' - 'A')
	}
	// nextLo and nextUp are the next occurrences at or after i of the
	// anchor byte in either case; len(s) when there is none.
	nextLo, nextUp := -1, -1
	if lo == up {
		nextUp = len(s)
	}
	for i := k; i+n-k <= len(s); {
		if nextLo < i {
			nextLo = indexByteFrom(s, lo, i)
		}
		if nextUp < i {
			nextUp = indexByteFrom(s, up, i)
		}
		p := min(nextLo, nextUp)
		j := p - k
		if j+n > len(s) {
			return -1
		}
		if equalFoldASCII(s[j:j+n], sub) {
			return j
		}
		i = p + 1
	}
	return -1
}

// byteRank orders bytes by how common they are in log lines, most common
// first: a byte not listed is rarer than every listed one.
const byteRank = ` e"tao:insr,_lcd1-02hum.3p/4g56789fy=b{}wvkxjqz`

// rarestByte is the index in sub of its rarest byte by byteRank, ignoring
// ASCII case.
func rarestByte(sub string) int {
	best, bestRank := 0, -1
	for i := 0; i < len(sub); i++ {
		c := lowerASCII(sub[i])
		r := strings.IndexByte(byteRank, c)
		if r < 0 {
			r = len(byteRank)
		}
		if r > bestRank {
			best, bestRank = i, r
		}
	}
	return best
}

// indexByteFrom is the index of c in s at or after from, or len(s).
func indexByteFrom(s string, c byte, from int) int {
	if i := strings.IndexByte(s[from:], c); i >= 0 {
		return from + i
	}
	return len(s)
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}

func hasLetterASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := lowerASCII(s[i]); 'a' <= c && c <= 'z' {
			return true
		}
	}
	return false
}

func equalFoldASCII(a, b string) bool {
	for i := 0; i < len(a); i++ {
		ca, cb := a[i], b[i]
		if ca == cb {
			continue
		}
		if 'A' <= ca && ca <= 'Z' {
			ca += 'a' - 'A'
		}
		if 'A' <= cb && cb <= 'Z' {
			cb += 'a' - 'A'
		}
		if ca != cb {
			return false
		}
	}
	return true
}
