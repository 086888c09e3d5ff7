package runbooks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// maxErrorTTL bounds how long a failed fetch is remembered.
const maxErrorTTL = 30 * time.Second

// builtinRewrites turn code-hosting "blob" pages into their raw markdown.
// GitHub Enterprise and other wikis need a configured Rewrite.
func builtinRewrites() []Rewrite {
	return []Rewrite{
		{regexp.MustCompile(`^https://github\.com/([^/]+)/([^/]+)/blob/(.+)$`), "https://raw.githubusercontent.com/$1/$2/$3"},
		{regexp.MustCompile(`^https://github\.com/([^/]+)/([^/]+)/wiki/([^/?]+)$`), "https://raw.githubusercontent.com/wiki/$1/$2/$3.md"},
		// gitlab.com and self-hosted GitLab: /-/blob/ → /-/raw/
		{regexp.MustCompile(`^(https?://[^/]+/.+?)/-/blob/(.+)$`), "$1/-/raw/$2"},
	}
}

// RewriteURL applies the built-in blob→raw rewrites and then extra, in order,
// to a runbook URL; the #fragment is kept aside and put back.
func RewriteURL(raw string, extra []Rewrite) string {
	return applyRewrites(raw, append(builtinRewrites(), extra...))
}

func applyRewrites(raw string, rules []Rewrite) string {
	base, frag, hasFrag := strings.Cut(raw, "#")
	for _, r := range rules {
		if r.Pattern != nil && r.Pattern.MatchString(base) {
			base = r.Pattern.ReplaceAllString(base, r.Replacement)
		}
	}
	if hasFrag {
		return base + "#" + frag
	}
	return base
}

// redactURL removes userinfo and the query string (which may carry tokens)
// from a URL for display; keepFragment keeps the #anchor.
func redactURL(raw string, keepFragment bool) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "<invalid url>"
	}
	u.User = nil
	u.RawQuery = ""
	u.ForceQuery = false
	if !keepFragment {
		u.Fragment, u.RawFragment = "", ""
	}
	return u.String()
}

type cacheEntry struct {
	body string
	err  error
	at   time.Time
}

type fetchCall struct {
	done chan struct{}
	body string
	err  error
}

// fetch returns the body of an http(s) runbook URL (already rewritten, no
// fragment), from the cache when fresh. Concurrent fetches of one URL share
// one request.
func (f *Finder) fetch(ctx context.Context, u string) (string, error) {
	f.mu.Lock()
	if e, ok := f.cache[u]; ok && f.fresh(e) {
		f.mu.Unlock()
		return e.body, e.err
	}
	if c, ok := f.inflight[u]; ok {
		f.mu.Unlock()
		select {
		case <-c.done:
			return c.body, c.err
		case <-ctx.Done():
			return "", fmt.Errorf("fetching %s: %v", redactURL(u, false), ctx.Err())
		}
	}
	c := &fetchCall{done: make(chan struct{})}
	f.inflight[u] = c
	gen := f.gen
	f.mu.Unlock()

	body, err := f.get(ctx, u)

	f.mu.Lock()
	delete(f.inflight, u)
	// A fetch cut short by the caller's own context is not remembered.
	if f.cacheTTL > 0 && gen == f.gen && ctx.Err() == nil {
		f.cache[u] = cacheEntry{body: body, err: err, at: f.now()}
	}
	f.mu.Unlock()
	c.body, c.err = body, err
	close(c.done)
	return body, err
}

// fresh reports whether a cache entry may be reused. Call with f.mu held.
func (f *Finder) fresh(e cacheEntry) bool {
	ttl := f.cacheTTL
	if e.err != nil && ttl > maxErrorTTL {
		ttl = maxErrorTTL
	}
	return f.now().Sub(e.at) < ttl
}

var errTimeout = errors.New("timed out")

// get performs one GET with the finder's client and timeout.
func (f *Finder) get(parent context.Context, u string) (string, error) {
	shown := redactURL(u, false)
	ctx, cancel := context.WithTimeout(parent, f.fetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", fmt.Errorf("invalid runbook URL %s", shown)
	}
	req.Header.Set("Accept", "text/markdown, text/plain;q=0.9, */*;q=0.5")
	resp, err := f.client.Do(req)
	if err != nil {
		switch {
		case parent.Err() != nil:
			return "", fmt.Errorf("fetching %s: %v", shown, parent.Err())
		case errors.Is(ctx.Err(), context.DeadlineExceeded):
			return "", fmt.Errorf("fetching %s: %w after %s", shown, errTimeout, f.fetchTimeout)
		}
		return "", fmt.Errorf("fetching %s: %s", shown, netCause(err, u, shown))
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return "", fmt.Errorf("fetching %s: HTTP %s", shown, statusText(resp.StatusCode))
	}
	if resp.ContentLength > MaxRunbookBytes { // announced too large: refuse unread
		return "", fmt.Errorf("fetching %s: runbook larger than %d MiB", shown, MaxRunbookBytes>>20)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxRunbookBytes+1))
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return "", fmt.Errorf("reading %s: %w after %s", shown, errTimeout, f.fetchTimeout)
		}
		return "", fmt.Errorf("reading %s: %s", shown, netCause(err, u, shown))
	}
	if len(b) > MaxRunbookBytes {
		return "", fmt.Errorf("fetching %s: runbook larger than %d MiB", shown, MaxRunbookBytes>>20)
	}
	body := normalizeText(string(b))
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt == "text/html" &&
		strings.HasPrefix(strings.TrimSpace(body), "<") {
		return "", fmt.Errorf("fetching %s: got an HTML page, not markdown (link the raw file or add a rewrite)", shown)
	}
	return body, nil
}

func statusText(code int) string {
	if t := http.StatusText(code); t != "" {
		return fmt.Sprintf("%d %s", code, t)
	}
	return fmt.Sprint(code)
}

// netCause returns the transport error without the request URL (which may
// carry a token in its query), with any leftover copy of the URL redacted.
func netCause(err error, raw, shown string) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	msg := strings.ReplaceAll(err.Error(), raw, shown)
	if u, perr := url.Parse(raw); perr == nil && u.RawQuery != "" {
		msg = strings.ReplaceAll(msg, u.RawQuery, "…")
	}
	return strings.ReplaceAll(msg, "\n", " ")
}

// Refresh drops every cached runbook fetch, so the next Find refetches.
func (f *Finder) Refresh() {
	f.mu.Lock()
	f.cache = map[string]cacheEntry{}
	f.gen++
	f.mu.Unlock()
}
