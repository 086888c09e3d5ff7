package sanitize

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestText(t *testing.T) {
	cases := []struct{ in, want string }{
		{"plain text", "plain text"},
		{"café ação", "café ação"},
		{"red \x1b[31mX\x1b[0m", `red \x1b[31mX\x1b[0m`},
		{"osc52 \x1b]52;c;ZXZpbA==\x07", `osc52 \x1b]52;c;ZXZpbA==\x07`},
		{"c1 \u009b31m", `c1 \u009b31m`},
		{"bidi \u202egnp.exe", `bidi \u202egnp.exe`},
		{"zw a\u200bb", `zw a\u200bb`},
		{"bad \xff\xfe utf8", `bad \xff\xfe utf8`},
		{"line1\nline2\ttab\r", `line1\nline2\ttab\r`},
		{"bell\a del\x7f", `bell\x07 del\x7f`},
	}
	for _, c := range cases {
		got := Text(c.in)
		if got != c.want {
			t.Errorf("Text(%q) = %q, want %q", c.in, got, c.want)
		}
		if strings.ContainsAny(got, "\x1b\x07\u009b\u202e") {
			t.Errorf("Text(%q) still holds a raw control: %q", c.in, got)
		}
	}
}

func TestLineJoinsLines(t *testing.T) {
	for in, want := range map[string]string{
		"  one error\n":                "one error",
		"first\nsecond\r\nthird":       `first; second\r; third`,
		"bad \x1b[2J\ttab\n\u202eevil": `bad \x1b[2J\ttab; \u202eevil`,
	} {
		if got := Line(in); got != want {
			t.Errorf("Line(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBlockKeepsNewlines(t *testing.T) {
	if got := Block("a\nb\tc\x1b"); got != "a\nb    c\\x1b" {
		t.Fatalf("Block = %q", got)
	}
}

func TestTruncate(t *testing.T) {
	if got := Truncate("héllo world", 5); got != "héll…" {
		t.Fatalf("Truncate = %q", got)
	}
	if got := Truncate("short", 10); got != "short" {
		t.Fatalf("Truncate = %q", got)
	}
}

func FuzzText(f *testing.F) {
	for _, s := range []string{"\x1b[2J", "ok", "\xc2\x9b", "\u202e", "\x1bP+q\x1b\\"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Text(s)
		for _, r := range out {
			if unsafeRune(r) {
				t.Fatalf("unsafe rune %U survived in %q", r, out)
			}
		}
		if !Safe(out) {
			t.Fatalf("output not safe: %q", out)
		}
	})
}

func TestClipBoundsDisplayText(t *testing.T) {
	huge := strings.Repeat("é", MaxText) // 2 bytes each: twice the cap
	got := Text(huge)
	if len(got) > MaxText+32 {
		t.Fatalf("Text returned %d bytes, want about %d", len(got), MaxText)
	}
	if !utf8.ValidString(got) || !strings.HasSuffix(got, fmt.Sprintf("…[%d bytes cut]", len(huge)-MaxText)) {
		t.Fatalf("bad cut: ...%q", got[len(got)-40:])
	}
	if s := "short"; Clip(s, 10) != s || Text(s) != s {
		t.Fatal("short text changed")
	}
	if got := Block(strings.Repeat("a\n", MaxBlock)); len(got) > MaxBlock+32 {
		t.Fatalf("Block returned %d bytes", len(got))
	}
}
