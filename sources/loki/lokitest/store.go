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
		v := ls[k]
		for i := 0; i < len(v); i++ { // bytes: invalid UTF-8 stays distinct
			switch c := v[i]; c {
			case '\\', '"':
				b.WriteByte('\\')
				b.WriteByte(c)
			case '\n':
				b.WriteString(`\n`)
			default:
				b.WriteByte(c)
			}
		}
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

// Push stores one log line for the server's tenant (SingleTenant, or the
// one WithTenant named). Labels are the stream labels; structured metadata
// may be nil. New lines are also sent to running tails.
func (s *Server) Push(labels map[string]string, ts time.Time, line string, structuredMetadata map[string]string) {
	s.PushTenant(s.tenant, labels, ts, line, structuredMetadata)
}

// PushTenant stores one log line for a tenant.
func (s *Server) PushTenant(tenant string, labels map[string]string, ts time.Time, line string, structuredMetadata map[string]string) {
	ls := maps.Clone(labels)
	if ls == nil {
		ls = map[string]string{}
	}
	var sm map[string]string
	if len(structuredMetadata) > 0 {
		sm = maps.Clone(structuredMetadata)
	}
	if s.discoverLevels {
		if _, has := sm["detected_level"]; !has {
			if sm == nil {
				sm = map[string]string{}
			}
			sm["detected_level"] = detectLevel(ls, sm, line)
		}
	}
	key := labelsKey(ls)

	s.mu.Lock()
	defer s.mu.Unlock()
	streams := s.tenants[tenant]
	if streams == nil {
		streams = map[string]*stream{}
		s.tenants[tenant] = streams
	}
	st, ok := streams[key]
	if !ok {
		st = &stream{labels: ls, key: key}
		streams[key] = st
	}
	s.seq++
	e := storedEntry{ts: ts.UnixNano(), line: line, sm: sm, seq: s.seq}
	if !st.insert(e) {
		return
	}
	for t := range s.tails {
		if t.tenant == tenant {
			t.offer(st, e)
		}
	}
}

// match is one entry selected by a query, with the labels it is returned
// under.
type match struct {
	st     *stream
	e      storedEntry
	line   string // the line as the pipeline left it (unpack may replace it)
	parsed map[string]string
}

// before orders entries forward: by time, then stream, then push order.
func before(as *stream, a storedEntry, bs *stream, b storedEntry) bool {
	if a.ts != b.ts {
		return a.ts < b.ts
	}
	if as.key != bs.key {
		return as.key < bs.key
	}
	return a.seq < b.seq
}

// work is what evaluating a query cost.
type work struct {
	scanned, parsed int64
}

// selectEntries evaluates a log query over [start, end) and returns the
// first limit matches in the given direction. Like Loki it reads the
// selected streams' lines merged in the query's direction and stops once
// the limit is filled, so a selective filter reads the whole window and a
// plain selector only the lines it returns. The caller holds s.mu.
func (s *Server) selectEntries(tenant string, q *logQuery, start, end int64, limit int, backward bool) ([]match, work) {
	type cand struct {
		st *stream
		e  storedEntry
	}
	var cands []cand
	for _, st := range s.tenants[tenant] {
		if !matchesSelector(q.selector, st.labels) {
			continue
		}
		for _, e := range st.rangeEntries(start, end) {
			cands = append(cands, cand{st, e})
		}
	}
	sort.Slice(cands, func(i, j int) bool {
		if backward {
			return before(cands[j].st, cands[j].e, cands[i].st, cands[i].e)
		}
		return before(cands[i].st, cands[i].e, cands[j].st, cands[j].e)
	})
	var (
		out []match
		w   work
	)
	for _, c := range cands {
		w.scanned++
		res, ok := q.run(c.e.line, c.st.labels, c.e.sm)
		w.parsed += int64(res.parsers)
		if ok {
			out = append(out, match{st: c.st, e: c.e, line: res.line, parsed: res.parsed})
			if limit > 0 && len(out) >= limit {
				break
			}
		}
	}
	return out, w
}
