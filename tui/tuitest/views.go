package tuitest

import (
	"strings"
	"testing"

	"oncall/tui/tuitest/fixture"
)

// Open builds a session at w×h on a dark or light background and brings
// it to the view under test (a screen opened, keys pressed), failing t if
// it cannot.
type Open func(t *testing.T, w, h int, dark bool) *Driver

// Views is a screen's golden views: one subtest per size of fixture.Sizes
// and background, named NAME-WxH-dark|light, each checking that the frame
// open leaves fills the terminal exactly and equals its golden file; the
// dark and light frames of a size differ in colour only (fixture.Frames).
func Views(t *testing.T, name string, open Open) {
	t.Helper()
	fixture.Frames(t, name, func(t *testing.T, w, h int, dark bool) string {
		return open(t, w, h, dark).Render()
	})
}

// Help is the golden of ? on a view: at each size of fixture.Sizes on a
// dark background, one subtest named NAME-WxH-dark presses ? on what open
// leaves, checks that the help shows every string of want and is not cut
// ("more keys"), and compares the frame with its golden (GoldenFrame).
func Help(t *testing.T, name string, open Open, want ...string) {
	t.Helper()
	for _, sz := range fixture.Sizes() {
		n := fixture.Name(name, sz.W, sz.H, true)
		t.Run(n, func(t *testing.T) {
			d := open(t, sz.W, sz.H, true).Press("?")
			out := d.Screen()
			for _, w := range want {
				if !strings.Contains(out, w) {
					t.Errorf("help lacks %q:\n%s", w, out)
				}
			}
			if strings.Contains(out, "more keys") {
				t.Errorf("help is cut:\n%s", out)
			}
			d.GoldenFrame(n)
		})
	}
}
