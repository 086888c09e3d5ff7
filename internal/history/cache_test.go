package history

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"oncall/internal/testkit/testenv"
	"oncall/sources/prometheus"
)

// counting is a Source that counts the queries it passes to a real
// Prometheus, and holds each until release is closed (nil: no wait).
type counting struct {
	src     Source
	n       atomic.Int64
	release chan struct{}
}

func (c *counting) QueryRange(ctx context.Context, q string, r v1.Range) (model.Value, error) {
	c.n.Add(1)
	if c.release != nil {
		<-c.release
	}
	return c.src.QueryRange(ctx, q, r)
}

// The cache runs one query for callers that ask while it is in flight,
// serves its reply until it is Every old, queries again when forced or
// when older, keeps no failure, and keeps sources apart.
func TestCacheSharesOneQuery(t *testing.T) {
	prom := testenv.StartPrometheus(t, testenv.PrometheusOptions{Rules: testenv.FiringRules})
	c, err := prometheus.New(prometheus.Config{URL: prom.URL})
	if err != nil {
		t.Fatal(err)
	}
	src := &counting{src: c, release: make(chan struct{})}
	cache := NewCache(time.Minute)
	now := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	var wg sync.WaitGroup
	sets := make([]*Set, 10)
	for i := range sets {
		wg.Go(func() {
			set, err := cache.Week(ctx, src, now.Add(time.Duration(i)*time.Millisecond), false)
			if err != nil {
				t.Error(err)
			}
			sets[i] = set
		})
	}
	time.Sleep(200 * time.Millisecond) // the ten are waiting on the first query
	close(src.release)
	wg.Wait()
	if n := src.n.Load(); n != 1 {
		t.Fatalf("ten callers at once made %d queries, want 1", n)
	}
	for _, s := range sets[1:] {
		if s != sets[0] {
			t.Fatal("callers got different sets")
		}
	}
	week := func(at time.Duration, force bool) {
		t.Helper()
		if _, err := cache.Week(ctx, src, now.Add(at), force); err != nil {
			t.Fatal(err)
		}
	}
	week(59*time.Second, false)
	if n := src.n.Load(); n != 1 {
		t.Errorf("a reply 59s old was not served: %d queries", n)
	}
	week(30*time.Second, true)
	if n := src.n.Load(); n != 2 {
		t.Errorf("force: %d queries, want 2", n)
	}
	week(30*time.Second+time.Minute, false)
	if n := src.n.Load(); n != 3 {
		t.Errorf("a reply a minute old: %d queries, want 3", n)
	}

	other := &counting{src: c}
	week2 := func() error {
		_, err := cache.Week(ctx, other, now, false)
		return err
	}
	if err := week2(); err != nil || other.n.Load() != 1 {
		t.Errorf("another source shares the first one's reply: %v, %d queries", err, other.n.Load())
	}

	down, err := prometheus.New(prometheus.Config{URL: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	failing := &counting{src: down}
	for range 2 {
		if _, err := cache.Week(ctx, failing, now, false); err == nil {
			t.Fatal("no error from a Prometheus that is down")
		}
	}
	if n := failing.n.Load(); n != 2 {
		t.Errorf("a failure was kept: %d queries for two calls", n)
	}
}
