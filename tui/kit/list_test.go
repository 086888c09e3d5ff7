package kit

import (
	"testing"

	tea "charm.land/bubbletea/v2"
)

// Scroll moves a cursorless text by the movement actions, a page being a
// line less than the height, and never past its top or last full page.
func TestScroll(t *testing.T) {
	global := []Binding{
		{Action: Up, Keys: []string{"k"}}, {Action: Down, Keys: []string{"j"}},
		{Action: PageUp, Keys: []string{"b"}}, {Action: PageDown, Keys: []string{"f"}},
		{Action: Top, Keys: []string{"g"}}, {Action: Bottom, Keys: []string{"G"}},
		{Action: Back, Keys: []string{"q"}},
	}
	tbl, err := NewKeyTable(global, nil, KeyRemap{})
	if err != nil {
		t.Fatal(err)
	}
	k := tbl.Global()
	press := func(r rune) tea.KeyPressMsg { return tea.KeyPressMsg{Code: r, Text: string(r)} }
	const n, h = 30, 10 // the last full page starts at line 20
	for _, c := range []struct {
		key       rune
		from, off int
		ok        bool
	}{
		{'j', 0, 1, true}, {'k', 5, 4, true}, {'k', 0, 0, true},
		{'f', 0, 9, true}, {'f', 15, 20, true}, {'b', 12, 3, true}, {'b', 3, 0, true},
		{'G', 0, 20, true}, {'g', 17, 0, true}, {'j', 20, 20, true},
		{'q', 7, 7, false}, {'x', 7, 7, false},
	} {
		if off, ok := Scroll(k, press(c.key), c.from, n, h); off != c.off || ok != c.ok {
			t.Errorf("%c from %d: %d, %v; want %d, %v", c.key, c.from, off, ok, c.off, c.ok)
		}
	}
	// A text shorter than the window stays at the top.
	if off, _ := Scroll(k, press('G'), 0, 4, h); off != 0 {
		t.Errorf("G on a short text: %d", off)
	}
}
