package tui

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"oncall/internal/config"
	"oncall/internal/handoff"
	"oncall/internal/journal"
	"oncall/tui/dialog"
	"oncall/tui/screens/budget"
)

// handoffModel is a test model with the handoff and note screens, whose
// journal is a temporary file.
func handoffModel(t *testing.T, w, h int, dark bool, o Options, ho HandoffOptions) *Model {
	t.Helper()
	cfg := config.Defaults()
	cfg.CurrentContext = "prod"
	cfg.Identity.User = "alice@bastion"
	cfg.Shift = config.Shift{Starts: []string{"08:00", "20:00"}, Timezone: "America/Sao_Paulo"}
	if ho.JournalPath == "" {
		ho.JournalPath = filepath.Join(t.TempDir(), "journal.jsonl")
	}
	o.Dark = &dark
	o.NoFetch = true
	zero := time.Duration(0)
	o.Grace = &zero
	m, err := New(Deps{Config: cfg, Now: func() time.Time { return fixedNow },
		Screens: []ScreenSpec{HandoffScreenSpec(ho), NoteScreenSpec(ho)}}, o)
	if err != nil {
		t.Fatal(err)
	}
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	m.SetData(uiFixture())
	return m
}

// run executes cmd and feeds its messages back into the model, the way the
// program would, up to depth levels deep; it returns every message seen.
// Commands that do not answer within 300ms (timers such as a status
// message's expiry) are left out.
func run(m *Model, cmd tea.Cmd, depth int) []tea.Msg {
	if cmd == nil || depth == 0 {
		return nil
	}
	ch := make(chan tea.Msg, 1)
	go func() { ch <- cmd() }()
	var msg tea.Msg
	select {
	case msg = <-ch:
	case <-time.After(300 * time.Millisecond):
		return nil
	}
	if batch, ok := msg.(tea.BatchMsg); ok {
		var out []tea.Msg
		for _, c := range batch {
			out = append(out, run(m, c, depth)...)
		}
		return out
	}
	if msg == nil {
		return nil
	}
	if _, ok := msg.(statusExpiredMsg); ok {
		return []tea.Msg{msg}
	}
	_, next := m.Update(msg)
	return append([]tea.Msg{msg}, run(m, next, depth-1)...)
}

// handoffFixture is a summary built from the UI fixture, as of fixedNow
// (00:30 in São Paulo: the night shift started at 20:00).
func handoffFixture(t *testing.T) *handoff.Summary {
	t.Helper()
	as, sils, _, _ := uiFixture()
	loc, err := time.LoadLocation("America/Sao_Paulo")
	if err != nil {
		t.Fatal(err)
	}
	w, err := handoff.ResolveWindow("", config.Shift{Starts: []string{"08:00", "20:00"}}, fixedNow, loc, nil)
	if err != nil {
		t.Fatal(err)
	}
	at := func(d time.Duration) time.Time { return fixedNow.Add(-d).In(loc) }
	end := func(d time.Duration) *time.Time { t := at(d); return &t }
	hist := []handoff.AlertHistory{
		{Alertname: "HighErrorRate", Severity: "critical", Labels: map[string]string{"alertname": "HighErrorRate", "service": "conectcrm-backend"}, Count: 2,
			Episodes: []handoff.Episode{{Start: at(3 * time.Hour), End: end(150 * time.Minute), DurationSeconds: 1800}, {Start: at(10 * time.Minute), Ongoing: true, DurationSeconds: 600}}},
		{Alertname: "DiskSpaceLow", Severity: "warning", Labels: map[string]string{"alertname": "DiskSpaceLow", "instance": "node-3:9100"}, Count: 1,
			Episodes: []handoff.Episode{{Start: at(4 * time.Hour), End: end(200 * time.Minute), DurationSeconds: 2400}}},
	}
	pct := func(f float64) *float64 { return &f }
	var entries []journal.Entry
	for i, n := range []struct {
		text, alert string
		followUp    bool
		ago         time.Duration
	}{
		{"rolled back deploy 4512", "HighErrorRate", false, 2 * time.Hour},
		{"ask the DBA about pgbouncer limits", "", true, time.Hour},
		{"false alarm on DiskSpaceLow", "DiskSpaceLow", false, 50 * time.Minute},
	} {
		e, err := journal.NoteEntry(journal.NoteInput{User: "alice@bastion", Context: "prod", Text: n.text, Alert: n.alert, FollowUp: n.followUp, Time: fixedNow.Add(-n.ago)})
		if err != nil {
			t.Fatal(err)
		}
		e.ID = fmt.Sprintf("note-%d", i)
		entries = append(entries, e)
	}
	entries = append(entries, journal.NoteStrikeEntry("bob@bastion", "prod", "note-2", true, fixedNow.Add(-40*time.Minute)))
	d := handoff.Data{Alerts: as, HaveAlerts: true, Silences: sils, History: hist, Journal: entries,
		Budgets: []handoff.Budget{{Name: "api-availability", Objective: 99.9, Window: "30d", RemainingStart: pct(0.8), RemainingEnd: pct(0.61), Consumed: pct(0.19)}}}
	return handoff.Build(d, w, "prod", "alice@bastion")
}

