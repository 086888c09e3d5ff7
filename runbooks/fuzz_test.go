package runbooks

import (
	"strings"
	"testing"
	"unicode"
)

// FuzzSlug: an anchor only ever holds letters, marks, digits, '-' and '_',
// never upper case, and a Slugger never hands out the same anchor twice.
func FuzzSlug(f *testing.F) {
	for _, s := range []string{"Diagnóstico: Conexões do Banco", "`code` **bold** [link](http://x)", "<b>x</b> a_b_c", "", "日本語 テスト", "\x1b[2J\u202e", "a\\*b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		s := Slug(h)
		for _, r := range s {
			ok := r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsNumber(r) || unicode.Is(unicode.M, r) || unicode.Is(unicode.Pc, r)
			if !ok {
				t.Fatalf("Slug(%q) = %q holds %q", h, s, r)
			}
		}
		sl := NewSlugger()
		seen := map[string]bool{}
		for range 4 {
			a := sl.Slug(h)
			if seen[a] {
				t.Fatalf("Slugger repeated anchor %q for %q", a, h)
			}
			seen[a] = true
		}
	})
}

// FuzzSection: Section never panics on any document and anchor; a found
// section starts at a heading line of the document; and a heading built from
// the fuzz words is always found by its own slug, with its body and without
// the next section.
func FuzzSection(f *testing.F) {
	f.Add("# T\n\n## Restart\nsteps\n## Next\nx\n", "#restart", "Check DB pool")
	f.Add("```\n# not\n```\n# Yes\n", "yes", "élan vital")
	f.Add("Title\n=====\nbody\n", "title", "a  b")
	f.Fuzz(func(t *testing.T, md, anchor, words string) {
		if sec, ok := Section(md, anchor); ok {
			first, _, _ := strings.Cut(sec, "\n")
			if !strings.Contains(md, strings.TrimRight(first, "\r")) {
				t.Fatalf("section's first line %q is not in the document", first)
			}
		}
		// A constructed document: the heading text keeps only letters,
		// digits and single spaces, so it is plain in any markdown reading.
		var b strings.Builder
		for _, r := range words {
			if unicode.IsLetter(r) || unicode.IsDigit(r) || r == ' ' {
				b.WriteRune(r)
			}
		}
		h := strings.Join(strings.Fields(b.String()), " ")
		slug := Slug(h)
		if slug == "" || slug == "top" || slug == "next" {
			return
		}
		doc := "# Top\n\n## " + h + "\nBODY-LINE\n\n## Next\nafter\n"
		sec, ok := Section(doc, "#"+slug)
		if !ok {
			t.Fatalf("heading %q not found by its slug %q", h, slug)
		}
		if !strings.Contains(sec, "BODY-LINE") || strings.Contains(sec, "after") {
			t.Fatalf("section for %q = %q", slug, sec)
		}
	})
}
