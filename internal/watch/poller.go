package watch

import (
	"context"
	"maps"
	"sync"
	"time"
)

// poller fetches one cluster's sources every interval, each source on its
// own (a hanging Prometheus never holds Alertmanager's answer back), and
// publishes a snapshot after every answer.
type poller struct {
	hub  *Hub
	c    Cluster
	kick chan struct{}
	quit chan struct{}
	once sync.Once

	mu      sync.Mutex
	subs    map[*Sub]struct{}
	data    replies
	health  map[string]Health
	started map[string]time.Time // when each source's last fetch started
	later   *time.Timer          // a refresh asked for within MinGap, run when the gap ends
	gen     uint64
	last    *Snapshot
}

func newPoller(h *Hub, c Cluster) *poller {
	p := &poller{hub: h, c: c, kick: make(chan struct{}, 1), quit: make(chan struct{}),
		subs: map[*Sub]struct{}{}, health: map[string]Health{}, started: map[string]time.Time{}}
	for _, src := range c.Sources() {
		p.health[src] = Health{}
	}
	return p
}

func (p *poller) add(s *Sub) {
	p.mu.Lock()
	p.subs[s] = struct{}{}
	last := p.last
	p.mu.Unlock()
	if last != nil {
		s.deliver(last)
	}
}

// remove returns how many subscribers are left.
func (p *poller) remove(s *Sub) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.subs, s)
	return len(p.subs)
}

func (p *poller) stop() {
	p.once.Do(func() {
		close(p.quit)
		p.mu.Lock()
		if p.later != nil {
			p.later.Stop()
		}
		p.mu.Unlock()
	})
}

func (p *poller) kickNow() {
	select {
	case p.kick <- struct{}{}:
	default:
	}
}

// loop fetches at once, then every interval or when kicked. The ticker is
// stopped with the poller.
func (p *poller) loop() {
	t := time.NewTicker(p.hub.o.Interval)
	defer t.Stop()
	p.fetchAll(false)
	for {
		select {
		case <-p.quit:
			return
		case <-t.C:
			p.fetchAll(false)
		case <-p.kick:
			p.fetchAll(true)
		}
	}
}

// fetchAll starts a fetch of every source that is not already in flight
// (and, for a kick, that did not start within MinGap).
func (p *poller) fetchAll(kicked bool) {
	now := p.hub.o.Now()
	p.mu.Lock()
	var start []string
	var wait time.Duration
	for _, src := range p.c.Sources() {
		h := p.health[src]
		if h.InFlight {
			continue
		}
		if gap := p.hub.o.MinGap - now.Sub(p.started[src]); kicked && gap > 0 {
			wait = max(wait, gap) // asked too soon: fetch when the gap ends
			continue
		}
		h.InFlight = true
		p.health[src] = h
		p.started[src] = now
		start = append(start, src)
	}
	if len(start) > 0 {
		p.publishLocked(false)
	}
	if wait > 0 && p.later == nil {
		p.later = time.AfterFunc(wait, func() {
			p.mu.Lock()
			p.later = nil
			p.mu.Unlock()
			p.kickNow()
		})
	}
	p.mu.Unlock()
	for _, src := range start {
		go p.fetch(src)
	}
}

// fetch runs one source's call (waiting for a slot of MaxInFlight) and
// applies its answer.
func (p *poller) fetch(src string) {
	select {
	case p.hub.sem <- struct{}{}:
	case <-p.quit:
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), p.hub.o.Timeout)
	begin := time.Now()
	var d replies
	err := p.call(ctx, src, &d)
	took := time.Since(begin)
	cancel()
	<-p.hub.sem
	select {
	case <-p.quit:
		return
	default:
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	h := p.health[src]
	h.InFlight = false
	now := p.hub.o.Now()
	if err != nil {
		if h.OK || h.FailSince.IsZero() {
			h.FailSince = now
		}
		h.OK, h.Err = false, err.Error()
	} else {
		h.OK, h.Err, h.Latency, h.LastOK, h.FailSince = true, "", steadyLatency(h.Latency, took), now, time.Time{}
		p.store(src, &d)
	}
	p.health[src] = h
	p.publishLocked(err == nil)
}

func (p *poller) call(ctx context.Context, src string, d *replies) (err error) {
	switch src {
	case SrcAM:
		d.am, err = p.c.AM.Alerts(ctx, nil)
	case SrcSil:
		d.sils, err = p.c.AM.Silences(ctx, nil)
	case SrcProm:
		d.prom, err = p.c.Prom.Alerts(ctx)
	case SrcRules:
		d.rules, err = p.c.Prom.AlertingRules(ctx)
	case SrcRuler:
		if d.rulerAlerts, err = p.c.Ruler.Alerts(ctx); err == nil {
			d.rulerRules, err = p.c.Ruler.AlertingRules(ctx)
		}
	}
	return err
}

// store keeps a source's good answer (a failed source keeps its last one).
func (p *poller) store(src string, d *replies) {
	switch src {
	case SrcAM:
		p.data.am = d.am
	case SrcSil:
		p.data.sils = d.sils
	case SrcProm:
		p.data.prom = d.prom
	case SrcRules:
		p.data.rules = d.rules
	case SrcRuler:
		p.data.rulerAlerts, p.data.rulerRules = d.rulerAlerts, d.rulerRules
	}
}

// publishLocked hands a new snapshot to every subscriber: rebuilt from the
// replies when data changed, else the last one with the new health.
func (p *poller) publishLocked(rebuild bool) {
	p.gen++
	var snap *Snapshot
	if rebuild || p.last == nil {
		snap = build(p.c.Name, p.gen, &p.data, maps.Clone(p.health), p.hub.o.Now())
	} else {
		cp := *p.last
		cp.Gen, cp.Health = p.gen, maps.Clone(p.health)
		snap = &cp
	}
	p.last = snap
	for s := range p.subs {
		s.deliver(snap)
	}
}

// steadyLatency is the latency the status bar shows after a reply: the new
// measurement only when it differs from the shown one by more than half (or
// double) and by at least 20ms. Jitter of a few milliseconds would otherwise
// rewrite the status bar on every refresh — bytes on every SSH session —
// while an operator only cares when a source gets markedly slower or faster.
func steadyLatency(shown, measured time.Duration) time.Duration {
	if shown <= 0 {
		return measured
	}
	diff := measured - shown
	if diff < 0 {
		diff = -diff
	}
	if diff >= 20*time.Millisecond && (measured > 2*shown || 2*measured < shown) {
		return measured
	}
	return shown
}