// showHandoff opens the screen and feeds it the fixture and its rendering.
func showHandoff(t *testing.T, m *Model, s *handoff.Summary) *handoffScreen {
	t.Helper()
	press(m, "H")
	h := m.ScreenByName(HandoffScreenName).(*handoffScreen)
	if m.view != viewScreen || m.screen != HandoffScreenName || !h.loading {
		t.Fatalf("H did not open the handoff screen (view %v, screen %q)", m.view, m.screen)
	}
	_, cmd := m.Update(handoffDataMsg{seq: h.seq, sum: s, md: handoff.Markdown(s)})
	run(m, cmd, 2)
	if len(h.rendered) < 20 || h.rwidth != m.width {
		t.Fatalf("preview not rendered for width %d: %d lines at %d", m.width, len(h.rendered), h.rwidth)
	}
	return h
}

func TestHandoffGoldenViews(t *testing.T) {
	s := handoffFixture(t)
	for _, sz := range []struct{ w, h int }{{80, 24}, {160, 48}} {
		for _, dark := range []bool{true, false} {
			bg := map[bool]string{true: "dark", false: "light"}[dark]
			for _, v := range []struct {
				name string
				keys []string
			}{
				{"handoff", nil},
				{"handoff-notes", []string{"tab", "j"}},
				{"handoff-note-dialog", []string{"n"}},
			} {
				name := fmt.Sprintf("%s-%dx%d-%s", v.name, sz.w, sz.h, bg)
				t.Run(name, func(t *testing.T) {
					m := handoffModel(t, sz.w, sz.h, dark, Options{}, HandoffOptions{})
					showHandoff(t, m, s)
					press(m, v.keys...)
					out := m.Render()
					lines := strings.Split(out, "\n")
					if len(lines) != sz.h {
						t.Fatalf("rendered %d lines, want %d", len(lines), sz.h)
					}
					for i, l := range lines {
						if w := width(l); w != sz.w {
							t.Fatalf("line %d is %d cells wide, want %d: %q", i, w, sz.w, plain(l))
						}
					}
					golden(t, name, out)
				})
			}
		}
	}
}

func TestHandoffScreenShowsTheSummary(t *testing.T) {
	m := handoffModel(t, 160, 48, true, Options{}, HandoffOptions{})
	h := showHandoff(t, m, handoffFixture(t))
	out := plain(m.Render())
	for _, want := range []string{
		"Handoff · Wed Nov 25 20:00 → Thu Nov 26 00:30 (4h30m) · America/Sao_Paulo",
		"Notes (3)", "☐ Nov 25 23:30 alice@bastion · shift: ask the DBA about pgbouncer limits",
		"Shift handoff · prod", "Firing now",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("screen lacks %q:\n%s", want, out)
		}
	}
	// Scrolling moves the preview, not past its end.
	press(m, "G")
	if h.offset == 0 || h.offset > len(h.rendered)-h.height {
		t.Fatalf("offset after G = %d of %d lines (height %d)", h.offset, len(h.rendered), h.height)
	}
	// A resize renders the preview again at the new width.
	_, cmd := m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	run(m, cmd, 1)
	if h.rwidth != 100 || width(h.rendered[2]) > 100 {
		t.Fatalf("after resize: rendered for %d, line width %d", h.rwidth, width(h.rendered[2]))
	}
	// A reply to an older load is dropped.
	press(m, "r")
	old := h.seq - 1
	m.Update(handoffDataMsg{seq: old, err: fmt.Errorf("stale")})
	if h.err != "" || !h.loading {
		t.Fatalf("stale reply applied: err %q loading %v", h.err, h.loading)
	}
	m.Update(handoffDataMsg{seq: h.seq, err: fmt.Errorf("shift.timezone: unknown time zone \"X\"")})
	if !strings.Contains(plain(m.Render()), `handoff: shift.timezone: unknown time zone "X"`) {
		t.Fatalf("error not shown:\n%s", plain(m.Render()))
	}
}

