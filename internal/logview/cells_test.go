package logview

import (
	"reflect"
	"testing"
)

func TestCutAndWrapCountCells(t *testing.T) {
	if n, w := Cut("héllo", 3); n != len("hél") || w != 3 {
		t.Fatalf("Cut = %d,%d", n, w)
	}
	// wide runes are 2 cells and never split
	if n, w := Cut("日本語", 5); n != len("日本") || w != 4 {
		t.Fatalf("Cut wide = %d,%d", n, w)
	}
	if got := Wrap("abcdefgh", 3, 0); !reflect.DeepEqual(got, []int{0, 3, 6}) {
		t.Fatalf("Wrap = %v", got)
	}
	if got := Wrap("日本語x", 4, 0); !reflect.DeepEqual(got, []int{0, len("日本")}) {
		t.Fatalf("Wrap wide = %v", got)
	}
	if got := Wrap("abcdefgh", 3, 2); len(got) != 2 {
		t.Fatalf("Wrap bounded = %v", got)
	}
	if Lines("", 10, 0) != 1 {
		t.Fatal("an empty line is one line")
	}
}
