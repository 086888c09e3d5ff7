package tui

import (
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"oncall/internal/alerts"
	"oncall/tui/kit"
)

// refreshCounter is a screen that counts the root's Refresh calls.
type refreshCounter struct{ n int }

func (s *refreshCounter) Open(kit.Host, *alerts.Alert) tea.Cmd { return nil }
func (s *refreshCounter) HandleKey(kit.Host, tea.KeyPressMsg) (bool, tea.Cmd) {
	return false, nil
}
func (s *refreshCounter) Update(kit.Host, tea.Msg) tea.Cmd                 { return nil }
func (s *refreshCounter) View(w, h int, _ *kit.Styles, _ time.Time) string { return "" }
func (s *refreshCounter) Capturing() bool                                  { return false }
func (s *refreshCounter) Refresh(kit.Host) tea.Cmd                         { s.n++; return nil }

// TestTickRefreshesScreens: the refresh tick reaches every screen that is a
// kit.Refresher (a registered entry and a legacy screen through its adapter).
func TestTickRefreshesScreens(t *testing.T) {
	s := &refreshCounter{}
	legacyRefreshed := 0
	entry := kit.Entry{Spec: kit.Spec{Name: "counter", Title: "Counter"}, New: func(kit.Host, *kit.Keymap) kit.Screen { return s }}
	zero := time.Duration(0)
	m, err := New(Deps{Now: func() time.Time { return fixedNow }, Entries: []kit.Entry{entry},
		Screens: []ScreenSpec{{Name: "old", Factory: func(*Model) Screen { return &legacyCounter{n: &legacyRefreshed} }}}},
		Options{NoFetch: true, Grace: &zero})
	if err != nil {
		t.Fatal(err)
	}
	m.Update(tickMsg{gen: m.tickGen})
	if s.n != 1 || legacyRefreshed != 1 {
		t.Fatalf("after one tick: entry refreshed %d times, legacy screen %d times; want 1 and 1", s.n, legacyRefreshed)
	}
}

// legacyCounter is a legacy screen that counts its Refresh calls.
type legacyCounter struct{ n *int }

func (s *legacyCounter) Title() string                                     { return "Old" }
func (s *legacyCounter) Open(*Model, *alerts.Alert) tea.Cmd                { return nil }
func (s *legacyCounter) HandleKey(*Model, tea.KeyPressMsg) (bool, tea.Cmd) { return false, nil }
func (s *legacyCounter) Update(*Model, tea.Msg) tea.Cmd                    { return nil }
func (s *legacyCounter) View(w, h int, _ *Styles, _ time.Time) string      { return "" }
func (s *legacyCounter) Capturing() bool                                   { return false }
func (s *legacyCounter) Refresh(*Model) tea.Cmd                            { *s.n++; return nil }
