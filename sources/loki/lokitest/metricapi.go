package lokitest

import (
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"time"
)

// errInstantLogQuery is Loki's refusal of a log query on /query.
const errInstantLogQuery = "log queries are not supported as an instant query type, please change your query to a range query type"

// handleQuery serves GET /loki/api/v1/query: a metric query evaluated at
// time (default now), answered as a vector.
func (s *Server) handleQuery(w http.ResponseWriter, r *http.Request, org string) {
	_, metric, err := parseExpr(r.Form.Get("query"))
	if err != nil {
		writeText(w, http.StatusBadRequest, err.Error())
		return
	}
	t, err := parseTime(r.Form.Get("time"), time.Now())
	if err != nil {
		writeText(w, http.StatusBadRequest, err.Error())
		return
	}
	if _, err := parseLimit(r.Form.Get("limit")); err != nil {
		writeText(w, http.StatusBadRequest, err.Error())
		return
	}
	if _, err := parseDirection(r.Form.Get("direction")); err != nil {
		writeText(w, http.StatusBadRequest, err.Error())
		return
	}
	if metric == nil {
		writeText(w, http.StatusBadRequest, errInstantLogQuery)
		return
	}
	s.serveMetric(w, r, org, metric, t.UnixNano(), t.UnixNano(), time.Second, true)
}

type wireMatrix struct {
	Metric map[string]string `json:"metric"`
	Values [][2]any          `json:"values"`
}

type wireVector struct {
	Metric map[string]string `json:"metric"`
	Value  [2]any            `json:"value"`
}

// serveMetric evaluates a metric query over [start, end] at step (aligned
// as Loki's query frontend aligns it), or at start alone for an instant
// query, and answers with a matrix (a vector when instant). Lines are
// read and parsed once per range aggregation, costing as in Costs.
func (s *Server) serveMetric(w http.ResponseWriter, r *http.Request, org string, n node, start, end int64, step time.Duration, instant bool) {
	if !instant {
		start, end = stepTimes(start, end, step)
	}
	s.mu.Lock()
	series, ev, err := s.evalRange(org, n, start, end, step)
	s.stats.Queries++
	s.stats.LinesScanned += ev.w.scanned
	s.stats.LinesParsed += ev.w.parsed
	costs := s.costs
	s.mu.Unlock()
	spent := time.Duration(ev.w.scanned)*costs.PerLineScanned + time.Duration(ev.w.parsed)*costs.PerLineParsed
	if !s.wait(r.Context(), spent) {
		return // the client gave up, as it does on a slow Loki
	}
	if err != nil {
		writeText(w, http.StatusBadRequest, err.Error())
		return
	}
	data := map[string]any{
		"stats": map[string]any{"summary": map[string]any{
			"totalEntriesReturned": len(series),
			"totalLinesProcessed":  ev.w.scanned,
			"totalBytesProcessed":  ev.bytes,
			"execTime":             spent.Seconds(),
		}},
	}
	if instant {
		result := make([]wireVector, 0, len(series))
		for _, ms := range series {
			result = append(result, wireVector{Metric: snapshotLabels(ms.labels), Value: ms.points[0]})
		}
		data["resultType"], data["result"] = "vector", result
	} else {
		result := make([]wireMatrix, 0, len(series))
		for _, ms := range series {
			result = append(result, wireMatrix{Metric: snapshotLabels(ms.labels), Values: ms.points})
		}
		data["resultType"], data["result"] = "matrix", result
	}
	writeJSON(w, map[string]any{"status": "success", "data": data})
}

// unixSeconds renders a nanosecond time as Loki does a sample's: seconds
// with millisecond precision, a JSON number (1700000000.5).
func unixSeconds(ns int64) json.Number {
	ms := ns / int64(time.Millisecond)
	if ns < 0 && ns%int64(time.Millisecond) != 0 {
		ms--
	}
	return json.Number(strconv.FormatFloat(float64(ms)/1000, 'f', -1, 64))
}

// formatValue renders a sample value as Loki does: shortest decimal,
// "+Inf", "-Inf" or "NaN".
func formatValue(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// labelsLess orders label sets as Prometheus does: by their sorted
// (name, value) pairs, a prefix first.
func labelsLess(a, b map[string]string) bool {
	an, bn := sortedNames(a), sortedNames(b)
	for i := 0; i < len(an) && i < len(bn); i++ {
		if an[i] != bn[i] {
			return an[i] < bn[i]
		}
		if av, bv := a[an[i]], b[bn[i]]; av != bv {
			return av < bv
		}
	}
	return len(an) < len(bn)
}

func sortedNames(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
