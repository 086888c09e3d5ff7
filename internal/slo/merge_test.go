package slo

import (
	"strings"
	"testing"
)

func TestMergeConfigWins(t *testing.T) {
	conf := []Definition{{Name: "a", Objective: 99.9, Source: SourceConfig}, {Name: "b", Objective: 99, Source: SourceConfig}}
	found := []Definition{{Name: "b", Objective: 95, Source: SourceSloth}, {Name: "c", Source: SourcePyrra}, {Name: "c", Source: SourceSloth}}
	got := Merge(conf, found)
	var names []string
	for _, d := range got {
		names = append(names, d.Name+"/"+d.Source)
	}
	if strings.Join(names, ",") != "a/config,b/config,c/pyrra" || got[1].Objective != 99 {
		t.Errorf("merged %v", names)
	}
}
