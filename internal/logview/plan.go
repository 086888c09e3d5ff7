package logview

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"oncall/sources/loki"
)

// ErrorSource is where the errors filter finds a line's level.
type ErrorSource int

const (
	// FromStreamLabel: every selected stream carries a level label, so the
	// filter is a stream matcher: Loki answers from its index.
	FromStreamLabel ErrorSource = iota + 1
	// FromMetadata: the lines carry Loki 3's structured-metadata
	// detected_level, filtered without a parser.
	FromMetadata
	// FromLineFilter: neither; a line filter before any parser keeps lines
	// that mention a level, and Keep refines the rows.
	FromLineFilter
)

func (s ErrorSource) String() string {
	switch s {
	case FromStreamLabel:
		return "stream label"
	case FromMetadata:
		return "structured metadata"
	case FromLineFilter:
		return "line filter"
	}
	return "unknown"
}

// ErrorPlan is the errors-and-warnings form of a query, built from what
// the streams offer.
type ErrorPlan struct {
	// Query is the exact query to send.
	Query  string
	Source ErrorSource
	// Label is the stream label or metadata field filtered on.
	Label string
	// Why is one sentence for the status line, e.g. "errors: level is a
	// stream label of every stream, filtered in the selector".
	Why string
	// Discovery is how long finding the form took (0 when cached).
	Discovery time.Duration
	Cached    bool
}

// Keep refines rows after a line-filter plan, whose filter also keeps
// lines that merely mention "error": a row whose level was found and is
// below warn is dropped. Other plans keep every row.
func (p ErrorPlan) Keep(r *Row) bool {
	if p.Source != FromLineFilter {
		return true
	}
	return r.Level == LevelUnknown || r.Level >= LevelWarn
}

// levelStreamLabels are the stream labels that hold a level, tried in this
// order.
var levelStreamLabels = [...]string{"level", "severity", "detected_level", "lvl", "loglevel", "log_level"}

// errorLineFilter keeps lines that mention an error or warning spelling.
const errorLineFilter = `|~ "(?i)(error|err|fatal|panic|crit|warn)"`

// PlannerOptions bound a Planner's cache.
type PlannerOptions struct {
	// TTL is how long a discovery is reused (<= 0: 5 minutes).
	TTL time.Duration
	// Size is how many selectors are remembered (<= 0: 256); the oldest
	// entry makes room.
	Size int
	// Now is the clock (nil: time.Now).
	Now func() time.Time
}

// Planner builds the queries oncall sends to one Loki in the order Loki
// answers cheapest: stream selectors first, then line filters, then
// parsers. It remembers, per selector, what the streams offer (bounded,
// with a TTL). Hold one per session or per client; it is safe for
// concurrent use.
type Planner struct {
	c    *loki.Client
	ttl  time.Duration
	size int
	now  func() time.Time

	mu    sync.Mutex
	cache map[string]discovery
}

// discovery is what a selector's streams offer for the errors filter.
type discovery struct {
	source ErrorSource
	label  string
	values []string // the label's error and warn values
	at     time.Time
}

