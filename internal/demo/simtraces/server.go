package simtraces

import (
	"cmp"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// defaultNumTraces is the search limit when query.num_traces is absent.
const defaultNumTraces = 100

// Handler answers Jaeger's /api/v3 query API for a fixed set of traces.
type Handler struct {
	traces []*Trace
	byID   map[string]*Trace
	mux    *http.ServeMux
}

// NewHandler builds the API over traces (ids are normalized to 32
// lowercase hex digits).
func NewHandler(traces []Trace) *Handler {
	h := &Handler{byID: map[string]*Trace{}, mux: http.NewServeMux()}
	for i := range traces {
		t := &traces[i]
		t.TraceID = padID(t.TraceID)
		h.traces = append(h.traces, t)
		h.byID[t.TraceID] = t
	}
	h.mux.HandleFunc("GET /api/v3/traces/{id}", h.getTrace)
	h.mux.HandleFunc("GET /api/v3/traces", h.findTraces)
	h.mux.HandleFunc("GET /api/v3/services", h.services)
	h.mux.HandleFunc("GET /api/v3/operations", h.operations)
	return h
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// Traces returns the traces served.
func (h *Handler) Traces() []*Trace { return h.traces }

func padID(id string) string {
	id = strings.ToLower(strings.TrimSpace(id))
	if len(id) < 32 {
		id = strings.Repeat("0", 32-len(id)) + id
	}
	return id
}

// gatewayError writes the gateway's error body.
func gatewayError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"httpCode": code, "message": msg}})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func (h *Handler) getTrace(w http.ResponseWriter, r *http.Request) {
	raw := r.PathValue("id")
	if _, err := hex.DecodeString(padID(raw)); err != nil || len(raw) == 0 || len(raw) > 32 {
		gatewayError(w, http.StatusBadRequest, fmt.Sprintf("malformed parameter trace_id: %q is not a hex trace id", raw))
		return
	}
	t := h.byID[padID(raw)]
	if t == nil {
		gatewayError(w, http.StatusNotFound, "trace not found")
		return
	}
	writeJSON(w, encode([]*Trace{t}))
}

// findTraces implements GET /api/v3/traces the way the memory store does:
// a trace matches when one of its spans has the service (and operation),
// starts within [start_time_min, start_time_max] and lasts within the
// duration range.
func (h *Handler) findTraces(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	minS, maxS := q.Get("query.start_time_min"), q.Get("query.start_time_max")
	if minS == "" || maxS == "" {
		gatewayError(w, http.StatusBadRequest, "query.start_time_min and query.start_time_max are required")
		return
	}
	var (
		from, to       time.Time
		dMin, dMax     time.Duration
		limit          = defaultNumTraces
		err            error
		service, opern = q.Get("query.service_name"), q.Get("query.operation_name")
	)
	parse := func(name string, f func(string) error) bool {
		v := q.Get(name)
		if v == "" {
			return true
		}
		if err := f(v); err != nil {
			gatewayError(w, http.StatusBadRequest, fmt.Sprintf("malformed parameter %s: %v", name, err))
			return false
		}
		return true
	}
	ok := parse("query.start_time_min", func(v string) error { from, err = time.Parse(time.RFC3339Nano, v); return err }) &&
		parse("query.start_time_max", func(v string) error { to, err = time.Parse(time.RFC3339Nano, v); return err }) &&
		parse("query.duration_min", func(v string) error { dMin, err = time.ParseDuration(v); return err }) &&
		parse("query.duration_max", func(v string) error { dMax, err = time.ParseDuration(v); return err }) &&
		parse("query.num_traces", func(v string) error { limit, err = strconv.Atoi(v); return err })
	if !ok {
		return
	}
	if service == "" {
		gatewayError(w, http.StatusBadRequest, "service name must be set")
		return
	}
	var found []*Trace
	for _, t := range h.traces {
		if slices.ContainsFunc(t.Spans, func(s Span) bool {
			return s.Service == service && (opern == "" || s.Name == opern) &&
				!s.Start.Before(from) && !s.Start.After(to) &&
				(dMin == 0 || s.Duration >= dMin) && (dMax == 0 || s.Duration <= dMax)
		}) {
			found = append(found, t)
		}
	}
	slices.SortStableFunc(found, func(a, b *Trace) int { return b.Start().Compare(a.Start()) })
	if limit > 0 && len(found) > limit {
		found = found[:limit]
	}
	if len(found) == 0 {
		gatewayError(w, http.StatusNotFound, "No traces found")
		return
	}
	writeJSON(w, encode(found))
}

func (h *Handler) services(w http.ResponseWriter, _ *http.Request) {
	set := map[string]bool{}
	for _, t := range h.traces {
		for _, s := range t.Spans {
			set[s.Service] = true
		}
	}
	out := make([]string, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	slices.Sort(out)
	writeJSON(w, map[string][]string{"services": out})
}

type operation struct {
	Name     string `json:"name"`
	SpanKind string `json:"spanKind"`
}

func (h *Handler) operations(w http.ResponseWriter, r *http.Request) {
	service, kind := r.URL.Query().Get("service"), r.URL.Query().Get("span_kind")
	set := map[operation]bool{}
	for _, t := range h.traces {
		for _, s := range t.Spans {
			if s.Service == service && (kind == "" || kind == s.Kind.name()) {
				set[operation{Name: s.Name, SpanKind: s.Kind.name()}] = true
			}
		}
	}
	out := make([]operation, 0, len(set))
	for op := range set {
		out = append(out, op)
	}
	slices.SortFunc(out, func(a, b operation) int {
		if c := cmp.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return cmp.Compare(a.SpanKind, b.SpanKind)
	})
	writeJSON(w, map[string][]operation{"operations": out})
}

// Server is a running simulated Jaeger query service.
type Server struct {
	url  string
	srv  *http.Server
	done chan struct{}
}

// URL is the base URL (http://127.0.0.1:port).
func (s *Server) URL() string { return s.url }

// Close stops the server.
func (s *Server) Close() error {
	err := s.srv.Close()
	<-s.done
	return err
}

// Start serves h on addr ("" = 127.0.0.1:0) until ctx ends or Close.
func Start(ctx context.Context, addr string, h http.Handler) (*Server, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("simtraces: cannot listen on %s: %w", addr, err)
	}
	s := &Server{
		url:  "http://" + ln.Addr().String(),
		srv:  &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ErrorLog: log.New(io.Discard, "", 0)},
		done: make(chan struct{}),
	}
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return
		}
	}()
	go func() {
		select {
		case <-ctx.Done():
			_ = s.srv.Close()
		case <-s.done:
		}
	}()
	return s, nil
}
