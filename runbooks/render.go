package runbooks

import (
	"fmt"

	"charm.land/glamour/v2"
	"charm.land/glamour/v2/styles"

	"oncall/internal/sanitize"
)

// Render renders markdown for a terminal width columns wide with glamour's
// standard dark or light style (glamour v2 does not detect the background,
// so the caller says which). Terminal control sequences in the input are
// escaped first; links come out as OSC 8 hyperlinks. A new renderer is built
// for every call, so Render is safe to call from any goroutine.
func Render(markdown string, width int, dark bool) (string, error) {
	if width <= 0 {
		width = 80
	}
	style := styles.LightStyle
	if dark {
		style = styles.DarkStyle
	}
	r, err := glamour.NewTermRenderer(
		glamour.WithStandardStyle(style),
		glamour.WithWordWrap(width),
	)
	if err != nil {
		return "", fmt.Errorf("runbook renderer: %v", err)
	}
	out, err := r.Render(sanitize.Block(normalizeText(markdown)))
	if err != nil {
		return "", fmt.Errorf("rendering runbook: %v", err)
	}
	return out, nil
}
