package runbooks

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const remoteDoc = "# Remote runbooks\n\n## APIDown\n\nremote api section\n\n```promql\nup == 0\n```\n\n## DiskSpaceLow\n\nremote disk\n"

type bearer struct{ token string }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r)
}

type remote struct {
	srv  *httptest.Server
	hits sync.Map // path → *atomic.Int64
}

func (rm *remote) count(path string) int64 {
	v, _ := rm.hits.LoadOrStore(path, new(atomic.Int64))
	return v.(*atomic.Int64).Load()
}

func newRemote(t *testing.T) *remote {
	rm := &remote{}
	rm.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, _ := rm.hits.LoadOrStore(r.URL.Path, new(atomic.Int64))
		v.(*atomic.Int64).Add(1)
		if r.Header.Get("Authorization") != "Bearer tok-123" {
			http.Error(w, "no token", http.StatusUnauthorized)
			return
		}
		switch r.URL.Path {
		case "/raw/acme/runbooks/main/docs/RUNBOOKS.md", "/acme/ops/-/raw/main/RUNBOOKS.md":
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			fmt.Fprint(w, strings.ReplaceAll(remoteDoc, "\n", "\r\n"))
		case "/slow-shared.md":
			time.Sleep(200 * time.Millisecond)
			fmt.Fprint(w, remoteDoc)
		case "/big.md": // announced: refused before it is read
			w.Header().Set("Content-Length", strconv.Itoa(MaxRunbookBytes+10))
			fmt.Fprint(w, strings.Repeat("x", MaxRunbookBytes+10))
		case "/big-chunked.md": // no length: read up to the cap, then refused
			for range 5 {
				fmt.Fprint(w, strings.Repeat("x", 1<<20))
			}
		case "/page.md":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, "<!doctype html><html><body>login</body></html>")
		case "/broken.md":
			http.Error(w, "boom", http.StatusInternalServerError)
		case "/hang.md":
			<-r.Context().Done()
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(rm.srv.Close)
	return rm
}

func (rm *remote) options(t *testing.T) Options {
	rw, err := ParseRewrite(`^https://raw\.githubusercontent\.com/`, rm.srv.URL+"/raw/")
	if err != nil {
		t.Fatal(err)
	}
	gl, err := ParseRewrite(`^https://gitlab\.example\.com/`, rm.srv.URL+"/")
	if err != nil {
		t.Fatal(err)
	}
	return Options{HTTPClient: &http.Client{Transport: bearer{"tok-123"}}, Rewrites: []Rewrite{rw, gl}}
}

func urlAlert(name, u string) Alert {
	return Alert{Name: name, Annotations: map[string]string{"runbook_url": u}}
}

func TestRewriteURL(t *testing.T) {
	cases := map[string]string{
		"https://github.com/acme/rb/blob/main/docs/APIDown.md#diagnosis": "https://raw.githubusercontent.com/acme/rb/main/docs/APIDown.md#diagnosis",
		"https://gitlab.com/grp/sub/proj/-/blob/v1.2/RUNBOOKS.md":        "https://gitlab.com/grp/sub/proj/-/raw/v1.2/RUNBOOKS.md",
		"https://git.corp.example/ops/rb/-/blob/main/a.md":               "https://git.corp.example/ops/rb/-/raw/main/a.md",
		"https://github.com/acme/rb/wiki/API-Down":                       "https://raw.githubusercontent.com/wiki/acme/rb/API-Down.md",
		"https://wiki.example.com/runbooks/APIDown":                      "https://wiki.example.com/runbooks/APIDown",
	}
	for in, want := range cases {
		if got := RewriteURL(in, nil); got != want {
			t.Errorf("RewriteURL(%s) = %s, want %s", in, got, want)
		}
	}
	extra, err := ParseRewrite(`^https://wiki\.example\.com/runbooks/(\w+)$`, "https://wiki.example.com/raw/$1.md")
	if err != nil {
		t.Fatal(err)
	}
	if got := RewriteURL("https://wiki.example.com/runbooks/APIDown#x", []Rewrite{extra}); got != "https://wiki.example.com/raw/APIDown.md#x" {
		t.Errorf("configured rewrite: %s", got)
	}
	if _, err := ParseRewrite("(", "x"); err == nil || !strings.Contains(err.Error(), `runbook url rewrite "("`) {
		t.Errorf("bad pattern error: %v", err)
	}
}

