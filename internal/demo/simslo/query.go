package simslo

import (
	"math"
	"regexp"
	"strings"
	"time"

	"github.com/prometheus/alertmanager/pkg/labels"
	"github.com/prometheus/common/model"

	"oncall/internal/demo/sim"
)

// The query shapes answered, after sim.NormalizeQuery (no spaces):
//
//	sum(rate(http_requests_total{service="S"[,code=~"5.."]}[W]))  per second
//	sum(increase(http_requests_total{…}[W]))                       over W
//	(sum(A) or vector(0)) / sum(B)                                  promslo's ratio
//	A / B                                                           a plain ratio
//	slo:availability:error_ratio_rate5m{service="S"}  (and …rate1h) the recording rules
//
// The matchers must name a known service; code=~"5..", code="500" or
// status=~"5.." select the errors, and no code matcher all requests.
var (
	counterRE   = regexp.MustCompile(`^sum\((rate|increase)\(http_requests_total(\{[^{}]*\})\[([0-9a-z]+)\]\)\)$`)
	orVectorRE  = regexp.MustCompile(`^\(sum\((.+)\)orvector\(0\)\)/sum\((.+)\)$`)
	recordingRE = regexp.MustCompile(`^slo:availability:error_ratio_rate(5m|1h)(\{[^{}]*\})?$`)
)

// evaluator answers the SLO queries from the timelines.
type evaluator struct {
	services map[string]Timeline
}

// matches reports whether q is one of the shapes above over known services.
func (e evaluator) matches(q string) bool {
	_, ok := e.value(sim.NormalizeQuery(q), time.Time{}, true)
	return ok
}

// eval answers q at ts: a one-sample vector without labels, or the
// recording-rule series per service.
func (e evaluator) eval(q string, ts time.Time) model.Value {
	nq := sim.NormalizeQuery(q)
	if m := recordingRE.FindStringSubmatch(nq); m != nil {
		return e.recording(m[1], m[2], ts)
	}
	v, ok := e.value(nq, ts, false)
	if !ok || math.IsNaN(v) {
		return model.Vector{}
	}
	return model.Vector{{Metric: model.Metric{}, Value: model.SampleValue(v)}}
}

// value evaluates a normalized query; with dry set it only checks the shape.
func (e evaluator) value(nq string, ts time.Time, dry bool) (float64, bool) {
	if recordingRE.MatchString(nq) {
		return 0, true
	}
	if m := orVectorRE.FindStringSubmatch(nq); m != nil {
		return e.ratio(m[1], m[2], ts, dry)
	}
	if v, ok := e.counter(nq, ts, dry); ok {
		return v, true
	}
	// A / B, split at the one top-level slash.
	if a, b, ok := splitTopLevel(nq, '/'); ok {
		return e.ratio(a, b, ts, dry)
	}
	return 0, false
}

func (e evaluator) ratio(a, b string, ts time.Time, dry bool) (float64, bool) {
	num, ok1 := e.counter(a, ts, dry)
	den, ok2 := e.counter(b, ts, dry)
	if !ok1 || !ok2 {
		return 0, false
	}
	if dry {
		return 0, true
	}
	if den == 0 {
		return math.NaN(), true
	}
	return num / den, true
}

// counter evaluates sum(rate|increase(http_requests_total{…}[W])).
func (e evaluator) counter(nq string, ts time.Time, dry bool) (float64, bool) {
	m := counterRE.FindStringSubmatch(nq)
	if m == nil {
		return 0, false
	}
	tl, errorsOnly, ok := e.selector(m[2])
	if !ok {
		return 0, false
	}
	w, err := model.ParseDuration(m[3])
	if err != nil || w <= 0 {
		return 0, false
	}
	if dry {
		return 0, true
	}
	errs, total := tl.Rates(time.Duration(w), ts)
	v := total
	if errorsOnly {
		v = errs
	}
	if m[1] == "increase" {
		v *= time.Duration(w).Seconds()
	}
	return v, true
}

// selector resolves {service="S", code=~"5.."} to a timeline and whether
// it selects only the errors.
func (e evaluator) selector(braces string) (Timeline, bool, bool) {
	ms, err := labels.ParseMatchers(braces)
	if err != nil {
		return Timeline{}, false, false
	}
	var tl Timeline
	found, errorsOnly := false, false
	for _, m := range ms {
		switch m.Name {
		case "service":
			if m.Type != labels.MatchEqual {
				return Timeline{}, false, false
			}
			tl, found = e.services[m.Value]
		case "code", "status":
			if !m.Matches("500") || m.Matches("200") {
				return Timeline{}, false, false
			}
			errorsOnly = true
		case "job", "env":
			// informational; every series of a service carries them
		default:
			return Timeline{}, false, false
		}
	}
	return tl, errorsOnly, found
}

// recording answers slo:availability:error_ratio_rate<w>{…}: the error
// ratio of every service the matchers accept.
func (e evaluator) recording(window, braces string, ts time.Time) model.Value {
	var ms labels.Matchers
	if braces != "" {
		var err error
		if ms, err = labels.ParseMatchers(braces); err != nil {
			return model.Vector{}
		}
	}
	w, _ := model.ParseDuration(window)
	name := "slo:availability:error_ratio_rate" + window
	out := model.Vector{}
	for _, svc := range sortedKeys(e.services) {
		ls := model.LabelSet{model.MetricNameLabel: model.LabelValue(name), "service": model.LabelValue(svc)}
		if !ms.Matches(ls) {
			continue
		}
		r := e.services[svc].ErrorRatio(time.Duration(w), ts)
		if math.IsNaN(r) {
			continue
		}
		out = append(out, &model.Sample{Metric: model.Metric(ls), Value: model.SampleValue(r)})
	}
	return out
}

// splitTopLevel splits s at its only occurrence of sep outside brackets
// and quotes.
func splitTopLevel(s string, sep byte) (string, string, bool) {
	depth, at := 0, -1
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == '\\' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'' || c == '`':
			quote = c
		case strings.IndexByte("({[", c) >= 0:
			depth++
		case strings.IndexByte(")}]", c) >= 0:
			depth--
		case c == sep && depth == 0:
			if at >= 0 {
				return "", "", false
			}
			at = i
		}
	}
	if at < 0 {
		return "", "", false
	}
	return s[:at], s[at+1:], true
}
