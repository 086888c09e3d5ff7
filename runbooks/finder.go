package runbooks

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Finder finds the runbook for an alert. It is safe for concurrent use and
// holds the cache of fetched runbook URLs.
type Finder struct {
	paths         []string
	client        *http.Client
	rewrites      []Rewrite
	cacheTTL      time.Duration
	fetchTimeout  time.Duration
	escalation    []string
	escalateAfter time.Duration
	embedded      bool
	now           func() time.Time

	mu       sync.Mutex
	cache    map[string]cacheEntry
	inflight map[string]*fetchCall
	gen      uint64
}

// NewFinder returns a Finder for opts, filling in defaults.
func NewFinder(opts Options) *Finder {
	f := &Finder{
		paths:         append([]string(nil), opts.Paths...),
		client:        opts.HTTPClient,
		rewrites:      append(builtinRewrites(), opts.Rewrites...),
		cacheTTL:      opts.CacheTTL,
		fetchTimeout:  opts.FetchTimeout,
		escalation:    append([]string(nil), opts.Escalation...),
		escalateAfter: opts.EscalateAfter,
		embedded:      opts.Embedded,
		now:           time.Now,
		cache:         map[string]cacheEntry{},
		inflight:      map[string]*fetchCall{},
	}
	if f.client == nil {
		f.client = &http.Client{}
	}
	if f.cacheTTL == 0 {
		f.cacheTTL = DefaultCacheTTL
	}
	if f.fetchTimeout <= 0 {
		f.fetchTimeout = DefaultFetchTimeout
	}
	if len(f.escalation) == 0 {
		f.escalation = DefaultEscalation()
	}
	if f.escalateAfter <= 0 {
		f.escalateAfter = DefaultEscalateAfter
	}
	return f
}

// Escalation returns EscalationState for a with the finder's escalation
// steps and interval.
func (f *Finder) Escalation(a Alert) string {
	return EscalationState(a, f.escalation, f.escalateAfter)
}

// Find returns the runbook for a. It tries, in order: the runbook_url
// annotation; then each configured folder (a file named after the alert, a
// file whose front matter lists it, a heading naming it); then the shipped
// runbooks when Options.Embedded is set. When nothing matches it returns a
// page generated from the alert. A runbook_url that cannot be used is
// reported in Runbook.Warning of whatever is returned instead. The only
// error is the caller's context ending; the runbook is never nil otherwise.
func (f *Finder) Find(ctx context.Context, a Alert) (*Runbook, error) {
	name := a.AlertName()
	var urlWarning string
	if raw := strings.TrimSpace(a.Annotations["runbook_url"]); raw != "" {
		rb, err := f.fromURL(ctx, raw)
		if err == nil {
			return finish(rb, ""), nil
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("runbook for %s: %v", name, ctx.Err())
		}
		urlWarning = "runbook_url unreachable: " + err.Error()
	}
	var notes []string
	if urlWarning != "" {
		notes = append(notes, urlWarning)
	}
	if name != "" {
		for _, sh := range f.shelves(&notes) {
			rb, err := sh.lookup(name)
			sh.done()
			if err != nil {
				notes = append(notes, err.Error())
				continue
			}
			if rb != nil {
				return finish(rb, urlWarning), nil
			}
		}
	}
	rb := f.generate(a, notes)
	rb.Warning = urlWarning
	return finish(rb, ""), nil
}

// shelves opens the configured folders (recording failures in notes) and
// the shipped set when enabled. Callers must call done on each.
func (f *Finder) shelves(notes *[]string) []*shelf {
	var out []*shelf
	for _, dir := range f.paths {
		sh, err := openFolder(dir)
		if err != nil {
			*notes = append(*notes, err.Error())
			continue
		}
		out = append(out, sh)
	}
	if f.embedded {
		out = append(out, shippedShelf())
	}
	return out
}

