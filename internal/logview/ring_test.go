package logview

import (
	"fmt"
	"testing"
)

func rowsN(from, n int) []Row {
	out := make([]Row, n)
	for i := range out {
		out[i].Line = fmt.Sprint(from + i)
	}
	return out
}

func ringLines(r *Ring) string {
	s := ""
	for i := 0; i < r.Len(); i++ {
		s += r.At(i).Line + " "
	}
	return s
}

func TestRingDropsOldestBeyondCapacity(t *testing.T) {
	r := NewRing(4)
	if d := r.Push(rowsN(0, 3)...); d != 0 || ringLines(r) != "0 1 2 " {
		t.Fatalf("dropped %d, %q", d, ringLines(r))
	}
	if o := r.Overflow(3); o != 2 {
		t.Fatalf("Overflow(3) = %d, want 2", o)
	}
	if d := r.Push(rowsN(3, 3)...); d != 2 || ringLines(r) != "2 3 4 5 " {
		t.Fatalf("dropped %d, %q", d, ringLines(r))
	}
	// many wraps keep order
	for i := 6; i < 20; i++ {
		r.Push(rowsN(i, 1)...)
	}
	if ringLines(r) != "16 17 18 19 " || r.Len() != 4 {
		t.Fatalf("%q", ringLines(r))
	}
	// a push larger than the ring keeps its newest rows
	if d := r.Push(rowsN(100, 6)...); d != 4 || ringLines(r) != "102 103 104 105 " {
		t.Fatalf("dropped %d, %q", d, ringLines(r))
	}
}

func TestRingResetKeepsNewest(t *testing.T) {
	r := NewRing(3)
	if d := r.Reset(rowsN(0, 5)); d != 2 || ringLines(r) != "2 3 4 " {
		t.Fatalf("dropped %d, %q", d, ringLines(r))
	}
	r.Push(rowsN(5, 1)...)
	if ringLines(r) != "3 4 5 " {
		t.Fatalf("%q", ringLines(r))
	}
	r.Reset(nil)
	if r.Len() != 0 {
		t.Fatal("not empty")
	}
	if NewRing(0).Cap() != DefaultMaxLines {
		t.Fatal("default capacity")
	}
}

func TestRingAtPanicsOutOfRange(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	NewRing(2).At(0)
}
