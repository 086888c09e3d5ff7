package runbooks

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeFiles(t *testing.T, dir string, files map[string]string) string {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func find(t *testing.T, opts Options, a Alert) *Runbook {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rb, err := NewFinder(opts).Find(ctx, a)
	if err != nil {
		t.Fatalf("Find: %v", err)
	}
	if rb == nil {
		t.Fatal("Find returned nil runbook without error")
	}
	return rb
}

const collection = "# Runbooks\n\n## HighErrorRate\n\nerrors\n\n## 1. APIDown — backend down\n\nAPI section\n\n```promql\nup{job=\"{{ .Labels.job }}\"} == 0\n```\n\n### Check pods\n\n```sh\nkubectl get pods\n```\n\n## LowTraffic\n\nlow\n"

func TestLookupRuleOrder(t *testing.T) {
	dir := writeFiles(t, t.TempDir(), map[string]string{
		"APIDown.md":             "# APIDown by name\n\nnamed file\n",
		"a-frontmatter.md":       "---\nalerts: [BackendDown, APIDown]\n---\n# Backend outage\n\nfront matter file\n",
		"RUNBOOKS.md":            collection,
		"sub/deeper/extra.md":    "# unrelated\n",
		".hidden/APIDown.md":     "# hidden, never used\n",
		"notes/APIDown.txt":      "not markdown\n",
		"other/LowTraffic.mdown": "# LowTraffic\n\nmdown file\n",
	})
	opts := Options{Paths: []string{dir}}
	a := Alert{Name: "APIDown"}

	rb := find(t, opts, a)
	if rb.Source != SourceFile || rb.Match != SourceFile || rb.Location != filepath.Join(dir, "APIDown.md") || rb.Title != "APIDown by name" {
		t.Fatalf("by name: %+v", rb)
	}
	if rb.Origin() != "file APIDown.md" {
		t.Errorf("Origin = %q", rb.Origin())
	}

	os.Remove(filepath.Join(dir, "APIDown.md"))
	rb = find(t, opts, a)
	if rb.Source != SourceFrontMatter || rb.Title != "Backend outage" || strings.Contains(rb.Markdown, "alerts:") || !strings.Contains(rb.Markdown, "front matter file") {
		t.Fatalf("front matter: %+v", rb)
	}

	os.Remove(filepath.Join(dir, "a-frontmatter.md"))
	rb = find(t, opts, a)
	want := "## 1. APIDown — backend down\n\nAPI section\n\n```promql\nup{job=\"{{ .Labels.job }}\"} == 0\n```\n\n### Check pods\n\n```sh\nkubectl get pods\n```\n"
	if rb.Source != SourceCollection || rb.Markdown != want || rb.Title != "1. APIDown — backend down" {
		t.Fatalf("collection: %+v", rb)
	}
	if rb.Location != filepath.Join(dir, "RUNBOOKS.md")+"#1-apidown--backend-down" || rb.Origin() != "collection RUNBOOKS.md#1-apidown--backend-down" {
		t.Errorf("collection location %q origin %q", rb.Location, rb.Origin())
	}
	if len(rb.Blocks) != 2 || !rb.Blocks[0].Runnable || rb.Blocks[0].Line != 5 || rb.Blocks[1].Runnable {
		t.Errorf("blocks: %+v", rb.Blocks)
	}

	// other markdown extensions, found in a subfolder, by name
	rb = find(t, opts, Alert{Labels: map[string]string{"alertname": "LowTraffic"}})
	if rb.Source != SourceFile || !strings.Contains(rb.Markdown, "mdown file") {
		t.Errorf("LowTraffic.mdown: %+v", rb)
	}
}

func TestLookupNameMatching(t *testing.T) {
	dir := writeFiles(t, t.TempDir(), map[string]string{
		"api-down.md": "# x\n\nkebab\n",
		"a.md":        "# Notes\n\n## Why HighErrorRate matters\n\nmentions it\n\n## HighErrorRateBudget\n\nnot a word match\n",
		"b.md":        "# Other\n\n## higherrorrate\n\nexact heading\n",
		"c.md":        "# C\n\n## RedisDownstream\n\nno\n",
	})
	opts := Options{Paths: []string{dir}}
	if rb := find(t, opts, Alert{Name: "APIDown"}); rb.Source != SourceFile || !strings.Contains(rb.Markdown, "kebab") {
		t.Errorf("api-down.md should match APIDown: %+v", rb)
	}
	// exact heading (in a later file) beats a heading containing the name
	if rb := find(t, opts, Alert{Name: "HighErrorRate"}); rb.Source != SourceCollection || !strings.Contains(rb.Markdown, "exact heading") {
		t.Errorf("exact heading: %+v", rb)
	}
	os.Remove(filepath.Join(dir, "b.md"))
	if rb := find(t, opts, Alert{Name: "HighErrorRate"}); rb.Source != SourceCollection || rb.Markdown != "## Why HighErrorRate matters\n\nmentions it\n" {
		t.Errorf("word heading: %+v", rb)
	}
	// RedisDown is not a word inside RedisDownstream
	if rb := find(t, opts, Alert{Name: "RedisDown"}); rb.Source != SourceGenerated {
		t.Errorf("RedisDownstream must not match: %+v", rb)
	}
}

func TestLookupFolderOrderAndEmbedded(t *testing.T) {
	first := writeFiles(t, t.TempDir(), map[string]string{"all.md": "## RedisDown\n\nfirst folder section\n"})
	second := writeFiles(t, t.TempDir(), map[string]string{"RedisDown.md": "# RedisDown\n\nsecond folder file\n"})
	missing := filepath.Join(t.TempDir(), "nope")

	rb := find(t, Options{Paths: []string{missing, first, second}, Embedded: true}, Alert{Name: "RedisDown"})
	if rb.Source != SourceCollection || !strings.Contains(rb.Markdown, "first folder section") || rb.Warning != "" {
		t.Errorf("first folder wins: %+v", rb)
	}
	rb = find(t, Options{Paths: []string{second}, Embedded: true}, Alert{Name: "RedisDown"})
	if rb.Source != SourceFile || !strings.Contains(rb.Markdown, "second folder file") {
		t.Errorf("configured folder before shipped: %+v", rb)
	}
	rb = find(t, Options{Paths: []string{missing}, Embedded: true}, Alert{Name: "RedisDown"})
	if rb.Source != SourceEmbedded || rb.Match != SourceFile || rb.Location != "shipped/RedisDown.md" || rb.Origin() != "embedded RedisDown.md" {
		t.Errorf("shipped: %+v", rb)
	}
	rb = find(t, Options{Paths: []string{missing}}, Alert{Name: "RedisDown"})
	if rb.Source != SourceGenerated || !strings.Contains(rb.Markdown, "runbook folder "+missing+": not found") {
		t.Errorf("generated page should note the missing folder: %s", rb.Markdown)
	}
}

func TestRunbookURLLocal(t *testing.T) {
	empty := t.TempDir()
	dir := writeFiles(t, t.TempDir(), map[string]string{
		"RUNBOOKS.md":      collection,
		"team/payments.md": "# Payments\n\n## Refunds stuck\n\nrefunds\n",
		"secret.txt":       "password=hunter2\n",
	})
	outside := writeFiles(t, t.TempDir(), map[string]string{"outside.md": "# Outside\n\nescaped\n"})
	if err := os.Symlink(filepath.Join(outside, "outside.md"), filepath.Join(dir, "link.md")); err != nil {
		t.Fatal(err)
	}
	opts := Options{Paths: []string{empty, dir}}
	with := func(u string) Alert {
		return Alert{Name: "Whatever", Annotations: map[string]string{"runbook_url": u}}
	}

	rb := find(t, opts, with("RUNBOOKS.md#lowtraffic"))
	if rb.Source != SourceURL || rb.Markdown != "## LowTraffic\n\nlow\n" || rb.Location != filepath.Join(dir, "RUNBOOKS.md")+"#lowtraffic" {
		t.Errorf("relative with anchor: %+v", rb)
	}
	rb = find(t, opts, with("./team/payments.md#refunds-stuck"))
	if rb.Title != "Refunds stuck" || rb.Markdown != "## Refunds stuck\n\nrefunds\n" {
		t.Errorf("relative in subfolder: %+v", rb)
	}
	abs := filepath.Join(dir, "team", "payments.md")
	for _, u := range []string{abs, "file://" + abs} {
		rb = find(t, opts, with(u))
		if rb.Source != SourceURL || rb.Title != "Payments" || rb.Location != abs {
			t.Errorf("%s: %+v", u, rb)
		}
	}
	// unusable runbook_urls fall through to a generated page with the reason
	bad := map[string]string{
		"RUNBOOKS.md#no-such-heading":    "no heading for anchor #no-such-heading",
		"../../etc/passwd.md":            "leaves the runbook folder",
		"secret.txt":                     "not a markdown file",
		filepath.Join(dir, "secret.txt"): "not a markdown file",
		"link.md":                        "link.md",
		"ftp://host/x.md":                `unsupported scheme "ftp"`,
	}
	for u, reason := range bad {
		rb = find(t, opts, with(u))
		if rb.Source != SourceGenerated || !strings.HasPrefix(rb.Warning, "runbook_url unreachable: ") || !strings.Contains(rb.Warning, reason) {
			t.Errorf("%s: source %v warning %q, want reason %q", u, rb.Source, rb.Warning, reason)
		}
		if strings.Contains(rb.Markdown, "hunter2") || strings.Contains(rb.Markdown, "escaped") {
			t.Errorf("%s: leaked file content: %s", u, rb.Markdown)
		}
		if !strings.Contains(rb.Markdown, "runbook\\_url unreachable") {
			t.Errorf("%s: generated header lacks the reason:\n%s", u, rb.Markdown)
		}
	}
	// anchor missing: falls through to the folders, which find the alert by name
	rb = find(t, opts, Alert{Name: "LowTraffic", Annotations: map[string]string{"runbook_url": "RUNBOOKS.md#gone"}})
	if rb.Source != SourceCollection || !strings.HasPrefix(rb.Markdown, "> **Note:** runbook\\_url unreachable: ") || rb.Blocks != nil {
		t.Errorf("fallback to folder: %+v", rb)
	}
}

func TestRunbookURLRelativeToShipped(t *testing.T) {
	rb := find(t, Options{Embedded: true}, Alert{Name: "X", Annotations: map[string]string{"runbook_url": "RUNBOOKS.md#highcpuusage"}})
	if rb.Source != SourceEmbedded || rb.Match != SourceURL || rb.Title != "HighCPUUsage" || rb.Location != "shipped/RUNBOOKS.md#highcpuusage" {
		t.Fatalf("%+v", rb)
	}
	rb = find(t, Options{}, Alert{Name: "X", Annotations: map[string]string{"runbook_url": "RUNBOOKS.md"}})
	if rb.Source != SourceGenerated || !strings.Contains(rb.Warning, "no runbook folders are configured") {
		t.Fatalf("no folders: %+v", rb)
	}
}

func TestGeneratedPage(t *testing.T) {
	a := Alert{
		Labels: map[string]string{"alertname": "OddAlert", "service": "conectcrm-backend", "path": "/a|b", "note": "*bold* `x`"},
		Annotations: map[string]string{
			"summary":     "Something odd on conectcrm-backend",
			"description": "Line one\nLine two \x1b[31mred\x1b[0m",
		},
		GeneratorURL: "http://admin:s3cret@prometheus:9090/graph?g0.expr=rate%28x%5B5m%5D%29+%3E+1&g0.tab=1",
		ActiveFor:    20 * time.Minute,
	}
	rb := find(t, Options{}, a)
	md := rb.Markdown
	if rb.Source != SourceGenerated || rb.Title != "OddAlert" || rb.Origin() != "generated" || !strings.HasPrefix(md, "# OddAlert\n") {
		t.Fatalf("generated: %+v", rb)
	}
	for _, want := range []string{
		"**Summary:** Something odd on conectcrm-backend",
		"> Line one\n> Line two \\x1b[31mred\\x1b[0m\n",
		"| path | /a\\|b |",
		"| note | \\*bold\\* \\`x\\` |",
		"| service | conectcrm-backend |",
		"<http://prometheus:9090/graph?g0.expr=",
		"```promql\nrate(x[5m]) > 1\n```",
		"unacked for 20m; at L2 since 15m; escalate to L3 at 30m",
		"1. **L1: on-call engineer** — from the start\n2. **L2: team lead** — after 15m unacked ← now\n3. **L3: engineering manager** — after 30m unacked\n",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("generated page lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "s3cret") || strings.Contains(md, "\x1b") {
		t.Errorf("generated page leaks a secret or raw escape:\n%s", md)
	}
	if r := rb.Runnable(); len(r) != 1 || r[0].Lang != "promql" || r[0].Code != "rate(x[5m]) > 1\n" {
		t.Errorf("expression block: %+v", rb.Blocks)
	}
	// explicit Expr wins over the generator URL; custom escalation steps
	a.Expr = "up == 0"
	a.Acked = true
	rb = find(t, Options{Escalation: []string{"Primary", "Secondary"}, EscalateAfter: 10 * time.Minute}, a)
	if !strings.Contains(rb.Markdown, "```promql\nup == 0\n```") || !strings.Contains(rb.Markdown, "**Status:** acked") ||
		!strings.Contains(rb.Markdown, "2. **Secondary** — after 10m unacked\n") || strings.Contains(rb.Markdown, "← now") {
		t.Errorf("custom generated page:\n%s", rb.Markdown)
	}
}

func TestFindCancelledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rb, err := NewFinder(Options{}).Find(ctx, Alert{Name: "A", Annotations: map[string]string{"runbook_url": "http://127.0.0.1:1/x.md"}})
	if err == nil || rb != nil || !strings.Contains(err.Error(), "context canceled") {
		t.Fatalf("want context error, got %v %+v", err, rb)
	}
	// without a runbook_url a cancelled context still yields a page: no network is involved
	if rb, err := NewFinder(Options{}).Find(ctx, Alert{Name: "A"}); err != nil || rb == nil {
		t.Fatalf("local lookup: %v %v", rb, err)
	}
}
