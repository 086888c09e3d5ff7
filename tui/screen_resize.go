package tui

import tea "charm.land/bubbletea/v2"

// Resizer is a Screen that wants to know its size as soon as the terminal is
// resized (e.g. to re-render markdown at the new width). The command it
// returns is run by the root.
type Resizer interface {
	Resize(m *Model, w, h int) tea.Cmd
}

// resizeScreens tells every Resizer screen its new body size. The commands
// are queued and returned by the next Update through pendingCmds.
func (m *Model) resizeScreens(w, h int) {
	for _, name := range m.screenOrder {
		if r, ok := m.screens[name].(Resizer); ok {
			if cmd := r.Resize(m, w, h); cmd != nil {
				m.pending = append(m.pending, cmd)
			}
		}
	}
}

// takePending returns the commands queued outside Update's return path.
func (m *Model) takePending() tea.Cmd {
	if len(m.pending) == 0 {
		return nil
	}
	cmds := m.pending
	m.pending = nil
	return tea.Batch(cmds...)
}
