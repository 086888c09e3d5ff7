package wire_test

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"oncall/internal/config"
	"oncall/internal/wire"
	"oncall/tui"
	"oncall/tui/kit"
)

// Without a Loki the logs key says why; with one the screen is built.
func TestLogScreensWithAndWithoutLoki(t *testing.T) {
	cfg := config.Defaults()
	cfg.CurrentContext = "prod"
	cfg.Contexts["prod"] = &config.Context{}
	es := wire.Entries(cfg, env(nil))[:1]
	if len(es) != 1 || es[0].New != nil || es[0].Name != "logs" {
		t.Fatalf("entries without a Loki: %+v", es)
	}
	dark := true
	m, err := tui.New(tui.Deps{Config: cfg, Entries: es}, tui.Options{Dark: &dark, NoFetch: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Stop)
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 48})
	m.Update(tea.KeyPressMsg{Code: 'l', Text: "l"})
	if out := kit.Strip(m.Render()); !strings.Contains(out, `logs is not available (no Loki configured for context "prod")`) || m.Shown() != "" {
		t.Fatalf("l without a Loki:\n%s", out)
	}

	cfg.Contexts["prod"].Loki.URL = "http://127.0.0.1:9"
	if es := wire.Entries(cfg, env(nil))[:1]; len(es) != 1 || es[0].New == nil || es[0].Unavailable != "" {
		t.Fatalf("entries with a Loki: %+v", es)
	}
}
