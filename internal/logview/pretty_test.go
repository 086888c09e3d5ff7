package logview

import (
	"strings"
	"testing"
)

func TestPrettyIndentsJSONAndKeepsItWhole(t *testing.T) {
	long := strings.Repeat("y", 5000)
	lines, ok := Pretty(`{"b":1,"a":{"msg":"` + long + `","esc":"\u001b[2J"},"bidi":"` + "\u202e" + `"}`)
	if !ok {
		t.Fatal("not recognised as JSON")
	}
	got := strings.Join(lines, "\n")
	if !strings.HasPrefix(got, "{\n  \"b\": 1,\n  \"a\": {\n    \"msg\": \"") || !strings.Contains(got, long) {
		t.Fatalf("not indented in order or cut:\n%.200s", got)
	}
	if strings.Contains(got, "\u202e") || !strings.Contains(got, `\u202e`) {
		t.Fatal("bidi control not escaped")
	}
	lines, ok = Pretty("panic: boom\n\tgoroutine 1\x1b[31m")
	if ok || len(lines) != 2 || strings.Contains(lines[1], "\x1b") || !strings.HasPrefix(lines[1], "    goroutine") {
		t.Fatalf("plain text: %q", lines)
	}
	if got := SortedPairs(map[string]string{"b": "2", "a": "x\x1by"}); strings.Join(got, " ") != `a=x\x1by b=2` {
		t.Fatalf("pairs %q", got)
	}
}
