package alerts

import (
	"cmp"
	"container/heap"
	"slices"
	"strings"
	"time"
)

// sortItem is an alert with its sort keys, computed once: with label
// lookups in the comparison, sorting 10,000 alerts took ~50 ms.
type sortItem struct {
	a          *Alert
	state, sev int
	eps        int // firing episodes (SortEpisodes only)
	since      time.Time
	name       string
	i          int // position in its list: the last tiebreak (stable)
}

func itemOf(a *Alert, i int) sortItem {
	return sortItem{a: a, state: StateRank(a.State), sev: SeverityRank(a.Severity()), since: a.Since(), name: a.Name(), i: i}
}

// compare orders two alerts for a sort key; ties break on severity, age,
// name, fingerprint, then cluster.
func compare(key SortKey, a, b sortItem) int {
	live := func(rank int) bool { return rank == 0 || rank == 1 }
	switch key {
	case SortEpisodes:
		if c := cmp.Compare(b.eps, a.eps); c != 0 {
			return c // more episodes first
		}
	case SortAge:
		if c := a.since.Compare(b.since); c != 0 {
			return c
		}
	case SortName:
		if c := strings.Compare(a.name, b.name); c != 0 {
			return c
		}
	case SortState:
		if c := cmp.Compare(a.state, b.state); c != 0 {
			return c
		}
	}
	if (key == SortSeverity || key == SortEpisodes) && live(a.state) != live(b.state) {
		return cmp.Compare(a.state, b.state) // live alerts above muted ones
	}
	if c := cmp.Compare(a.sev, b.sev); c != 0 {
		return c
	}
	if c := a.since.Compare(b.since); c != 0 {
		return c
	}
	if c := strings.Compare(a.name, b.name); c != 0 {
		return c
	}
	if c := strings.Compare(a.a.Fingerprint, b.a.Fingerprint); c != 0 {
		return c
	}
	return strings.Compare(a.a.Cluster, b.a.Cluster)
}

// Sort orders alerts in place, stably, with fingerprint as the last tiebreak.
// SortEpisodes without counts (see SortBy) is the severity order.
func Sort(as []*Alert, key SortKey) { SortBy(as, key, nil) }

// SortBy is Sort with each alert's number of firing episodes for
// SortEpisodes (most first, then as SortSeverity); episodes may be nil
// (none known) and is called once per alert.
func SortBy(as []*Alert, key SortKey, episodes func(*Alert) int) {
	o := OrderBy(as, key, episodes)
	for i, it := range o.items {
		as[i] = it.a
	}
}

// Ordered is one list of alerts in one sort order, with their sort keys,
// so that the lists of several clusters merge without sorting again: a
// cluster's refresh re-sorts that cluster only.
type Ordered struct {
	key   SortKey
	items []sortItem
}

// Order sorts a copy of as.
func Order(as []*Alert, key SortKey) *Ordered { return OrderBy(as, key, nil) }

// OrderBy is Order with the episode counts SortEpisodes orders by (nil:
// none known).
func OrderBy(as []*Alert, key SortKey, episodes func(*Alert) int) *Ordered {
	o := &Ordered{key: key, items: make([]sortItem, len(as))}
	for i, a := range as {
		o.items[i] = itemOf(a, i)
		if key == SortEpisodes && episodes != nil {
			o.items[i].eps = episodes(a)
		}
	}
	slices.SortStableFunc(o.items, func(a, b sortItem) int { return compare(key, a, b) })
	return o
}

// Len is the number of alerts.
func (o *Ordered) Len() int { return len(o.items) }

// Merge merges ordered lists of one sort key into one ordered list (a k-way
// merge, O(n log k)).
func Merge(lists ...*Ordered) []*Alert {
	n := 0
	var h mergeHeap
	for li, o := range lists {
		n += len(o.items)
		if len(o.items) > 0 {
			h.cursors = append(h.cursors, mergeCursor{o: o, list: li})
			h.key = o.key
		}
	}
	out := make([]*Alert, 0, n)
	heap.Init(&h)
	for h.Len() > 0 {
		c := &h.cursors[0]
		out = append(out, c.o.items[c.at].a)
		c.at++
		if c.at == len(c.o.items) {
			heap.Pop(&h)
		} else {
			heap.Fix(&h, 0)
		}
	}
	return out
}

type mergeCursor struct {
	o        *Ordered
	at, list int
}

type mergeHeap struct {
	key     SortKey
	cursors []mergeCursor
}

func (h *mergeHeap) Len() int { return len(h.cursors) }
func (h *mergeHeap) Less(i, j int) bool {
	a, b := h.cursors[i], h.cursors[j]
	if c := compare(h.key, a.o.items[a.at], b.o.items[b.at]); c != 0 {
		return c < 0
	}
	return a.list < b.list
}
func (h *mergeHeap) Swap(i, j int) { h.cursors[i], h.cursors[j] = h.cursors[j], h.cursors[i] }
func (h *mergeHeap) Push(x any)    { h.cursors = append(h.cursors, x.(mergeCursor)) }
func (h *mergeHeap) Pop() any {
	old := h.cursors
	x := old[len(old)-1]
	h.cursors = old[:len(old)-1]
	return x
}
