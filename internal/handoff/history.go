package handoff

import (
	"context"
	"sort"
	"strings"

	"oncall/internal/history"
)

// Episode is one continuous firing period (see history.Episode).
type Episode = history.Episode

// fetchHistory reads the firing history of every alert over the window
// (one query, see history.Fetch) and lists the series that fired.
func fetchHistory(ctx context.Context, p PrometheusSource, w Window) ([]AlertHistory, error) {
	set, err := history.Fetch(ctx, p, w.From, w.To)
	if err != nil {
		return nil, err
	}
	return histories(set), nil
}

// histories turns a history set into the handoff's list, noisiest first.
func histories(set *history.Set) []AlertHistory {
	out := make([]AlertHistory, 0, len(set.Series))
	for _, s := range set.Series {
		h := AlertHistory{Alertname: s.Labels["alertname"], Severity: strings.ToLower(s.Labels["severity"]), Labels: s.Labels,
			Count: len(s.Episodes), Episodes: s.Episodes}
		for _, e := range s.Episodes {
			h.FiringSeconds += e.DurationSeconds
		}
		out = append(out, h)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		switch {
		case a.Count != b.Count:
			return a.Count > b.Count
		case a.FiringSeconds != b.FiringSeconds:
			return a.FiringSeconds > b.FiringSeconds
		case a.Alertname != b.Alertname:
			return a.Alertname < b.Alertname
		}
		return labelString(a.Labels) < labelString(b.Labels)
	})
	return out
}

// labelString is a canonical form of a label set, for sorting.
func labelString(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k + "=" + m[k] + "\x00")
	}
	return b.String()
}
