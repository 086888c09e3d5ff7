package promslo

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"oncall/internal/config"
	"oncall/internal/slo"
)

func TestFromConfig(t *testing.T) {
	cfg := []config.SLO{{Name: "api", Objective: 99.9, Window: config.Duration(7 * 24 * time.Hour), Ratio: "r[$window]", Alerts: []string{"APIDown"}}}
	got := FromConfig(cfg)
	if len(got) != 1 || got[0].Name != "api" || got[0].Window != 7*24*time.Hour || got[0].Source != slo.SourceConfig || got[0].Alerts[0] != "APIDown" {
		t.Fatalf("definitions %+v", got)
	}
	cfg[0].Alerts[0] = "changed"
	if got[0].Alerts[0] != "APIDown" {
		t.Error("the definition shares its alert list with the config")
	}
}

// EvaluateAll keeps the order of the definitions; a failing SLO carries its
// error and the others are still evaluated.
func TestEvaluateAllKeepsOrderAndFailures(t *testing.T) {
	fake := &fakeAPI{answer: func(ctx context.Context, q string) (model.Value, error) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if strings.Contains(q, "slow") {
			return model.Vector{}, nil // no data over the SLO window: an error
		}
		return one(0.0005), nil
	}}
	defs := []slo.Definition{
		{Name: "a", Objective: 99.9, Ratio: `ok[$window]`},
		{Name: "b", Objective: 99.9, Ratio: `slow[$window]`},
		{Name: "c", Objective: 99, Ratio: `ok[$window]`},
		{Name: "d", Objective: 120, Ratio: `ok[$window]`},
	}
	res := EvaluateAll(context.Background(), fake, defs, time.Now())
	if len(res) != 4 {
		t.Fatalf("%d results", len(res))
	}
	for i, r := range res {
		if r.Def.Name != defs[i].Name {
			t.Errorf("result %d is %s, want %s", i, r.Def.Name, defs[i].Name)
		}
	}
	if res[0].Err != nil || res[2].Err != nil || res[0].Status.BudgetRemaining <= 0 {
		t.Errorf("a, c: %+v / %+v", res[0], res[2])
	}
	if res[1].Err == nil || !strings.Contains(res[1].Err.Error(), "slo b") {
		t.Errorf("b without data: %v", res[1].Err)
	}
	if res[3].Err == nil || !strings.Contains(res[3].Err.Error(), "objective") {
		t.Errorf("d with a bad objective: %v", res[3].Err)
	}

	// A context that is already done fails every SLO at once.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, r := range EvaluateAll(ctx, fake, defs, time.Now()) {
		if r.Err == nil {
			t.Errorf("%s evaluated with a cancelled context", r.Def.Name)
		}
	}
}

func TestNoSLOErrorSaysHowToAddOne(t *testing.T) {
	if msg := NoSLOError("prod").Error(); !strings.Contains(msg, `context "prod"`) || !strings.Contains(msg, "[[contexts.prod.slo]]") {
		t.Errorf("message %q", msg)
	}
}
