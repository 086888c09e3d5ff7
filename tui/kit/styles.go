package kit

import (
	"image/color"
	"oncall/internal/logview"

	"charm.land/lipgloss/v2"
)

// Palette is the set of colours a theme is built from.
type Palette struct {
	Fg, Muted, Subtle, Accent, Border color.Color
	SelBg, SelFg                      color.Color
	Critical, Warning, Info, OK       color.Color
	Pending, Acked, Silenced          color.Color
	BarBg, BarFg                      color.Color
}

// DarkPalette is for dark terminal backgrounds.
func DarkPalette() Palette {
	return Palette{
		Fg: lipgloss.Color("#E6E6E6"), Muted: lipgloss.Color("#8A8A8A"), Subtle: lipgloss.Color("#5F5F5F"),
		Accent: lipgloss.Color("#7AA2F7"), Border: lipgloss.Color("#444444"),
		SelBg: lipgloss.Color("#2E3A59"), SelFg: lipgloss.Color("#FFFFFF"),
		Critical: lipgloss.Color("#FF5F5F"), Warning: lipgloss.Color("#FFAF00"), Info: lipgloss.Color("#5FAFFF"), OK: lipgloss.Color("#5FD787"),
		Pending: lipgloss.Color("#D7AF5F"), Acked: lipgloss.Color("#AF87FF"), Silenced: lipgloss.Color("#808080"),
		BarBg: lipgloss.Color("#262626"), BarFg: lipgloss.Color("#D0D0D0"),
	}
}

// LightPalette is for light terminal backgrounds.
func LightPalette() Palette {
	return Palette{
		Fg: lipgloss.Color("#1C1C1C"), Muted: lipgloss.Color("#6C6C6C"), Subtle: lipgloss.Color("#A8A8A8"),
		Accent: lipgloss.Color("#1F5FBF"), Border: lipgloss.Color("#BCBCBC"),
		SelBg: lipgloss.Color("#D7E3FF"), SelFg: lipgloss.Color("#000000"),
		Critical: lipgloss.Color("#C00000"), Warning: lipgloss.Color("#A35F00"), Info: lipgloss.Color("#005FAF"), OK: lipgloss.Color("#007F3F"),
		Pending: lipgloss.Color("#8F6F00"), Acked: lipgloss.Color("#6A3FBF"), Silenced: lipgloss.Color("#767676"),
		BarBg: lipgloss.Color("#E4E4E4"), BarFg: lipgloss.Color("#262626"),
	}
}

// Styles is every style the UI uses, built once from a palette and rebuilt
// when the terminal background is detected. Each model owns its own Styles:
// nothing here is package-level, so SSH sessions never share them.
type Styles struct {
	Dark    bool
	Palette Palette
	// Shapes: the terminal has 16 colours or fewer, or NO_COLOR, so colour
	// cannot tell a chart's series apart: charts draw each series with its
	// own glyph instead of braille (tui/chart's Options.Shapes). The root
	// sets it from Bubble Tea's tea.ColorProfileMsg.
	Shapes bool

	Title, Muted, Subtle, Accent, Bold lipgloss.Style
	Selected, Cursor                   lipgloss.Style
	Sev                                map[string]lipgloss.Style
	State                              map[string]lipgloss.Style
	Header, TabActive, TabInactive     lipgloss.Style
	Bar, BarKey, BarOK, BarErr         lipgloss.Style
	Dialog, DialogTitle, Input, Error  lipgloss.Style
	Label, Value, Key, GroupHeader     lipgloss.Style
	StatusInfo, StatusErr, StatusOK    lipgloss.Style
	Border                             lipgloss.Style
}

// NewStyles builds the styles for a background.
func NewStyles(dark bool) *Styles {
	p := LightPalette()
	if dark {
		p = DarkPalette()
	}
	n := lipgloss.NewStyle
	s := &Styles{Dark: dark, Palette: p}
	s.Title = n().Bold(true).Foreground(p.Accent)
	s.Muted = n().Foreground(p.Muted)
	s.Subtle = n().Foreground(p.Subtle)
	s.Accent = n().Foreground(p.Accent)
	s.Bold = n().Bold(true).Foreground(p.Fg)
	s.Selected = n().Background(p.SelBg).Foreground(p.SelFg)
	s.Cursor = n().Foreground(p.Accent).Bold(true)
	s.Sev = map[string]lipgloss.Style{
		"critical": n().Foreground(p.Critical).Bold(true),
		"warning":  n().Foreground(p.Warning),
		"info":     n().Foreground(p.Info),
		"none":     n().Foreground(p.Muted),
	}
	s.State = map[string]lipgloss.Style{
		"firing":      n().Foreground(p.Critical),
		"pending":     n().Foreground(p.Pending),
		"acked":       n().Foreground(p.Acked),
		"silenced":    n().Foreground(p.Silenced),
		"inhibited":   n().Foreground(p.Silenced),
		"unprocessed": n().Foreground(p.Muted),
		"active":      n().Foreground(p.OK),
		"expired":     n().Foreground(p.Subtle),
	}
	s.Header = n().Bold(true).Foreground(p.Fg)
	s.TabActive = n().Bold(true).Foreground(p.SelFg).Background(p.Accent).Padding(0, 1)
	s.TabInactive = n().Foreground(p.Muted).Padding(0, 1)
	s.Bar = n().Foreground(p.BarFg).Background(p.BarBg)
	s.BarKey = n().Foreground(p.Accent).Background(p.BarBg).Bold(true)
	s.BarOK = n().Foreground(p.OK).Background(p.BarBg)
	s.BarErr = n().Foreground(p.Critical).Background(p.BarBg).Bold(true)
	s.Dialog = n().Border(lipgloss.RoundedBorder()).BorderForeground(p.Accent).Padding(0, 1)
	s.DialogTitle = n().Bold(true).Foreground(p.Accent)
	s.Input = n().Foreground(p.Fg)
	s.Error = n().Foreground(p.Critical)
	s.Label = n().Foreground(p.Muted)
	s.Value = n().Foreground(p.Fg)
	s.Key = n().Foreground(p.Accent).Bold(true)
	s.GroupHeader = n().Foreground(p.Accent).Bold(true)
	s.StatusInfo = n().Foreground(p.Info)
	s.StatusErr = n().Foreground(p.Critical).Bold(true)
	s.StatusOK = n().Foreground(p.OK)
	s.Border = n().Foreground(p.Border)
	return s
}

// SevStyle returns the style for a severity (unknown → muted).
func (s *Styles) SevStyle(sev string) lipgloss.Style {
	if st, ok := s.Sev[sev]; ok {
		return st
	}
	return s.Sev["none"]
}

// LevelStyle is the style of a log line's level, the same in every pane
// that shows log lines (logs, trace, runbook runs).
func (s *Styles) LevelStyle(l logview.Level) lipgloss.Style {
	switch l {
	case logview.LevelError:
		return s.SevStyle("critical")
	case logview.LevelWarn:
		return s.SevStyle("warning")
	case logview.LevelInfo:
		return s.SevStyle("info")
	case logview.LevelDebug:
		return s.Subtle
	}
	return s.Muted
}

// StateStyle returns the style for an alert or silence state.
func (s *Styles) StateStyle(state string) lipgloss.Style {
	if st, ok := s.State[state]; ok {
		return st
	}
	return s.Muted
}
