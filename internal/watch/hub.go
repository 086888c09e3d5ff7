package watch

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/alertmanager/api/v2/models"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"

	"oncall/internal/alerts"
)

// Options tune a Hub.
type Options struct {
	// Interval between two fetches of a source (default 10s).
	Interval time.Duration
	// Timeout bounds one fetch (default 8s).
	Timeout time.Duration
	// MaxInFlight bounds the fetches running at once over every cluster
	// (default 64: ten clusters of five sources fetch side by side).
	MaxInFlight int
	// MinGap is the shortest time between two fetches of a source that a
	// Refresh may cause (default 1s): fifty sessions pressing r at once
	// still make one fetch.
	MinGap time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	if o.Interval <= 0 {
		o.Interval = 10 * time.Second
	}
	if o.Timeout <= 0 {
		o.Timeout = 8 * time.Second
	}
	if o.MaxInFlight <= 0 {
		o.MaxInFlight = 64
	}
	if o.MinGap <= 0 {
		o.MinGap = time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Hub polls the clusters that have subscribers and fans their snapshots out.
// It is safe for concurrent use.
type Hub struct {
	o   Options
	sem chan struct{}

	mu       sync.Mutex
	clusters map[string]Cluster
	pollers  map[string]*poller
	closed   bool
}

// NewHub builds a hub over the given clusters. Nothing is fetched until a
// subscription asks for a cluster.
func NewHub(cs []Cluster, o Options) *Hub {
	o = o.withDefaults()
	h := &Hub{o: o, sem: make(chan struct{}, o.MaxInFlight), clusters: map[string]Cluster{}, pollers: map[string]*poller{}}
	for _, c := range cs {
		h.clusters[c.Name] = c
	}
	return h
}

// Clusters lists the clusters the hub can watch, sorted.
func (h *Hub) Clusters() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]string, 0, len(h.clusters))
	for n := range h.clusters {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Cluster returns a cluster's sources.
func (h *Hub) Cluster(name string) (Cluster, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c, ok := h.clusters[name]
	return c, ok
}

// Close stops every poller; subscriptions see ErrClosed.
func (h *Hub) Close() {
	h.mu.Lock()
	ps := h.pollers
	h.pollers = map[string]*poller{}
	h.closed = true
	h.mu.Unlock()
	for _, p := range ps {
		p.stop()
	}
}

// ErrClosed is returned by Next once the subscription or the hub is closed.
var ErrClosed = errors.New("watch: closed")

// Subscribe starts watching clusters (polling those nobody watched yet)
// and returns the subscription that receives their snapshots. The latest
// snapshot of a cluster already polled is delivered at once.
func (h *Hub) Subscribe(names []string) (*Sub, error) {
	s := &Sub{hub: h, notify: make(chan struct{}, 1), done: make(chan struct{}), pending: map[string]*Snapshot{}}
	if err := s.Watch(names); err != nil {
		return nil, err
	}
	return s, nil
}

// attach adds s to a cluster's poller, starting it if needed.
func (h *Hub) attach(name string, s *Sub) error {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return ErrClosed
	}
	c, ok := h.clusters[name]
	if !ok {
		h.mu.Unlock()
		return fmt.Errorf("watch: unknown cluster %q", name)
	}
	p := h.pollers[name]
	start := p == nil
	if start {
		p = newPoller(h, c)
		h.pollers[name] = p
	}
	h.mu.Unlock()
	p.add(s)
	if start {
		go p.loop()
	}
	return nil
}

// detach removes s from a cluster's poller, stopping it when it was the
// last subscriber.
func (h *Hub) detach(name string, s *Sub) {
	h.mu.Lock()
	p := h.pollers[name]
	if p == nil {
		h.mu.Unlock()
		return
	}
	if p.remove(s) == 0 {
		delete(h.pollers, name)
		h.mu.Unlock()
		p.stop()
		return
	}
	h.mu.Unlock()
}

func (h *Hub) poller(name string) *poller {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.pollers[name]
}

