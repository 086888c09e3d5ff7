package lokitest

import (
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
)

// parseTime reads a Loki timestamp parameter: nanosecond epoch, float
// seconds, or RFC3339.
func parseTime(v string, def time.Time) (time.Time, error) {
	if v == "" {
		return def, nil
	}
	if strings.Contains(v, ".") {
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			sec, frac := math.Modf(f)
			return time.Unix(int64(sec), int64(math.Round(frac*1e9))), nil
		}
	} else if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.Unix(0, n), nil
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("cannot parse %q to a valid timestamp", v)
}

// timeRange reads start/end with Loki's defaults: end now, start lookback
// before end (an hour for queries, six hours for the label endpoints).
func timeRange(r *http.Request, lookback time.Duration) (int64, int64, error) {
	end, err := parseTime(r.Form.Get("end"), time.Now())
	if err != nil {
		return 0, 0, err
	}
	start, err := parseTime(r.Form.Get("start"), end.Add(-lookback))
	if err != nil {
		return 0, 0, err
	}
	if end.Before(start) {
		return 0, 0, fmt.Errorf("end timestamp must not be before or equal to start time")
	}
	return start.UnixNano(), end.UnixNano(), nil
}

// parseStep reads the step parameter (float seconds or a duration) with
// Loki's default: the window over 250, at least a second.
func parseStep(v string, start, end int64) (time.Duration, error) {
	if v == "" {
		return max(time.Second, time.Duration(math.Floor(time.Duration(end-start).Seconds()/250))*time.Second), nil
	}
	var d time.Duration
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		d = time.Duration(f * float64(time.Second))
	} else if md, err := model.ParseDuration(v); err == nil {
		d = time.Duration(md)
	} else {
		return 0, fmt.Errorf("cannot parse %q to a valid duration", v)
	}
	if d <= 0 {
		return 0, fmt.Errorf("zero or negative query resolution step widths are not accepted. Try a positive integer")
	}
	return d, nil
}

// errStepTooSmall is Loki's refusal of more than 11,000 points a series.
const errStepTooSmall = "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)"

// categorize reports whether the request asked for categorized labels.
func categorize(r *http.Request) bool {
	for _, h := range r.Header.Values("X-Loki-Response-Encoding-Flags") {
		for _, f := range strings.Split(h, ",") {
			if strings.TrimSpace(f) == "categorize-labels" {
				return true
			}
		}
	}
	return false
}

type wireStream struct {
	Stream map[string]string `json:"stream"`
	Values [][]any           `json:"values"`
}

type categorized struct {
	StructuredMetadata map[string]string `json:"structuredMetadata,omitempty"`
	Parsed             map[string]string `json:"parsed,omitempty"`
}

// encodeStreams groups matches into streams in first-appearance order. With
// categorize, stream labels stay apart from structured metadata and parsed
// labels, which travel as a third value element (an empty object when a
// line has neither); without it everything is merged into the stream
// labels, as Loki does.
func encodeStreams(ms []match, cat bool) []wireStream {
	var out []wireStream
	index := map[string]int{}
	for _, m := range ms {
		labels, key := m.st.labels, m.st.key
		if !cat && (len(m.e.sm) > 0 || len(m.parsed) > 0) {
			labels = snapshotLabels(m.st.labels)
			for k, v := range m.e.sm {
				labels[k] = v
			}
			for k, v := range m.parsed {
				labels[k] = v
			}
			key = labelsKey(labels)
		}
		i, ok := index[key]
		if !ok {
			i = len(out)
			index[key] = i
			out = append(out, wireStream{Stream: snapshotLabels(labels), Values: [][]any{}})
		}
		line := m.line
		if line == "" {
			line = m.e.line
		}
		v := []any{strconv.FormatInt(m.e.ts, 10), line}
		if cat {
			v = append(v, categorized{StructuredMetadata: m.e.sm, Parsed: m.parsed})
		}
		out[i].Values = append(out[i].Values, v)
	}
	return out
}

// queryTooLong is Loki's max_query_length error: the length as a Go
// duration, the limit as a Prometheus duration (e.g. 30d1h).
func queryTooLong(length, limit time.Duration) string {
	return fmt.Sprintf("the query time range exceeds the limit (query length: %s, limit: %s)", length, model.Duration(limit))
}

// parseLimit reads the limit parameter (default 100).
func parseLimit(v string) (int, error) {
	if v == "" {
		return 100, nil
	}
	limit, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("cannot parse %q to a valid limit", v)
	}
	if limit <= 0 {
		return 0, fmt.Errorf("limit must be a positive value")
	}
	return limit, nil
}

// parseDirection reads the direction parameter: backward (the default) or
// forward.
func parseDirection(v string) (backward bool, err error) {
	switch d := strings.ToLower(v); d {
	case "", "backward":
		return true, nil
	case "forward":
		return false, nil
	default:
		return false, fmt.Errorf("invalid direction '%s'", d)
	}
}

