package loki

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// queryData is the "data" object of a query response.
type queryData struct {
	ResultType    string          `json:"resultType"`
	Result        json.RawMessage `json:"result"`
	Stats         map[string]any  `json:"stats"`
	EncodingFlags []string        `json:"encodingFlags"`
}

// wireStream is one stream of a "streams" result.
type wireStream struct {
	Stream map[string]string `json:"stream"`
	Values []logValue        `json:"values"`
}

// logValue is ["<ns>", "<line>"] or, with categorize-labels,
// ["<ns>", "<line>", {"structuredMetadata": {...}, "parsed": {...}}].
type logValue struct {
	ts     int64
	line   string
	sm     map[string]string
	parsed map[string]string
}

func (v *logValue) UnmarshalJSON(b []byte) error {
	var parts []json.RawMessage
	if err := json.Unmarshal(b, &parts); err != nil {
		return fmt.Errorf("log value: %w", err)
	}
	if len(parts) < 2 || len(parts) > 3 {
		return fmt.Errorf("log value has %d elements, want 2 or 3", len(parts))
	}
	var ts string
	if err := json.Unmarshal(parts[0], &ts); err != nil {
		return fmt.Errorf("log timestamp: %w", err)
	}
	n, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("log timestamp %q is not a nanosecond epoch", ts)
	}
	v.ts = n
	if err := json.Unmarshal(parts[1], &v.line); err != nil {
		return fmt.Errorf("log line: %w", err)
	}
	if len(parts) == 3 && !bytes.Equal(bytes.TrimSpace(parts[2]), []byte("null")) {
		var meta struct {
			StructuredMetadata map[string]string `json:"structuredMetadata"`
			Parsed             map[string]string `json:"parsed"`
		}
		if err := json.Unmarshal(parts[2], &meta); err != nil {
			return fmt.Errorf("log value metadata: %w", err)
		}
		v.sm, v.parsed = meta.StructuredMetadata, meta.Parsed
	}
	return nil
}

// metricSample is [<unix seconds>, "<value>"].
type metricSample struct {
	t time.Time
	v float64
}

func (s *metricSample) UnmarshalJSON(b []byte) error {
	var parts []json.RawMessage
	if err := json.Unmarshal(b, &parts); err != nil {
		return fmt.Errorf("sample: %w", err)
	}
	if len(parts) != 2 {
		return fmt.Errorf("sample has %d elements, want 2", len(parts))
	}
	t, err := parseUnixSeconds(string(bytes.Trim(bytes.TrimSpace(parts[0]), `"`)))
	if err != nil {
		return err
	}
	var vs string
	if err := json.Unmarshal(parts[1], &vs); err != nil {
		return fmt.Errorf("sample value: %w", err)
	}
	f, err := strconv.ParseFloat(vs, 64)
	if err != nil {
		return fmt.Errorf("sample value %q is not a number", vs)
	}
	s.t, s.v = t, f
	return nil
}

// parseUnixSeconds reads "1700000000.123" exactly (no float rounding for
// up to nanosecond precision).
func parseUnixSeconds(s string) (time.Time, error) {
	bad := fmt.Errorf("sample timestamp %q is not unix seconds", s)
	if strings.ContainsAny(s, "eE") {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return time.Time{}, bad
		}
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(math.Round(frac*1e9))), nil
	}
	whole, frac, _ := strings.Cut(s, ".")
	sec, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return time.Time{}, bad
	}
	var ns int64
	if frac != "" {
		if len(frac) > 9 {
			frac = frac[:9]
		}
		ns, err = strconv.ParseInt(frac+strings.Repeat("0", 9-len(frac)), 10, 64)
		if err != nil || ns < 0 {
			return time.Time{}, bad
		}
		if strings.HasPrefix(whole, "-") {
			ns = -ns
		}
	}
	return time.Unix(sec, ns), nil
}

type wireMatrix struct {
	Metric map[string]string `json:"metric"`
	Values []metricSample    `json:"values"`
}

type wireVector struct {
	Metric map[string]string `json:"metric"`
	Value  metricSample      `json:"value"`
}

// result turns the data object into a Result, entries ordered in dir.
func (d *queryData) result(dir Direction) (*Result, error) {
	res := &Result{Type: d.ResultType, Stats: d.Stats}
	switch d.ResultType {
	case "streams":
		var streams []wireStream
		if err := json.Unmarshal(d.Result, &streams); err != nil {
			return nil, err
		}
		res.Entries = flatten(streams, dir)
	case "matrix":
		var ms []wireMatrix
		if err := json.Unmarshal(d.Result, &ms); err != nil {
			return nil, err
		}
		for _, m := range ms {
			s := Series{Labels: nonNil(m.Metric), Samples: make([]Sample, 0, len(m.Values))}
			for _, v := range m.Values {
				s.Samples = append(s.Samples, Sample{Time: v.t, Value: v.v})
			}
			res.Series = append(res.Series, s)
		}
	case "vector":
		var vs []wireVector
		if err := json.Unmarshal(d.Result, &vs); err != nil {
			return nil, err
		}
		for _, v := range vs {
			res.Series = append(res.Series, Series{Labels: nonNil(v.Metric), Samples: []Sample{{Time: v.Value.t, Value: v.Value.v}}})
		}
	case "scalar":
		var s metricSample
		if err := json.Unmarshal(d.Result, &s); err != nil {
			return nil, err
		}
		res.Series = []Series{{Labels: map[string]string{}, Samples: []Sample{{Time: s.t, Value: s.v}}}}
	default:
		return nil, fmt.Errorf("unknown resultType %q", d.ResultType)
	}
	return res, nil
}

func nonNil(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// flatten merges all streams into one list ordered by time in the given
// direction; lines of one nanosecond are ordered by stream labels and keep
// their order within a stream.
func flatten(streams []wireStream, dir Direction) []Entry {
	type keyed struct {
		e   Entry
		ns  int64
		key string
	}
	var all []keyed
	for _, s := range streams {
		labels := nonNil(s.Stream)
		key := labelsString(labels)
		for _, v := range s.Values {
			all = append(all, keyed{
				e:   Entry{Time: time.Unix(0, v.ts), Line: v.line, Labels: labels, StructuredMetadata: v.sm, Parsed: v.parsed},
				ns:  v.ts,
				key: key,
			})
		}
	}
	backward := dir != Forward
	sort.SliceStable(all, func(i, j int) bool {
		if all[i].ns != all[j].ns {
			return (all[i].ns < all[j].ns) != backward
		}
		return all[i].key < all[j].key
	})
	out := make([]Entry, len(all))
	for i := range all {
		out[i] = all[i].e
	}
	return out
}

// labelsString renders a label set canonically, e.g. {app="api", env="prod"}.
func labelsString(ls map[string]string) string {
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
		b.WriteByte('=')
		b.WriteString(quote(ls[k]))
	}
	b.WriteByte('}')
	return b.String()
}
