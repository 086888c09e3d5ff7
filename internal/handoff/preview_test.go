package handoff

import (
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"oncall/runbooks"
)

// render is what the TUI's handoff preview does with its Markdown:
// runbooks.Render (glamour, standard style, word wrap at the width).
func render(t *testing.T, md string, width int, dark bool) []string {
	t.Helper()
	out, err := runbooks.Render(md, width, dark)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimRight(ansi.Strip(out), "\n"), "\n")
}

// words are the rendered words, with non-breaking hyphens read as hyphens.
func words(lines []string) []string {
	var out []string
	for _, l := range lines {
		out = append(out, strings.Fields(strings.ReplaceAll(l, string(nonBreakingHyphen), "-"))...)
	}
	slices.Sort(out)
	return out
}

// unwrapped is a width at which glamour wraps no line of md.
func unwrapped(md string) int {
	w := 0
	for _, l := range strings.Split(md, "\n") {
		w = max(w, ansi.StringWidth(l))
	}
	return w + 20
}

// wrongWords lists the words of got that the unwrapped rendering does not
// have, and the words it lost: a word cut in two, or truncated with …,
// shows up in both.
func wrongWords(want, got []string) (extra, lost []string) {
	count := map[string]int{}
	for _, w := range want {
		count[w]++
	}
	for _, w := range got {
		if count[w] == 0 {
			extra = append(extra, w)
			continue
		}
		count[w]--
	}
	for w, n := range count {
		for range n {
			lost = append(lost, w)
		}
	}
	slices.Sort(lost)
	return extra, lost
}

// At 100, 120 and 160 columns, in both themes, the preview shows every
// word of the summary whole: the words are those of the same Markdown
// rendered without wrapping (wider than its longest line), and no line is
// wider than the screen.
func TestPreviewCutsNoWord(t *testing.T) {
	s := fixtureSummary(t)
	// Long labels, a long summary and a long comment, hyphenated, so that
	// lines wrap at every width.
	s.FiringNow[0].Labels["pod"] = "conectcrm-backend-7d9f8c6b5-x2x4q"
	s.FiringNow[0].Labels["deployment"] = "conectcrm-backend-canary-eu-west-1"
	s.FiringNow[0].Summary = "conectcrm-backend is answering 37.2% of requests with 5xx on the checkout-v2 and invoice-export endpoints since the roll-out"
	s.Silences.Created[1].Comment = "pgbouncer maintenance window agreed with the on-call DBA: pool-size changes on pg-primary-0 and pg-replica-1, expect short connection resets"
	md := PreviewMarkdown(s)
	for _, dark := range []bool{true, false} {
		wide := render(t, md, unwrapped(md), dark)
		want := words(wide)
		for _, w := range []string{"HighErrorRate", "pod=conectcrm-backend-7d9f8c6b5-x2x4q,", "deployment=conectcrm-backend-canary-eu-west-1,", "firing", "acked", "silenced", "roll-out", "pg-replica-1,", "on-call"} {
			if !slices.Contains(want, w) {
				t.Fatalf("the unwrapped preview lacks %q: %v", w, want)
			}
		}
		for _, width := range []int{100, 120, 160} {
			lines := render(t, md, width, dark)
			if extra, lost := wrongWords(want, words(lines)); len(extra) > 0 || len(lost) > 0 {
				t.Errorf("width %d (dark %v): cut words %q, lost %q", width, dark, extra, lost)
			}
			for _, l := range lines {
				if n := ansi.StringWidth(l); n > width {
					t.Errorf("width %d: a line is %d wide: %q", width, n, l)
				}
			}
			if width == 100 && len(lines) <= len(wide) {
				t.Errorf("at 100 columns nothing wrapped; the test proves nothing")
			}
		}
	}
}

// The check above fails on what the preview showed before: the Markdown
// export's tables, which glamour truncates and splits at 120 and 160.
func TestTablesCutWordsInThePreview(t *testing.T) {
	md := Markdown(fixtureSummary(t))
	want := words(render(t, md, unwrapped(md), true))
	for _, w := range []string{"Acked", "silenced", "HighErrorRate:", "instance=backend-1:3001,", "maintenance"} {
		if !slices.Contains(want, w) {
			t.Fatalf("the unwrapped tables lack %q", w)
		}
	}
	for _, width := range []int{120, 160} {
		extra, lost := wrongWords(want, words(render(t, md, width, true)))
		if len(extra) == 0 && len(lost) == 0 {
			t.Errorf("width %d: the tables kept every word; the preview test would not see a cut", width)
		}
	}
}

// The preview keeps every section, escapes untrusted text as Markdown
// does, and is a golden file.
func TestPreviewMarkdown(t *testing.T) {
	md := PreviewMarkdown(fixtureSummary(t))
	for _, want := range []string{
		"## Firing now", "### critical (2)", "- **HighErrorRate**: 37.2% of requests fail\n  - firing since 07:20 (25m)\n  - labels: service=conectcrm‑backend\n",
		"  - <https://runbooks.example.com/crm/high-error-rate?from=%28now%29&tab=x%7Cy%3Ez> (runbook)\n",
		"  - runbook: RUNBOOKS.md#apidown\n",
		"&lt;!channel&gt; \\| \\*do not\\* \\`touch\\` \\[x\\](http://evil)", "- [ ] rotate the postgres password", "~~04:00",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("preview lacks %q", want)
		}
	}
	if strings.Contains(md, "| --- |") {
		t.Error("the preview has a table")
	}
	golden(t, "handoff.preview.md.golden", []byte(md))
}
