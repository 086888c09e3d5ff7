package logql

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"oncall/internal/logql/seedrules"
)

func fuzzSeeds(f *testing.F) {
	for _, tc := range extractCases {
		f.Add(tc.expr)
	}
	for _, g := range seedrules.Groups() {
		for _, r := range g.Rules {
			f.Add(r.Expr)
		}
	}
	for _, s := range []string{
		`count_over_time({a="b"} |= "x" [5m`, `sum by (a (count_over_time({a="b"}[5m]))`, "count_over_time({a=`b}[5m])",
		`count_over_time({a="b"} | json | unwrap x | y="z" [5m])`, `count_over_time({a="b"} | label_format x=y, z="{{.a}}" [1m])`,
		`rate({a="b"} | logfmt | (x="1" or (y="2" , z=~"3")) [1m])`, `sum(rate({a="b"}[1m])) / on() group_left sum(rate({a="c"}[1m]))`,
	} {
		f.Add(s)
	}
}

// FuzzExtract: Extract never panics, fails with one line, and what it
// returns holds together: each log query parses back to the same text,
// wrapped in count_over_time(Q [1m]) it extracts to the same query, its
// analysis's cheaper form parses and is its own cheapest form, and the
// comparison's metric side extracts to the same queries.
func FuzzExtract(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, expr string) {
		m, err := Extract(expr)
		if err != nil {
			if strings.ContainsAny(err.Error(), "\n\r") {
				t.Fatalf("error spans lines: %q", err)
			}
			return
		}
		if len(m.Queries) == 0 {
			t.Fatal("no queries and no error")
		}
		for _, q := range m.Queries {
			s := q.String()
			back, err := ParseLogQuery(s)
			if err != nil {
				t.Fatalf("query %s does not parse: %v", s, err)
			}
			if back.String() != s {
				t.Fatalf("query %s reparses to %s", s, back)
			}
			again, err := Extract("count_over_time(" + s + " [1m])")
			if err != nil {
				t.Fatalf("count_over_time(%s [1m]): %v", s, err)
			}
			if len(again.Queries) != 1 || again.Queries[0].String() != s {
				t.Fatalf("count_over_time(%s [1m]) extracts to %v", s, again.Queries)
			}
			for _, g := range q.Grouping {
				_ = g.String()
			}
			a, err := Analyze(s)
			if err != nil {
				t.Fatalf("Analyze(%s): %v", s, err)
			}
			for _, line := range append([]string{a.Verdict}, a.Advice...) {
				if strings.ContainsAny(line, "\n\r") {
					t.Fatalf("analysis of %s spans lines: %q", s, line)
				}
			}
			if a.Cheaper != "" {
				b, err := Analyze(a.Cheaper)
				if err != nil {
					t.Fatalf("cheaper form %s of %s: %v", a.Cheaper, s, err)
				}
				if b.Cheaper != "" {
					t.Fatalf("cheaper form %s of %s has a cheaper form %s", a.Cheaper, s, b.Cheaper)
				}
			}
		}
		if c := m.Comparison; c != nil {
			side, err := Extract(c.Expr)
			if err != nil {
				t.Fatalf("comparison side %q: %v", c.Expr, err)
			}
			if len(side.Queries) != len(m.Queries) {
				t.Fatalf("comparison side %q has %d queries, the expression %d", c.Expr, len(side.Queries), len(m.Queries))
			}
			for i := range side.Queries {
				if side.Queries[i].String() != m.Queries[i].String() {
					t.Fatalf("comparison side query %d = %s, want %s", i, side.Queries[i], m.Queries[i])
				}
			}
		}
	})
}

// FuzzNarrow: narrowing any extracted query to any value never panics and
// yields a log query that carries the value exactly, as a stream matcher
// or as the label filter | name="value".
func FuzzNarrow(f *testing.F) {
	for _, tc := range extractCases {
		f.Add(tc.expr, "crm")
	}
	f.Add(`sum by (a, b) (count_over_time({a="x"} | json [5m]))`, "x")
	f.Add(`sum by (a) (count_over_time({a="x"} | json [5m]))`, "y\"\\\n\x00")
	f.Fuzz(func(t *testing.T, expr, value string) {
		m, err := Extract(expr)
		if err != nil {
			return
		}
		for _, q := range m.Queries {
			names := Narrowable(q.Grouping)
			labels := map[string]string{"severity": value}
			for _, n := range names {
				labels[n] = value
			}
			out, err := Narrow(q, labels)
			if err != nil {
				if !strings.Contains(err.Error(), "contradicts the selector") || strings.ContainsAny(err.Error(), "\n\r") {
					t.Fatalf("Narrow: %v", err)
				}
				continue
			}
			nq, err := ParseLogQuery(out)
			if err != nil {
				t.Fatalf("narrowed %s does not parse: %v", out, err)
			}
			if value == "" {
				if out != q.String() {
					t.Fatalf("an empty value changed %s into %s", q, out)
				}
				continue
			}
			for _, n := range names {
				inSel := slices.ContainsFunc(nq.Selector, func(m Matcher) bool { return m.Name == n && m.Op == "=" && m.Value == value })
				filter := "| " + n + "=" + strconv.Quote(value)
				inPipe := slices.ContainsFunc(nq.Stages, func(s Stage) bool { return s.text == filter })
				if !inSel && !inPipe {
					t.Fatalf("%s=%q is missing from %s", n, value, out)
				}
			}
		}
	})
}
