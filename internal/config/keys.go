package config

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
)

// unknownKeyError names the unknown key, its line, and the nearest valid key
// at the same level.
func unknownKeyError(path, text string, key toml.Key) error {
	valid := validKeysAt(reflect.TypeOf(Config{}), key[:len(key)-1])
	last := key[len(key)-1]
	line := findKeyLine(text, key)
	msg := fmt.Sprintf("unknown key %q", key.String())
	if best := nearest(last, valid); best != "" {
		msg += fmt.Sprintf("; did you mean %q?", best)
	}
	if line > 0 {
		return fmt.Errorf("config %s:%d: %s", path, line, msg)
	}
	return fmt.Errorf("config %s: %s", path, msg)
}

// validKeysAt walks the struct type along the key path (map keys and array
// indexes are free-form) and lists the TOML keys valid at that level.
func validKeysAt(t reflect.Type, path []string) []string {
	for _, p := range path {
		t = deref(t)
		switch t.Kind() {
		case reflect.Map:
			t = t.Elem()
			continue
		case reflect.Slice:
			t = deref(t.Elem())
		}
		if t.Kind() != reflect.Struct {
			return nil
		}
		f, ok := fieldByTag(t, p)
		if !ok {
			return nil
		}
		t = f
	}
	t = deref(t)
	if t.Kind() == reflect.Slice {
		t = deref(t.Elem())
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	return structKeys(t)
}

func deref(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

func structKeys(t reflect.Type) []string {
	var out []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous {
			out = append(out, structKeys(deref(f.Type))...)
			continue
		}
		tag := strings.Split(f.Tag.Get("toml"), ",")[0]
		if tag != "" && tag != "-" {
			out = append(out, tag)
		}
	}
	sort.Strings(out)
	return out
}

func fieldByTag(t reflect.Type, name string) (reflect.Type, bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous {
			if ft, ok := fieldByTag(deref(f.Type), name); ok {
				return ft, true
			}
			continue
		}
		if strings.Split(f.Tag.Get("toml"), ",")[0] == name {
			return f.Type, true
		}
	}
	return nil, false
}

// findKeyLine finds the line where the key is set: either "last = ..." inside
// the right table, or a table header ending in the key.
func findKeyLine(text string, key toml.Key) int {
	last := key[len(key)-1]
	table := strings.Join(key[:len(key)-1], ".")
	cur := ""
	for i, l := range strings.Split(text, "\n") {
		s := strings.TrimSpace(l)
		if strings.HasPrefix(s, "[") {
			h := strings.Trim(s, "[] \t")
			if j := strings.IndexByte(h, '#'); j >= 0 {
				h = strings.TrimSpace(strings.Trim(h[:j], "[] "))
			}
			cur = h
			if h == key.String() || strings.HasSuffix(h, "."+last) && strings.HasPrefix(key.String(), h) {
				return i + 1
			}
			continue
		}
		if eq := strings.IndexByte(s, '='); eq > 0 {
			k := strings.Trim(strings.TrimSpace(s[:eq]), `"`)
			if (k == last && cur == table) || k == last && table == "" || strings.HasSuffix(cur+"."+k, "."+table+"."+last) || k == strings.TrimPrefix(key.String(), cur+".") {
				return i + 1
			}
		}
	}
	return 0
}

// nearest returns the candidate with the smallest edit distance, if it is
// close enough to be a plausible typo.
func nearest(s string, cands []string) string {
	best, bestD := "", 1<<30
	for _, c := range cands {
		if d := levenshtein(strings.ToLower(s), strings.ToLower(c)); d < bestD {
			best, bestD = c, d
		}
	}
	if best == "" || bestD > max(2, len(s)/2) {
		return ""
	}
	return best
}

func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

func sortStrings(s []string) { sort.Strings(s) }

// Nearest returns the candidate closest to s (edit distance), when it is
// close enough to be a plausible typo: "did you mean …?" for config keys,
// command names and contexts.
func Nearest(s string, cands []string) string { return nearest(s, cands) }
