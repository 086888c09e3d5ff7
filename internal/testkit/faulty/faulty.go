// Package faulty is a loopback HTTP(S) server for resilience tests: it
// serves a handler (often a reverse proxy to a real or simulated backend)
// and, on demand, misbehaves the way broken backends and networks do:
// refused connections, hangs, HTML error pages, malformed, truncated, huge
// and slowly dripped bodies, and a TLS certificate from the wrong CA.
//
// Unlike internal/demo/sim's faults it can be put in front of any server, keeps
// its address across a refused period (so a client recovers by itself), and
// serves TLS whose certificate can be swapped for an impostor's.
package faulty

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"strconv"
	"sync"
	"time"

	"oncall/internal/demo/sim"
)

// Fault is one misbehaviour.
type Fault int

// Faults, in the order of the resilience matrix.
const (
	// None serves normally.
	None Fault = iota
	// Refused closes the listener: connections are refused until the
	// fault is cleared, when the server listens on the same port again.
	Refused
	// Hang accepts requests and never answers.
	Hang
	// HTML500 answers 500 with an HTML page, as a proxy before a dead
	// backend does.
	HTML500
	// Garbage answers 200 application/json with malformed JSON.
	Garbage
	// Truncated sends the real headers (full Content-Length) and half the
	// body, then drops the connection.
	Truncated
	// Huge answers 200 with a HugeBytes JSON body.
	Huge
	// SlowDrip sends the real answer one byte per DripInterval.
	SlowDrip
	// WrongCA presents a certificate no client trusts (TLS servers only).
	WrongCA
)

// All lists every fault but None, for table tests.
func All() []Fault {
	return []Fault{Refused, Hang, HTML500, Garbage, Truncated, Huge, SlowDrip, WrongCA}
}

// String names the fault (test names use it).
func (f Fault) String() string {
	switch f {
	case None:
		return "none"
	case Refused:
		return "refused"
	case Hang:
		return "hang"
	case HTML500:
		return "html500"
	case Garbage:
		return "malformed-json"
	case Truncated:
		return "truncated"
	case Huge:
		return "200MB"
	case SlowDrip:
		return "slow-drip"
	case WrongCA:
		return "wrong-ca"
	}
	return "fault(" + strconv.Itoa(int(f)) + ")"
}

// HugeBytes is the size of the Huge body: far over httpx.MaxBodyBytes.
const HugeBytes int64 = 200 << 20

// DripInterval is the pause between two bytes under SlowDrip.
const DripInterval = 100 * time.Millisecond

// Server is a faulty loopback server. Create it with Start.
type Server struct {
	handler http.Handler
	tls     bool
	good    tls.Certificate
	bad     tls.Certificate
	caFile  string
	addr    string // host:port, kept across Refused

	mu     sync.Mutex
	fault  Fault
	delay  time.Duration
	ln     net.Listener
	srv    *http.Server
	conns  map[net.Conn]struct{}
	closed bool
}

// Options configures Start.
type Options struct {
	// TLS serves HTTPS with a certificate of a fresh CA (see CAFile).
	TLS bool
	// Dir receives the CA file (a temporary directory of the test).
	Dir string
}

// Start serves h on a free loopback port until Close.
func Start(h http.Handler, o Options) (*Server, error) {
	s := &Server{handler: h, tls: o.TLS, conns: map[net.Conn]struct{}{}}
	if o.TLS {
		good, goodPEM, err := sim.SelfSigned("oncall test CA", time.Now())
		if err != nil {
			return nil, err
		}
		bad, _, err := sim.SelfSigned("impostor", time.Now())
		if err != nil {
			return nil, err
		}
		s.good, s.bad = good, bad
		dir := o.Dir
		if dir == "" {
			return nil, errors.New("faulty: Options.Dir is required with TLS")
		}
		f, err := os.CreateTemp(dir, "faulty-ca-*.pem")
		if err != nil {
			return nil, fmt.Errorf("faulty: CA file: %w", err)
		}
		_, err = f.Write(goodPEM)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, fmt.Errorf("faulty: write CA file: %w", err)
		}
		s.caFile = f.Name()
	}
	if err := s.listen("127.0.0.1:0"); err != nil {
		return nil, err
	}
	return s, nil
}

// NewProxy is a reverse proxy to target that flushes every write at once
// (so a slow drip upstream stays a slow drip).
func NewProxy(target string) (http.Handler, error) {
	u, err := url.Parse(target)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("faulty: invalid proxy target %q", target)
	}
	p := httputil.NewSingleHostReverseProxy(u)
	p.FlushInterval = -1
	p.ErrorLog = log.New(io.Discard, "", 0)
	return p, nil
}

// URL is the server's base URL.
func (s *Server) URL() string {
	scheme := "http"
	if s.tls {
		scheme = "https"
	}
	return scheme + "://" + s.addr
}

// CAFile is the PEM file of the CA clients must trust ("" without TLS).
func (s *Server) CAFile() string { return s.caFile }

// Set switches the fault. Connections open at the time are dropped, so the
// next request meets the new behaviour on a fresh connection.
func (s *Server) Set(f Fault) error {
	s.mu.Lock()
	prev := s.fault
	s.fault = f
	for c := range s.conns {
		_ = c.Close()
	}
	var old *http.Server
	if f == Refused && prev != Refused && s.srv != nil {
		old, s.srv, s.ln = s.srv, nil, nil
	}
	reopen := f != Refused && prev == Refused && !s.closed
	s.mu.Unlock()
	if old != nil {
		_ = old.Close()
	}
	if reopen {
		return s.listen(s.addr)
	}
	return nil
}

// Close stops the server and ends requests in flight, hung ones included.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	srv := s.srv
	s.srv, s.ln = nil, nil
	s.mu.Unlock()
	if srv != nil {
		_ = srv.Close()
	}
}

// SetDelay delays every answer by d (0: none), before any fault.
func (s *Server) SetDelay(d time.Duration) {
	s.mu.Lock()
	s.delay = d
	s.mu.Unlock()
}

func (s *Server) current() Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fault
}

func (s *Server) currentDelay() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.delay
}

// listen binds addr (retrying briefly: a port just closed may linger) and
// serves on it.
func (s *Server) listen(addr string) error {
	var ln net.Listener
	var err error
	for range 50 {
		if ln, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		return fmt.Errorf("faulty: listen on %s: %w", addr, err)
	}
	if s.tls {
		ln = tls.NewListener(ln, &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			if s.current() == WrongCA {
				return &s.bad, nil
			}
			return &s.good, nil
		}})
	}
	base, cancel := context.WithCancel(context.Background())
	srv := &http.Server{
		Handler:           http.HandlerFunc(s.serve),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
		BaseContext:       func(net.Listener) context.Context { return base },
		ConnState: func(c net.Conn, st http.ConnState) {
			s.mu.Lock()
			defer s.mu.Unlock()
			switch st {
			case http.StateNew:
				s.conns[c] = struct{}{}
			case http.StateClosed, http.StateHijacked:
				delete(s.conns, c)
			}
		},
	}
	srv.RegisterOnShutdown(cancel)
	s.mu.Lock()
	s.ln, s.srv, s.addr = ln, srv, ln.Addr().String()
	s.mu.Unlock()
	go func() {
		_ = srv.Serve(ln)
		cancel()
	}()
	return nil
}
