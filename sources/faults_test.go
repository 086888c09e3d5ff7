// Package sources_test is the fault matrix of the source clients: every
// client of sources/ against every fault of internal/testkit/faulty. It
// lives here, beside the clients it judges, so that `go test ./sources/...`
// runs it with them; the kits it uses stay in internal/testkit, where the
// CLI and TUI fault tests find them too.
package sources_test

import (
	"context"
	"testing"
	"time"

	"oncall/internal/testkit/backends"
	"oncall/internal/testkit/faulty"
	"oncall/sources/alertmanager"
	"oncall/sources/jaeger"
	"oncall/sources/loki"
	"oncall/sources/prometheus"
)

// sourceTimeout bounds each call in the matrix: hangs and drips end there.
const sourceTimeout = 2 * time.Second

// timeoutFor gives the 200 MB case longer: the 64 MiB the cap lets
// through must be read (TLS, race detector, other cases beside it) before
// the cap refuses the rest, and a timeout would hide the error under test.
func timeoutFor(f faulty.Fault) time.Duration {
	if f == faulty.Huge {
		return 20 * time.Second
	}
	return sourceTimeout
}

// slots bounds how many cases run at once on a small machine.
var slots = make(chan struct{}, 4)

// caller builds one read of a source against the backends.
func caller(t *testing.T, set *backends.Set, source string, timeout time.Duration) func(ctx context.Context) error {
	t.Helper()
	cc := set.Client(source, timeout)
	switch source {
	case backends.Alertmanager:
		c, err := alertmanager.New(alertmanager.Config{URLs: []string{set.URL(source)}, Client: cc})
		if err != nil {
			t.Fatal(err)
		}
		return func(ctx context.Context) error {
			as, err := c.Alerts(ctx, nil)
			if err == nil && len(as) == 0 {
				t.Error("alertmanager answered no alerts")
			}
			return err
		}
	case backends.Prometheus:
		c, err := prometheus.New(prometheus.Config{URL: set.URL(source), Client: cc})
		if err != nil {
			t.Fatal(err)
		}
		return func(ctx context.Context) error {
			_, err := c.AlertingRules(ctx)
			return err
		}
	case backends.Loki:
		c, err := loki.New(loki.Config{URL: set.URL(source), Client: cc})
		if err != nil {
			t.Fatal(err)
		}
		return func(ctx context.Context) error {
			res, err := c.QueryRange(ctx, loki.Query{Query: `{service_name="conectcrm-backend"}`, Limit: 100})
			if err == nil && len(res.Entries) == 0 {
				t.Error("loki answered no lines")
			}
			return err
		}
	case backends.Jaeger:
		c, err := jaeger.NewHTTP(jaeger.Config{URL: set.URL(source), Client: cc})
		if err != nil {
			t.Fatal(err)
		}
		return func(ctx context.Context) error {
			tr, err := c.GetTrace(ctx, set.Jaeger.TraceID)
			if err == nil && len(tr.Spans) != 3 {
				t.Errorf("jaeger trace has %d spans, want 3", len(tr.Spans))
			}
			return err
		}
	}
	t.Fatalf("unknown source %s", source)
	return nil
}

// TestSourceFaultMatrix: every source client, under every fault, fails
// within its timeout with one clear line naming the cause, and works again
// by itself once the fault is gone.
func TestSourceFaultMatrix(t *testing.T) {
	if testing.Short() {
		t.Skip("fault matrix")
	}
	for _, source := range backends.Sources() {
		for _, f := range faulty.All() {
			t.Run(source+"/"+f.String(), func(t *testing.T) {
				if f != faulty.Huge { // the 200 MB cases run alone, first
					t.Parallel()
					slots <- struct{}{}
					defer func() { <-slots }()
				}
				set := backends.Start(t)
				call := caller(t, set, source, timeoutFor(f))
				ctx := context.Background()
				if err := call(ctx); err != nil {
					t.Fatalf("before the fault: %v", err)
				}
				if err := set.Inject(source, f); err != nil {
					t.Fatal(err)
				}
				start := time.Now()
				err := call(ctx)
				took := time.Since(start)
				if err == nil {
					t.Fatalf("%s: the call succeeded", f)
				}
				t.Logf("error: %v", err)
				if e := backends.ClearError(f, err.Error()); e != nil {
					t.Error(e)
				}
				if took > timeoutFor(f)+3*time.Second {
					t.Errorf("the failure took %v, timeout %v", took, timeoutFor(f))
				}
				if err := set.Clear(source); err != nil {
					t.Fatal(err)
				}
				if err := call(ctx); err != nil {
					t.Errorf("after the fault cleared: %v", err)
				}
			})
		}
	}
}
