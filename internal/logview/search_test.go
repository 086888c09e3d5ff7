package logview

import "testing"

func TestSearchIsSmartCase(t *testing.T) {
	r := &Row{Text: "Pool TIMEOUT after 5000ms"}
	if !NewSearch("timeout").Match(r) {
		t.Fatal("lower-case query must ignore case")
	}
	if NewSearch("Timeout").Match(r) {
		t.Fatal("a query with upper case must match case")
	}
	if !NewSearch("TIMEOUT").Match(r) {
		t.Fatal("exact case must match")
	}
	if NewSearch("").Match(r) || !NewSearch("").Empty() {
		t.Fatal("empty search matches nothing")
	}
	if i := NewSearch("0").Index(r.Text, 21); i != 21 {
		t.Fatalf("Index from 21 = %d", i)
	}
}
