// Package traceid finds trace and span ids in log lines so a log view can
// jump to the trace. It looks, in order, at structured metadata, JSON fields
// (top level and nested), logfmt keys, a W3C traceparent anywhere in the
// line, and finally an optional custom regex. Every id is validated: trace
// ids are 16 or 32 hex characters, span ids 16, neither all zeros; they are
// returned in lower case.
package traceid

import (
	"errors"
	"fmt"
	"regexp"
)

// IDs are the ids found in one line. TraceID is empty when none was found;
// SpanID is only set together with a TraceID.
type IDs struct {
	TraceID, SpanID string
}

// traceKeys and spanKeys are the field names looked for, in priority order.
var (
	traceKeys = [...]string{"trace_id", "traceId", "traceID", "trace.id", "otelTraceID"}
	spanKeys  = [...]string{"span_id", "spanId", "spanID", "span.id", "otelSpanID"}
)

const traceparentKey = "traceparent"

// keyKind classifies a field name: a trace key, a span key, traceparent, or
// none. rank is the key's position in its list (lower wins).
func keyKind(k string) (kind byte, rank int) {
	switch k {
	case "trace_id":
		return 't', 0
	case "traceId":
		return 't', 1
	case "traceID":
		return 't', 2
	case "trace.id":
		return 't', 3
	case "otelTraceID":
		return 't', 4
	case "span_id":
		return 's', 0
	case "spanId":
		return 's', 1
	case "spanID":
		return 's', 2
	case "span.id":
		return 's', 3
	case "otelSpanID":
		return 's', 4
	case traceparentKey:
		return 'p', 0
	}
	return 0, 0
}

// Extractor finds ids in lines. It is immutable once built and safe for
// concurrent use. A nil *Extractor works, without a custom regex.
type Extractor struct {
	re       *regexp.Regexp
	traceIdx int
	spanIdx  int // -1 when the regex has no span group
}

// NewExtractor builds an Extractor. customRegex is optional; when set it
// must compile and have a named group (?P<trace>…), and may have
// (?P<span>…).
func NewExtractor(customRegex string) (*Extractor, error) {
	x := &Extractor{traceIdx: -1, spanIdx: -1}
	if customRegex == "" {
		return x, nil
	}
	re, err := regexp.Compile(customRegex)
	if err != nil {
		return nil, fmt.Errorf("traceid: custom regex does not compile: %w", err)
	}
	x.re = re
	x.traceIdx = re.SubexpIndex("trace")
	x.spanIdx = re.SubexpIndex("span")
	if x.traceIdx < 0 {
		return nil, errors.New("traceid: custom regex has no (?P<trace>...) group")
	}
	return x, nil
}

// candidate is the best pair a source offered.
type candidate struct {
	trace, span string
	// coupled means span belongs to trace (a traceparent): it is only used
	// when that trace is the one chosen.
	coupled bool
}

// result accumulates ids across sources.
type result struct{ trace, span string }

// offer merges one source's finding; it reports whether both ids are set.
func (r *result) offer(c candidate) bool {
	if r.trace == "" && c.trace != "" {
		r.trace = c.trace
	}
	if r.span == "" && c.span != "" && (!c.coupled || c.trace == r.trace) {
		r.span = c.span
	}
	return r.trace != "" && r.span != ""
}

// Extract returns the ids found in a line and its structured metadata.
func (x *Extractor) Extract(line string, structuredMetadata map[string]string) IDs {
	var r result
	if len(structuredMetadata) > 0 && r.offer(fromMetadata(structuredMetadata)) {
		return r.ids()
	}
	jsonOK := false
	if looksJSON(line) {
		var c candidate
		c, jsonOK = fromJSON(line)
		if r.offer(c) {
			return r.ids()
		}
	}
	if !jsonOK && r.offer(fromLogfmt(line)) {
		return r.ids()
	}
	if r.offer(findTraceparent(line)) {
		return r.ids()
	}
	if x != nil && x.re != nil {
		r.offer(x.fromRegex(line))
	}
	return r.ids()
}

func (r result) ids() IDs {
	if r.trace == "" {
		return IDs{}
	}
	return IDs{TraceID: r.trace, SpanID: r.span}
}

// fromMetadata looks the known keys up in structured metadata.
func fromMetadata(sm map[string]string) candidate {
	var c candidate
	for _, k := range traceKeys {
		if t := normTrace(sm[k]); t != "" {
			c.trace = t
			break
		}
	}
	for _, k := range spanKeys {
		if s := normSpan(sm[k]); s != "" {
			c.span = s
			break
		}
	}
	if c.trace == "" {
		if t, s, ok := parseTraceparent(sm[traceparentKey]); ok {
			return candidate{trace: t, span: s, coupled: true}
		}
	}
	return c
}

func (x *Extractor) fromRegex(line string) candidate {
	m := x.re.FindStringSubmatch(line)
	if m == nil {
		return candidate{}
	}
	c := candidate{trace: normTrace(m[x.traceIdx])}
	if x.spanIdx >= 0 {
		c.span = normSpan(m[x.spanIdx])
	}
	return c
}

// picker keeps the best-ranked trace and span value seen in one source.
type picker struct {
	trace, span         string
	traceRank, spanRank int
	tp                  candidate
}

func newPicker() picker { return picker{traceRank: 1 << 30, spanRank: 1 << 30} }

// see considers one key/value pair at a nesting depth (0 = top level).
func (p *picker) see(key, value string, depth int) {
	kind, rank := keyKind(key)
	rank += depth * 8
	switch kind {
	case 't':
		if rank < p.traceRank {
			if t := normTrace(value); t != "" {
				p.trace, p.traceRank = t, rank
			}
		}
	case 's':
		if rank < p.spanRank {
			if s := normSpan(value); s != "" {
				p.span, p.spanRank = s, rank
			}
		}
	case 'p':
		if p.tp.trace == "" {
			if t, s, ok := parseTraceparent(value); ok {
				p.tp = candidate{trace: t, span: s, coupled: true}
			}
		}
	}
}

func (p *picker) candidate() candidate {
	if p.trace != "" {
		c := candidate{trace: p.trace, span: p.span}
		if c.span == "" && p.tp.trace == p.trace {
			c.span = p.tp.span
		}
		return c
	}
	if p.tp.trace != "" {
		return p.tp
	}
	return candidate{span: p.span}
}
