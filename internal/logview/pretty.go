package logview

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"

	"oncall/internal/sanitize"
)

// Pretty renders a line for the detail view, whole and safe to draw: a JSON
// object or array is indented (keys keep their order), anything else is
// kept as is. Newlines inside the line (stack traces) stay line breaks;
// every other unsafe character is shown escaped. isJSON reports which.
func Pretty(line string) (lines []string, isJSON bool) {
	t := strings.TrimSpace(line)
	if len(t) > 0 && (t[0] == '{' || t[0] == '[') && json.Valid([]byte(t)) {
		var b bytes.Buffer
		if err := json.Indent(&b, []byte(t), "", "  "); err == nil {
			return strings.Split(sanitize.Block(b.String()), "\n"), true
		}
	}
	return strings.Split(sanitize.Block(line), "\n"), false
}

// SortedPairs renders a label map as sanitized "k=v" strings, sorted.
func SortedPairs(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k, v := range m {
		out = append(out, sanitize.Text(k)+"="+sanitize.Text(v))
	}
	sort.Strings(out)
	return out
}
