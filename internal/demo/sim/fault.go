package sim

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Fault is a misbehaviour a simulated server applies to its API routes
// (everything under /api/). Health endpoints (/-/ready, /-/healthy) are
// never faulted, so a test can tell "server up but API broken" apart.
type Fault int

const (
	// None serves normal responses.
	None Fault = iota
	// Hang accepts the request and never answers; it ends when the client
	// disconnects or the server closes.
	Hang
	// Refuse closes the connection without writing a response.
	Refuse
	// HTML500 answers 500 with an HTML error page, like a proxy in front of
	// a dead backend.
	HTML500
	// Garbage answers 200 application/json with a malformed JSON body.
	Garbage
	// Truncated sends the headers of the real response (with its full
	// Content-Length) and the first half of its body, then cuts the
	// connection.
	Truncated
	// Huge answers 200 application/json with a HugeBodyBytes body (a valid
	// JSON array of padding strings) streamed without being held in memory.
	Huge
	// SlowDrip sends the real response one byte every SlowDripInterval.
	SlowDrip
)

// HugeBodyBytes is the size of the body the Huge fault streams.
const HugeBodyBytes int64 = 200 << 20

// SlowDripInterval is the pause between two bytes under SlowDrip.
const SlowDripInterval = 100 * time.Millisecond

// String names the fault.
func (f Fault) String() string {
	switch f {
	case None:
		return "none"
	case Hang:
		return "hang"
	case Refuse:
		return "refuse"
	case HTML500:
		return "html500"
	case Garbage:
		return "garbage"
	case Truncated:
		return "truncated"
	case Huge:
		return "huge"
	case SlowDrip:
		return "slowdrip"
	default:
		return "fault(" + strconv.Itoa(int(f)) + ")"
	}
}

// ParseFault turns a fault name (as printed by Fault.String) into a Fault.
func ParseFault(s string) (Fault, error) {
	for f := None; f <= SlowDrip; f++ {
		if f.String() == s {
			return f, nil
		}
	}
	return None, fmt.Errorf("unknown fault %q (want none, hang, refuse, html500, garbage, truncated, huge or slowdrip)", s)
}

// faultState is the per-server fault configuration; safe for concurrent use.
type faultState struct {
	mu    sync.Mutex
	fault Fault
	delay time.Duration
}

func (s *faultState) set(f Fault) {
	s.mu.Lock()
	s.fault = f
	s.mu.Unlock()
}

func (s *faultState) setDelay(d time.Duration) {
	s.mu.Lock()
	s.delay = d
	s.mu.Unlock()
}

func (s *faultState) get() (Fault, time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fault, s.delay
}

const html500Body = `<!DOCTYPE html>
<html><head><title>500 Internal Server Error</title></head>
<body><center><h1>500 Internal Server Error</h1></center><hr><center>nginx</center></body></html>
`

// garbageBody starts like a Prometheus/Alertmanager answer and then stops
// being JSON.
const garbageBody = `{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"up"},,"value":[1,"1"]}<<<not json>>>`

// wrap applies the current fault and delay to next.
func (s *faultState) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fault, delay := s.get()
		if delay > 0 && !sleepCtx(r, delay) {
			// Client gone or server closing: no response at all.
			panic(http.ErrAbortHandler)
		}
		switch fault {
		case Hang:
			<-r.Context().Done()
			// Returning normally would send an empty 200 when the server
			// (not the client) ends the wait.
			panic(http.ErrAbortHandler)
		case Refuse:
			closeConn(w)
		case HTML500:
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = io.WriteString(w, html500Body)
		case Garbage:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusOK)
			_, _ = io.WriteString(w, garbageBody)
		case Truncated:
			rec := record(next, r)
			rec.copyHeader(w)
			w.Header().Set("Content-Length", strconv.Itoa(rec.body.Len()))
			w.WriteHeader(rec.status)
			_, _ = w.Write(rec.body.Bytes()[:rec.body.Len()/2])
			if fl, ok := w.(http.Flusher); ok {
				fl.Flush()
			}
			closeConn(w)
		case Huge:
			streamHuge(w, r)
		case SlowDrip:
			rec := record(next, r)
			rec.copyHeader(w)
			w.Header().Set("Content-Length", strconv.Itoa(rec.body.Len()))
			w.WriteHeader(rec.status)
			drip(w, r, rec.body.Bytes())
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// sleepCtx waits d; it reports false when the client went away first.
func sleepCtx(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

// closeConn drops the client connection without a (complete) response.
func closeConn(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	// Not hijackable (HTTP/2): aborting the handler resets the stream.
	panic(http.ErrAbortHandler)
}

// streamHuge writes a HugeBodyBytes JSON array in fixed chunks.
func streamHuge(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	// Each element is `"xxx…x",` — 1024 bytes in all.
	elem := make([]byte, 1024)
	for i := range elem {
		elem[i] = 'x'
	}
	elem[0], elem[len(elem)-2], elem[len(elem)-1] = '"', '"', ','
	chunk := bytes.Repeat(elem, 64)
	written := int64(0)
	write := func(p []byte) bool {
		n, err := w.Write(p)
		written += int64(n)
		return err == nil && r.Context().Err() == nil
	}
	if !write([]byte("[")) {
		return
	}
	// Leave room for the last element (no trailing comma) and "]".
	for written+int64(len(chunk))+int64(len(elem))+1 <= HugeBodyBytes {
		if !write(chunk) {
			return
		}
	}
	for written+int64(len(elem))+int64(len(elem))+1 <= HugeBodyBytes {
		if !write(elem) {
			return
		}
	}
	// The last element fills the body up to exactly HugeBodyBytes.
	last := make([]byte, HugeBodyBytes-written-1)
	for i := range last {
		last[i] = 'x'
	}
	last[0], last[len(last)-1] = '"', '"'
	if !write(last) {
		return
	}
	write([]byte("]"))
}

// drip writes body one byte per SlowDripInterval.
func drip(w http.ResponseWriter, r *http.Request, body []byte) { Drip(w, r, body, SlowDripInterval) }

// Drip writes body one byte per interval, flushing each, until it is all
// written or the client goes away. The fault servers of the tests use it too.
func Drip(w http.ResponseWriter, r *http.Request, body []byte, interval time.Duration) {
	fl, _ := w.(http.Flusher)
	t := time.NewTicker(interval)
	defer t.Stop()
	for i := range body {
		if _, err := w.Write(body[i : i+1]); err != nil {
			return
		}
		if fl != nil {
			fl.Flush()
		}
		if i == len(body)-1 {
			return
		}
		select {
		case <-t.C:
		case <-r.Context().Done():
			return
		}
	}
}

// recorder captures a handler's full response in memory.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func record(h http.Handler, r *http.Request) *recorder {
	rec := &recorder{header: http.Header{}}
	h.ServeHTTP(rec, r)
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	return rec
}

func (rec *recorder) Header() http.Header { return rec.header }

func (rec *recorder) WriteHeader(code int) {
	if rec.status == 0 {
		rec.status = code
	}
}

func (rec *recorder) Write(p []byte) (int, error) {
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	return rec.body.Write(p)
}

func (rec *recorder) copyHeader(w http.ResponseWriter) {
	for k, v := range rec.header {
		w.Header()[k] = append([]string(nil), v...)
	}
}
