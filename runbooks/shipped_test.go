package runbooks

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// shippedAlerts maps each demo alert to the lookup rule that must find it.
var shippedAlerts = map[string]Source{
	"APIDown":                 SourceCollection,
	"HighErrorRate":           SourceCollection,
	"HighLatencyP95":          SourceCollection,
	"ErrorBudgetBurnFast":     SourceCollection,
	"ErrorBudgetBurnSlow":     SourceCollection,
	"HighMemoryUsage":         SourceCollection,
	"HighCPUUsage":            SourceCollection,
	"LowTraffic":              SourceCollection,
	"HighLogErrorRate":        SourceCollection,
	"DatabaseTooManyClients":  SourceCollection,
	"BackendPoolTimeouts":     SourceCollection,
	"RedisDown":               SourceFile,
	"DatabaseDown":            SourceFile,
	"DatabaseConnectionsHigh": SourceFile,
	"DiskSpaceLow":            SourceFrontMatter,
	"CertificateExpiringSoon": SourceFrontMatter,
}

// demoLabels include a quote and a backslash so every query is checked with
// hostile values too.
var demoLabels = map[string]string{
	"alertname":    "X",
	"service":      `conectcrm-backend`,
	"service_name": `conectcrm-backend`,
	"instance":     `db-0:9187 "primary" \ a`,
	"job":          "conectcrm-backend",
	"mountpoint":   "/var/lib/postgresql",
}

func TestShippedRunbooksAllFound(t *testing.T) {
	if len(shippedAlerts) != 16 {
		t.Fatalf("expected 16 demo alerts, table has %d", len(shippedAlerts))
	}
	f := NewFinder(Options{Embedded: true})
	for name, rule := range shippedAlerts {
		rb, err := f.Find(context.Background(), Alert{Name: name, Labels: demoLabels})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if rb.Source != SourceEmbedded || rb.Match != rule || rb.Warning != "" {
			t.Errorf("%s: source %v match %v (want %v) at %s", name, rb.Source, rb.Match, rule, rb.Location)
			continue
		}
		if rule != SourceFrontMatter && rb.Title != name {
			t.Errorf("%s: title %q", name, rb.Title)
		}
		for _, part := range []string{"**Impact**", "**Diagnosis**", "**Resolution**", "**Escalation**", "L1", "L2", "L3", "15 min"} {
			if !strings.Contains(rb.Markdown, part) {
				t.Errorf("%s: missing %q", name, part)
			}
		}
		langs := map[string]int{}
		for _, b := range rb.Blocks {
			langs[b.Lang]++
			out, err := b.Substitute(Alert{Name: name, Labels: demoLabels})
			if err != nil {
				t.Errorf("%s block %d: %v", name, b.Index, err)
			}
			if b.Runnable && strings.Contains(out, "{{") {
				t.Errorf("%s block %d: unsubstituted template left: %s", name, b.Index, out)
			}
		}
		if len(rb.Runnable()) < 1 || langs["promql"] < 1 || langs["logql"] < 1 || langs["sh"] < 1 {
			t.Errorf("%s: want promql, logql and sh blocks, got %v", name, langs)
		}
	}
}

func TestShippedCollectionSection(t *testing.T) {
	b, err := fs.ReadFile(Shipped(), "RUNBOOKS.md")
	if err != nil {
		t.Fatal(err)
	}
	coll := string(b)
	got, ok := Section(coll, "apidown")
	start := strings.Index(coll, "\n## APIDown\n") + 1
	end := strings.Index(coll, "\n## HighErrorRate\n")
	if !ok || start <= 0 || end < start {
		t.Fatalf("section found=%v, markers %d..%d", ok, start, end)
	}
	want := strings.TrimRight(coll[start:end], "\n") + "\n"
	if got != want {
		t.Fatalf("Section(collection, apidown):\n%s\nwant:\n%s", got, want)
	}
	if strings.Count(got, "\n## ") != 0 || !strings.HasPrefix(got, "## APIDown\n") {
		t.Fatalf("section leaks into other alerts: %q", got)
	}
	// every collection section is reachable by its own slug
	for _, h := range Headings(coll) {
		if h.Level == 2 {
			if _, want := shippedAlerts[h.Text]; !want {
				t.Errorf("unexpected collection section %q", h.Text)
			}
			if h.Slug != strings.ToLower(h.Text) {
				t.Errorf("slug of %q = %q", h.Text, h.Slug)
			}
		}
	}
}

// TestShippedPromQLIsValid substitutes every promql block with hostile label
// values and has promtool parse the results.
func TestShippedPromQLIsValid(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool not installed")
	}
	var rules strings.Builder
	rules.WriteString("groups:\n- name: shipped\n  rules:\n")
	n := 0
	err = fs.WalkDir(Shipped(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		text, err := fs.ReadFile(Shipped(), p)
		if err != nil {
			return err
		}
		for _, b := range Blocks(string(text)) {
			if b.Lang != "promql" {
				continue
			}
			q, err := b.Substitute(Alert{Name: "X", Labels: demoLabels})
			if err != nil {
				return fmt.Errorf("%s:%d: %v", p, b.Line, err)
			}
			n++
			fmt.Fprintf(&rules, "  - alert: Q%d_%s_%d\n    expr: |\n", n, strings.TrimSuffix(p, ".md"), b.Line)
			for _, l := range strings.Split(strings.TrimRight(q, "\n"), "\n") {
				fmt.Fprintf(&rules, "      %s\n", l)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 14 {
		t.Fatalf("only %d promql blocks", n)
	}
	path := filepath.Join(t.TempDir(), "rules.yml")
	if err := os.WriteFile(path, []byte(rules.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(promtool, "check", "rules", path).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool rejected shipped queries: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), fmt.Sprintf("%d rules found", n)) {
		t.Fatalf("promtool output: %s", out)
	}
}