func (s *Server) handleQueryRange(w http.ResponseWriter, r *http.Request, org string) {
	q, metric, err := parseExpr(r.Form.Get("query"))
	if err != nil {
		writeText(w, http.StatusBadRequest, err.Error())
		return
	}
	start, end, err := timeRange(r, time.Hour)
	if err != nil {
		writeText(w, http.StatusBadRequest, err.Error())
		return
	}
	step, err := parseStep(r.Form.Get("step"), start, end)
	if err != nil {
		writeText(w, http.StatusBadRequest, err.Error())
		return
	}
	if time.Duration(end-start)/step > 11000 {
		writeText(w, http.StatusBadRequest, errStepTooSmall)
		return
	}
	limit, err := parseLimit(r.Form.Get("limit"))
	if err != nil {
		writeText(w, http.StatusBadRequest, err.Error())
		return
	}
	backward, err := parseDirection(r.Form.Get("direction"))
	if err != nil {
		writeText(w, http.StatusBadRequest, err.Error())
		return
	}
	// the entry limit does not apply to metric queries
	if metric == nil && limit > s.maxEntries {
		writeText(w, http.StatusBadRequest, fmt.Sprintf("max entries limit per query exceeded, limit > max_entries_limit_per_query (%d > %d)", limit, s.maxEntries))
		return
	}
	if length := time.Duration(end - start); s.maxQueryLength > 0 && length > s.maxQueryLength {
		writeText(w, http.StatusBadRequest, queryTooLong(length, s.maxQueryLength))
		return
	}
	if metric != nil {
		s.serveMetric(w, r, org, metric, start, end, step, false)
		return
	}
	cat := categorize(r)
	s.mu.Lock()
	ms, cost := s.selectEntries(org, q, start, end, limit, backward)
	result := encodeStreams(ms, cat)
	s.stats.Queries++
	s.stats.LinesScanned += cost.scanned
	s.stats.LinesParsed += cost.parsed
	costs := s.costs
	s.mu.Unlock()
	spent := time.Duration(cost.scanned)*costs.PerLineScanned + time.Duration(cost.parsed)*costs.PerLineParsed
	if !s.wait(r.Context(), spent) {
		return // the client gave up, as it does on a slow Loki
	}
	bytes := 0
	for _, m := range ms {
		bytes += len(m.e.line)
	}
	data := map[string]any{
		"resultType": "streams",
		"result":     result,
		"stats": map[string]any{"summary": map[string]any{
			"totalEntriesReturned": len(ms),
			"totalLinesProcessed":  cost.scanned,
			"totalBytesProcessed":  bytes,
			"execTime":             spent.Seconds(),
		}},
	}
	if cat {
		data["encodingFlags"] = []string{"categorize-labels"}
	}
	writeJSON(w, map[string]any{"status": "success", "data": data})
}

// selected returns the tenant's streams matching the optional selector
// param that have data in the request's time range.
func (s *Server) selected(w http.ResponseWriter, r *http.Request, param, org string) ([]*stream, bool) {
	var sel []matcher
	if qs := r.Form.Get(param); qs != "" {
		var err error
		if sel, err = parseSelector(qs); err != nil {
			writeText(w, http.StatusBadRequest, err.Error())
			return nil, false
		}
	}
	start, end, err := timeRange(r, 6*time.Hour)
	if err != nil {
		writeText(w, http.StatusBadRequest, err.Error())
		return nil, false
	}
	var out []*stream
	for _, st := range s.tenants[org] {
		if matchesSelector(sel, st.labels) && st.overlaps(start, end) {
			out = append(out, st)
		}
	}
	return out, true
}

func sortedKeys(set map[string]struct{}) []string {
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (s *Server) handleLabels(w http.ResponseWriter, r *http.Request, org string) {
	s.mu.Lock()
	sts, ok := s.selected(w, r, "query", org)
	names := map[string]struct{}{}
	for _, st := range sts {
		for k := range st.labels {
			names[k] = struct{}{}
		}
	}
	s.mu.Unlock()
	if ok {
		writeJSON(w, map[string]any{"status": "success", "data": sortedKeys(names)})
	}
}

func (s *Server) handleLabelValues(w http.ResponseWriter, r *http.Request, name, org string) {
	s.mu.Lock()
	sts, ok := s.selected(w, r, "query", org)
	values := map[string]struct{}{}
	for _, st := range sts {
		if v, has := st.labels[name]; has {
			values[v] = struct{}{}
		}
	}
	s.mu.Unlock()
	if ok {
		writeJSON(w, map[string]any{"status": "success", "data": sortedKeys(values)})
	}
}

func (s *Server) handleSeries(w http.ResponseWriter, r *http.Request, org string) {
	matches := r.Form["match[]"]
	if len(matches) == 0 {
		writeText(w, http.StatusBadRequest, "0 matchers provided, at least 1 matcher is required")
		return
	}
	var sels [][]matcher
	for _, m := range matches {
		sel, err := parseSelector(m)
		if err != nil {
			writeText(w, http.StatusBadRequest, err.Error())
			return
		}
		sels = append(sels, sel)
	}
	start, end, err := timeRange(r, time.Hour)
	if err != nil {
		writeText(w, http.StatusBadRequest, err.Error())
		return
	}
	s.mu.Lock()
	var keys []string
	byKey := map[string]map[string]string{}
	for _, st := range s.tenants[org] {
		if !st.overlaps(start, end) {
			continue
		}
		for _, sel := range sels {
			if matchesSelector(sel, st.labels) {
				keys = append(keys, st.key)
				byKey[st.key] = snapshotLabels(st.labels)
				break
			}
		}
	}
	s.mu.Unlock()
	sort.Strings(keys)
	data := make([]map[string]string, 0, len(keys))
	for _, k := range keys {
		data = append(data, byKey[k])
	}
	writeJSON(w, map[string]any{"status": "success", "data": data})
}
