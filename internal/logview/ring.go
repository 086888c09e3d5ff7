package logview

// DefaultMaxLines is the ring's capacity when the config sets none.
const DefaultMaxLines = 50000

// Ring is a bounded buffer of rows, oldest first. Appending beyond its
// capacity drops the oldest rows. Access by index is O(1), so a view's cost
// is the number of rows it shows, not the number held.
type Ring struct {
	rows  []Row
	start int // index of the oldest row in rows
	n     int
	cap   int
}

// NewRing makes an empty ring holding at most capacity rows (<= 0:
// DefaultMaxLines).
func NewRing(capacity int) *Ring {
	if capacity <= 0 {
		capacity = DefaultMaxLines
	}
	return &Ring{cap: capacity}
}

// Cap is the capacity.
func (r *Ring) Cap() int { return r.cap }

// Len is the number of rows held.
func (r *Ring) Len() int { return r.n }

// At returns row i (0 = oldest). It panics when i is out of range.
func (r *Ring) At(i int) *Row {
	if i < 0 || i >= r.n {
		panic("logview: ring index out of range")
	}
	return &r.rows[(r.start+i)%len(r.rows)]
}

// Reset replaces the content with rows (oldest first), keeping the newest
// Cap of them. It reports how many were left out.
func (r *Ring) Reset(rows []Row) (dropped int) {
	if len(rows) > r.cap {
		dropped = len(rows) - r.cap
		rows = rows[dropped:]
	}
	r.rows = make([]Row, len(rows), max(len(rows), min(r.cap, 1024)))
	copy(r.rows, rows)
	r.start, r.n = 0, len(rows)
	return dropped
}

// Overflow is how many of the oldest rows appending k rows would drop.
func (r *Ring) Overflow(k int) int { return max(0, min(r.n, r.n+k-r.cap)) }

// Push appends rows (oldest first) and returns how many of the rows held
// before were dropped to make room.
func (r *Ring) Push(rows ...Row) (dropped int) {
	if len(rows) >= r.cap {
		dropped = r.n
		r.Reset(rows)
		return dropped
	}
	for _, row := range rows {
		if r.n < r.cap { // not full yet: rows[0:n] holds everything, start is 0
			r.rows = append(r.rows[:r.n], row)
			r.n++
			continue
		}
		// full: overwrite the oldest
		r.rows[r.start] = row
		r.start = (r.start + 1) % len(r.rows)
		dropped++
	}
	return dropped
}