func TestFetchGitHubBlobWithAuthAndCache(t *testing.T) {
	rm := newRemote(t)
	f := NewFinder(rm.options(t))
	clock := time.Now()
	f.now = func() time.Time { return clock }
	const path = "/raw/acme/runbooks/main/docs/RUNBOOKS.md"
	a := urlAlert("APIDown", "https://github.com/acme/runbooks/blob/main/docs/RUNBOOKS.md#apidown")
	ctx := context.Background()

	rb, err := f.Find(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	if rb.Source != SourceURL || rb.Markdown != "## APIDown\n\nremote api section\n\n```promql\nup == 0\n```\n" || rb.Warning != "" {
		t.Fatalf("remote section: %+v", rb)
	}
	if rb.Location != "https://github.com/acme/runbooks/blob/main/docs/RUNBOOKS.md#apidown" || rb.Title != "APIDown" {
		t.Errorf("location %q title %q", rb.Location, rb.Title)
	}
	if len(rb.Runnable()) != 1 {
		t.Errorf("blocks: %+v", rb.Blocks)
	}
	// a different anchor in the same file comes from the cache
	if rb, _ := f.Find(ctx, urlAlert("DiskSpaceLow", "https://github.com/acme/runbooks/blob/main/docs/RUNBOOKS.md#diskspacelow")); rb.Markdown != "## DiskSpaceLow\n\nremote disk\n" {
		t.Errorf("second section: %+v", rb)
	}
	if n := rm.count(path); n != 1 {
		t.Fatalf("want 1 fetch while cached, got %d", n)
	}
	f.Refresh()
	f.Find(ctx, a)
	if n := rm.count(path); n != 2 {
		t.Fatalf("Refresh should refetch: %d fetches", n)
	}
	clock = clock.Add(DefaultCacheTTL + time.Second)
	f.Find(ctx, a)
	if n := rm.count(path); n != 3 {
		t.Fatalf("expired entry should refetch: %d fetches", n)
	}
	// GitHub line anchors keep the whole file; query and userinfo never reach Location
	rb, _ = f.Find(ctx, urlAlert("APIDown", "https://github.com/acme/runbooks/blob/main/docs/RUNBOOKS.md?token=SECRET#L3-L5"))
	if rb.Source != SourceURL || rb.Title != "Remote runbooks" || !strings.Contains(rb.Markdown, "remote disk") ||
		rb.Location != "https://github.com/acme/runbooks/blob/main/docs/RUNBOOKS.md" {
		t.Errorf("line anchor / redaction: %+v", rb)
	}
	withUser := strings.Replace(rm.srv.URL, "http://", "http://bot:PW@", 1) + path + "?token=SECRET#diskspacelow"
	rb, _ = f.Find(ctx, urlAlert("DiskSpaceLow", withUser))
	if rb.Source != SourceURL || rb.Location != rm.srv.URL+path+"#diskspacelow" || rb.Origin() != "runbook_url "+rm.srv.URL+path+"#diskspacelow" {
		t.Errorf("userinfo redaction: %+v", rb)
	}
	// self-hosted GitLab blob URL through the built-in and a configured rewrite
	rb, _ = f.Find(ctx, urlAlert("APIDown", "https://gitlab.example.com/acme/ops/-/blob/main/RUNBOOKS.md#apidown"))
	if rb.Source != SourceURL || !strings.Contains(rb.Markdown, "remote api section") {
		t.Errorf("gitlab: %+v", rb)
	}
}

func TestFetchCacheDisabled(t *testing.T) {
	rm := newRemote(t)
	opts := rm.options(t)
	opts.CacheTTL = -1
	f := NewFinder(opts)
	a := urlAlert("APIDown", rm.srv.URL+"/raw/acme/runbooks/main/docs/RUNBOOKS.md")
	for i := 0; i < 2; i++ {
		if rb, _ := f.Find(context.Background(), a); rb.Source != SourceURL {
			t.Fatalf("fetch %d: %+v", i, rb)
		}
	}
	if n := rm.count("/raw/acme/runbooks/main/docs/RUNBOOKS.md"); n != 2 {
		t.Fatalf("negative CacheTTL must not cache: %d fetches", n)
	}
}

func TestFetchFailuresFallBack(t *testing.T) {
	rm := newRemote(t)
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	dir := writeFiles(t, t.TempDir(), map[string]string{"APIDown.md": "# APIDown\n\nlocal copy\n"})
	opts := rm.options(t)
	opts.Paths = []string{dir}
	opts.FetchTimeout = 150 * time.Millisecond
	f := NewFinder(opts)

	cases := []struct{ url, reason string }{
		{rm.srv.URL + "/missing.md", "HTTP 404 Not Found"},
		{rm.srv.URL + "/broken.md?private_token=SECRET-QS", "HTTP 500 Internal Server Error"},
		{"http://user:SECRET-PW@" + strings.TrimPrefix(rm.srv.URL, "http://") + "/page.md", "got an HTML page, not markdown"},
		{rm.srv.URL + "/big.md", "larger than 4 MiB"},
		{rm.srv.URL + "/hang.md", "timed out after 150ms"},
		{deadURL + "/x.md?token=SECRET-QS2", "connection refused"},
		{"https://github.com/acme/runbooks/blob/main/docs/RUNBOOKS.md#not-there", "no heading for anchor #not-there"},
	}
	for _, c := range cases {
		start := time.Now()
		rb, err := f.Find(context.Background(), urlAlert("APIDown", c.url))
		if err != nil {
			t.Fatalf("%s: %v", c.url, err)
		}
		if rb.Source != SourceFile || !strings.Contains(rb.Markdown, "local copy") {
			t.Errorf("%s: want local fallback, got %+v", c.url, rb)
		}
		if !strings.HasPrefix(rb.Warning, "runbook_url unreachable: ") || !strings.Contains(rb.Warning, c.reason) {
			t.Errorf("%s: warning %q, want %q", c.url, rb.Warning, c.reason)
		}
		if !strings.HasPrefix(rb.Markdown, "> **Note:** runbook\\_url unreachable: ") {
			t.Errorf("%s: note missing from markdown: %q", c.url, rb.Markdown)
		}
		for _, secret := range []string{"SECRET", "tok-123"} {
			if strings.Contains(rb.Warning, secret) || strings.Contains(rb.Markdown, secret) {
				t.Errorf("%s: secret %s leaked: %q", c.url, secret, rb.Warning)
			}
		}
		if time.Since(start) > 3*time.Second {
			t.Errorf("%s: took %v", c.url, time.Since(start))
		}
	}
	// A body with no length is read up to the cap, then refused (a
	// timeout that lets 4 MiB through, unlike the 150ms above).
	slow := opts
	slow.FetchTimeout = 20 * time.Second
	if rb, _ := NewFinder(slow).Find(context.Background(), urlAlert("APIDown", rm.srv.URL+"/big-chunked.md")); !strings.Contains(rb.Warning, "larger than 4 MiB") || rb.Source != SourceFile {
		t.Errorf("chunked 5 MiB: source %v, warning %q", rb.Source, rb.Warning)
	}
	// no token: the server refuses
	opts.HTTPClient = nil
	rb, _ := NewFinder(opts).Find(context.Background(), urlAlert("APIDown", rm.srv.URL+"/raw/acme/runbooks/main/docs/RUNBOOKS.md"))
	if !strings.Contains(rb.Warning, "HTTP 401 Unauthorized") {
		t.Errorf("unauthenticated: %q", rb.Warning)
	}
}

func TestFetchErrorsAreCachedBriefly(t *testing.T) {
	rm := newRemote(t)
	f := NewFinder(rm.options(t))
	clock := time.Now()
	f.now = func() time.Time { return clock }
	a := urlAlert("APIDown", rm.srv.URL+"/broken.md")
	f.Find(context.Background(), a)
	f.Find(context.Background(), a)
	if n := rm.count("/broken.md"); n != 1 {
		t.Fatalf("failure should be remembered: %d fetches", n)
	}
	clock = clock.Add(maxErrorTTL + time.Second)
	f.Find(context.Background(), a)
	if n := rm.count("/broken.md"); n != 2 {
		t.Fatalf("failure should expire after %v: %d fetches", maxErrorTTL, n)
	}
	f.Refresh()
	f.Find(context.Background(), a)
	if n := rm.count("/broken.md"); n != 3 {
		t.Fatalf("Refresh should forget failures: %d fetches", n)
	}
}

func TestFetchConcurrentShareOneRequest(t *testing.T) {
	rm := newRemote(t)
	f := NewFinder(rm.options(t))
	a := urlAlert("APIDown", rm.srv.URL+"/slow-shared.md#apidown")
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rb, err := f.Find(context.Background(), a)
			if err != nil || rb.Source != SourceURL || !strings.Contains(rb.Markdown, "remote api section") {
				errs <- fmt.Sprintf("%v %+v", err, rb)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if n := rm.count("/slow-shared.md"); n != 1 {
		t.Fatalf("concurrent finds should share one fetch, got %d", n)
	}
}
