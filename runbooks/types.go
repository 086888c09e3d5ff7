package runbooks

import (
	"fmt"
	"net/http"
	"path/filepath"
	"regexp"
	"time"
)

// Alert is the caller's view of one firing alert: what the finder needs to
// locate a runbook, fill in its queries and show escalation state.
type Alert struct {
	// Name is the alert name; when empty, Labels["alertname"] is used.
	Name string
	// Labels and Annotations come from the firing alert. The runbook_url
	// annotation (from the alert or its rule) drives the first lookup step.
	Labels, Annotations map[string]string
	// GeneratorURL links back to the Prometheus expression browser.
	GeneratorURL string
	// Expr is the rule expression, when known (from /api/v1/rules).
	Expr string
	// ActiveFor is how long the alert has been firing without an ack.
	ActiveFor time.Duration
	// Acked reports whether someone acknowledged (silenced) the alert.
	Acked bool
}

// AlertName returns a.Name, or the alertname label when Name is empty.
func (a Alert) AlertName() string {
	if a.Name != "" {
		return a.Name
	}
	return a.Labels["alertname"]
}

// Source says where a runbook came from or, for Runbook.Match, which lookup
// rule found it.
type Source int

// The lookup sources, in the order Find tries them.
const (
	// SourceGenerated is a page built from the alert itself (no runbook found).
	SourceGenerated Source = iota
	// SourceURL is the runbook_url annotation (local path or http(s) URL).
	SourceURL
	// SourceFile is a file named after the alert (APIDown.md).
	SourceFile
	// SourceFrontMatter is a file whose front matter lists the alert.
	SourceFrontMatter
	// SourceCollection is a heading naming the alert in a collection file.
	SourceCollection
	// SourceEmbedded is one of the runbooks shipped inside the binary.
	SourceEmbedded
)

// String names the source kind: "runbook_url", "file", "front matter",
// "collection", "embedded" or "generated". Runbook.Origin adds the location.
func (s Source) String() string {
	switch s {
	case SourceURL:
		return "runbook_url"
	case SourceFile:
		return "file"
	case SourceFrontMatter:
		return "front matter"
	case SourceCollection:
		return "collection"
	case SourceEmbedded:
		return "embedded"
	case SourceGenerated:
		return "generated"
	}
	return fmt.Sprintf("source(%d)", int(s))
}

// Runbook is one runbook ready to render: its markdown (already cut down to
// the relevant section) and the fenced code blocks in it.
type Runbook struct {
	// Title is the runbook's heading (or the alert name for generated pages).
	Title string
	// Markdown is the runbook text. When Warning is set it starts with a
	// quoted note repeating it.
	Markdown string
	// Source is where the runbook came from: SourceURL, SourceFile,
	// SourceFrontMatter, SourceCollection (configured folders),
	// SourceEmbedded (shipped runbooks) or SourceGenerated.
	Source Source
	// Match is the rule that found it: SourceURL, SourceFile,
	// SourceFrontMatter, SourceCollection or SourceGenerated. It equals
	// Source except for embedded runbooks.
	Match Source
	// Location is the file path or URL (with #anchor when a section was
	// cut out). It never holds userinfo or a query string.
	Location string
	// Warning explains a fallback, e.g. "runbook_url unreachable: HTTP 404".
	Warning string
	// Blocks are the fenced code blocks of Markdown, in order.
	Blocks []Block
}

// Origin describes the runbook's origin in one line, e.g.
// "runbook_url https://wiki/x.md#apidown", "file APIDown.md",
// "collection RUNBOOKS.md#apidown" or "generated".
func (r *Runbook) Origin() string {
	if r == nil {
		return ""
	}
	switch r.Source {
	case SourceGenerated:
		return r.Source.String()
	case SourceURL:
		return r.Source.String() + " " + r.Location
	}
	return r.Source.String() + " " + filepath.Base(r.Location)
}

// Runnable returns the blocks that can be run as queries (promql, logql).
func (r *Runbook) Runnable() []Block {
	var out []Block
	for _, b := range r.Blocks {
		if b.Runnable {
			out = append(out, b)
		}
	}
	return out
}

// Block is one fenced code block of a runbook.
type Block struct {
	// Index is the block's position among the runbook's blocks (from 0).
	Index int
	// Lang is the lowercased first word of the info string (promql, logql,
	// sh, bash, …); empty when the fence has none.
	Lang string
	// Code is the block's content, without the fences.
	Code string
	// Runnable is true for promql and logql blocks. Shell blocks (sh, bash,
	// shell, console, …) are never run: they are for copying only.
	Runnable bool
	// Line is the 1-based line of the opening fence in Runbook.Markdown.
	Line int
}

// Rewrite turns one runbook URL into another before fetching, e.g. a wiki
// page URL into its raw-markdown URL. Pattern is matched against the URL
// without its #fragment; Replacement may use $1-style references.
type Rewrite struct {
	Pattern     *regexp.Regexp
	Replacement string
}

// ParseRewrite compiles a rewrite rule from configuration text.
func ParseRewrite(pattern, replacement string) (Rewrite, error) {
	re, err := regexp.Compile(pattern)
	if err != nil {
		return Rewrite{}, fmt.Errorf("runbook url rewrite %q: %v", pattern, err)
	}
	return Rewrite{Pattern: re, Replacement: replacement}, nil
}

// Default option values.
const (
	DefaultCacheTTL      = 5 * time.Minute
	DefaultFetchTimeout  = 10 * time.Second
	DefaultEscalateAfter = 15 * time.Minute
	// MaxRunbookBytes caps a fetched or read runbook.
	MaxRunbookBytes = 4 << 20
)

// DefaultEscalation is used when Options.Escalation is empty.
func DefaultEscalation() []string {
	return []string{"L1: on-call engineer", "L2: team lead", "L3: engineering manager"}
}

// Options configures a Finder.
type Options struct {
	// Paths are the configured runbook folders, searched in order.
	Paths []string
	// HTTPClient fetches http(s) runbook URLs; it already carries auth and
	// TLS settings. Nil means a plain client.
	HTTPClient *http.Client
	// Rewrites apply, in order, after the built-in GitHub and GitLab
	// blob→raw rewrites.
	Rewrites []Rewrite
	// CacheTTL is how long a fetched runbook is reused. Zero means
	// DefaultCacheTTL; negative disables the cache. Failed fetches are
	// remembered for at most 30s so an unreachable wiki does not stall
	// every lookup.
	CacheTTL time.Duration
	// FetchTimeout bounds one fetch when the context has no earlier
	// deadline. Zero means DefaultFetchTimeout.
	FetchTimeout time.Duration
	// Escalation lists the escalation steps, e.g. "L1: on-call engineer".
	// Empty means DefaultEscalation().
	Escalation []string
	// EscalateAfter is the time spent at each step. Zero means 15m.
	EscalateAfter time.Duration
	// Embedded also searches the runbooks shipped in the binary, after
	// the configured folders.
	Embedded bool
}
