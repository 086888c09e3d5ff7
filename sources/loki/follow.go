package loki

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// TailOptions configure Follow. Zero values take the defaults.
type TailOptions struct {
	// Start is where the first connection's history begins (zero: Loki's
	// default, an hour ago); Limit caps that history (0: Loki's 100);
	// DelayFor lets late lines be sorted in (seconds, at most 5).
	Start    time.Time
	Limit    int
	DelayFor int
	// MinBackoff and MaxBackoff bound the wait before a reconnection; it
	// doubles after each failed attempt (defaults 500ms and 30s). A tail
	// closed for reaching tail_max_duration reconnects at once.
	MinBackoff, MaxBackoff time.Duration
	// BackfillMax caps the lines fetched with query_range to fill the gap
	// a reconnection leaves (0: 5000; negative: no backfill).
	BackfillMax int
}

func (o TailOptions) withDefaults() TailOptions {
	if o.MinBackoff <= 0 {
		o.MinBackoff = 500 * time.Millisecond
	}
	if o.MaxBackoff < o.MinBackoff {
		o.MaxBackoff = max(30*time.Second, o.MinBackoff)
	}
	if o.BackfillMax == 0 {
		o.BackfillMax = 5000
	}
	return o
}

// TailEvent is one message of a Follow: new lines, a gap the tail had and
// how it was filled, a reconnection about to be tried, or the end.
type TailEvent struct {
	// Entries are new lines, oldest first. With Gap set they are the
	// backfilled lines, and the gap (if any is left) comes after them.
	Entries []Entry
	// Dropped lists lines Loki could not deliver because the reader fell
	// behind.
	Dropped []DroppedEntry
	// Gap is set when the tail reconnected.
	Gap *Gap
	// Retrying is set when a reconnection will be tried after a wait.
	Retrying *Retry
	// Err is set on the last event when following cannot go on (a
	// reconnection refused with a 4xx, a malformed message).
	Err error
}

// Gap is a stretch of time the tail was not connected. It is never
// silently lost: the lines are backfilled with query_range, and what could
// not be is reported.
type Gap struct {
	// From and To bound the lines that may be missing: when Backfilled,
	// the stretch that was filled; otherwise the part still missing after
	// the Lines that could be fetched.
	From, To time.Time
	// Reason says why the tail ended, e.g. "Loki's tail_max_duration
	// reached" or "connection lost".
	Reason string
	// Backfilled is set when every line of the gap was fetched.
	Backfilled bool
	// Lines is how many lines were backfilled.
	Lines int
	// Err is the backfill's failure, if it failed.
	Err error
}

// String is one line for the pane, e.g. "tail reconnected (connection
// lost): 12 lines 10:00:01–10:00:09 backfilled".
func (g Gap) String() string {
	span := g.From.Format(time.TimeOnly) + "–" + g.To.Format(time.TimeOnly)
	head := "tail reconnected (" + g.Reason + ")"
	switch {
	case g.Backfilled:
		return fmt.Sprintf("%s: %s %s backfilled", head, lineCount(g.Lines), span)
	case g.Err != nil:
		return fmt.Sprintf("%s: lines %s missing, backfill failed: %s", head, span, g.Err)
	case g.Lines > 0:
		return fmt.Sprintf("%s: %s backfilled, lines %s missing (backfill cap reached)", head, lineCount(g.Lines), span)
	}
	return fmt.Sprintf("%s: lines %s not fetched", head, span)
}

func lineCount(n int) string {
	if n == 1 {
		return "1 line"
	}
	return fmt.Sprintf("%d lines", n)
}

// Retry announces a reconnection attempt.
type Retry struct {
	Reason  string
	Attempt int
	In      time.Duration
}

// Follow is Tail that does not give up: when Loki closes the tail (close
// 1011 over max_concurrent_tail_requests, tail_max_duration reached) or the
// connection drops, it reconnects with backoff, backfills the lines of the
// gap with query_range, and reports the gap as an event. Connecting the
// first time is bounded by the client timeout and its failure returned.
// The channel closes when ctx ends or following cannot go on (the last
// event then carries Err).
func (c *Client) Follow(ctx context.Context, query string, o TailOptions) (<-chan TailEvent, error) {
	o = o.withDefaults()
	began := time.Now()
	ch, err := c.Tail(ctx, query, o.Start, o.Limit, o.DelayFor)
	if err != nil {
		return nil, err
	}
	out := make(chan TailEvent, 16)
	f := &follower{c: c, query: query, o: o, out: out, last: began}
	go f.run(ctx, ch)
	return out, nil
}

