package logview

import (
	"context"
	"time"

	"oncall/sources/loki"
)

// DefaultLease is how long a Follower lives without a reader.
const DefaultLease = 10 * time.Second

// Follower is a running live tail. A reader calls Next in a loop; every
// call renews the follower's lease. When nobody has called Next for the
// lease (the screen was closed, the session ended), the tail stops by
// itself, so a forgotten follower cannot leak its connection.
//
// When Loki closes the tail (too many tails, tail_max_duration) or the
// connection drops, it reconnects with backoff and backfills the gap (see
// loki.Client.Follow); each reconnection arrives as a marker row (Row.Gap
// set) in the rows, where the lines may be missing, and in Frame.Gaps.
type Follower struct {
	frames <-chan loki.TailEvent
	cancel context.CancelFunc
	ping   chan struct{}
	done   chan struct{}
	b      *Builder
}

// Frame is what one Next call returns: the rows of one or more tail
// messages.
type Frame struct {
	Rows []Row
	// Dropped is how many lines Loki skipped because the reader fell behind.
	Dropped int
	// Err is the tail's failure; the follower has stopped.
	Err error
	// Closed reports that the tail ended (stopped, failed, or closed by
	// the server); no more frames will come.
	Closed bool
	// Idle reports that nothing arrived within the wait.
	Idle bool
	// Gaps are the reconnections of this frame; each also sits in Rows
	// as a marker row at its place.
	Gaps []loki.Gap
	// Retrying is set while the tail waits to reconnect (the latest
	// attempt), for the status line.
	Retrying *loki.Retry
}

// Follow starts a live tail of query from start (zero: now), Loki sending
// at most limit older lines first. Connecting is bounded by the client's
// timeout. lease <= 0 means DefaultLease.
func Follow(c *loki.Client, b *Builder, query string, start time.Time, limit int, lease time.Duration) (*Follower, error) {
	return FollowWith(c, b, query, loki.TailOptions{Start: start, Limit: limit}, lease)
}

// FollowWith is Follow with every tail option (backoff, backfill cap).
func FollowWith(c *loki.Client, b *Builder, query string, o loki.TailOptions, lease time.Duration) (*Follower, error) {
	if lease <= 0 {
		lease = DefaultLease
	}
	ctx, cancel := context.WithCancel(context.Background())
	ch, err := c.Follow(ctx, query, o)
	if err != nil {
		cancel()
		return nil, err
	}
	f := &Follower{frames: ch, cancel: cancel, ping: make(chan struct{}, 1), done: make(chan struct{}), b: b}
	go f.watch(ctx, lease)
	return f, nil
}

// watch cancels the tail when the lease runs out.
func (f *Follower) watch(ctx context.Context, lease time.Duration) {
	defer close(f.done)
	t := time.NewTimer(lease)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-f.ping:
			if !t.Stop() {
				select {
				case <-t.C:
				default:
				}
			}
			t.Reset(lease)
		case <-t.C:
			f.cancel()
			return
		}
	}
}

// Stop ends the tail. It is safe to call more than once and concurrently
// with Next, which then reports Closed.
func (f *Follower) Stop() { f.cancel() }

// Done is closed once the follower has stopped (Stop, lease expiry or the
// tail's end).
func (f *Follower) Done() <-chan struct{} { return f.done }

// maxCoalesce bounds how many tail messages one Next call merges.
const maxCoalesce = 64

// Next waits up to wait for new lines and renews the lease. Messages that
// are already queued are merged into one Frame.
func (f *Follower) Next(wait time.Duration) Frame {
	select {
	case f.ping <- struct{}{}:
	default:
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	var out Frame
	select {
	case tf, ok := <-f.frames:
		if !f.add(&out, tf, ok) {
			return out
		}
	case <-t.C:
		out.Idle = true
		return out
	}
	for i := 1; i < maxCoalesce; i++ {
		select {
		case tf, ok := <-f.frames:
			if !f.add(&out, tf, ok) {
				return out
			}
		default:
			return out
		}
	}
	return out
}

// add merges one message; it reports whether the tail is still open.
func (f *Follower) add(out *Frame, ev loki.TailEvent, ok bool) bool {
	if !ok {
		out.Closed = true
		f.cancel()
		return false
	}
	out.Rows = append(out.Rows, f.b.BuildAll(ev.Entries)...)
	out.Dropped += len(ev.Dropped)
	if ev.Gap != nil {
		out.Gaps = append(out.Gaps, *ev.Gap)
		out.Rows = append(out.Rows, f.b.GapRow(*ev.Gap))
		out.Retrying = nil
	}
	if ev.Retrying != nil {
		out.Retrying = ev.Retrying
	}
	if ev.Err != nil {
		out.Err, out.Closed = ev.Err, true
		f.cancel()
		return false
	}
	return true
}
