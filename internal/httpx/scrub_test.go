package httpx

import "testing"

// TestScrubLine: the secret goes whether it stands plain, split by a
// newline that becomes "; ", or holding a character that is escaped.
func TestScrubLine(t *testing.T) {
	for _, c := range []struct {
		in, secret, want string
	}{
		{"401 for token tok3n\n", "tok3n", "401 for token [redacted]"},
		{"first line\nbearer tok3n", "tok3n", "first line; bearer [redacted]"},
		{"pass\tword rejected", "pass\tword", "[redacted] rejected"},
		{`escaped pass\tword`, `pass\tword`, "escaped [redacted]"},
		{"nothing secret \x1b[2J", "tok3n", `nothing secret \x1b[2J`},
	} {
		if got := ScrubLine(c.in, []string{c.secret, ""}); got != c.want {
			t.Errorf("ScrubLine(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
