package simrunbooks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"path"
	"strings"
	"time"

	"oncall/runbooks"
)

// RepoURLPattern matches the raw-file URLs of the demo's runbook repository
// (the GitHub blob URL in the HighMemoryUsage rule, after the built-in
// blob→raw rewrite); $1 is the file name. A rewrite to Server.URL()+"/$1"
// makes them resolve against Serve's server.
const RepoURLPattern = `^https://raw\.githubusercontent\.com/conectcrm/runbooks/[^/]+/(.+)$`

// Server serves the shipped runbooks over HTTP on a loopback port.
type Server struct {
	url string
}

// URL is the server's base URL (no trailing slash).
func (s *Server) URL() string { return s.url }

// Serve starts a server for the shipped runbooks: GET /NAME returns the
// shipped file NAME, or, for NAME.md with no such file, the section of
// RUNBOOKS.md whose heading is NAME (so HighMemoryUsage.md is the
// HighMemoryUsage section). It stops when ctx ends.
func Serve(ctx context.Context) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("runbook server: %w", err)
	}
	srv := &http.Server{Handler: Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	return &Server{url: "http://" + ln.Addr().String()}, nil
}

// Handler serves the shipped runbooks (see Serve).
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		body, err := lookup(strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "text/markdown; charset=utf-8")
		_, _ = io.WriteString(w, body)
	})
}

func lookup(name string) (string, error) {
	shipped := runbooks.Shipped()
	if b, err := fs.ReadFile(shipped, name); err == nil {
		return string(b), nil
	}
	base, ok := strings.CutSuffix(name, ".md")
	if !ok || base == "" || strings.Contains(base, "/") {
		return "", errors.New("no such runbook")
	}
	all, err := fs.ReadFile(shipped, "RUNBOOKS.md")
	if err != nil {
		return "", errors.New("no such runbook")
	}
	sec, found := runbooks.Section(string(all), runbooks.Slug(base))
	if !found {
		return "", errors.New("no such runbook")
	}
	return sec, nil
}
