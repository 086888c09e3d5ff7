package logview

import "strings"

// Search is a compiled in-result search with smart case: it ignores the
// case of ASCII letters unless the query has an upper-case letter.
type Search struct {
	q    string
	fold bool
}

// NewSearch compiles a query ("" matches nothing).
func NewSearch(q string) Search {
	return Search{q: q, fold: strings.ToLower(q) == q}
}

// Query is the search text.
func (s Search) Query() string { return s.q }

// Empty reports whether there is no search.
func (s Search) Empty() bool { return s.q == "" }

// Index returns the byte offset of the first match in text at or after
// from, or -1.
func (s Search) Index(text string, from int) int {
	if s.q == "" || from > len(text) {
		return -1
	}
	var i int
	if s.fold {
		i = indexFoldASCII(text[from:], s.q)
	} else {
		i = strings.Index(text[from:], s.q)
	}
	if i < 0 {
		return -1
	}
	return from + i
}

// Match reports whether a row's text matches.
func (s Search) Match(r *Row) bool { return s.Index(r.Text, 0) >= 0 }

// Len is the byte length of a match.
func (s Search) Len() int { return len(s.q) }