// follower is one Follow's state.
type follower struct {
	c     *Client
	query string
	o     TailOptions
	out   chan<- TailEvent
	// last is the newest line time delivered (at first: when the tail
	// started); lastKeys are the lines delivered at that nanosecond, so a
	// backfill from last does not repeat them.
	last     time.Time
	lastKeys map[string]struct{}
	wait     time.Duration
}

func (f *follower) send(ctx context.Context, ev TailEvent) bool {
	select {
	case f.out <- ev:
		return true
	case <-ctx.Done():
		return false
	}
}

func (f *follower) run(ctx context.Context, ch <-chan TailFrame) {
	defer close(f.out)
	for {
		connected := time.Now()
		frames, endErr, ok := f.pump(ctx, ch)
		if !ok || ctx.Err() != nil {
			return
		}
		reason, immediate, fatal := tailEnd(endErr)
		if fatal {
			f.send(ctx, TailEvent{Err: endErr})
			return
		}
		if frames > 0 || time.Since(connected) >= f.o.MaxBackoff {
			f.wait = 0 // the connection worked: start the backoff over
		}
		if immediate {
			f.wait = 0
		} else {
			f.wait = f.nextWait()
		}
		next, first, at, ok := f.reconnect(ctx, reason)
		if !ok {
			return
		}
		gap, entries := f.backfill(ctx, at, reason)
		if !f.send(ctx, TailEvent{Entries: entries, Gap: &gap}) {
			return
		}
		if first != nil {
			f.see(first.Entries)
			if !f.send(ctx, TailEvent{Entries: first.Entries, Dropped: first.Dropped}) {
				return
			}
		}
		ch = next
	}
}

func (f *follower) nextWait() time.Duration {
	if f.wait == 0 {
		return f.o.MinBackoff
	}
	return min(2*f.wait, f.o.MaxBackoff)
}

// pump forwards a connection's frames until it ends. ok is false when the
// consumer went away.
func (f *follower) pump(ctx context.Context, ch <-chan TailFrame) (frames int, endErr error, ok bool) {
	for fr := range ch {
		if fr.Err != nil {
			return frames, fr.Err, true
		}
		frames++
		f.see(fr.Entries)
		if !f.send(ctx, TailEvent{Entries: fr.Entries, Dropped: fr.Dropped}) {
			return frames, nil, false
		}
	}
	return frames, nil, true
}

// see moves last forward over delivered entries.
func (f *follower) see(es []Entry) {
	for _, e := range es {
		switch {
		case e.Time.After(f.last):
			f.last = e.Time
			f.lastKeys = map[string]struct{}{entryKey(e): {}}
		case e.Time.Equal(f.last):
			if f.lastKeys == nil {
				f.lastKeys = map[string]struct{}{}
			}
			f.lastKeys[entryKey(e)] = struct{}{}
		}
	}
}

// reconnect dials until a tail is up (from the moment of dialling), waiting
// f.wait before each attempt. Loki refuses a tail over
// max_concurrent_tail_requests only after the upgrade, so a connection
// counts once it has not been closed within a short grace; the first frame
// read meanwhile is returned to be delivered after the backfill. A 4xx
// refusal (other than 408 and 429) ends following.
func (f *follower) reconnect(ctx context.Context, reason string) (<-chan TailFrame, *TailFrame, time.Time, bool) {
	why := reason
	grace := min(f.o.MinBackoff, 200*time.Millisecond)
	for attempt := 1; ; attempt++ {
		if f.wait > 0 {
			if !f.send(ctx, TailEvent{Retrying: &Retry{Reason: why, Attempt: attempt, In: f.wait}}) || !sleep(ctx, f.wait) {
				return nil, nil, time.Time{}, false
			}
		}
		at := time.Now()
		ch, err := f.c.Tail(ctx, f.query, at, f.o.Limit, f.o.DelayFor)
		if err == nil {
			first, failed, ok := firstFrame(ctx, ch, grace)
			if !ok {
				return nil, nil, time.Time{}, false
			}
			if failed == nil {
				return ch, first, at, true
			}
			r, immediate, fatal := tailEnd(failed)
			if fatal {
				f.send(ctx, TailEvent{Err: failed})
				return nil, nil, time.Time{}, false
			}
			why, f.wait = r, f.nextWait()
			if immediate {
				f.wait = 0
			}
			continue
		}
		if ctx.Err() != nil {
			return nil, nil, time.Time{}, false
		}
		if permanent(err) {
			f.send(ctx, TailEvent{Err: fmt.Errorf("loki: tail could not reconnect after %s: %w", reason, err)})
			return nil, nil, time.Time{}, false
		}
		why = strings.TrimPrefix(err.Error(), "loki: ")
		f.wait = f.nextWait()
	}
}

