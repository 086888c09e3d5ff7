package handoff

import (
	"strings"
	"testing"
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
