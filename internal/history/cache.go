package history

import (
	"context"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// Cache shares the week's firing history of each Prometheus between the
// sessions of one process (oncall serve): however many sessions ask, one
// range query per source is in flight, and a reply younger than Every is
// served again. A session still decides when it asks; the cache only
// coalesces. The zero value is not usable: use NewCache.
type Cache struct {
	every  time.Duration
	flight singleflight.Group
	mu     sync.Mutex
	last   map[Source]cached
}

type cached struct {
	at  time.Time
	set *Set
}

// NewCache is a cache whose replies are served again for every (a minute
// is what the graph screen asks at).
func NewCache(every time.Duration) *Cache {
	return &Cache{every: every, last: map[Source]cached{}}
}

// Week is FetchWeek(ctx, src, now) through the cache: a reply read less
// than Every before now is served (unless force), and callers asking while
// a query of the same source is in flight share its reply. Failures are
// not kept.
func (c *Cache) Week(ctx context.Context, src Source, now time.Time, force bool) (*Set, error) {
	if set := c.fresh(src, now, force); set != nil {
		return set, nil
	}
	v, err, _ := c.flight.Do(fmt.Sprintf("%p", src), func() (any, error) {
		// a query that ended between the look above and this flight
		// already stored its reply
		if set := c.fresh(src, now, force); set != nil {
			return set, nil
		}
		set, err := FetchWeek(ctx, src, now)
		if err != nil {
			return nil, err
		}
		c.mu.Lock()
		c.last[src] = cached{at: now, set: set}
		c.mu.Unlock()
		return set, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*Set), nil
}

// fresh is src's stored reply when it is younger than every (nil: none, or
// force).
func (c *Cache) fresh(src Source, now time.Time, force bool) *Set {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.last[src]; ok && !force && now.Sub(e.at) < c.every {
		return e.set
	}
	return nil
}
