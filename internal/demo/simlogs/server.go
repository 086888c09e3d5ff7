package simlogs

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"time"

	"oncall/sources/loki/lokitest"
)

// Options configures Start.
type Options struct {
	// Addr is the listen address (default "127.0.0.1:0": a free loopback
	// port).
	Addr string
	// Clock returns the current time (nil: time.Now). The history ends at
	// the clock's value when Start runs.
	Clock func() time.Time
	// LiveEvery is how often new lines are logged while the server runs
	// (0: every 700ms; negative: never).
	LiveEvery time.Duration
	// Ruler, when set, is what Loki's ruler knows at an instant: its rule
	// groups with their pending and firing alerts, served on
	// /prometheus/api/v1/rules and /alerts and read again on every live
	// tick (an alert pending at start fires later).
	Ruler func(t time.Time) []lokitest.RuleGroup
}

// Server is the demo's Loki.
type Server struct {
	// Loki is the fake Loki holding the lines.
	Loki *lokitest.Server
	// Anchor is the moment the history ends; Request offsets are from it.
	Anchor time.Time

	url       string
	http      *http.Server
	stop      chan struct{}
	wg        sync.WaitGroup
	closeOnce sync.Once
}

// Start seeds a fake Loki with History, serves it on Addr, and keeps
// logging Live lines until ctx ends or Close is called.
func Start(ctx context.Context, o Options) (*Server, error) {
	if o.Addr == "" {
		o.Addr = "127.0.0.1:0"
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.LiveEvery == 0 {
		o.LiveEvery = 700 * time.Millisecond
	}
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return nil, fmt.Errorf("simulated loki: %w", err)
	}
	s := &Server{Loki: lokitest.NewHandler(), Anchor: o.Clock(), url: "http://" + ln.Addr().String(), stop: make(chan struct{})}
	for _, l := range History(s.Anchor) {
		s.Loki.Push(l.Labels, l.Time, l.Text, nil)
	}
	if o.Ruler != nil {
		s.Loki.SetRuleGroups("", o.Ruler(s.Anchor)...)
	}
	s.http = &http.Server{Handler: s.Loki, ReadHeaderTimeout: 10 * time.Second}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			_ = ln.Close()
		}
	}()
	if o.LiveEvery > 0 {
		s.wg.Add(1)
		go s.live(o.Clock, o.LiveEvery, o.Ruler)
	}
	go func() {
		select {
		case <-ctx.Done():
			s.Close()
		case <-s.stop:
		}
	}()
	return s, nil
}

// URL is the server's base URL.
func (s *Server) URL() string { return s.url }

// live pushes a few lines on every tick, and refreshes the ruler's state.
func (s *Server) live(clock func() time.Time, every time.Duration, ruler func(time.Time) []lokitest.RuleGroup) {
	defer s.wg.Done()
	rng := rand.New(rand.NewPCG(7, 11))
	t := time.NewTicker(every)
	defer t.Stop()
	last := s.Anchor
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			now := clock()
			if !now.After(last) {
				continue
			}
			lines := Live(rng, s.Anchor, last, now)
			last = now
			for _, l := range lines {
				s.Loki.Push(l.Labels, l.Time, l.Text, nil)
			}
			if ruler != nil {
				s.Loki.SetRuleGroups("", ruler(now)...)
			}
		}
	}
}

// Close stops logging, ends running tails and stops the listener. It is
// safe to call more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.stop)
		s.Loki.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := s.http.Shutdown(ctx); err != nil {
			_ = s.http.Close()
		}
		s.wg.Wait()
	})
}
