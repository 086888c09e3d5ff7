package handoff

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"oncall/internal/alerts"
	"oncall/internal/journal"
	"oncall/tui/kit"
	"oncall/tui/tuitest"
	"oncall/tui/tuitest/fixture"
)

// TestNotesShowInTheDetail: the journal's notes about an alert show in its
// detail once the session refreshes (here its first refresh, at start), and
// a note about another alert does not.
func TestNotesShowInTheDetail(t *testing.T) {
	as, sils, prom, rules := fixture.Data()
	apiDown := *as[0].Fingerprint
	jp := filepath.Join(t.TempDir(), "journal.jsonl")
	var entries []journal.Entry
	for _, n := range []journal.NoteInput{
		{Text: "backend-1 OOM-killed, restarted", Alert: "APIDown", Fingerprint: apiDown},
		{Text: "paged the DBA", Alert: "APIDown", Fingerprint: apiDown, FollowUp: true},
		{Text: "about another alert", Alert: "HighErrorRate", Fingerprint: *as[1].Fingerprint},
	} {
		n.User, n.Context, n.Time = "bob@bastion", "prod", fixture.Now().Add(-time.Hour)
		e, err := journal.NoteEntry(n)
		if err != nil {
			t.Fatal(err)
		}
		entries = append(entries, e)
	}
	writeJournal(t, jp, entries)
	d := start(t, tuitest.Setup{Dark: true, Fetch: true}, Options{JournalPath: jp})
	d.M.SetData(as, sils, prom, rules)
	if d.M.Selected().Fingerprint != apiDown {
		t.Fatalf("selected %s, want APIDown", d.M.Selected().Name())
	}
	d.UntilScreen("Notes (2)")
	out := d.Screen()
	for _, want := range []string{"bob@bastion: backend-1 OOM-killed, restarted", "bob@bastion: follow-up: paged the DBA"} {
		if !strings.Contains(out, want) {
			t.Errorf("detail lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "about another alert") {
		t.Errorf("another alert's note shows in APIDown's detail:\n%s", out)
	}
}

// TestNoteKeepsTheCurrentView: n pressed on the silences (or on a screen)
// opens the note dialog over it, and the operator stays there.
func TestNoteKeepsTheCurrentView(t *testing.T) {
	d := start(t, tuitest.Setup{Dark: true, Entries: []kit.Entry{otherEntry()}}, Options{})
	d.Press("S", "n")
	if !strings.Contains(d.Screen(), "New note · about") || d.M.Shown() != "" || !strings.Contains(d.Screen(), "known: marketing campaign paused") {
		t.Fatalf("n on the silences: shown %q\n%s", d.M.Shown(), d.Screen())
	}
	d.Press("esc")
	if strings.Contains(d.Screen(), "New note") || !strings.Contains(d.Screen(), "known: marketing campaign paused") {
		t.Fatalf("esc did not close the dialog over the silences:\n%s", d.Screen())
	}
	d.Press("O")
	if d.M.Shown() != "other" {
		t.Fatalf("O did not open the other screen: shown %q", d.M.Shown())
	}
	d.Press("n")
	if !strings.Contains(d.Screen(), "New note") || d.M.Shown() != "other" {
		t.Fatalf("after n: shown %q, want the other screen still:\n%s", d.M.Shown(), d.Screen())
	}
	d.Press("esc")
	if strings.Contains(d.Screen(), "New note") || d.M.Shown() != "other" {
		t.Fatalf("esc: shown %q\n%s", d.M.Shown(), d.Screen())
	}
}

// otherEntry is a screen that handles no keys of its own, opened with O:
// what the note dialog goes over when n is pressed on some other screen.
func otherEntry() kit.Entry {
	return kit.Entry{Spec: kit.Spec{Name: "other", Title: "Other", Open: kit.Binding{Action: "other", Keys: []string{"O"}, Help: "other"}},
		New: func(kit.Host, *kit.Keymap) kit.Screen { return otherScreen{} }}
}

type otherScreen struct{}

func (otherScreen) Open(kit.Host, *alerts.Alert) tea.Cmd                { return nil }
func (otherScreen) HandleKey(kit.Host, tea.KeyPressMsg) (bool, tea.Cmd) { return false, nil }
func (otherScreen) Update(kit.Host, tea.Msg) tea.Cmd                    { return nil }
func (otherScreen) View(w, h int, _ *kit.Styles, _ time.Time) string {
	return kit.Box([]string{"the other screen"}, w, h)
}
func (otherScreen) Capturing() bool { return false }
