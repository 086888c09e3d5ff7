package kit

import "testing"

func TestHintsShareALabel(t *testing.T) {
	global := []Binding{
		{Action: Up, Keys: []string{"up", "k"}, Display: "↑/k", Help: "up"},
		{Action: Down, Keys: []string{"down", "j"}, Display: "↓/j", Help: "down"},
		{Action: Back, Keys: []string{"esc"}, Help: "back"},
	}
	scope := Scope{Name: "s", Title: "S", Bindings: []Binding{
		{Action: Up, Help: "previous", Short: "select"},
		{Action: Down, Help: "next", Short: "select"},
		{Action: "prev", Keys: []string{"["}, Help: "previous heading", Short: "heading"},
		{Action: "next", Keys: []string{"]"}, Help: "next heading", Short: "heading"},
		{Action: "copy", Keys: []string{"c"}, Help: "copy"},
		{Action: "wrap", Keys: []string{"w"}, Help: "wrap", Short: "wrap"},
		{Action: Back, Help: "back", Short: "back"},
	}}
	tbl, err := NewKeyTable(global, []Scope{scope}, KeyRemap{Screens: map[string]map[string]string{"s": {"next": "}"}}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := tbl.Scope("s").Hints(), "↑/k ↓/j select · [ } heading · w wrap · esc back"; got != want {
		t.Errorf("hints %q, want %q", got, want)
	}
	k := tbl.Scope("s")
	for w, want := range map[int]string{100: k.Hints(), 28: "↑/k ↓/j select · [ } heading", 27: "↑/k ↓/j select", 14: "↑/k ↓/j select", 13: ""} {
		if got := k.HintsWithin(w); got != want {
			t.Errorf("HintsWithin(%d) = %q, want %q", w, got, want)
		}
	}
}
