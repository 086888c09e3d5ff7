package logview

import (
	"fmt"
	"strings"

	"oncall/internal/sanitize"
)

// Cheaper is the same query with its line filters moved before the first
// parser, where they spare Loki the parsing of every line they drop. Line
// filters after a format stage (line_format, …) stay where they are: they
// read the rewritten line. ok is false when nothing can be moved.
func Cheaper(query string) (string, bool) {
	sh, err := ParseShape(query)
	if err != nil {
		return query, false
	}
	first := sh.FirstParser()
	if first < 0 {
		return query, false
	}
	var moved, kept []Stage
	for i, st := range sh.Stages {
		if i > first && st.Kind == StageLineFilter && !formatBefore(sh.Stages[:i]) {
			moved = append(moved, st)
			continue
		}
		kept = append(kept, st)
	}
	if len(moved) == 0 {
		return query, false
	}
	out := sh
	out.Stages = append(append(append([]Stage{}, kept[:first]...), moved...), kept[first:]...)
	return out.String(), true
}

func formatBefore(stages []Stage) bool {
	for _, st := range stages {
		if st.Kind == StageFormat {
			return true
		}
	}
	return false
}

// LikelySlow says when a query (a runbook block, run as written) is likely
// slow: a parser runs before any line filter over a wide selector, so Loki
// parses every line of every stream the selector allows. reason is one
// sentence to show next to the block.
func LikelySlow(query string) (reason string, slow bool) {
	sh, err := ParseShape(query)
	if err != nil || !sh.ParserBeforeFilter() || !sh.WideSelector() {
		return "", false
	}
	p := sh.Stages[sh.FirstParser()].Text
	reason = fmt.Sprintf("likely slow: %s parses every line of %s before any line filter", p, sh.Selector)
	if c, ok := Cheaper(query); ok {
		return reason + "; cheaper: " + c, true
	}
	return reason + "; a line filter before it (|= \"…\") or an exact matcher in the selector would make it cheap", true
}

// SlowHint is the sentence a query that timed out gets: the stage that is
// likely slow and the cheaper form to try, ready to show as is (server
// text sanitized). It is "" when err is not a timeout.
func SlowHint(query string, err error) string {
	if !IsTimeout(err) {
		return ""
	}
	sh, perr := ParseShape(query)
	if perr != nil {
		return "Loki did not answer in time: narrow the window"
	}
	var s string
	switch {
	case sh.ParserBeforeFilter():
		p := sh.Stages[sh.FirstParser()].Text
		s = fmt.Sprintf("Loki did not answer in time: %s parses every line of %s before any filter", p, sh.Selector)
		if c, ok := Cheaper(query); ok {
			s += "; try " + c
		} else {
			s += "; try a line filter before it (|= \"…\"), or the errors key, which needs no parser"
		}
	case sh.WideSelector():
		s = fmt.Sprintf("Loki did not answer in time: %s selects every stream it allows; add an exact matcher", sh.Selector)
	case strings.Contains(query, "|~"):
		s = "Loki did not answer in time: the regex line filter reads every line of the window; narrow the window or use |= with a plain string"
	default:
		s = "Loki did not answer in time: the window holds more lines than Loki reads within the timeout; narrow the window"
	}
	return sanitize.Text(s)
}
