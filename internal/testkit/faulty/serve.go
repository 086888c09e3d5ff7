package faulty

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"time"

	"oncall/internal/demo/sim"
)

const htmlPage = `<!DOCTYPE html>
<html><head><title>500 Internal Server Error</title></head>
<body><center><h1>500 Internal Server Error</h1></center><hr><center>nginx</center></body></html>
`

// garbage starts like an API answer and stops being JSON.
const garbage = `{"status":"success","data":{"resultType":"streams","result":[{"stream":{"a":"b"},,<<<not json>>>`

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if d := s.currentDelay(); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			panic(http.ErrAbortHandler)
		}
	}
	switch s.current() {
	case Hang:
		<-r.Context().Done()
		panic(http.ErrAbortHandler)
	case HTML500:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = io.WriteString(w, htmlPage)
	case Garbage:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, garbage)
	case Truncated:
		rec := httptest.NewRecorder()
		s.handler.ServeHTTP(rec, r)
		copyHeader(w, rec.Header())
		body := rec.Body.Bytes()
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body[:len(body)/2])
		if fl, ok := w.(http.Flusher); ok {
			fl.Flush()
		}
		panic(http.ErrAbortHandler) // drop the connection mid-body
	case Huge:
		streamHuge(w, r)
	case SlowDrip:
		rec := httptest.NewRecorder()
		s.handler.ServeHTTP(rec, r)
		copyHeader(w, rec.Header())
		w.Header().Set("Content-Length", strconv.Itoa(rec.Body.Len()))
		w.WriteHeader(rec.Code)
		sim.Drip(w, r, rec.Body.Bytes(), DripInterval)
	default:
		s.handler.ServeHTTP(w, r)
	}
}

func copyHeader(w http.ResponseWriter, h http.Header) {
	for k, v := range h {
		if k != "Content-Length" {
			w.Header()[k] = append([]string(nil), v...)
		}
	}
}

// streamHuge writes a HugeBytes JSON array of strings in fixed chunks,
// stopping when the client goes away.
func streamHuge(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.FormatInt(HugeBytes, 10))
	w.WriteHeader(http.StatusOK)
	elem := bytes.Repeat([]byte{'x'}, 1024)
	elem[0], elem[len(elem)-2], elem[len(elem)-1] = '"', '"', ','
	chunk := bytes.Repeat(elem, 64)
	written := int64(0)
	if _, err := io.WriteString(w, "["); err != nil {
		return
	}
	written++
	for written+int64(len(chunk)) < HugeBytes-1 {
		if _, err := w.Write(chunk); err != nil || r.Context().Err() != nil {
			return
		}
		written += int64(len(chunk))
	}
	last := bytes.Repeat([]byte{'x'}, int(HugeBytes-1-written))
	if len(last) >= 2 {
		last[0], last[len(last)-1] = '"', '"'
	}
	_, _ = w.Write(last)
	_, _ = io.WriteString(w, "]")
}
