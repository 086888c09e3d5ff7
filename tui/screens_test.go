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
// kit.Refresher.
func TestTickRefreshesScreens(t *testing.T) {
	s := &refreshCounter{}
	entry := kit.Entry{Spec: kit.Spec{Name: "counter", Title: "Counter"}, New: func(kit.Host, *kit.Keymap) kit.Screen { return s }}
	zero := time.Duration(0)
	m, err := New(Deps{Now: func() time.Time { return fixedNow }, Entries: []kit.Entry{entry}}, Options{NoFetch: true, Grace: &zero})
	if err != nil {
		t.Fatal(err)
	}
	m.Update(tickMsg{gen: m.tickGen})
	if s.n != 1 {
		t.Fatalf("after one tick: the screen refreshed %d times, want 1", s.n)
	}
}
