package loki

import (
	"context"
	"strings"
	"testing"
	"time"

	"oncall/sources/loki/lokitest"
)

// events reads Follow events until stop says so, failing after 10s.
func events(t *testing.T, ch <-chan TailEvent, stop func(TailEvent) bool) []TailEvent {
	t.Helper()
	var out []TailEvent
	deadline := time.After(10 * time.Second)
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				t.Fatalf("follow ended after %d events", len(out))
			}
			out = append(out, ev)
			if stop(ev) {
				return out
			}
		case <-deadline:
			t.Fatalf("no stop event within 10s; got %+v", out)
		}
	}
}

func waitTails(t *testing.T, s *lokitest.Server, n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); s.TailCount() != n; {
		if time.Now().After(deadline) {
			t.Fatalf("%d tails connected, want %d", s.TailCount(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func lines(evs []TailEvent) []string {
	var out []string
	for _, ev := range evs {
		for _, e := range ev.Entries {
			out = append(out, e.Line)
		}
	}
	return out
}

func TestFollowBackfillsAfterADroppedConnection(t *testing.T) {
	s, c := newPair(t, Config{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch, err := c.Follow(ctx, `{app="api"}`, TailOptions{MinBackoff: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	waitTails(t, s, 1)
	api := map[string]string{"app": "api"}
	s.Push(api, time.Now(), "A", nil)
	events(t, ch, func(ev TailEvent) bool { return len(ev.Entries) > 0 })
	if n := s.DropTails(); n != 1 {
		t.Fatalf("dropped %d tails", n)
	}
	waitTails(t, s, 0)
	// lines pushed while no tail is connected
	s.Push(api, time.Now(), "B", nil)
	s.Push(api, time.Now(), "C", nil)
	evs := events(t, ch, func(ev TailEvent) bool { return ev.Gap != nil })
	g := evs[len(evs)-1].Gap
	if !g.Backfilled || g.Reason != "connection lost" || g.Lines != 2 {
		t.Fatalf("gap %+v (%s)", g, g)
	}
	if got := strings.Join(lines(evs), ","); got != "B,C" {
		t.Fatalf("lines around the gap %q: want B,C backfilled once, in order", got)
	}
	if evs[0].Retrying == nil || evs[0].Retrying.In != 200*time.Millisecond {
		t.Errorf("no retry announced first: %+v", evs[0])
	}
	if !strings.Contains(g.String(), "tail reconnected (connection lost): 2 lines") {
		t.Errorf("gap text %q", g)
	}
	// the new connection delivers live lines again
	waitTails(t, s, 1)
	s.Push(api, time.Now(), "D", nil)
	evs = events(t, ch, func(ev TailEvent) bool { return len(ev.Entries) > 0 })
	if got := strings.Join(lines(evs), ","); got != "D" {
		t.Fatalf("after reconnecting: %q", got)
	}
}

func TestFollowReconnectsAtOnceAfterMaxDuration(t *testing.T) {
	s, c := newPair(t, Config{}, lokitest.WithTailMaxDuration(300*time.Millisecond))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch, err := c.Follow(ctx, `{app="api"}`, TailOptions{MinBackoff: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	waitTails(t, s, 1)
	began := time.Now()
	evs := events(t, ch, func(ev TailEvent) bool { return ev.Gap != nil })
	g := evs[len(evs)-1].Gap
	if g.Reason != "Loki's tail_max_duration reached" || !g.Backfilled || len(evs) != 1 {
		t.Fatalf("events %+v, gap %+v", evs, g)
	}
	if d := time.Since(began); d > 2*time.Second {
		t.Errorf("reconnected after %s: should not wait the 5s backoff", d)
	}
}

func TestFollowBacksOffWhileTooManyTails(t *testing.T) {
	s, c := newPair(t, Config{}, lokitest.WithMaxConcurrentTails(1))
	other, stopOther := context.WithCancel(context.Background())
	if _, err := c.Tail(other, `{app="web"}`, time.Time{}, 0, 0); err != nil {
		t.Fatal(err)
	}
	waitTails(t, s, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch, err := c.Follow(ctx, `{app="api"}`, TailOptions{MinBackoff: 50 * time.Millisecond, MaxBackoff: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var retries []*Retry
	evs := events(t, ch, func(ev TailEvent) bool {
		if ev.Retrying != nil {
			retries = append(retries, ev.Retrying)
			if len(retries) == 3 {
				stopOther() // the other tail ends: a slot frees up
			}
		}
		return ev.Gap != nil
	})
	g := evs[len(evs)-1].Gap
	if len(retries) < 3 || g.Reason != "too many tails: Loki's max_concurrent_tail_requests" {
		t.Fatalf("retries %d, gap %+v", len(retries), g)
	}
	if retries[0].In != 50*time.Millisecond || retries[1].In != 100*time.Millisecond || retries[2].In != 100*time.Millisecond {
		t.Errorf("backoff %v %v %v: want 50ms doubling, capped at 100ms", retries[0].In, retries[1].In, retries[2].In)
	}
}

func TestFollowReportsAnUnfilledGapAndAFinalRefusal(t *testing.T) {
	s, c := newPair(t, Config{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch, err := c.Follow(ctx, `{app="api"}`, TailOptions{MinBackoff: 100 * time.Millisecond, BackfillMax: 2})
	if err != nil {
		t.Fatal(err)
	}
	waitTails(t, s, 1)
	s.DropTails()
	waitTails(t, s, 0)
	base := time.Now()
	for i, l := range []string{"g1", "g2", "g3", "g4"} {
		s.Push(map[string]string{"app": "api"}, base.Add(time.Duration(i)*time.Millisecond), l, nil)
	}
	evs := events(t, ch, func(ev TailEvent) bool { return ev.Gap != nil })
	g := evs[len(evs)-1].Gap
	if g.Backfilled || g.Lines != 2 || !g.From.Equal(base.Add(time.Millisecond)) || !strings.Contains(g.String(), "2 lines backfilled, lines") {
		t.Fatalf("gap %+v: %s", g, g)
	}
	if got := strings.Join(lines(evs), ","); got != "g1,g2" {
		t.Fatalf("backfilled %q", got)
	}
	// a refusal that retrying cannot fix ends following
	waitTails(t, s, 1)
	s.Inject(lokitest.Fault{Path: "/loki/api/v1/tail", Status: 400, Body: "parse error : syntax error"})
	s.DropTails()
	evs = events(t, ch, func(ev TailEvent) bool { return ev.Err != nil })
	if err := evs[len(evs)-1].Err; !strings.Contains(err.Error(), "could not reconnect after connection lost: loki: 400 Bad Request") {
		t.Fatalf("err %v", err)
	}
	select {
	case _, ok := <-ch:
		if ok {
			t.Fatal("events after the final error")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("channel not closed after the final error")
	}
}
