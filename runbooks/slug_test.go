package runbooks

import "testing"

func TestSlug(t *testing.T) {
	cases := []struct{ in, want string }{
		{"Hello World", "hello-world"},
		{"Diagnóstico: Conexões do Banco", "diagnóstico-conexões-do-banco"},
		{"Ação rápida — Redis", "ação-rápida--redis"},
		{"日本語 見出し", "日本語-見出し"},
		{"🔥 Fire drill", "-fire-drill"},
		{"Deploy 🚀 now", "deploy--now"},
		{"Step 1: check `up{job=\"x\"}`", "step-1-check-upjobx"},
		{"Run `snake_case_fn()`", "run-snake_case_fn"},
		{"**Bold** and _em_ and ~~gone~~ [link](http://x.io/a_b)", "bold-and-em-and-gone-link"},
		{"snake_case_name", "snake_case_name"},
		{"C++ & Go", "c--go"},
		{"1. APIDown — backend down", "1-apidown--backend-down"},
		{"  Trimmed  ", "trimmed"},
		{"<kbd>Ctrl</kbd>+C", "ctrlc"},
		{"", ""},
	}
	for _, c := range cases {
		if got := Slug(c.in); got != c.want {
			t.Errorf("Slug(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestSluggerDuplicates(t *testing.T) {
	var s Slugger // zero value usable
	in := []string{"Foo", "Foo", "foo", "Foo 1", "Bar", "🔥", "🚀"}
	want := []string{"foo", "foo-1", "foo-2", "foo-1-1", "bar", "", "-1"}
	for i, h := range in {
		if got := s.Slug(h); got != want[i] {
			t.Errorf("heading %d %q: slug %q, want %q", i, h, got, want[i])
		}
	}
	// a fresh slugger starts over
	if got := NewSlugger().Slug("Foo"); got != "foo" {
		t.Errorf("new slugger: %q", got)
	}
}

func TestPlainText(t *testing.T) {
	cases := []struct{ in, want string }{
		{"`a_b_` and __strong__", "a_b_ and strong"},
		{"``code with ` tick``", "code with ` tick"},
		{`\*literal\* and \_under\_`, "*literal* and _under_"},
		{"![logo](x.png) Title", "logo Title"},
		{"[**bold link**](http://x) tail", "bold link tail"},
		{"[ref link][1]", "ref link"},
		{"see <https://x.io/p>", "see https://x.io/p"},
		{"2 * 3 = 6", "2 * 3 = 6"},
		{"unclosed `tick", "unclosed `tick"},
		{"[not a link", "[not a link"},
	}
	for _, c := range cases {
		if got := PlainText(c.in); got != c.want {
			t.Errorf("PlainText(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