// firstFrame waits up to grace for a new connection's first frame. failed
// is the reason the connection ended at once (ErrTailLost when it closed
// without one); ok is false when ctx ended.
func firstFrame(ctx context.Context, ch <-chan TailFrame, grace time.Duration) (first *TailFrame, failed error, ok bool) {
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case fr, open := <-ch:
		switch {
		case !open && ctx.Err() != nil:
			return nil, nil, false
		case !open:
			return nil, &TailClosedError{Code: 1000}, true
		case fr.Err != nil:
			return nil, fr.Err, true
		}
		return &fr, nil, true
	case <-t.C:
		return nil, nil, true
	case <-ctx.Done():
		return nil, nil, false
	}
}

// backfill fetches the lines of [last, to) with query_range, oldest first,
// leaving out those already delivered.
func (f *follower) backfill(ctx context.Context, to time.Time, reason string) (Gap, []Entry) {
	g := Gap{From: f.last, To: to, Reason: reason}
	if !to.After(f.last) {
		g.Backfilled = true
		return g, nil
	}
	if f.o.BackfillMax < 0 {
		return g, nil
	}
	limit := f.o.BackfillMax + len(f.lastKeys)
	res, err := f.c.FetchLogs(ctx, Query{Query: f.query, Start: f.last, End: to, Direction: Forward}, min(limit, 1000), limit)
	var entries []Entry
	if res != nil {
		for _, e := range res.Entries {
			if _, dup := f.lastKeys[entryKey(e)]; dup && e.Time.Equal(f.last) {
				continue
			}
			entries = append(entries, e)
		}
	}
	g.Lines = len(entries)
	f.see(entries)
	switch {
	case err != nil:
		g.Err, g.From = err, f.last
	case res.Capped:
		g.From = f.last
	default:
		g.Backfilled = true
		f.last, f.lastKeys = to, nil // every line before to is delivered
	}
	return g, entries
}

// tailEnd classifies why a tail ended: the reason for the gap, whether to
// reconnect at once, and whether following must stop.
func tailEnd(err error) (reason string, immediate, fatal bool) {
	var ce *TailClosedError
	switch {
	case err == nil:
		return "closed by Loki", false, false
	case errors.As(err, &ce):
		switch {
		case strings.Contains(ce.Reason, "reached tail max duration limit"):
			return "Loki's tail_max_duration reached", true, false
		case strings.Contains(ce.Reason, "max concurrent tail requests limit exceeded"):
			return "too many tails: Loki's max_concurrent_tail_requests", false, false
		case ce.Code == 1001:
			return "Loki went away (1001)", false, false
		}
		return fmt.Sprintf("closed by Loki: %s (%d)", ce.Reason, ce.Code), false, false
	case errors.Is(err, ErrTailLost):
		return "connection lost", false, false
	case errors.Is(err, errTailDecode):
		return "", false, true
	}
	return strings.TrimPrefix(err.Error(), "loki: "), false, false
}

// permanent reports a refusal that retrying will not change.
func permanent(err error) bool {
	var he *HTTPError
	return errors.As(err, &he) && he.StatusCode >= 400 && he.StatusCode < 500 &&
		he.StatusCode != http.StatusRequestTimeout && he.StatusCode != http.StatusTooManyRequests
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
