package dialog

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"oncall/internal/guard"
	"oncall/internal/sanitize"
	"oncall/tui/kit"
)

// Preview is what a write to one cluster would meet: the guard's verdict
// against that cluster's live alerts and rules, or why nothing can be
// written there at all.
type Preview struct {
	Cluster string
	Verdict guard.Verdict
	// Blocked is why the cluster takes no write ("read-only: …"); "" when
	// it does.
	Blocked string
}

// Judge previews a write to a cluster. It must be pure and cheap (no I/O):
// the dialog calls it as the operator types. The root gives one that runs
// the cluster's guard.Policy.Check on its last snapshot.
type Judge func(cluster string, r guard.Request) Preview

// Stop is the first thing that keeps the previews from being written: a
// blocked cluster or a refusing rule ("" when none does).
func Stop(ps []Preview, multi bool) string {
	for _, p := range ps {
		in := ""
		if multi {
			in = " in " + p.Cluster
		}
		if p.Blocked != "" {
			return "cannot write" + in + ": " + p.Blocked
		}
		if f, ok := p.Verdict.Refusal(); ok {
			return fmt.Sprintf("refused by guard %s%s: %s", f.Rule, in, f.Reason)
		}
	}
	return ""
}

// previewLines say, for each target cluster, what the guard found and
// which firing alerts the matchers select: at most a line per finding and
// one line of matched alert names.
func previewLines(ps []Preview, multi bool, width int, st *kit.Styles) []string {
	var out []string
	for _, p := range ps {
		in := ""
		if multi {
			in = sanitize.Text(p.Cluster) + ": "
		}
		if p.Blocked != "" {
			out = append(out, kit.Cut(st.Error.Render("✗ "+in+sanitize.Text(p.Blocked)), width))
			continue
		}
		v := p.Verdict
		if v.Matched != nil {
			style := st.Accent
			if multi {
				style = st.Muted
			}
			out = append(out, kit.Cut(style.Render(in+matchedText(v)), width))
		}
		for _, f := range v.Findings {
			text := sanitize.Text(f.String())
			line := st.SevStyle("warning").Render("! " + in + "confirm · " + text)
			if f.Mode == guard.Refuse {
				line = st.Error.Render("✗ " + in + "refused · " + text)
			}
			out = append(out, kit.Cut(line, width))
		}
		if len(v.Findings) == 0 && v.Rules {
			out = append(out, st.StatusOK.Render("✓ "+in+"guard: ok"))
		}
	}
	return out
}

// matchedText names the firing alerts a verdict matched: "matches 3 of 8
// firing alerts: DiskFull ×2, APIDown".
func matchedText(v guard.Verdict) string {
	text := fmt.Sprintf("matches %d of %d firing alert%s", len(v.Matched), v.Firing, kit.Plural(v.Firing))
	if len(v.Matched) == 0 {
		return text
	}
	n := map[string]int{}
	for _, a := range v.Matched {
		n[a.Name()]++
	}
	names := make([]string, 0, len(n))
	for k := range n {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool {
		if n[names[i]] != n[names[j]] {
			return n[names[i]] > n[names[j]]
		}
		return names[i] < names[j]
	})
	parts := make([]string, 0, len(names))
	for _, k := range names {
		p := sanitize.Text(k)
		if n[k] > 1 {
			p += fmt.Sprintf(" ×%d", n[k])
		}
		parts = append(parts, p)
	}
	return text + ": " + strings.Join(parts, ", ")
}

// Findings lists the findings of previews that need a confirmation, one
// line each ("prod: breadth: would match …" with several clusters), and
// their rules, for the Confirm dialog the root opens before writing.
func Findings(ps []Preview, confirmed []string, multi bool) (lines, rules []string) {
	for _, p := range ps {
		for _, f := range p.Verdict.Unconfirmed(confirmed) {
			l := f.String()
			if multi {
				l = p.Cluster + ": " + l
			}
			lines = append(lines, l)
			if !slices.Contains(rules, f.Rule) {
				rules = append(rules, f.Rule)
			}
		}
	}
	return lines, rules
}
