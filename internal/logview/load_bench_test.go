package logview

import (
	"context"
	"fmt"
	"testing"
	"time"

	"oncall/sources/loki"
	"oncall/sources/loki/lokitest"
)

// BenchmarkLoad30k is Load.Run over a 30,000-line window (four services,
// 25 JSON lines a second for 20 minutes, as the seed's CRM logs) against
// the fake Loki answering each request after 300 ms, a realistic latency
// for a loaded Loki behind a gateway. The batch sizes compare oncall's
// default (4,000), Loki's max_entries_limit_per_query (5,000) and logcli's
// default --batch (1,000), whose request pattern FetchLogs shares. Run it
// once: go test -run '^$' -bench Load30k -benchtime 1x ./internal/logview
func BenchmarkLoad30k(b *testing.B) {
	srv := lokitest.New(lokitest.WithCosts(lokitest.Costs{Request: 300 * time.Millisecond}))
	defer srv.Close()
	end := time.Now()
	start := end.Add(-21 * time.Minute)
	services := []string{"conectcrm-backend", "conectcrm-frontend", "api-gateway", "postgres"}
	for i := 0; i < 30000; i++ {
		svc := services[i%len(services)]
		at := start.Add(time.Minute + time.Duration(i)*40*time.Millisecond)
		srv.Push(map[string]string{"service_name": svc, "env": "prod"}, at,
			fmt.Sprintf(`{"ts":"%s","level":"info","msg":"request done","path":"/api/contacts/%d","status":200,"duration_ms":%d,"trace_id":"4bf92f3577b34da6a3ce929d%011d"}`,
				at.Format(time.RFC3339Nano), i%977, i%300, i), nil)
	}
	c, err := loki.New(loki.Config{URL: srv.URL()})
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		batch int
	}{{"oncall-batch4000", 0}, {"batch5000", 5000}, {"logcli-batch1000", 1000}} {
		b.Run(tc.name, func(b *testing.B) {
			var out Loaded
			for b.Loop() {
				out, err = Load{Query: `{env="prod"}`, Start: start, End: end, Batch: tc.batch}.Run(context.Background(), c, NewBuilder(nil, time.UTC))
				if err != nil {
					b.Fatal(err)
				}
			}
			if len(out.Rows) != 30000 {
				b.Fatalf("%d rows", len(out.Rows))
			}
			b.ReportMetric(float64(out.Fetch.Requests), "requests")
			b.ReportMetric(out.Fetch.Elapsed.Seconds(), "s-fetch")
		})
	}
}