// finish adds the warning note at the top and lists the code blocks.
func finish(rb *Runbook, warning string) *Runbook {
	if warning != "" {
		rb.Warning = warning
		rb.Markdown = "> **Note:** " + escapeMarkdown(warning) + "\n\n" + rb.Markdown
	}
	rb.Blocks = Blocks(rb.Markdown)
	return rb
}

// fromURL resolves a runbook_url annotation: a local path (absolute, or
// relative to the runbook folders and the shipped set), a file:// URL, or an
// http(s) URL.
func (f *Finder) fromURL(ctx context.Context, raw string) (*Runbook, error) {
	if !strings.Contains(raw, "://") && !strings.HasPrefix(strings.ToLower(raw), "file:") {
		p, anchor, _ := strings.Cut(raw, "#")
		return f.fromPath(p, anchor)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("invalid URL %s", redactURL(raw, false))
	}
	switch strings.ToLower(u.Scheme) {
	case "file":
		if u.Host != "" && u.Host != "localhost" {
			return nil, fmt.Errorf("file URL with host %q is not supported", u.Host)
		}
		return f.fromPath(u.Path, u.Fragment)
	case "http", "https":
		return f.fromHTTP(ctx, raw)
	}
	return nil, fmt.Errorf("unsupported scheme %q in %s", u.Scheme, redactURL(raw, false))
}

func (f *Finder) fromPath(p, anchor string) (*Runbook, error) {
	if p == "" {
		return nil, errors.New("empty path")
	}
	if filepath.IsAbs(p) {
		sh, err := openFolder(filepath.Dir(p))
		if err != nil {
			return nil, fmt.Errorf("%s: not found", p)
		}
		defer sh.done()
		return sh.resolve(filepath.Base(p), anchor)
	}
	var notes []string
	var firstErr error
	tried := 0
	for _, sh := range f.shelves(&notes) {
		rb, err := sh.resolve(p, anchor)
		sh.done()
		if err == nil {
			return rb, nil
		}
		tried++
		// a real problem (bad anchor, not markdown) beats "not found here"
		if firstErr == nil || (errors.Is(firstErr, errNotFound) && !errors.Is(err, errNotFound)) {
			firstErr = err
		}
	}
	switch {
	case tried == 0:
		return nil, fmt.Errorf("relative path %s but no runbook folders are configured", p)
	case tried > 1 && errors.Is(firstErr, errNotFound):
		return nil, fmt.Errorf("%s not found in %d runbook folders", p, tried)
	}
	return nil, firstErr
}

// githubLineAnchor matches GitHub's #L10 / #L10-L20 line anchors, which
// point into the file rather than at a heading.
var githubLineAnchor = regexp.MustCompile(`^L\d+(C\d+)?(-L\d+(C\d+)?)?$`)

func (f *Finder) fromHTTP(ctx context.Context, raw string) (*Runbook, error) {
	target := applyRewrites(raw, f.rewrites)
	fetchURL, anchor, _ := strings.Cut(target, "#")
	if tu, err := url.Parse(fetchURL); err != nil || (tu.Scheme != "http" && tu.Scheme != "https") {
		return nil, fmt.Errorf("rewritten runbook URL %s is not http(s)", redactURL(fetchURL, false))
	}
	body, err := f.fetch(ctx, fetchURL)
	if err != nil {
		return nil, err
	}
	d := scan(body)
	loc := redactURL(raw, false)
	rb := &Runbook{Title: d.title(), Markdown: d.body(), Source: SourceURL, Match: SourceURL, Location: loc}
	if anchor != "" && !githubLineAnchor.MatchString(anchor) {
		i := d.findAnchor(anchor)
		if i < 0 {
			return nil, fmt.Errorf("%s: no heading for anchor #%s", loc, normalizeAnchor(anchor))
		}
		rb.Title = d.headings[i].Text
		rb.Markdown = d.section(i)
		rb.Location = loc + "#" + d.headings[i].Slug
	}
	if rb.Title == "" {
		rb.Title = path.Base(strings.TrimSuffix(fetchURL, "/"))
	}
	return rb, nil
}