// NewPlanner makes a planner for one Loki client.
func NewPlanner(c *loki.Client, o PlannerOptions) *Planner {
	if o.TTL <= 0 {
		o.TTL = 5 * time.Minute
	}
	if o.Size <= 0 {
		o.Size = 256
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Planner{c: c, ttl: o.TTL, size: o.Size, now: o.Now, cache: map[string]discovery{}}
}

// ErrorQuery turns a log query (a selector, maybe with a pipeline) into
// its errors-and-warnings form, choosing from what the selected streams
// offer in [start, end), cheapest first:
//
//  1. a stream label holding the level on every stream (level, severity,
//     detected_level, lvl, loglevel, log_level), found with the labels API
//     scoped to the selector: {sel, level=~"error|warn"};
//  2. the structured-metadata detected_level Loki 3 adds:
//     {sel} | detected_level=~"…", no parser;
//  3. a line filter before any parser: {sel} |~ "(?i)(error|…)", refined
//     by ErrorPlan.Keep.
//
// The choice is cached per selector.
func (p *Planner) ErrorQuery(ctx context.Context, query string, start, end time.Time) (ErrorPlan, error) {
	sh, err := ParseShape(query)
	if err != nil {
		return ErrorPlan{}, fmt.Errorf("errors filter: %w", err)
	}
	began := p.now()
	d, cached := p.lookup(sh.Selector)
	if !cached {
		if d, err = p.discover(ctx, sh.Selector, start, end); err != nil {
			return ErrorPlan{}, err
		}
		p.store(sh.Selector, d)
	}
	plan := ErrorPlan{Source: d.source, Label: d.label, Cached: cached}
	if !cached {
		plan.Discovery = p.now().Sub(began)
	}
	switch d.source {
	case FromStreamLabel:
		plan.Query = sh.withSelectorMatcher(d.label, "=~", strings.Join(d.values, "|")).String()
		plan.Why = fmt.Sprintf("errors: %s is a stream label of every stream, matched in the selector", d.label)
	case FromMetadata:
		plan.Query = sh.withStageFirst(Stage{StageLabelFilter, "| " + d.label + `=~"` + ErrorLevels + `"`}).String()
		plan.Why = "errors: filtered on the structured metadata detected_level, no parser"
	default:
		plan.Query = sh.withStageFirst(Stage{StageLineFilter, errorLineFilter}).String()
		plan.Why = "errors: no level label or detected_level on these streams; a line filter keeps lines mentioning a level"
	}
	return plan, nil
}

func (p *Planner) lookup(selector string) (discovery, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	d, ok := p.cache[selector]
	if !ok || p.now().Sub(d.at) > p.ttl {
		return discovery{}, false
	}
	return d, true
}

func (p *Planner) store(selector string, d discovery) {
	p.mu.Lock()
	defer p.mu.Unlock()
	d.at = p.now()
	if _, ok := p.cache[selector]; !ok && len(p.cache) >= p.size {
		oldest := ""
		for k, v := range p.cache {
			if oldest == "" || v.at.Before(p.cache[oldest].at) {
				oldest = k
			}
		}
		delete(p.cache, oldest)
	}
	p.cache[selector] = d
}

// Forget drops every cached discovery (e.g. after the context changed).
func (p *Planner) Forget() {
	p.mu.Lock()
	defer p.mu.Unlock()
	clear(p.cache)
}

// discover asks Loki what the selector's streams offer: label names
// (index), then for a level label its values and whether any stream lacks
// it (both index lookups); without one, a limit-1 probe for
// detected_level (metadata, no parser).
func (p *Planner) discover(ctx context.Context, selector string, start, end time.Time) (discovery, error) {
	names, err := p.c.LabelsMatching(ctx, selector, start, end)
	if err != nil {
		return discovery{}, fmt.Errorf("errors filter: %w", err)
	}
	has := map[string]bool{}
	for _, n := range names {
		has[n] = true
	}
	base, _ := ParseShape(selector)
	for _, name := range levelStreamLabels {
		if !has[name] {
			continue
		}
		var (
			values  []string
			lacking []map[string]string
			verr    error
			wg      sync.WaitGroup
		)
		wg.Add(1)
		go func() {
			defer wg.Done()
			values, verr = p.c.LabelValuesMatching(ctx, name, selector, start, end)
		}()
		lacking, err = p.c.Series(ctx, []string{base.withSelectorMatcher(name, "=", "").Selector}, start, end)
		wg.Wait()
		if err == nil {
			err = verr
		}
		if err != nil {
			return discovery{}, fmt.Errorf("errors filter: %w", err)
		}
		if len(lacking) > 0 {
			continue // some streams have no such label: it cannot select all errors
		}
		return discovery{source: FromStreamLabel, label: name, values: errorValues(values)}, nil
	}
	res, err := p.c.QueryRange(ctx, loki.Query{
		Query: base.withStageFirst(Stage{StageLabelFilter, `| detected_level=~".+"`}).String(),
		Start: start, End: end, Limit: 1,
	})
	if err != nil {
		return discovery{}, fmt.Errorf("errors filter: %w", err)
	}
	if len(res.Entries) > 0 {
		return discovery{source: FromMetadata, label: "detected_level"}, nil
	}
	return discovery{source: FromLineFilter}, nil
}

// errorValues keeps the values that spell an error or a warning, escaped
// for a regex; none found gives the generic spelling list (so streams
// that appear later still match).
func errorValues(values []string) []string {
	var out []string
	for _, v := range values {
		if l := ParseLevel(v); l == LevelError || l == LevelWarn {
			out = append(out, regexp.QuoteMeta(v))
		}
	}
	if len(out) == 0 {
		return []string{ErrorLevels}
	}
	return out
}

// IsTimeout reports whether a query failed for taking too long: the
// client's own deadline, a gateway's 504, or Loki's query timeout.
func IsTimeout(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var he *loki.HTTPError
	if errors.As(err, &he) && (he.StatusCode == 504 || strings.Contains(he.Message, "timed out") || strings.Contains(he.Message, "deadline exceeded")) {
		return true
	}
	return strings.Contains(err.Error(), "no answer within")
}