func TestNotesFromAlertsAndHandoffAreJournaled(t *testing.T) {
	jp := filepath.Join(t.TempDir(), "journal.jsonl")
	m := handoffModel(t, 160, 48, true, Options{}, HandoffOptions{JournalPath: jp})
	sel := m.Selected()
	// n on the alert list: a note about the selected alert.
	press(m, "n")
	if m.view != viewAlerts {
		t.Fatalf("view after n = %v, want the alert list", m.view)
	}
	d, ok := m.overlays.top().(*dialog.Note)
	if !ok {
		t.Fatalf("top dialog = %T", m.overlays.top())
	}
	press(m, "enter")
	if d.Err() == "" || m.overlays.top() != d {
		t.Fatal("an empty note was accepted")
	}
	typeText(m, "restarted backend-1")
	press(m, "tab") // follow-up
	_, cmd := m.Update(keyMsg("enter"))
	if m.overlays.top() != nil {
		t.Fatal("dialog still open after enter")
	}
	msgs := run(m, cmd, 3)
	if !strings.Contains(m.status.text, "note saved on "+sel.Name()) || m.status.err {
		t.Fatalf("status = %+v (messages %v)", m.status, msgs)
	}
	j := &journal.Journal{Path: jp}
	res, err := j.Read(time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	notes := journal.FoldNotes(res.Entries)
	if len(notes) != 1 || notes[0].Text != "restarted backend-1" || notes[0].Fingerprint != sel.Fingerprint || notes[0].Alert != sel.Name() ||
		!notes[0].FollowUp || notes[0].User != "alice@bastion" || notes[0].Context != "prod" {
		t.Fatalf("notes = %+v", notes)
	}
	// The note now shows in the alert's detail.
	if out := plain(m.Render()); !strings.Contains(out, "Notes (1)") || !strings.Contains(out, "follow-up: restarted backend-1") {
		t.Fatalf("detail lacks the note:\n%s", out)
	}

	// n on the handoff screen: a note about the shift.
	h := showHandoff(t, m, handoffFixture(t))
	press(m, "n")
	typeText(m, "handing over to bob")
	seq := h.seq
	_, cmd = m.Update(keyMsg("enter"))
	run(m, cmd, 4)
	if h.seq == seq {
		t.Fatal("the handoff was not reloaded after the note")
	}
	if h.sum == nil || len(h.sum.Notes) != 2 {
		t.Fatalf("reloaded handoff notes = %+v", h.sum)
	}
	res, _ = j.Read(time.Time{})
	notes = journal.FoldNotes(res.Entries)
	if len(notes) != 2 || notes[1].Fingerprint != "" || notes[1].Alert != "" || notes[1].Text != "handing over to bob" {
		t.Fatalf("shift note = %+v", notes)
	}
}

func TestEditAndStrikeNotesOnTheHandoffScreen(t *testing.T) {
	jp := filepath.Join(t.TempDir(), "journal.jsonl")
	m := handoffModel(t, 160, 48, true, Options{}, HandoffOptions{JournalPath: jp})
	h := showHandoff(t, m, handoffFixture(t))
	press(m, "x")
	if !m.status.err || !strings.Contains(m.status.text, "tab to the notes") {
		t.Fatalf("strike without a selection: %+v", m.status)
	}
	press(m, "tab", "j") // the follow-up
	if n := h.selectedNote(); n == nil || n.ID != "note-1" {
		t.Fatalf("selected %+v", n)
	}
	_, cmd := m.Update(keyMsg("x"))
	run(m, cmd, 2)
	press(m, "e")
	d, ok := m.overlays.top().(*dialog.Note)
	if !ok || d.Value() != "ask the DBA about pgbouncer limits" || !d.FollowUp() {
		t.Fatalf("edit dialog = %T %+v", m.overlays.top(), d)
	}
	typeText(m, " (asked)")
	_, cmd = m.Update(keyMsg("enter"))
	run(m, cmd, 2)
	res, err := (&journal.Journal{Path: jp}).Read(time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Entries) != 2 {
		t.Fatalf("entries = %+v", res.Entries)
	}
	strike, edit := res.Entries[0], res.Entries[1]
	if strike.Action != journal.ActionNoteStrike || strike.Ref != "note-1" || strike.User != "alice@bastion" {
		t.Errorf("strike = %+v", strike)
	}
	if edit.Action != journal.ActionNoteEdit || edit.Ref != "note-1" || edit.Comment != "ask the DBA about pgbouncer limits (asked)" {
		t.Errorf("edit = %+v", edit)
	}
	// Striking a struck note restores it.
	h.notes[h.cursor].Struck = true
	_, cmd = m.Update(keyMsg("x"))
	run(m, cmd, 2)
	res, _ = (&journal.Journal{Path: jp}).Read(time.Time{})
	if last := res.Entries[len(res.Entries)-1]; last.Action != journal.ActionNoteUnstrike {
		t.Errorf("second x = %+v", last)
	}
}

func TestHandoffExports(t *testing.T) {
	jp := filepath.Join(t.TempDir(), "journal.jsonl")
	m := handoffModel(t, 160, 48, true, Options{}, HandoffOptions{JournalPath: jp})
	h := showHandoff(t, m, handoffFixture(t))
	// c: OSC 52 clipboard with the Markdown, and a journal entry.
	_, cmd := m.Update(keyMsg("c"))
	var clip string
	for _, c := range cmd().(tea.BatchMsg) {
		if c == nil {
			continue
		}
		if msg := c(); fmt.Sprintf("%T", msg) == "tea.setClipboardMsg" {
			clip = fmt.Sprint(msg)
		} else if msg != nil {
			m.Update(msg)
		}
	}
	if clip != h.md || !strings.HasPrefix(clip, "# Shift handoff · prod") {
		t.Fatalf("clipboard got %q", clip)
	}
	// w: a prompt, then the file, journaled with its path.
	out := filepath.Join(t.TempDir(), "handoff.json")
	press(m, "w")
	if _, ok := m.overlays.top().(*dialog.Prompt); !ok {
		t.Fatalf("w opened %T", m.overlays.top())
	}
	for range 40 {
		press(m, "backspace")
	}
	typeText(m, out)
	_, cmd = m.Update(keyMsg("enter"))
	run(m, cmd, 2)
	if !strings.Contains(m.status.text, "handoff written to "+out) {
		t.Fatalf("status = %+v", m.status)
	}
	res, _ := (&journal.Journal{Path: jp}).Read(time.Time{})
	if len(res.Entries) != 2 || res.Entries[0].Target != handoff.TargetClipboard || res.Entries[1].Target != handoff.TargetFile ||
		res.Entries[1].Extra["file"] != out || res.Entries[1].Extra["format"] != "json" || res.Entries[0].Action != journal.ActionHandoff {
		t.Fatalf("journal = %+v", res.Entries)
	}
	// p without a webhook is refused and says how to configure one.
	press(m, "p")
	if m.overlays.top() != nil || !strings.Contains(m.status.text, "ONCALL_HANDOFF_WEBHOOK") {
		t.Fatalf("p without webhook: dialog %T, status %+v", m.overlays.top(), m.status)
	}
}

func TestHandoffReadOnlyRefusesWrites(t *testing.T) {
	m := handoffModel(t, 160, 48, true, Options{ReadOnly: true, Role: "viewer"}, HandoffOptions{Webhook: "http://127.0.0.1:1/hook"})
	press(m, "n")
	if m.overlays.top() != nil || !strings.Contains(m.status.text, "read-only") {
		t.Fatalf("viewer note from the alert list: %T %+v", m.overlays.top(), m.status)
	}
	showHandoff(t, m, handoffFixture(t))
	for _, k := range []string{"n", "w", "p"} {
		press(m, k)
		if m.overlays.top() != nil || !strings.Contains(m.status.text, "read-only") {
			t.Fatalf("viewer %s: %T %+v", k, m.overlays.top(), m.status)
		}
	}
	press(m, "tab", "x")
	if !strings.Contains(m.status.text, "read-only") {
		t.Fatalf("viewer strike: %+v", m.status)
	}
}

// TestNoteKeepsTheCurrentScreen: n pressed on another screen opens the
// note dialog over that screen, and the operator stays there.
func TestNoteKeepsTheCurrentScreen(t *testing.T) {
	m := hostileModel(t, 160, 48, true, "plain")
	press(m, "H")
	if m.view != viewScreen || m.screen != HandoffScreenName {
		t.Fatalf("H did not open the handoff screen: view %v screen %q", m.view, m.screen)
	}
	press(m, "esc")
	press(m, "b")
	if m.view != viewScreen || m.screen != budget.Name {
		t.Fatalf("b did not open the budget screen: view %v screen %q", m.view, m.screen)
	}
	press(m, "n")
	if _, ok := m.overlays.top().(*dialog.Note); !ok {
		t.Fatalf("top dialog = %T, want the note dialog", m.overlays.top())
	}
	if m.view != viewScreen || m.screen != budget.Name {
		t.Fatalf("after n: view %v screen %q, want the budget screen still", m.view, m.screen)
	}
	press(m, "esc")
	if m.overlays.top() != nil || m.screen != budget.Name {
		t.Fatalf("esc: dialog %T, screen %q", m.overlays.top(), m.screen)
	}
}
