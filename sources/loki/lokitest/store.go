package lokitest

import (
	"maps"
	"sort"
	"strings"
	"time"
)

// storedEntry is one log line of a stream.
type storedEntry struct {
	ts   int64
	line string
	sm   map[string]string
	seq  uint64 // push order, to keep lines of one nanosecond in order
}

type stream struct {
	labels  map[string]string
	key     string
	entries []storedEntry // sorted by (ts, seq)
}

// labelsKey renders a label set canonically: {a="1", b="2"} with sorted names.
func labelsKey(ls map[string]string) string {
	names := make([]string, 0, len(ls))
	for k := range ls {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(k)
		b.WriteString(`="`)
		b.WriteString(strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(ls[k]))
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String()
}

// insert adds an entry in (ts, seq) order. An entry with the same timestamp
// and line as an existing one is a duplicate and is dropped, as Loki does.
func (s *stream) insert(e storedEntry) bool {
	i := sort.Search(len(s.entries), func(i int) bool { return s.entries[i].ts > e.ts })
	for j := i - 1; j >= 0 && s.entries[j].ts == e.ts; j-- {
		if s.entries[j].line == e.line {
			return false
		}
	}
	s.entries = append(s.entries, storedEntry{})
	copy(s.entries[i+1:], s.entries[i:])
	s.entries[i] = e
	return true
}

// rangeEntries returns the entries with start <= ts < end.
func (s *stream) rangeEntries(start, end int64) []storedEntry {
	lo := sort.Search(len(s.entries), func(i int) bool { return s.entries[i].ts >= start })
	hi := sort.Search(len(s.entries), func(i int) bool { return s.entries[i].ts >= end })
	if lo >= hi {
		return nil
	}
	return s.entries[lo:hi]
}

// overlaps reports whether the stream has data in [start, end).
func (s *stream) overlaps(start, end int64) bool {
	return len(s.rangeEntries(start, end)) > 0
}

// Push stores one log line. Labels are the stream labels; structured
// metadata may be nil. New lines are also sent to running tails.
func (s *Server) Push(labels map[string]string, ts time.Time, line string, structuredMetadata map[string]string) {
	ls := maps.Clone(labels)
	if ls == nil {
		ls = map[string]string{}
	}
	var sm map[string]string
	if len(structuredMetadata) > 0 {
		sm = maps.Clone(structuredMetadata)
	}
	key := labelsKey(ls)

	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.streams[key]
	if !ok {
		st = &stream{labels: ls, key: key}
		s.streams[key] = st
	}
	s.seq++
	e := storedEntry{ts: ts.UnixNano(), line: line, sm: sm, seq: s.seq}
	if !st.insert(e) {
		return
	}
	for t := range s.tails {
		t.offer(st, e)
	}
}

// match is one entry selected by a query, with the labels it is returned
// under.
type match struct {
	st     *stream
	e      storedEntry
	parsed map[string]string
}

// before orders matches forward: by time, then stream, then push order.
func (a match) before(b match) bool {
	if a.e.ts != b.e.ts {
		return a.e.ts < b.e.ts
	}
	if a.st.key != b.st.key {
		return a.st.key < b.st.key
	}
	return a.e.seq < b.e.seq
}

// selectEntries evaluates a log query over [start, end) and returns the
// first limit matches in the given direction. The caller holds s.mu.
func (s *Server) selectEntries(q *logQuery, start, end int64, limit int, backward bool) []match {
	var out []match
	for _, st := range s.streams {
		if !matchesSelector(q.selector, st.labels) {
			continue
		}
		for _, e := range st.rangeEntries(start, end) {
			res, ok := q.run(e.line, st.labels, e.sm)
			if ok {
				out = append(out, match{st: st, e: e, parsed: res.parsed})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if backward {
			return out[j].before(out[i])
		}
		return out[i].before(out[j])
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}
