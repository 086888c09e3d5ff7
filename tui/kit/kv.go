package kit

import (
	"sort"
	"strings"

	"oncall/internal/sanitize"
)

// KVLines lists a map as "  key=value" lines sorted by key, both sanitized
// (they come from servers); an http(s) value is an OSC 8 link.
func KVLines(m map[string]string, st *Styles) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		v := sanitize.Text(m[k])
		if strings.HasPrefix(m[k], "http://") || strings.HasPrefix(m[k], "https://") {
			v = Hyperlink(m[k], v)
		}
		out = append(out, "  "+st.Label.Render(sanitize.Text(k)+"=")+v)
	}
	return out
}
