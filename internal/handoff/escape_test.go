package handoff

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestEscNeutralisesMarkdownHTMLAndMentions(t *testing.T) {
	for in, want := range map[string]string{
		"plain text":                         "plain text",
		"a | b":                              `a \| b`,
		"<!channel> <script>x</script> & co": "&lt;!channel&gt; &lt;script&gt;x&lt;/script&gt; &amp; co",
		"*bold* _em_ `code` ~~del~~":         "\\*bold\\* \\_em\\_ \\`code\\` \\~\\~del\\~\\~",
		"[click](http://evil)":               `\[click\](http://evil)`,
		"snake_case_name":                    "snake_case_name",
		`back\slash`:                         `back\\slash`,
		"two\nlines\r\n\tand tab":            "two lines and tab",
		"esc \x1b[31mred":                    `esc \\x1b\[31mred`,
		"   ":                                "-",
	} {
		if got := Esc(in, 0); got != want {
			t.Errorf("Esc(%q) = %q, want %q", in, got, want)
		}
	}
	if got := Esc(strings.Repeat("x", 50), 10); got != "xxxxxxxxx…" {
		t.Errorf("truncated = %q", got)
	}
}

// Whatever a label, comment or note holds, SlackEsc leaves nothing Slack
// would parse: no raw <, >, no & but the entities it wrote, no formatting
// character, one line, valid UTF-8.
func FuzzSlackEsc(f *testing.F) {
	for _, s := range []string{"<!channel> & <@U1|x>", "*b* _i_ ~s~ `c`", "a_b _c_ d_", "\xff\x1b[31m\n\t", "&amp;lt;"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := SlackEsc(s, 0)
		if !utf8.ValidString(out) || strings.ContainsAny(out, "<>*~`\n\r") {
			t.Fatalf("SlackEsc(%q) = %q", s, out)
		}
		rest := strings.NewReplacer("&amp;", "", "&lt;", "", "&gt;", "").Replace(out)
		if strings.Contains(rest, "&") {
			t.Fatalf("SlackEsc(%q) = %q: a bare &", s, out)
		}
		for i, r := range []rune(out) {
			rs := []rune(out)
			if r == '_' && (i == 0 || i == len(rs)-1 || !isWord(rs[i-1]) || !isWord(rs[i+1])) {
				t.Fatalf("SlackEsc(%q) = %q: an _ that could format", s, out)
			}
		}
		code := SlackCode(s, 0)
		if inner := strings.TrimSuffix(strings.TrimPrefix(code, "`"), "`"); code != "-" && strings.ContainsAny(inner, "`<>") {
			t.Fatalf("SlackCode(%q) = %q", s, code)
		}
	})
}

// cut always returns valid UTF-8 within the limit, whole lines first.
func FuzzCut(f *testing.F) {
	f.Add("line one\nline two\n", 300)
	f.Add(strings.Repeat("ü🚨\n", 400), 250)
	f.Fuzz(func(t *testing.T, s string, max int) {
		if max < 250 || max > 100000 || !utf8.ValidString(s) {
			return
		}
		out, ok := cut(s, max)
		if ok != (out == s) || !utf8.ValidString(out) || utf8.RuneCountInString(out) > max {
			t.Fatalf("cut(%d runes, %d) = %d runes, ok %v", utf8.RuneCountInString(s), max, utf8.RuneCountInString(out), ok)
		}
		if !ok {
			kept, _, _ := strings.Cut(out, "\n\n… (cut here: ")
			if !strings.HasPrefix(s, kept) {
				t.Fatal("the kept text is not the start of the message")
			}
		}
	})
}
