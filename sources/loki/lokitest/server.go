// Package lokitest is a small in-memory Loki for tests and demos. It serves
// the documented HTTP API (query_range, query, labels, label values,
// series, tail, ready, and the ruler's Prometheus-compatible rules and
// alerts) and really evaluates the subset of LogQL the project uses: stream
// selectors, line filters, the parsers `json`, `logfmt`, `regexp`,
// `pattern` and `unpack`, label filters, and metric queries over them
// (count_over_time, rate, bytes_over_time, bytes_rate; sum, count, min,
// max, avg, topk, bottomk by or without labels; arithmetic and comparisons;
// see metric.go), answered as a matrix evaluated at each step. A syntax
// error is answered with a Loki-style 400 parse error, valid LogQL the fake
// does not evaluate with a 400 saying so.
//
// It models what makes a real Loki slow or refuse a request, with Loki's
// defaults and error texts: max_entries_limit_per_query, max_query_length,
// max_query_series, the 11,000 points per series of a range query,
// max_concurrent_tail_requests, tail_max_duration, multi-tenancy
// (X-Scope-OrgID, 401 "no org id"), and a cost per line scanned and per line
// a parser stage ran on (see Costs), so a test can assert a query's shape
// (Stats) and its timing class.
package lokitest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Loki's defaults for the limits the fake enforces.
const (
	// DefaultMaxEntries is max_entries_limit_per_query.
	DefaultMaxEntries = 5000
	// DefaultMaxQueryLength is max_query_length (30d1h).
	DefaultMaxQueryLength = 721 * time.Hour
	// DefaultMaxConcurrentTails is max_concurrent_tail_requests.
	DefaultMaxConcurrentTails = 10
	// DefaultTailMaxDuration is tail_max_duration.
	DefaultTailMaxDuration = time.Hour
	// SingleTenant is the org id Loki uses for every request when
	// auth_enabled is false.
	SingleTenant = "fake"
)

// maxRecorded bounds how many requests the server remembers.
const maxRecorded = 10000

// Fault is a canned answer: requests to Path (every path when empty) are
// answered with Status, ContentType and Body instead of being served. A
// Fault with Status 200 and a JSON body is a fixed response, e.g. a matrix
// result. Times limits how many requests it answers (0: until cleared).
type Fault struct {
	Path        string
	Status      int
	ContentType string
	Body        string
	Times       int
}

// Request is what the server recorded of one request.
type Request struct {
	Path   string
	Query  url.Values
	Header http.Header
}

// Costs is what serving costs the fake, in wall-clock time, so a test can
// see a query's timing class the way a real Loki shows it. Zero costs
// nothing.
type Costs struct {
	// Request is added to every API request (network and queueing).
	Request time.Duration
	// PerLineScanned is paid for each line read from a selected stream:
	// stream selectors pick streams for free, then every line of them in
	// the window is read until the limit is filled.
	PerLineScanned time.Duration
	// PerLineParsed is paid each time a parser stage (json, logfmt,
	// regexp, pattern, unpack) runs on a line. Line filters placed before
	// the parser reduce it; structured-metadata and stream-label filters
	// cost nothing extra.
	PerLineParsed time.Duration
}

// Stats counts the work the server did, summed over every query_range
// since the last ResetStats.
type Stats struct {
	Queries      int64
	LinesScanned int64
	LinesParsed  int64
}

// Option configures a Server.
type Option func(*Server)

// WithTenant makes the server multi-tenant (auth_enabled): requests without
// X-Scope-OrgID get 401 "no org id", each tenant sees only its own data,
// and Push stores lines for tenant.
func WithTenant(tenant string) Option {
	return func(s *Server) { s.auth, s.tenant = true, tenant }
}

// WithAuth makes the server multi-tenant without choosing Push's tenant
// (it stays SingleTenant); use PushTenant.
func WithAuth() Option { return func(s *Server) { s.auth = true } }

// WithBearerToken makes the server answer 401 unless the request carries
// "Authorization: Bearer <token>" (as an auth proxy in front of Loki would).
func WithBearerToken(token string) Option { return func(s *Server) { s.bearer = token } }

// WithMaxEntries sets max_entries_limit_per_query (default 5000).
func WithMaxEntries(n int) Option { return func(s *Server) { s.maxEntries = n } }

// WithMaxQueryLength sets max_query_length (default 721h; 0 disables it).
func WithMaxQueryLength(d time.Duration) Option { return func(s *Server) { s.maxQueryLength = d } }

// WithMaxQuerySeries sets max_query_series, how many series a metric
// query may return (default 500; 0 disables it).
func WithMaxQuerySeries(n int) Option { return func(s *Server) { s.maxSeries = n } }

// WithMaxConcurrentTails sets max_concurrent_tail_requests per tenant
// (default 10).
func WithMaxConcurrentTails(n int) Option { return func(s *Server) { s.maxTails = n } }

// WithTailMaxDuration sets tail_max_duration (default 1h).
func WithTailMaxDuration(d time.Duration) Option { return func(s *Server) { s.tailMaxDuration = d } }

// WithCosts sets what serving costs (see Costs).
func WithCosts(c Costs) Option { return func(s *Server) { s.costs = c } }

// WithDiscoverLogLevels makes Push add the structured metadata
// detected_level to every line that lacks it, as Loki 3 does with
// discover_log_levels (see detectLevel for the rules the fake follows).
func WithDiscoverLogLevels() Option { return func(s *Server) { s.discoverLevels = true } }

