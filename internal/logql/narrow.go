package logql

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// NarrowOptions tune Narrow.
type NarrowOptions struct {
	// StreamLabels, when not nil, are the label names Loki indexes for the
	// query's streams (GET /loki/api/v1/labels). A grouped label that no
	// stage sets and that is not among them (structured metadata, such as
	// trace_id or Loki 3's detected_level) is then added as a label filter
	// right after the selector, where Loki can test it, instead of as a
	// stream matcher that would match no stream. When nil, every such
	// label is taken for a stream label.
	StreamLabels []string
}

// Narrow returns q's text narrowed to an alert's labels: for each label
// the expression groups by (see Narrowable) and the alert carries,
//   - a stream matcher name="value" in the selector, when no stage may set
//     it (a parser cannot replace a label that the selector makes every
//     stream carry);
//   - a label filter | name="value" right after the last stage that may
//     set, rename or drop it (a parser, label_format, drop, keep), when one
//     does: the label filter then tests the same value the aggregation
//     grouped by. A label named __…__ (__error__) is the pipeline's own and
//     is tested after its last stage.
//
// Labels the alert lacks add nothing. Values are quoted as Go strings,
// which is how LogQL reads them. An alert label that contradicts an
// equality matcher of the selector is an error (the query would match
// nothing).
func Narrow(q LogQuery, labels map[string]string) (string, error) {
	return NarrowWith(q, labels, NarrowOptions{})
}

// NarrowWith is Narrow with options.
func NarrowWith(q LogQuery, labels map[string]string, o NarrowOptions) (string, error) {
	out := LogQuery{Selector: slices.Clone(q.Selector)}
	after := map[int][]Stage{} // stage index → filters to add after it; -1: before the first stage
	for _, name := range Narrowable(q.Grouping) {
		v, ok := labels[name]
		if !ok || v == "" || !validLabelName(name) {
			continue
		}
		present := inStream(q.Selector, name)
		last := -1
		for i, st := range q.Stages {
			if st.sets(name, present) {
				last = i
			}
		}
		if strings.HasPrefix(name, "__") && len(q.Stages) > 0 {
			// __error__ and its kin are raised by the pipeline itself (a
			// parser, a conversion): test them after all of it.
			last = len(q.Stages) - 1
		}
		if last >= 0 || !present && o.StreamLabels != nil && !slices.Contains(o.StreamLabels, name) {
			after[last] = append(after[last], Stage{Kind: LabelFilter, Labels: []string{name}, text: "| " + name + "=" + strconv.Quote(v)})
			continue
		}
		dup := false
		for _, m := range out.Selector {
			if m.Name != name || m.Op != "=" {
				continue
			}
			if m.Value != v {
				return "", fmt.Errorf("logql: the alert's %s=%s contradicts the selector's %s=%s", name, strconv.Quote(v), m.Name, strconv.Quote(m.Value))
			}
			dup = true
		}
		if !dup {
			out.Selector = append(out.Selector, Matcher{Name: name, Op: "=", Value: v})
		}
	}
	out.Stages = append(out.Stages, after[-1]...)
	for i, st := range q.Stages {
		out.Stages = append(out.Stages, st)
		out.Stages = append(out.Stages, after[i]...)
	}
	return out.String(), nil
}

// Narrowable returns, sorted, the labels whose value in the expression's
// result is the value its lines carry: those every by(…) and on(…) step of
// the grouping keeps, less those a without(…), ignoring(…), label_replace
// or group_left/group_right step removes or replaces. With no by(…) step
// it returns nothing: an ungrouped or without(…) result also carries the
// rule's own labels (severity, team), which cannot be told apart from the
// lines' labels.
func Narrowable(grouping []Grouping) []string {
	var known []string
	haveBy := false
	var removed []string
	for _, g := range grouping {
		switch {
		case g.Keeps:
		case g.Without:
			removed = append(removed, g.Labels...)
		case !haveBy:
			known, haveBy = slices.Clone(g.Labels), true
		default:
			known = slices.DeleteFunc(known, func(l string) bool { return !slices.Contains(g.Labels, l) })
		}
	}
	known = slices.DeleteFunc(known, func(l string) bool { return slices.Contains(removed, l) })
	slices.Sort(known)
	return slices.Compact(known)
}
