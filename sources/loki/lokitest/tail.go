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

// tailSub is one running tail. Its fields are guarded by Server.mu.
type tailSub struct {
	q       *logQuery
	pending []match
	dropped []droppedEntry
	notify  chan struct{}
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
		t.pending = append(t.pending, match{st: st, e: e, parsed: res.parsed})
	}
	select {
	case t.notify <- struct{}{}:
	default:
	}
}

// handleTail serves /loki/api/v1/tail over WebSocket: first the latest
// `limit` lines since `start`, then every matching line pushed afterwards.
func (s *Server) handleTail(w http.ResponseWriter, r *http.Request, visible bool) {
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

	sub := &tailSub{q: q, notify: make(chan struct{}, 1)}
	s.mu.Lock()
	var initial []match
	if visible {
		initial = s.selectEntries(q, start.UnixNano(), math.MaxInt64, limit, true)
		slices.Reverse(initial)
		s.tails[sub] = struct{}{}
	}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.tails, sub)
		s.mu.Unlock()
	}()

	if len(initial) > 0 {
		if err := writeFrame(ctx, conn, tailFrame{Streams: encodeStreams(initial, false)}); err != nil {
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
		case <-sub.notify:
			s.mu.Lock()
			ms, dropped := sub.pending, sub.dropped
			sub.pending, sub.dropped = nil, nil
			frame := tailFrame{Streams: encodeStreams(ms, false), DroppedEntries: dropped}
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