// Server is a fake Loki. Create it with New; it listens on loopback until
// Close. It is also an http.Handler, to be mounted elsewhere.
type Server struct {
	auth            bool
	tenant          string // Push's tenant
	bearer          string
	maxEntries      int
	maxQueryLength  time.Duration
	maxSeries       int
	maxTails        int
	tailMaxDuration time.Duration
	discoverLevels  bool

	http *httptest.Server
	done chan struct{}

	mu       sync.Mutex
	costs    Costs
	tenants  map[string]map[string]*stream // tenant → stream key → stream
	seq      uint64
	tails    map[*tailSub]struct{}
	faults   []*Fault
	requests []Request
	stats    Stats
	rules    map[string][]RuleGroup // tenant → rule groups
	closed   bool
}

// New starts a fake Loki on a loopback port.
func New(opts ...Option) *Server {
	s := NewHandler(opts...)
	s.http = httptest.NewServer(s)
	return s
}

// NewHandler returns a fake Loki that is not listening anywhere; serve it
// with your own http.Server. URL is empty for such a server.
func NewHandler(opts ...Option) *Server {
	s := &Server{
		tenant:          SingleTenant,
		maxEntries:      DefaultMaxEntries,
		maxQueryLength:  DefaultMaxQueryLength,
		maxSeries:       DefaultMaxQuerySeries,
		maxTails:        DefaultMaxConcurrentTails,
		tailMaxDuration: DefaultTailMaxDuration,
		done:            make(chan struct{}),
		tenants:         map[string]map[string]*stream{},
		tails:           map[*tailSub]struct{}{},
		rules:           map[string][]RuleGroup{},
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// URL is the server's base URL, e.g. http://127.0.0.1:40123.
func (s *Server) URL() string {
	if s.http == nil {
		return ""
	}
	return s.http.URL
}

// Close ends running tails and stops the listener.
func (s *Server) Close() {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		close(s.done)
	}
	s.mu.Unlock()
	if s.http != nil {
		s.http.Close()
	}
}

// SetCosts changes what serving costs from now on.
func (s *Server) SetCosts(c Costs) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.costs = c
}

// Stats returns the work done since the last ResetStats.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// ResetStats zeroes the counters.
func (s *Server) ResetStats() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats = Stats{}
}

// Inject adds a canned answer (see Fault). Faults are tried in the order
// they were added.
func (s *Server) Inject(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
}

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// Requests returns the requests served so far, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	copy(out, s.requests)
	return out
}

// ResetRequests forgets the recorded requests.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}

// orgID resolves the request's tenant as Loki does: with auth disabled
// every request is SingleTenant; with it, X-Scope-OrgID is required.
func (s *Server) orgID(r *http.Request) (string, bool) {
	if !s.auth {
		return SingleTenant, true
	}
	org := r.Header.Get("X-Scope-OrgID")
	return org, org != ""
}

// ServeHTTP serves the Loki API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f := s.record(r); f != nil {
		ct := f.ContentType
		if ct == "" {
			ct = "text/plain; charset=utf-8"
		}
		w.Header().Set("Content-Type", ct)
		w.WriteHeader(f.Status)
		_, _ = io.WriteString(w, f.Body)
		return
	}
	if r.URL.Path == "/ready" {
		writeText(w, http.StatusOK, "ready")
		return
	}
	if s.bearer != "" && r.Header.Get("Authorization") != "Bearer "+s.bearer {
		writeText(w, http.StatusUnauthorized, "Unauthorized")
		return
	}
	org, ok := s.orgID(r)
	if !ok {
		writeText(w, http.StatusUnauthorized, "no org id")
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		writeText(w, http.StatusMethodNotAllowed, "method not allowed")
		return
	}
	if err := r.ParseForm(); err != nil {
		writeText(w, http.StatusBadRequest, err.Error())
		return
	}
	s.mu.Lock()
	latency := s.costs.Request
	s.mu.Unlock()
	if !s.wait(r.Context(), latency) {
		return
	}
	path := r.URL.Path
	switch {
	case path == "/loki/api/v1/query_range":
		s.handleQueryRange(w, r, org)
	case path == "/loki/api/v1/query":
		s.handleQuery(w, r, org)
	case path == "/loki/api/v1/labels":
		s.handleLabels(w, r, org)
	case strings.HasPrefix(path, "/loki/api/v1/label/") && strings.HasSuffix(path, "/values"):
		name := strings.TrimSuffix(strings.TrimPrefix(path, "/loki/api/v1/label/"), "/values")
		s.handleLabelValues(w, r, name, org)
	case path == "/loki/api/v1/series":
		s.handleSeries(w, r, org)
	case path == "/loki/api/v1/tail":
		s.handleTail(w, r, org)
	case path == "/prometheus/api/v1/rules":
		s.handleRules(w, r, org)
	case path == "/prometheus/api/v1/alerts":
		s.handleAlerts(w, org)
	default:
		writeText(w, http.StatusNotFound, "404 page not found")
	}
}

// wait sleeps for d unless the request or the server ends first; it
// reports whether the request should still be answered.
func (s *Server) wait(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-s.done:
		return false
	}
}

// record remembers the request and returns the fault that answers it, if
// any.
func (s *Server) record(r *http.Request) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.requests) >= maxRecorded {
		s.requests = s.requests[1:]
	}
	s.requests = append(s.requests, Request{Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone()})
	for i, f := range s.faults {
		if f.Path != "" && f.Path != r.URL.Path {
			continue
		}
		ans := *f
		if f.Times > 0 {
			f.Times--
			if f.Times == 0 {
				s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			}
		}
		return &ans
	}
	return nil
}

// writeText answers with a plain-text body, as Loki does for errors.
func writeText(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = fmt.Fprintln(w, msg)
}

func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeText(w, http.StatusInternalServerError, err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

// snapshotLabels copies a label map for use outside the lock.
func snapshotLabels(m map[string]string) map[string]string { return maps.Clone(m) }
