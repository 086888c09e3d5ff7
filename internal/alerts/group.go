package alerts

// Group is a set of alerts sharing the values of the group-by labels.
type Group struct {
	Key    string            // stable identity, e.g. "alertname=APIDown"
	Labels map[string]string // the group-by label values
	Alerts []*Alert
}

// GroupBy groups already-sorted alerts by the given labels (or @fields,
// such as @cluster), keeping the
// order in which each group first appears. An empty by puts all alerts in one
// group.
func GroupBy(as []*Alert, by []string) []*Group {
	var out []*Group
	index := map[string]*Group{}
	var key []byte // reused: a map lookup with string(key) does not allocate
	for _, a := range as {
		key = key[:0]
		for i, l := range by {
			if i > 0 {
				key = append(key, ',')
			}
			key = append(key, l...)
			key = append(key, '=')
			key = append(key, a.Field(l)...)
		}
		g := index[string(key)]
		if g == nil {
			vals := make(map[string]string, len(by))
			for _, l := range by {
				vals[l] = a.Field(l)
			}
			g = &Group{Key: string(key), Labels: vals}
			index[g.Key] = g
			out = append(out, g)
		}
		g.Alerts = append(g.Alerts, a)
	}
	return out
}
