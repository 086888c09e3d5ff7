// Package sim runs the simulated incident behind `oncall demo`: loopback
// servers that speak the real Alertmanager v2 and Prometheus v1 wire APIs,
// serving a scripted outage of a CRM backend (see incident.go). The same
// servers let tests inject faults real servers cannot produce: hangs,
// dropped connections, HTML error pages, malformed, truncated, huge and
// slowly dripped bodies.
//
// All times are relative to the moment Start runs, read from an injectable
// clock so tests are deterministic.
package sim

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Options configures Start.
type Options struct {
	// Clock returns the current time; nil means time.Now. The incident is
	// anchored at the clock's value when Start runs.
	Clock func() time.Time
	// Addr is the listen address. With port 0 (the default is
	// "127.0.0.1:0") every server gets its own free port. With port P,
	// Alertmanager listens on P and Prometheus on P+1.
	Addr string
	// TLS serves HTTPS with a fresh self-signed certificate (see
	// Backend.CACertPEM) instead of plain HTTP.
	TLS bool
	// Scenario is "" for the incident, or ScenarioStaging for a quiet
	// staging cluster beside it.
	Scenario string
}

// Backend is the set of running simulated servers.
type Backend struct {
	// Alertmanager is the simulated Alertmanager (API v2).
	Alertmanager *Alertmanager
	// Prometheus is the simulated Prometheus (API v1).
	Prometheus *Prometheus

	certPEM   []byte
	servers   []*server
	cancel    context.CancelFunc
	closed    chan struct{}
	closeOnce sync.Once
	closeErr  error
}

// Start starts the simulated servers. They serve until ctx is done or
// Close is called.
func Start(ctx context.Context, opts Options) (*Backend, error) {
	clock := opts.Clock
	if clock == nil {
		clock = time.Now
	}
	host, port, err := splitAddr(opts.Addr)
	if err != nil {
		return nil, err
	}
	now := clock()

	var tlsCfg *tls.Config
	b := &Backend{closed: make(chan struct{})}
	if opts.TLS {
		cert, certPEM, err := selfSigned(now)
		if err != nil {
			return nil, err
		}
		tlsCfg = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		b.certPEM = certPEM
	}

	baseCtx, cancel := context.WithCancel(context.Background())
	b.cancel = cancel

	addr := func(offset int) string {
		if port == 0 {
			return net.JoinHostPort(host, "0")
		}
		return net.JoinHostPort(host, strconv.Itoa(port+offset))
	}
	amSrv, err := listen("alertmanager", addr(0), tlsCfg)
	if err != nil {
		cancel()
		return nil, err
	}
	promSrv, err := listen("prometheus", addr(1), tlsCfg)
	if err != nil {
		cancel()
		_ = amSrv.ln.Close()
		return nil, err
	}
	b.servers = []*server{amSrv, promSrv}

	in := newIncident(now, promSrv.url, opts.Scenario)
	b.Prometheus = newPrometheus(promSrv, in, clock)
	b.Alertmanager = newAlertmanager(amSrv, in, clock)

	amSrv.start(baseCtx, b.Alertmanager.routes())
	promSrv.start(baseCtx, b.Prometheus.routes())

	go func() {
		select {
		case <-ctx.Done():
			_ = b.Close()
		case <-b.closed:
		}
	}()
	return b, nil
}

// Close stops every server and ends requests in flight (including hung
// ones). It is safe to call more than once.
func (b *Backend) Close() error {
	b.closeOnce.Do(func() {
		b.cancel()
		var errs []error
		for _, s := range b.servers {
			if err := s.srv.Close(); err != nil {
				errs = append(errs, fmt.Errorf("close %s: %w", s.name, err))
			}
		}
		for _, s := range b.servers {
			<-s.done
		}
		b.closeErr = errors.Join(errs...)
		close(b.closed)
	})
	return b.closeErr
}

// CACertPEM is the PEM certificate clients must trust when Options.TLS is
// set; nil otherwise.
func (b *Backend) CACertPEM() []byte { return append([]byte(nil), b.certPEM...) }

// splitAddr parses Options.Addr.
func splitAddr(addr string) (string, int, error) {
	if addr == "" {
		return "127.0.0.1", 0, nil
	}
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, fmt.Errorf("sim: invalid listen address %q: %w", addr, err)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 0 || port > 65534 {
		return "", 0, fmt.Errorf("sim: invalid port in listen address %q", addr)
	}
	return host, port, nil
}

// server is one listening simulated server.
type server struct {
	name   string
	ln     net.Listener
	srv    *http.Server
	url    string
	faults faultState
	done   chan struct{}
}

func listen(name, addr string, tlsCfg *tls.Config) (*server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("sim: %s cannot listen on %s: %w", name, addr, err)
	}
	scheme := "http"
	if tlsCfg != nil {
		ln = tls.NewListener(ln, tlsCfg)
		scheme = "https"
	}
	return &server{name: name, ln: ln, url: scheme + "://" + ln.Addr().String(), done: make(chan struct{})}, nil
}

// start serves api (mounted under /api/, where faults apply) plus the
// health endpoints.
func (s *server) start(base context.Context, api http.Handler) {
	mux := http.NewServeMux()
	mux.Handle("/api/", s.faults.wrap(api))
	ok := func(msg string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			_, _ = io.WriteString(w, msg)
		}
	}
	if s.name == "prometheus" {
		mux.Handle("GET /-/ready", ok("Prometheus Server is Ready.\n"))
		mux.Handle("GET /-/healthy", ok("Prometheus Server is Healthy.\n"))
	} else {
		mux.Handle("GET /-/ready", ok("OK"))
		mux.Handle("GET /-/healthy", ok("OK"))
	}
	s.srv = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return base },
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	go func() {
		defer close(s.done)
		_ = s.srv.Serve(s.ln)
	}()
}
