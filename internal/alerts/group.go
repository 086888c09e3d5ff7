package alerts

import "strings"

// Group is a set of alerts sharing the values of the group-by labels.
type Group struct {
	Key    string            // stable identity, e.g. "alertname=APIDown"
	Labels map[string]string // the group-by label values
	Alerts []*Alert
}

// GroupBy groups already-sorted alerts by the given labels, keeping the
// order in which each group first appears. An empty by puts all alerts in one
// group.
func GroupBy(as []*Alert, by []string) []*Group {
	var out []*Group
	index := map[string]*Group{}
	for _, a := range as {
		var kb strings.Builder
		vals := make(map[string]string, len(by))
		for i, l := range by {
			if i > 0 {
				kb.WriteByte(',')
			}
			kb.WriteString(l)
			kb.WriteByte('=')
			kb.WriteString(a.Labels[l])
			vals[l] = a.Labels[l]
		}
		k := kb.String()
		g := index[k]
		if g == nil {
			g = &Group{Key: k, Labels: vals}
			index[k] = g
			out = append(out, g)
		}
		g.Alerts = append(g.Alerts, a)
	}
	return out
}
