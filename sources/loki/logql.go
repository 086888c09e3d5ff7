package loki

import (
	"sort"
	"strconv"
	"strings"
)

// quote renders s as a LogQL double-quoted string. LogQL strings follow Go
// syntax, so `"` and `\` (and control characters) are escaped and the
// result always reads back as exactly s.
func quote(s string) string { return strconv.Quote(s) }

// LineFilterContains builds a line filter keeping lines that contain s:
// |= "s", safely escaped.
func LineFilterContains(s string) string { return "|= " + quote(s) }

// Selector builds a stream selector matching every label exactly, e.g.
// {app="api", env="prod"}, names sorted and values escaped. Characters that
// cannot appear in a label name are replaced by '_' (so a bad name narrows
// the query instead of changing its structure).
func Selector(labels map[string]string) string {
	names := make([]string, 0, len(labels))
	for k := range labels {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(labelName(k))
		b.WriteByte('=')
		b.WriteString(quote(labels[k]))
	}
	b.WriteByte('}')
	return b.String()
}

// labelName makes k a valid label name: [a-zA-Z_][a-zA-Z0-9_]*.
func labelName(k string) string {
	if k == "" {
		return "_"
	}
	var b strings.Builder
	for i, r := range k {
		switch {
		case r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z':
			b.WriteRune(r)
		case r >= '0' && r <= '9':
			if i == 0 {
				b.WriteByte('_')
			}
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}
