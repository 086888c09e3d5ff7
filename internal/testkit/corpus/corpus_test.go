package corpus

import (
	"strings"
	"testing"

	"charm.land/lipgloss/v2"

	"oncall/internal/sanitize"
)

// TestLeakCatchesEveryEntry: raw, every hostile string is caught; through
// sanitize.Text none is, and its marker survives.
func TestLeakCatchesEveryEntry(t *testing.T) {
	for _, e := range All() {
		if err := LeakOf(e.Text, e); err == nil {
			t.Errorf("%s: Leak accepted the raw string", e.Name)
		}
		clean := sanitize.Text(e.Text)
		if err := LeakOf(clean, e); err != nil {
			t.Errorf("%s: Leak rejected the sanitized string: %v", e.Name, err)
		}
		if !strings.Contains(clean, "pwn") {
			t.Errorf("%s: the marker is lost", e.Name)
		}
	}
}

// TestLeakAllowsOwnStyling: SGR styling and OSC 8 links to safe URLs pass;
// other sequences and links do not.
func TestLeakAllowsOwnStyling(t *testing.T) {
	styled := lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("#ff0000")).Underline(true).Render("ok") + "\n" +
		"\x1b]8;;https://grafana.example/d/x\x1b\\link\x1b]8;;\x1b\\"
	if err := Leak(styled); err != nil {
		t.Fatalf("own styling rejected: %v", err)
	}
	for _, bad := range []string{
		"\x1b]8;;javascript:alert(1)\x1b\\x\x1b]8;;\x1b\\",
		"\x1b]8;;https://a b\x1b\\x\x1b]8;;\x1b\\",
		"\x1b[2J", "\x1b[?1049h", "\x1b]52;c;AA\x07", "\x1bP\x1b\\", "a\x07",
	} {
		if Leak(bad) == nil {
			t.Errorf("Leak accepted %q", bad)
		}
	}
}