// Sub is one session's subscription.
type Sub struct {
	hub    *Hub
	notify chan struct{}
	done   chan struct{}

	mu      sync.Mutex
	names   []string
	pending map[string]*Snapshot
	closed  bool
}

// Watched lists the clusters the subscription watches, in the order given.
func (s *Sub) Watched() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.names...)
}

// Watch changes the watched set: new clusters are attached (their latest
// snapshot is delivered at once when known), dropped ones detached.
func (s *Sub) Watch(names []string) error {
	if len(names) == 0 {
		return errors.New("watch: no cluster to watch")
	}
	seen := map[string]bool{}
	for _, n := range names {
		if seen[n] {
			return fmt.Errorf("watch: cluster %q named twice", n)
		}
		seen[n] = true
		if _, ok := s.hub.Cluster(n); !ok {
			return fmt.Errorf("watch: unknown cluster %q (known: %v)", n, s.hub.Clusters())
		}
	}
	s.mu.Lock()
	old := s.names
	s.names = append([]string(nil), names...)
	for n := range s.pending {
		if !seen[n] {
			delete(s.pending, n)
		}
	}
	s.mu.Unlock()
	had := map[string]bool{}
	for _, n := range old {
		had[n] = true
		if !seen[n] {
			s.hub.detach(n, s)
		}
	}
	for _, n := range names {
		if !had[n] {
			if err := s.hub.attach(n, s); err != nil {
				return err
			}
		}
	}
	return nil
}

// Next waits for snapshots newer than those already returned and returns
// the latest one of each cluster that changed.
func (s *Sub) Next(ctx context.Context) ([]*Snapshot, error) {
	for {
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			return nil, ErrClosed
		}
		if len(s.pending) > 0 {
			out := make([]*Snapshot, 0, len(s.pending))
			for _, n := range s.names {
				if snap := s.pending[n]; snap != nil {
					out = append(out, snap)
				}
			}
			s.pending = map[string]*Snapshot{}
			s.mu.Unlock()
			return out, nil
		}
		s.mu.Unlock()
		select {
		case <-s.notify:
		case <-s.done:
			return nil, ErrClosed
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// Refresh asks every watched cluster for a fetch now (at most one per
// MinGap, however many sessions ask).
func (s *Sub) Refresh() {
	for _, n := range s.Watched() {
		if p := s.hub.poller(n); p != nil {
			p.kickNow()
		}
	}
}

// Close ends the subscription; clusters nobody else watches stop polling.
func (s *Sub) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	names := s.names
	s.mu.Unlock()
	close(s.done)
	for _, n := range names {
		s.hub.detach(n, s)
	}
}

// deliver queues a snapshot (replacing an older one of the same cluster)
// and wakes Next.
func (s *Sub) deliver(snap *Snapshot) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.pending[snap.Cluster] = snap
	s.mu.Unlock()
	select {
	case s.notify <- struct{}{}:
	default:
	}
}

// build merges a cluster's last good replies into a snapshot.
func build(cluster string, gen uint64, d *replies, health map[string]Health, at time.Time) *Snapshot {
	as, ss := alerts.BuildAll(alerts.Inputs{Cluster: cluster, AM: d.am, Silences: d.sils, Prom: d.prom, Rules: d.rules, RulerAlerts: d.rulerAlerts, RulerRules: d.rulerRules})
	alerts.Prepare(as)
	rules := map[string][]v1.AlertingRule{}
	for n, r := range d.rules {
		rules[n] = r
	}
	for n, r := range d.rulerRules {
		rules[n] = append(rules[n], r...)
	}
	return &Snapshot{Cluster: cluster, Gen: gen, Alerts: as, Silences: ss, Rules: rules, Health: health, AMAlerts: d.am, AMSilences: d.sils, At: at}
}

// replies are a cluster's last good answers, one per source.
type replies struct {
	am          models.GettableAlerts
	sils        models.GettableSilences
	prom        []v1.Alert
	rules       map[string][]v1.AlertingRule
	rulerAlerts []v1.Alert
	rulerRules  map[string][]v1.AlertingRule
}
