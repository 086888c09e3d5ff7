package slo

import (
	"encoding/json"
	"maps"
	"math"
	"slices"
	"testing"
)

func TestReportJSON(t *testing.T) {
	d := def999()
	d.Source = SourceSloth
	b := d.BudgetFraction()
	s := Compute(d, 0.5*b, map[string]float64{"1h": 2 * b, "5m": 3 * b})
	raw, err := json.Marshal(s.Report())
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	keys := slices.Sorted(maps.Keys(got))
	want := []string{"budgetRemaining", "budgetRemainingSeconds", "burnRates", "exhaustionSeconds",
		"name", "objective", "sentence", "sli", "source", "state", "window"}
	if !slices.Equal(keys, want) {
		t.Fatalf("keys %v, want %v", keys, want)
	}
	if got["name"] != "api" || got["objective"] != 99.9 || got["window"] != "30d" ||
		got["state"] != "ok" || got["source"] != "sloth" {
		t.Errorf("scalars wrong: %s", raw)
	}
	if !near(got["budgetRemaining"].(float64), 0.5, 1e-9) ||
		!near(got["budgetRemainingSeconds"].(float64), 0.5*2592, 1e-3) ||
		!near(got["sli"].(float64), 0.9995, 1e-12) {
		t.Errorf("budget figures wrong: %s", raw)
	}
	// Half of 30 days of budget at 2x lasts 7.5 days.
	if !near(got["exhaustionSeconds"].(float64), 7.5*86400, 1) {
		t.Errorf("exhaustionSeconds %v, want %v", got["exhaustionSeconds"], 7.5*86400)
	}
	burns := got["burnRates"].(map[string]any)
	if len(burns) != 2 || !near(burns["1h"].(float64), 2, 1e-9) || !near(burns["5m"].(float64), 3, 1e-9) {
		t.Errorf("burnRates %v", burns)
	}
	if got["sentence"] != s.Sentence() {
		t.Errorf("sentence %v", got["sentence"])
	}

	calm, err := json.Marshal(Compute(d, 0, nil).Report())
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := json.Unmarshal(calm, &c); err != nil {
		t.Fatal(err)
	}
	if v, ok := c["exhaustionSeconds"]; !ok || v != nil {
		t.Errorf("exhaustionSeconds should be present and null when not burning: %s", calm)
	}
	if m, ok := c["burnRates"].(map[string]any); !ok || len(m) != 0 {
		t.Errorf("burnRates should be an empty object: %s", calm)
	}
	if c["source"] != "sloth" {
		t.Errorf("source %v", c["source"])
	}
}

func TestReportNonFinite(t *testing.T) {
	s := Compute(def999(), 0, nil)
	s.BurnRates["1h"] = math.Inf(1)
	if _, err := json.Marshal(s.Report()); err != nil {
		t.Fatalf("report with an infinite burn rate must still marshal: %v", err)
	}
	if r := (Status{}).Report(); r.State != StateOK || r.Source != SourceConfig || r.Window != "30d" {
		t.Errorf("zero status report defaults: %+v", r)
	}
}
