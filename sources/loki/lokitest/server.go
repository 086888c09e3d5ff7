// Package lokitest is a small in-memory Loki for tests and demos. It serves
// the documented HTTP API (query_range, labels, label values, series, tail,
// ready) and really evaluates the subset of LogQL the project uses: stream
// selectors, line filters, `| json`, `| logfmt` and label filters. Anything
// else is answered with a Loki-style 400 parse error.
package lokitest

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
)

// DefaultMaxEntries is Loki's default max_entries_limit_per_query.
const DefaultMaxEntries = 5000

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

// Option configures a Server.
type Option func(*Server)

// WithTenant makes the server multi-tenant: requests without X-Scope-OrgID
// get 401 "no org id", and requests for another tenant see no data.
func WithTenant(tenant string) Option { return func(s *Server) { s.tenant = tenant } }

// WithBearerToken makes the server answer 401 unless the request carries
// "Authorization: Bearer <token>" (as an auth proxy in front of Loki would).
func WithBearerToken(token string) Option { return func(s *Server) { s.bearer = token } }

// WithMaxEntries sets the largest accepted query limit (default 5000).
func WithMaxEntries(n int) Option { return func(s *Server) { s.maxEntries = n } }

// Server is a fake Loki. Create it with New; it listens on loopback until
// Close. It is also an http.Handler, to be mounted elsewhere.
type Server struct {
	tenant     string
	bearer     string
	maxEntries int

	http *httptest.Server
	done chan struct{}

	mu       sync.Mutex
	streams  map[string]*stream
	seq      uint64
	tails    map[*tailSub]struct{}
	faults   []*Fault
	requests []Request
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
		maxEntries: DefaultMaxEntries,
		done:       make(chan struct{}),
		streams:    map[string]*stream{},
		tails:      map[*tailSub]struct{}{},
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
	visible := true
	if s.tenant != "" {
		org := r.Header.Get("X-Scope-OrgID")
		if org == "" {
			writeText(w, http.StatusUnauthorized, "no org id")
			return
		}
		visible = org == s.tenant
	}
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		writeText(w, http.StatusMethodNotAllowed, "method not allowed")
		return
	}
	if err := r.ParseForm(); err != nil {
		writeText(w, http.StatusBadRequest, err.Error())
		return
	}
	path := r.URL.Path
	switch {
	case path == "/loki/api/v1/query_range":
		s.handleQueryRange(w, r, visible)
	case path == "/loki/api/v1/labels":
		s.handleLabels(w, r, visible)
	case strings.HasPrefix(path, "/loki/api/v1/label/") && strings.HasSuffix(path, "/values"):
		name := strings.TrimSuffix(strings.TrimPrefix(path, "/loki/api/v1/label/"), "/values")
		s.handleLabelValues(w, r, name, visible)
	case path == "/loki/api/v1/series":
		s.handleSeries(w, r, visible)
	case path == "/loki/api/v1/tail":
		s.handleTail(w, r, visible)
	default:
		writeText(w, http.StatusNotFound, "404 page not found")
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
