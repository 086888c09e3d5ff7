package runbooks

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func TestRenderGolden(t *testing.T) {
	rb, err := NewFinder(Options{Embedded: true}).Find(context.Background(), Alert{Name: "RedisDown"})
	if err != nil || rb.Source != SourceEmbedded {
		t.Fatalf("RedisDown: %v %+v", err, rb)
	}
	for _, width := range []int{80, 160} {
		got, err := Render(rb.Markdown, width, true)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(got, "\n") {
			if w := ansi.StringWidth(line); w > width {
				t.Errorf("width %d: line %d is %d columns wide", width, i+1, w)
			}
		}
		plain := ansi.Strip(got)
		for _, want := range []string{"RedisDown", "Impact", "redis-cli ping", `redis_up{instance="{{ .Labels.instance }}"}`} {
			if !strings.Contains(plain, want) {
				t.Errorf("width %d: render lacks %q", width, want)
			}
		}
		golden := filepath.Join("testdata", "redisdown.dark."+strconv.Itoa(width)+".golden")
		if *update {
			if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run go test ./runbooks -run TestRenderGolden -update)", err)
		}
		if got != string(want) {
			t.Errorf("width %d: render differs from %s (run with -update after checking the change)", width, golden)
		}
	}
}

func TestRenderStylesLinksAndSafety(t *testing.T) {
	md := "# Title\n\nsee [the docs](https://example.com/runbooks/x) and \x1b]52;c;ZXZpbA==\x07 or \x1b[2J done\n"
	dark, err := Render(md, 60, true)
	if err != nil {
		t.Fatal(err)
	}
	light, err := Render(md, 60, false)
	if err != nil {
		t.Fatal(err)
	}
	if dark == light {
		t.Error("dark and light renders are identical")
	}
	for name, out := range map[string]string{"dark": dark, "light": light} {
		if !strings.Contains(out, "\x1b]8;") || !strings.Contains(out, "https://example.com/runbooks/x") {
			t.Errorf("%s: no OSC 8 hyperlink: %q", name, out)
		}
		if strings.Contains(out, "\x1b]52") || strings.Contains(out, "\x1b[2J") {
			t.Errorf("%s: raw control sequence passed through: %q", name, out)
		}
		if !strings.Contains(ansi.Strip(out), `\x1b]52;c;ZXZpbA==\x07`) {
			t.Errorf("%s: escaped sequence not shown: %q", name, ansi.Strip(out))
		}
	}
	def, err := Render(md, 0, true)
	if err != nil || def != mustRender(t, md, 80, true) {
		t.Error("width 0 should render like width 80")
	}
}

func mustRender(t *testing.T, md string, w int, dark bool) string {
	t.Helper()
	out, err := Render(md, w, dark)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestRenderConcurrent(t *testing.T) {
	md := "# A\n\n```promql\nup == 0\n```\n\n- one\n- two\n"
	want := mustRender(t, md, 70, true)
	var wg sync.WaitGroup
	for i := 0; i < 6; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if got, err := Render(md, 70, true); err != nil || got != want {
				t.Errorf("concurrent render differs: %v", err)
			}
		}()
	}
	wg.Wait()
}
