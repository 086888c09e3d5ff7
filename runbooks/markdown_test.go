package runbooks

import (
	"reflect"
	"strings"
	"testing"
)

const sampleDoc = `---
title: Sample
alerts: [One]
---
# Top

intro

## Alpha

alpha text

` + "```sh" + `
# not a heading: shell comment
echo hi
` + "```" + `

### Alpha detail

detail

## Beta

~~~promql
## still code
up == 0
~~~

Setext title
------------

under setext

## Beta

last section runs to EOF
`

func TestHeadings(t *testing.T) {
	got := Headings(sampleDoc)
	want := []Heading{
		{1, "Top", "top", 5},
		{2, "Alpha", "alpha", 9},
		{3, "Alpha detail", "alpha-detail", 18},
		{2, "Beta", "beta", 22},
		{2, "Setext title", "setext-title", 29},
		{2, "Beta", "beta-1", 34},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Headings:\n got %+v\nwant %+v", got, want)
	}
}

func TestSection(t *testing.T) {
	cases := []struct {
		anchor, want string
	}{
		{"alpha", "## Alpha\n\nalpha text\n\n```sh\n# not a heading: shell comment\necho hi\n```\n\n### Alpha detail\n\ndetail\n"},
		{"#alpha-detail", "### Alpha detail\n\ndetail\n"},
		{"beta", "## Beta\n\n~~~promql\n## still code\nup == 0\n~~~\n"},
		{"beta-1", "## Beta\n\nlast section runs to EOF\n"},
		{"setext-title", "Setext title\n------------\n\nunder setext\n"},
		{"ALPHA", "## Alpha\n\nalpha text\n\n```sh\n# not a heading: shell comment\necho hi\n```\n\n### Alpha detail\n\ndetail\n"},
	}
	for _, c := range cases {
		got, ok := Section(sampleDoc, c.anchor)
		if !ok || got != c.want {
			t.Errorf("Section(%q) = %v %q\nwant %q", c.anchor, ok, got, c.want)
		}
	}
	top, ok := Section(sampleDoc, "top")
	if !ok || !strings.HasPrefix(top, "# Top\n") || !strings.HasSuffix(top, "last section runs to EOF\n") {
		t.Errorf("level-1 section should run to EOF, got %q", top)
	}
	for _, missing := range []string{"gamma", "", "#", "not-a-heading-shell-comment", "still-code"} {
		if s, ok := Section(sampleDoc, missing); ok {
			t.Errorf("Section(%q) found %q", missing, s)
		}
	}
}

func TestSectionUnicodeAnchor(t *testing.T) {
	md := "# Runbook\n\n## Diagnóstico: Conexões do Banco\n\nverifique o pool\n\n## Resolução\n\nreinicie\n"
	for _, anchor := range []string{"diagnóstico-conexões-do-banco", "#diagn%C3%B3stico-conex%C3%B5es-do-banco"} {
		got, ok := Section(md, anchor)
		if !ok || got != "## Diagnóstico: Conexões do Banco\n\nverifique o pool\n" {
			t.Errorf("Section(%q) = %v %q", anchor, ok, got)
		}
	}
}

func TestHeadingEdgeCases(t *testing.T) {
	md := "#NoSpace\n    # indented code\n## Closed ##\n<!--\n# commented\n-->\n- item\n---\n#\n```\n# unclosed fence\n"
	got := Headings(md)
	want := []Heading{{2, "Closed", "closed", 3}, {1, "", "", 9}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Headings = %+v, want %+v", got, want)
	}
}

func TestBlocks(t *testing.T) {
	got := Blocks(sampleDoc)
	if len(got) != 2 {
		t.Fatalf("want 2 blocks, got %+v", got)
	}
	want0 := Block{Index: 0, Lang: "sh", Code: "# not a heading: shell comment\necho hi\n", Runnable: false, Line: 13}
	want1 := Block{Index: 1, Lang: "promql", Code: "## still code\nup == 0\n", Runnable: true, Line: 24}
	if got[0] != want0 || got[1] != want1 {
		t.Fatalf("Blocks:\n got %+v\nwant %+v %+v", got, want0, want1)
	}
	md := "1. step\n\n   ```LogQL {.numberLines}\n   {app=\"x\"}\n     | json\n   ```\n\n```bash\nrm -rf /tmp/x\n```\n````\n```promql\nnested\n```\n````\n"
	bs := Blocks(md)
	if len(bs) != 3 {
		t.Fatalf("want 3 blocks, got %+v", bs)
	}
	if bs[0].Lang != "logql" || !bs[0].Runnable || bs[0].Code != "{app=\"x\"}\n  | json\n" || bs[0].Line != 3 {
		t.Errorf("indented logql block: %+v", bs[0])
	}
	if bs[1].Lang != "bash" || bs[1].Runnable {
		t.Errorf("bash must never be runnable: %+v", bs[1])
	}
	if bs[2].Lang != "" || bs[2].Runnable || bs[2].Code != "```promql\nnested\n```\n" {
		t.Errorf("4-backtick fence: %+v", bs[2])
	}
}

func TestFrontMatter(t *testing.T) {
	cases := []struct {
		md    string
		title string
		want  []string
	}{
		{"---\nalerts: [APIDown, \"BackendDown\"] # two\n---\n# X\n", "", []string{"APIDown", "BackendDown"}},
		{"---\ntitle: 'Storage'\nalerts:\n  - DiskSpaceLow\n  - 'DiskFull'\nother: x\n  - NotMine\n---\n", "Storage", []string{"DiskSpaceLow", "DiskFull"}},
		{"---\nalert: Single\n...\n", "", []string{"Single"}},
		{"---\nalerts: [Unclosed]\n", "", nil},
		{"text\n---\nalerts: [Late]\n---\n", "", nil},
	}
	for _, c := range cases {
		fm := parseFrontMatter(splitLines(c.md))
		if fm.title != c.title || !reflect.DeepEqual(fm.alerts, c.want) {
			t.Errorf("front matter of %q = %q %q, want %q %q", c.md, fm.title, fm.alerts, c.title, c.want)
		}
	}
	// front matter is not part of the body and its closing --- is no heading
	d := scan("---\ntitle: T\n---\nbody\n")
	if d.body() != "body\n" || len(d.headings) != 0 || d.title() != "T" {
		t.Errorf("body %q headings %+v title %q", d.body(), d.headings, d.title())
	}
}
