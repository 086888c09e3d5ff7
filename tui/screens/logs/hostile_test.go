package logs

import (
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"oncall/sources/loki/lokitest"
	"oncall/tui/kit"
)

// ownEscapes are the only escape sequences oncall itself draws: SGR
// styling and OSC 8 hyperlinks.
var ownEscapes = regexp.MustCompile("\x1b\\[[0-9;:]*m|\x1b\\]8;[^\x07\x1b]*(\x07|\x1b\\\\)")

// assertNoRawControls fails when out holds any escape sequence other than
// oncall's own, a control or C1 character, a bidi or invisible format
// character, or invalid UTF-8.
func assertNoRawControls(t *testing.T, what, out string) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Fatalf("%s: invalid UTF-8 reached the screen", what)
	}
	rest := ownEscapes.ReplaceAllString(out, "")
	for i, r := range rest {
		switch {
		case r == '\n':
		case r < 0x20 || r == 0x7f:
			t.Fatalf("%s: raw control %U at %d: %q", what, r, i, rest[max(0, i-20):min(len(rest), i+20)])
		case r >= 0x80 && r <= 0x9f:
			t.Fatalf("%s: raw C1 %U at %d", what, r, i)
		case r >= 0x200b && r <= 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2060 && r <= 0x2069, r == 0xfeff:
			t.Fatalf("%s: raw bidi/invisible %U at %d", what, r, i)
		}
	}
}

func TestHostileTextNeverReachesTheTerminal(t *testing.T) {
	srv := lokitest.New()
	defer srv.Close()
	evil := "clear\x1b[2J\x1b[Hhome title\x1b]0;pwned\x07 clip\x1b]52;c;ZXZpbA==\x07 dcs\x1bP+q544e\x1b\\ " +
		"sgr\x1b[7;53mX c1\u009b31m raw\x9b bidi\u202etxt.exe zw\u200bsp bad\xff\xfe bel\x07 bs\x08 del\x7f"
	ls := map[string]string{"service_name": "conectcrm-backend\x1b[31m\u202e", "env": "prod", "level": "error"}
	at := now.Add(-3 * time.Minute)
	srv.Push(ls, at, evil, nil)
	srv.Push(ls, at.Add(time.Second), `{"msg":"`+strings.ReplaceAll(evil, "\x1b", `\u001b`)+"\u202e"+`","trace_id":"`+traceA+`"}`, map[string]string{"note": "meta\x1b[2J"})
	srv.Push(ls, at.Add(2*time.Second), "last\x1b]8;;http://evil.example/\x07link\x1b]8;;\x07", nil)

	// Invalid UTF-8 cannot cross Loki's JSON answer: it arrives as U+FFFD
	// (internal/logview tests the raw bytes).
	for _, size := range []struct{ w, h int }{{80, 24}, {160, 48}} {
		d, s := start(t, srv, setup{w: size.w, h: size.h, dark: true, opts: Options{AlertSelector: `{env="prod"}`}})
		open(t, d, s)
		if s.buf.Len() != 3 {
			t.Fatalf("%d rows", s.buf.Len())
		}
		assertNoRawControls(t, "list", d.Render())
		if out := d.Screen(); !strings.Contains(out, `\x1b]8;;http://evil.example/\x07`) {
			t.Fatalf("escaped OSC 8 not shown:\n%s", out)
		}
		d.Press("w")
		out := d.Render()
		assertNoRawControls(t, "wrapped", out)
		for _, want := range []string{`\x1b[2J`, `\x1b]0;pwned\x07`, `\x1bP+q544e`, `\u009b31m`, `\u202e`, `\u200b`, `\x08`, `\x7f`,
			"raw\ufffd", "bad\ufffd\ufffd"} {
			if !strings.Contains(kit.Strip(out), want) {
				t.Errorf("%dx%d wrapped view does not show %s escaped", size.w, size.h, want)
			}
		}
		if strings.Contains(out, "\x1b[7;53m") || strings.Contains(out, "\x1b]0;") || strings.Contains(out, "\x1b]52;") {
			t.Fatal("a sequence from the log data reached the screen")
		}
		// search highlighting, the trace id highlight and the line views
		d.Press("/").Type("pwned").Press("enter")
		assertNoRawControls(t, "search", d.Render())
		d.Press("k", "k", "k")
		for i := 0; i < 3; i++ {
			d.Press("v")
			if s.detail == nil {
				t.Fatal("v did not open the line view")
			}
			assertNoRawControls(t, "line view", d.Render())
			d.Press("v", "j")
		}
	}
}
