package logql

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Cost is a coarse class of what a log query's pipeline costs Loki.
type Cost int

const (
	// Cheap: no parser runs; Loki selects streams and filters lines.
	Cheap Cost = iota
	// ParsesFiltered: a parser runs, but only on lines a line filter kept.
	ParsesFiltered
	// ParsesAll: a parser runs before any line filter, on every line of the
	// selected streams.
	ParsesAll
)

func (c Cost) String() string {
	switch c {
	case Cheap:
		return "cheap"
	case ParsesFiltered:
		return "parses filtered lines"
	}
	return "parses every line"
}

// Analysis is what Analyze says about a log query.
type Analysis struct {
	// Query is the parsed query; Query.Stages are its stages in order, each
	// with its Kind.
	Query LogQuery
	Cost  Cost
	// Slow is the index in Query.Stages of the stage that makes the query
	// costly (the first parser, when it runs before any line filter), or -1.
	Slow int
	// Verdict is one plain sentence on the cost, on one line. Like Advice,
	// it quotes the query's own stages: sanitize it before display.
	Verdict string
	// Cheaper is the same query, returning the same lines, in a cheaper
	// form: filters moved before the parsers they do not depend on, and
	// regex line filters without regex syntax turned into substring
	// filters. Empty when there is none.
	Cheaper string
	// Advice are the reasons for Cheaper, one sentence each.
	Advice []string
}

// Analyze parses a log query and says what its pipeline costs, after
// Loki's own advice: "order the filtering stages left to right: stream
// selector, line filters, label filters" (query examples), line filters
// "at the beginning" because "it only does further processing when a line
// matches" (log queries), "Filter before parsing" and "Prefer pipe filters
// over regular expressions" (query best practices). Only changes that
// return the same lines are suggested.
func Analyze(logQuery string) (Analysis, error) {
	q, err := ParseLogQuery(logQuery)
	if err != nil {
		return Analysis{}, err
	}
	a := Analysis{Query: q, Slow: -1}
	firstParser, firstLine := -1, -1
	for i, st := range q.Stages {
		if st.Kind == Parser && firstParser < 0 {
			firstParser = i
		}
		if st.Kind == LineFilter && firstLine < 0 {
			firstLine = i
		}
	}
	switch {
	case len(q.Stages) == 0:
		a.Verdict = "only a stream selector: Loki reads the selected streams and nothing more"
	case firstParser < 0:
		a.Verdict = "no parser: Loki selects the streams and filters their lines, the cheapest kind of query"
	case firstLine < 0 || firstLine > firstParser:
		a.Cost, a.Slow = ParsesAll, firstParser
		a.Verdict = "the parser " + oneLine(q.Stages[firstParser].text) + " runs before any line filter: every line of the selected streams is parsed"
	default:
		a.Cost = ParsesFiltered
		a.Verdict = "line filters run before the parser " + oneLine(q.Stages[firstParser].text) + ": only the lines they keep are parsed"
	}
	stages, advice := cheaper(q.Selector, q.Stages)
	if len(advice) > 0 {
		a.Cheaper = LogQuery{Selector: q.Selector, Stages: stages}.String()
		a.Advice = advice
	}
	return a, nil
}

// maxCheaper bounds the pipelines cheaper reorders: moving filters is
// quadratic in the stages, and a pipeline has a handful.
const maxCheaper = 256

// cheaper returns the stages with each filter moved to just before the
// first parser it may cross, and literal regex line filters turned into
// substring ones, with a sentence per change. A pipeline of more than
// maxCheaper stages is left as it is.
func cheaper(sel []Matcher, in []Stage) ([]Stage, []string) {
	if len(in) > maxCheaper {
		return in, nil
	}
	stages := slices.Clone(in)
	present := map[string]bool{}
	inSel := func(l string) bool {
		v, ok := present[l]
		if !ok {
			v = inStream(sel, l)
			present[l] = v
		}
		return v
	}
	var advice []string
	for i := 0; i < len(stages); i++ {
		st := stages[i]
		if st.Kind != LineFilter && st.Kind != LabelFilter {
			continue
		}
		to := -1
		for j := i - 1; j >= 0 && crosses(inSel, st, stages[j]); j-- {
			if stages[j].Kind == Parser {
				to = j
			}
		}
		if to < 0 {
			continue
		}
		advice = append(advice, "move "+oneLine(st.text)+" before "+oneLine(stages[to].text)+": a "+st.Kind.String()+
			" that does not depend on the parser should run first, so fewer lines are parsed")
		copy(stages[to+1:i+1], stages[to:i])
		stages[to] = st
	}
	for i, st := range stages {
		if lit, ok := literalRegex(st); ok {
			stages[i] = lit
			advice = append(advice, "use "+oneLine(lit.text)+" for "+oneLine(st.text)+": the pattern has no regex syntax, and a substring filter is cheaper than a regular expression")
		}
	}
	return stages, advice
}

// crosses reports whether filter f may run before stage s with the same
// result: a line filter crosses any stage that leaves the line as it is;
// a label filter crosses a stage that cannot set any of its labels (a
// parser cannot replace a label the selector makes every stream carry).
// A filter on __error__ stays where it is: it tests what the stages
// before it raised.
func crosses(inSel func(string) bool, f, s Stage) bool {
	if f.Kind == LineFilter {
		return !s.ChangesLine()
	}
	if slices.Contains(f.Labels, "__error__") || slices.Contains(f.Labels, "__error_details__") {
		return false
	}
	if s.Kind == LabelFilter {
		return true
	}
	for _, l := range f.Labels {
		if s.sets(l, inSel(l)) {
			return false
		}
	}
	return true
}

// literalRegex turns |~ "abc" into |= "abc" (and !~ into !=) when no
// alternative has regex syntax: an unanchored match of a literal is a
// substring test.
func literalRegex(st Stage) (Stage, bool) {
	if st.Kind != LineFilter || st.Name != "|~" && st.Name != "!~" {
		return st, false
	}
	for _, a := range st.Args {
		if a == "" || regexp.QuoteMeta(a) != a {
			return st, false
		}
	}
	out := st
	out.Name = "|="
	if st.Name == "!~" {
		out.Name = "!="
	}
	parts := make([]string, len(st.Args))
	for i, a := range st.Args {
		parts[i] = strconv.Quote(a)
	}
	out.text = out.Name + " " + strings.Join(parts, " or ")
	return out, true
}
