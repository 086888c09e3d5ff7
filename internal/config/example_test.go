package config

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// The example file must parse, and must document every key the config knows.
func TestExampleConfigDocumentsEveryKey(t *testing.T) {
	p := filepath.Join("..", "..", "config.example.toml")
	text, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := Parse(p, string(text))
	if err != nil {
		t.Fatalf("example does not parse: %v", err)
	}
	if cfg.Contexts["prod"] == nil || len(cfg.Contexts["prod"].SLO) != 1 {
		t.Fatalf("example contexts: %+v", cfg.Contexts)
	}
	var missing []string
	for _, k := range allKeys(reflect.TypeOf(Config{}), "") {
		name := k[strings.LastIndex(k, ".")+1:]
		re := regexp.MustCompile(`(?m)(^|[\s{,#])"?` + regexp.QuoteMeta(name) + `"?\s*=|\.` + regexp.QuoteMeta(name) + `\]|\[\[?` + regexp.QuoteMeta(name) + `[\].]`)
		if !re.Match(text) {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		t.Fatalf("config.example.toml does not document: %s", strings.Join(missing, ", "))
	}
}

func allKeys(t reflect.Type, prefix string) []string {
	t = deref(t)
	switch t.Kind() {
	case reflect.Map:
		if t.Elem().Kind() == reflect.String {
			return nil
		}
		return allKeys(t.Elem(), prefix+"NAME.")
	case reflect.Slice:
		return allKeys(t.Elem(), prefix)
	case reflect.Struct:
	default:
		return nil
	}
	var out []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous {
			out = append(out, allKeys(f.Type, prefix)...)
			continue
		}
		tag := strings.Split(f.Tag.Get("toml"), ",")[0]
		if tag == "" || tag == "-" {
			continue
		}
		out = append(out, prefix+tag)
		if ft := deref(f.Type); ft.Kind() == reflect.Struct || ft.Kind() == reflect.Map || ft.Kind() == reflect.Slice {
			if ft.Kind() != reflect.Struct || ft.String() != "time.Time" {
				out = append(out, allKeys(f.Type, prefix+tag+".")...)
			}
		}
	}
	return out
}
