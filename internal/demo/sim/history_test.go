package sim

import (
	"context"
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"oncall/internal/history"
)

// promRange adapts the official client to history.Source.
type promRange struct{ api v1.API }

func (p promRange) QueryRange(ctx context.Context, q string, r v1.Range) (model.Value, error) {
	v, _, _, err := p.api.QueryRange(ctx, q, r)
	return v, err
}

// The simulated Prometheus answers internal/history's ALERTS query with
// the incident's past episodes and the outage, and the summaries read as
// the scenario says.
func TestFiringHistoryOfTheIncident(t *testing.T) {
	b, _ := startSim(t)
	set, err := history.FetchWeek(ctxTimeout(t, 20*time.Second), promRange{promClient(t, b)}, epoch())
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]Alert{}
	for _, a := range b.Prometheus.Alerts() {
		byName[a.Name] = a
	}
	cases := []struct {
		alert             string
		day, week         int
		flapping, resolve bool
	}{
		{"HighMemoryUsage", 7, 9, true, true},
		{"LowTraffic", 2, 7, false, true},
		{"APIDown", 2, 2, false, true},
		{"DatabaseConnectionsHigh", 3, 3, false, true},
		{"HighErrorRate", 1, 1, false, false},
		{"RedisDown", 0, 0, false, false}, // pending, never fired
	}
	for _, c := range cases {
		a, ok := byName[c.alert]
		if !ok {
			t.Fatalf("no %s in the incident", c.alert)
		}
		sum := set.Summary(a.Labels, 0)
		if sum.Episodes24h != c.day || sum.Episodes7d != c.week || sum.Flapping != c.flapping || (sum.LastResolved != nil) != c.resolve {
			t.Errorf("%s: %d in 24h, %d in 7d, flapping %v, last resolved %v; want %d, %d, %v, resolved %v",
				c.alert, sum.Episodes24h, sum.Episodes7d, sum.Flapping, sum.LastResolved, c.day, c.week, c.flapping, c.resolve)
		}
	}
	// APIDown's deploy blip: 19h ago for 20 minutes, then the outage, which
	// still fires.
	sum := set.Summary(byName["APIDown"].Labels, 0)
	if len(sum.Episodes) != 2 || !sum.Firing || sum.LastResolved == nil {
		t.Fatalf("APIDown episodes %v", sum.Episodes)
	}
	if d := epoch().Sub(*sum.LastResolved); d < 18*time.Hour+35*time.Minute || d > 18*time.Hour+45*time.Minute {
		t.Errorf("APIDown last resolved %s before the start, want about 18h40m", d)
	}
	if got := sum.Hourly.String(); len([]rune(got)) != 24 || []rune(got)[23] == '·' || []rune(got)[5] == '·' {
		t.Errorf("APIDown's strip %q: want the blip 19h ago and the outage in the last hour", got)
	}
}
