package simlogs

import (
	"fmt"
	"time"
)

// cadence is a kind of line logged at a steady pace: the n-th at
// start + n×every from the anchor, before it (History) and after it (Live),
// so what Loki's rules count goes on at the rate the alerts' states say.
type cadence struct {
	start, every time.Duration
	line         func(n int64) (service, level, text string)
}

// in returns the offsets of the cadence's lines in (from, to], with their
// numbers.
func (c cadence) in(from, to time.Duration) (offs []time.Duration, ns []int64) {
	n := int64(0)
	if from >= c.start {
		n = int64((from-c.start)/c.every) + 1
	}
	for off := c.start + time.Duration(n)*c.every; off <= to; n, off = n+1, off+c.every {
		offs, ns = append(offs, off), append(ns, n)
	}
	return offs, ns
}

// backendInstance is backend-2 for even n, backend-3 for odd.
func backendInstance(n int64) string { return fmt.Sprintf("backend-%d:3001", 2+n%2) }

// cadences are the lines of the log-based alerts' rules (seedrules):
//
//   - DatabaseTooManyClients, count_over_time(|= "too many clients" [1m]) > 5:
//     from 5m35s before the anchor one every 6.5s, so 6 lines are in the
//     minute before it pends (5m before the anchor) and 9 or 10 in every
//     minute after;
//   - BackendPoolTimeouts, count_over_time(|= "timeout acquiring connection
//     from pool" [5m]) by instance > 10: History's errors until the anchor,
//     then one every 5.5s on backend-2 and backend-3 in turn (about 27 each
//     in 5 minutes, as before it);
//   - BackendSlowQueries, count_over_time({level="warn"} |= "slow query"
//     [10m]) > 20: History's until the anchor (over 20 from 3 minutes
//     before it, 39 at it), then one every 15s (40 in 10 minutes).
func cadences() []cadence {
	return []cadence{
		{start: -5*time.Minute - 35*time.Second, every: 6500 * time.Millisecond, line: func(n int64) (string, string, string) {
			return ServiceBackend, "error", tooManyClientsLine(backendInstance(n))
		}},
		{start: 2 * time.Second, every: 5500 * time.Millisecond, line: func(n int64) (string, string, string) {
			return ServiceBackend, "error", poolTimeoutLine(backendInstance(n), 100+int(n%70), "GET", okRoutes[n%int64(len(okRoutes))])
		}},
		{start: 5 * time.Second, every: 15 * time.Second, line: func(n int64) (string, string, string) {
			return ServiceBackend, "warn", slowQueryLine(backendInstance(n), 1800+int(n*337%3000))
		}},
	}
}

// history is true for the cadences History logs itself (before the
// anchor); the others start at it.
func (c cadence) history() bool { return c.start < 0 }

func poolTimeoutLine(inst string, waiting int, method, route string) string {
	return jsonLine("level", "error", "instance", inst, "msg", "request failed",
		"error", fmt.Sprintf("timeout acquiring connection from pool after 5000ms (pool size 20, %d waiting)", waiting),
		"method", method, "route", route, "status", 500)
}

func slowQueryLine(inst string, ms int) string {
	return jsonLine("level", "warn", "instance", inst, "msg", "slow query", "duration_ms", ms, "table", "crm.contacts")
}

func tooManyClientsLine(inst string) string {
	return jsonLine("level", "error", "instance", inst, "msg", "request failed",
		"error", "pq: sorry, too many clients already", "route", "/api/v1/contacts", "status", 503)
}

// cadenceLines are the cadences' lines in (from, to] (offsets from
// anchor).
func cadenceLines(anchor time.Time, from, to time.Duration, only func(cadence) bool) []Line {
	var out []Line
	for _, c := range cadences() {
		if !only(c) {
			continue
		}
		offs, ns := c.in(from, to)
		for i, off := range offs {
			service, level, text := c.line(ns[i])
			out = append(out, Line{Labels: labels(service, level), Time: anchor.Add(off), Text: text})
		}
	}
	return out
}
