package loki

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/coder/websocket"

	"oncall/internal/httpx"
)

// maxTailFrame caps one tail message.
const maxTailFrame = 32 << 20

// TailFrame is one message of a live tail.
type TailFrame struct {
	// Entries are the new lines, oldest first.
	Entries []Entry
	// Dropped lists lines Loki could not deliver because the client fell
	// behind.
	Dropped []DroppedEntry
	// Err is set on the last frame when the tail failed.
	Err error
}

// DroppedEntry identifies a line the tail skipped.
type DroppedEntry struct {
	Labels map[string]string
	Time   time.Time
}

type wireTailFrame struct {
	Streams []wireStream `json:"streams"`
	Dropped []struct {
		Labels    map[string]string `json:"labels"`
		Timestamp string            `json:"timestamp"`
	} `json:"dropped_entries"`
}

// Tail follows a log query live over WebSocket (/loki/api/v1/tail). Loki
// first sends up to limit lines since start, then new lines as they arrive;
// delayFor (seconds, at most 5) lets late lines be sorted in. Zero values
// leave start, limit and delayFor to Loki.
//
// Connecting is bounded by the client timeout and failures are returned.
// Afterwards frames arrive on the channel, which is closed when ctx ends or
// the server closes the socket; if the tail failed, the last frame carries
// Err.
func (c *Client) Tail(ctx context.Context, query string, start time.Time, limit int, delayFor int) (<-chan TailFrame, error) {
	if limit < 0 || delayFor < 0 {
		return nil, errors.New("loki: tail: limit and delayFor must not be negative")
	}
	v := url.Values{}
	v.Set("query", query)
	if !start.IsZero() {
		v.Set("start", nanos(start))
	}
	if limit > 0 {
		v.Set("limit", strconv.Itoa(limit))
	}
	if delayFor > 0 {
		v.Set("delay_for", strconv.Itoa(delayFor))
	}
	hc, header, err := c.wsClient()
	if err != nil {
		return nil, err
	}
	dctx, cancel := context.WithTimeout(ctx, c.cfg.EffectiveTimeout())
	defer cancel()
	conn, resp, err := websocket.Dial(dctx, c.endpoint("/loki/api/v1/tail", v).String(), &websocket.DialOptions{
		HTTPClient: hc,
		HTTPHeader: header,
	})
	if err != nil {
		return nil, c.dialError(resp, err)
	}
	conn.SetReadLimit(maxTailFrame)
	ch := make(chan TailFrame, 16)
	go c.readTail(ctx, conn, ch)
	return ch, nil
}

func (c *Client) readTail(ctx context.Context, conn *websocket.Conn, ch chan<- TailFrame) {
	defer close(ch)
	defer conn.CloseNow()
	send := func(f TailFrame) bool {
		select {
		case ch <- f:
			return true
		case <-ctx.Done():
			return false
		}
	}
	for {
		_, b, err := conn.Read(ctx)
		if err != nil {
			if ctx.Err() != nil {
				_ = conn.Close(websocket.StatusNormalClosure, "")
				return
			}
			if websocket.CloseStatus(err) == websocket.StatusNormalClosure {
				return
			}
			send(TailFrame{Err: c.tailReadError(err)})
			return
		}
		f, err := decodeTailFrame(b)
		if err != nil {
			send(TailFrame{Err: fmt.Errorf("%w: %s", errTailDecode, oneLine(err.Error(), nil))})
			return
		}
		if !send(f) {
			return
		}
	}
}

func decodeTailFrame(b []byte) (TailFrame, error) {
	var w wireTailFrame
	if err := json.Unmarshal(b, &w); err != nil {
		return TailFrame{}, err
	}
	f := TailFrame{Entries: flatten(w.Streams, Forward)}
	for _, d := range w.Dropped {
		ns, err := strconv.ParseInt(d.Timestamp, 10, 64)
		if err != nil {
			return TailFrame{}, fmt.Errorf("dropped entry timestamp %q is not a nanosecond epoch", d.Timestamp)
		}
		f.Dropped = append(f.Dropped, DroppedEntry{Labels: nonNil(d.Labels), Time: time.Unix(0, ns)})
	}
	return f, nil
}

// TailClosedError is a tail the server closed with a close frame, e.g.
// code 1011 with "reached tail max duration limit".
type TailClosedError struct {
	Code int
	// Reason is the server's close reason: one line, secrets scrubbed.
	Reason string
}

func (e *TailClosedError) Error() string {
	reason := e.Reason
	if reason == "" {
		reason = "no reason given"
	}
	return fmt.Sprintf("loki: tail closed by server: %s (status %d)", reason, e.Code)
}

// ErrTailLost is a tail whose connection ended without a close frame
// (a restarted querier, a proxy's idle timeout, a network cut).
var ErrTailLost = errors.New("loki: tail connection lost")

// errTailDecode is a tail message that is not Loki's JSON.
var errTailDecode = errors.New("loki: decoding tail frame")

func (c *Client) tailReadError(err error) error {
	var ce websocket.CloseError
	if errors.As(err, &ce) {
		return &TailClosedError{Code: int(ce.Code), Reason: oneLine(ce.Reason, c.cfg.Secrets())}
	}
	if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || errors.Is(err, io.ErrUnexpectedEOF) {
		return ErrTailLost
	}
	return fmt.Errorf("loki: tail: %s", oneLine(httpx.CleanError(err).Error(), c.cfg.Secrets()))
}

func (c *Client) dialError(resp *http.Response, err error) error {
	if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
		var body []byte
		if resp.Body != nil {
			body, _ = io.ReadAll(io.LimitReader(resp.Body, 8<<10))
		}
		return c.hint(newHTTPError(resp, body, c.cfg.Secrets()))
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("loki: tail: no answer within %s", c.cfg.EffectiveTimeout())
	}
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("loki: tail: %w", context.Canceled)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return fmt.Errorf("loki: tail: %s", oneLine(err.Error(), c.cfg.Secrets()))
}

// wsClient builds the HTTP client and headers for the WebSocket handshake.
// It is HTTP/1.1 only (a WebSocket upgrade cannot ride HTTP/2, which the
// shared httpx transport negotiates), so auth, headers and TLS are applied
// here directly.
func (c *Client) wsClient() (*http.Client, http.Header, error) {
	tr := &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout: 5 * time.Second,
		// One connection per tail: a refused handshake (e.g. 401) must not
		// leave an idle keep-alive connection behind on this transport.
		DisableKeepAlives: true,
	}
	if c.cfg.TLS != nil {
		tc, err := httpx.TLSConfig(*c.cfg.TLS)
		if err != nil {
			return nil, nil, fmt.Errorf("loki: %w", err)
		}
		tr.TLSClientConfig = tc
	}
	h, err := authHeader(c.cfg)
	if err != nil {
		return nil, nil, err
	}
	if c.tenant != "" {
		h.Set("X-Scope-OrgID", c.tenant)
	}
	return &http.Client{Transport: tr}, h, nil
}
