package lokitest

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/coder/websocket"
)

// maxPendingTail is how many lines a slow tail client may fall behind
// before further lines are reported as dropped.
const maxPendingTail = 10000

// Loki's close reasons (both with close code 1011, internal error).
const (
	// closeMaxDuration is the tailer's error once tail_max_duration passed.
	closeMaxDuration = "reached tail max duration limit"
)

// tooManyTails is Loki's refusal of a tail over
// max_concurrent_tail_requests, as the querier's gRPC error renders it.
func tooManyTails(count, limit int) string {
	return fmt.Sprintf("rpc error: code = Code(400) desc = max concurrent tail requests limit exceeded, count > limit (%d > %d)", count, limit)
}

// tailSub is one running tail. Its fields are guarded by Server.mu.
type tailSub struct {
	tenant  string
	q       *logQuery
	cat     bool
	pending []match
	dropped []droppedEntry
	notify  chan struct{}
	drop    chan struct{} // closed by DropTails
}

type droppedEntry struct {
	Labels    map[string]string `json:"labels"`
	Timestamp string            `json:"timestamp"`
}

type tailFrame struct {
	Streams        []wireStream   `json:"streams"`
	DroppedEntries []droppedEntry `json:"dropped_entries"`
}

// offer queues a freshly pushed entry if it matches. Called with s.mu held.
func (t *tailSub) offer(st *stream, e storedEntry) {
	if !matchesSelector(t.q.selector, st.labels) {
		return
	}
	res, ok := t.q.run(e.line, st.labels, e.sm)
	if !ok {
		return
	}
	if len(t.pending) >= maxPendingTail {
		t.dropped = append(t.dropped, droppedEntry{Labels: snapshotLabels(st.labels), Timestamp: strconv.FormatInt(e.ts, 10)})
	} else {
		t.pending = append(t.pending, match{st: st, e: e, line: res.line, parsed: res.parsed})
	}
	select {
	case t.notify <- struct{}{}:
	default:
	}
}

// TailCount is how many tails are connected (all tenants).
func (s *Server) TailCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.tails)
}

// DropTails cuts every running tail's connection without a close frame,
// as a restarted querier or a proxy's idle timeout does. It returns how
// many were cut.
func (s *Server) DropTails() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for t := range s.tails {
		select {
		case <-t.drop:
		default:
			close(t.drop)
			n++
		}
	}
	return n
}

// tailCount is the tenant's running tails. The caller holds s.mu.
func (s *Server) tailCount(tenant string) int {
	n := 0
	for t := range s.tails {
		if t.tenant == tenant {
			n++
		}
	}
	return n
}

// handleTail serves /loki/api/v1/tail over WebSocket: first the latest
// `limit` lines since `start`, then every matching line pushed afterwards.
// Like Loki it upgrades first and then refuses a tail over
// max_concurrent_tail_requests with close code 1011, and closes a tail
// after tail_max_duration the same way.
func (s *Server) handleTail(w http.ResponseWriter, r *http.Request, org string) {
	q, err := parseQuery(r.Form.Get("query"))
	if err != nil {
		writeText(w, http.StatusBadRequest, err.Error())
		return
	}
	start, err := parseTime(r.Form.Get("start"), time.Now().Add(-time.Hour))
	if err != nil {
		writeText(w, http.StatusBadRequest, err.Error())
		return
	}
	limit := 100
	if v := r.Form.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit <= 0 {
			writeText(w, http.StatusBadRequest, "limit must be a positive value")
			return
		}
	}
	if v := r.Form.Get("delay_for"); v != "" {
		d, err := strconv.Atoi(v)
		if err != nil || d < 0 {
			writeText(w, http.StatusBadRequest, fmt.Sprintf("cannot parse %q to a valid delay_for", v))
			return
		}
		if d > 5 {
			writeText(w, http.StatusBadRequest, "delay_for can't be greater than 5")
			return
		}
	}
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		return
	}
	defer conn.CloseNow()
	ctx := conn.CloseRead(r.Context())

	sub := &tailSub{tenant: org, q: q, cat: categorize(r), notify: make(chan struct{}, 1), drop: make(chan struct{})}
	s.mu.Lock()
	if n := s.tailCount(org); s.maxTails > 0 && n >= s.maxTails {
		s.mu.Unlock()
		_ = conn.Close(websocket.StatusInternalError, tooManyTails(n+1, s.maxTails))
		return
	}
	initial, _ := s.selectEntries(org, q, start.UnixNano(), math.MaxInt64, limit, true)
	slices.Reverse(initial)
	s.tails[sub] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.tails, sub)
		s.mu.Unlock()
	}()

	var expire <-chan time.Time
	if s.tailMaxDuration > 0 {
		t := time.NewTimer(s.tailMaxDuration)
		defer t.Stop()
		expire = t.C
	}
	if len(initial) > 0 {
		if err := writeFrame(ctx, conn, tailFrame{Streams: encodeStreams(initial, sub.cat)}); err != nil {
			return
		}
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.done:
			_ = conn.Close(websocket.StatusGoingAway, "server shutting down")
			return
		case <-sub.drop:
			return // CloseNow: no close frame, the client sees the connection end
		case <-expire:
			_ = conn.Close(websocket.StatusInternalError, closeMaxDuration)
			return
		case <-sub.notify:
			s.mu.Lock()
			ms, dropped := sub.pending, sub.dropped
			sub.pending, sub.dropped = nil, nil
			frame := tailFrame{Streams: encodeStreams(ms, sub.cat), DroppedEntries: dropped}
			s.mu.Unlock()
			if err := writeFrame(ctx, conn, frame); err != nil {
				return
			}
		}
	}
}

func writeFrame(ctx context.Context, conn *websocket.Conn, f tailFrame) error {
	if f.Streams == nil {
		f.Streams = []wireStream{}
	}
	b, err := json.Marshal(f)
	if err != nil {
		return err
	}
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return conn.Write(wctx, websocket.MessageText, b)
}
