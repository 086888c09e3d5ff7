package config

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
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

// The guard's keys share names across rules (mode, max, labels), so a key
// name found anywhere proves little: the example must set every guard key in
// [contexts.prod.guard.*] itself, and readonly in [contexts.prod].
func TestExampleConfigSetsEveryGuardKey(t *testing.T) {
	var raw map[string]any
	md, err := toml.DecodeFile(filepath.Join("..", "..", "config.example.toml"), &raw)
	if err != nil {
		t.Fatal(err)
	}
	keys := allKeys(reflect.TypeOf(Guard{}), "")
	if len(keys) < 15 {
		t.Fatalf("only %d guard keys found by reflection: %v", len(keys), keys)
	}
	var missing []string
	for _, k := range append(keys, "../readonly") {
		path := append([]string{"contexts", "prod", "guard"}, strings.Split(k, ".")...)
		if strings.HasPrefix(k, "../") {
			path = []string{"contexts", "prod", strings.TrimPrefix(k, "../")}
		}
		if !md.IsDefined(path...) {
			missing = append(missing, strings.Join(path, "."))
		}
	}
	if len(missing) > 0 {
		t.Fatalf("config.example.toml does not set: %s", strings.Join(missing, ", "))
	}
	cfg, err := Parse("example", mustRead(t, filepath.Join("..", "..", "config.example.toml")))
	if err != nil {
		t.Fatal(err)
	}
	g := cfg.Contexts["prod"].Guard
	if g.Breadth.MaxAlerts == 0 || g.Comment.Pattern == "" || len(g.Regex.Labels) == 0 || g.Duration.MaxAck.D() == 0 {
		t.Errorf("example guard decoded as %+v", g)
	}
}

func mustRead(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
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
