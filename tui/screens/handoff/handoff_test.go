package handoff

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"oncall/internal/config"
	"oncall/internal/handoff"
	"oncall/internal/journal"
	"oncall/tui"
	"oncall/tui/kit"
	"oncall/tui/tuitest"
	"oncall/tui/tuitest/fixture"
)

// start builds a session with the handoff and note screens, the night
// shift of São Paulo, and a journal in a temporary file unless o names one.
func start(t *testing.T, s tuitest.Setup, o Options) *tuitest.Driver {
	t.Helper()
	if s.Config == nil {
		s.Config = tuitest.Config()
	}
	s.Config.Shift = config.Shift{Starts: []string{"08:00", "20:00"}, Timezone: "America/Sao_Paulo"}
	if o.JournalPath == "" {
		o.JournalPath = filepath.Join(t.TempDir(), "journal.jsonl")
	}
	s.Entries = append(s.Entries, Entry(o), NotesEntry(o))
	return tuitest.New(t, s)
}

// fixtureEntries are the fixture's journal: three notes (one a follow-up)
// and bob striking the third out.
func fixtureEntries(t *testing.T) []journal.Entry {
	t.Helper()
	now := fixture.Now()
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
		e, err := journal.NoteEntry(journal.NoteInput{User: "alice@bastion", Context: "prod", Text: n.text, Alert: n.alert, FollowUp: n.followUp, Time: now.Add(-n.ago)})
		if err != nil {
			t.Fatal(err)
		}
		e.ID = fmt.Sprintf("note-%d", i)
		entries = append(entries, e)
	}
	return append(entries, journal.NoteStrikeEntry("bob@bastion", "prod", "note-2", true, now.Add(-40*time.Minute)))
}

// writeJournal appends entries to the journal at path.
func writeJournal(t *testing.T, path string, entries []journal.Entry) {
	t.Helper()
	j := &journal.Journal{Path: path}
	for _, e := range entries {
		if err := j.AppendContext(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
}

// handoffFixture is a summary built from the UI fixture, as of fixture.Now
// (00:30 in São Paulo: the night shift started at 20:00).
func handoffFixture(t *testing.T) *handoff.Summary {
	t.Helper()
	now := fixture.Now()
	as, sils, _, _ := fixture.Data()
	loc, err := time.LoadLocation("America/Sao_Paulo")
	if err != nil {
		t.Fatal(err)
	}
	w, err := handoff.ResolveWindow("", config.Shift{Starts: []string{"08:00", "20:00"}}, now, loc, nil)
	if err != nil {
		t.Fatal(err)
	}
	at := func(d time.Duration) time.Time { return now.Add(-d).In(loc) }
	end := func(d time.Duration) *time.Time { t := at(d); return &t }
	hist := []handoff.AlertHistory{
		{Alertname: "HighErrorRate", Severity: "critical", Labels: map[string]string{"alertname": "HighErrorRate", "service": "conectcrm-backend"}, Count: 2,
			Episodes: []handoff.Episode{{Start: at(3 * time.Hour), End: end(150 * time.Minute), DurationSeconds: 1800}, {Start: at(10 * time.Minute), Ongoing: true, DurationSeconds: 600}}},
		{Alertname: "DiskSpaceLow", Severity: "warning", Labels: map[string]string{"alertname": "DiskSpaceLow", "instance": "node-3:9100"}, Count: 1,
			Episodes: []handoff.Episode{{Start: at(4 * time.Hour), End: end(200 * time.Minute), DurationSeconds: 2400}}},
	}
	pct := func(f float64) *float64 { return &f }
	d := handoff.Data{Alerts: as, HaveAlerts: true, Silences: sils, History: hist, Journal: fixtureEntries(t),
		Budgets: []handoff.Budget{{Name: "api-availability", Objective: 99.9, Window: "30d", RemainingStart: pct(0.8), RemainingEnd: pct(0.61), Consumed: pct(0.19)}}}
	return handoff.Build(d, w, "prod", "alice@bastion")
}

// showHandoff opens the screen with H, lets its own collection finish, then
// feeds it the fixture as the latest reply and waits for the rendering.
func showHandoff(t *testing.T, d *tuitest.Driver, sum *handoff.Summary) *screen {
	t.Helper()
	d.Press("H")
	s := tuitest.ScreenAs[*screen](t, d, Name)
	if d.M.Shown() != Name || s.seq == 0 {
		t.Fatalf("H did not open the handoff screen (shown %q, loads %d)", d.M.Shown(), s.seq)
	}
	d.Until("the handoff is collected", func() bool { return !s.loading })
	d.Send(dataMsg{seq: s.seq, sum: sum, md: handoff.Markdown(sum), preview: handoff.PreviewMarkdown(sum)})
	d.Until("the preview renders the fixture", func() bool {
		return strings.Contains(kit.Strip(strings.Join(s.rendered, "\n")), "api\u2011availability")
	})
	if w, _ := d.M.BodySize(); len(s.rendered) < 20 || s.rwidth != w {
		t.Fatalf("preview not rendered for width %d: %d lines at %d", w, len(s.rendered), s.rwidth)
	}
	return s
}

// typeInto types into a dialog's text input. The input's cursor blinks
// (a timer always runs), so the driver would wait its full quiet period
// after every rune; typing does no I/O, so a short one is enough.
func typeInto(d *tuitest.Driver, text string, backspaces int) {
	quiet := d.Quiet
	d.Quiet = 10 * time.Millisecond
	defer func() { d.Quiet = quiet }()
	for range backspaces {
		d.Press("backspace")
	}
	d.Type(text)
}

// statusLine is the plain status bar (the frame's last line).
func statusLine(d *tuitest.Driver) string {
	lines := strings.Split(d.Screen(), "\n")
	return lines[len(lines)-1]
}

func TestHandoffGoldenViews(t *testing.T) {
	sum := handoffFixture(t)
	for _, v := range []struct {
		name string
		keys []string
	}{
		{"handoff", nil},
		{"handoff-notes", []string{"tab", "j"}},
		{"handoff-note-dialog", []string{"n"}},
	} {
		tuitest.Views(t, v.name, func(t *testing.T, w, h int, dark bool) *tuitest.Driver {
			d := start(t, tuitest.Setup{Width: w, Height: h, Dark: dark}, Options{})
			showHandoff(t, d, sum)
			return d.Press(v.keys...)
		})
	}
}

func TestHandoffScreenShowsTheSummary(t *testing.T) {
	d := start(t, tuitest.Setup{Dark: true}, Options{})
	s := showHandoff(t, d, handoffFixture(t))
	out := d.Screen()
	for _, want := range []string{
		"Handoff · Wed Nov 25 20:00 → Thu Nov 26 00:30 (4h30m) · America/Sao_Paulo",
		"Notes (3)", "☐ Nov 25 23:30 alice@bastion · shift: ask the DBA about pgbouncer limits",
		"Shift handoff · prod", "Firing now",
		"c copy · w write file · p post (no webhook) · n note · tab notes · ↑/↓ scroll · r reload · esc back",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("screen lacks %q:\n%s", want, out)
		}
	}
	// Scrolling moves the preview, not past its end.
	d.Press("G")
	if s.offset == 0 || s.offset > len(s.rendered)-s.height {
		t.Fatalf("offset after G = %d of %d lines (height %d)", s.offset, len(s.rendered), s.height)
	}
	// A resize renders the preview again at the new width.
	d.Send(tea.WindowSizeMsg{Width: 100, Height: 30})
	d.Until("the preview is rendered at 100 columns", func() bool {
		for _, l := range s.rendered {
			if kit.Width(l) > 100 {
				return false
			}
		}
		return s.rwidth == 100
	})
	// r collects again; while that is in flight (its command not run), a
	// reply to the older load is dropped and the screen says it reloads.
	d.M.Update(tuitest.Key("r"))
	if !s.loading {
		t.Fatal("r did not start a collection")
	}
	d.Send(dataMsg{seq: s.seq - 1, err: fmt.Errorf("stale")})
	if s.err != "" || !s.loading || !strings.Contains(d.Screen(), "reloading…") {
		t.Fatalf("stale reply applied: err %q loading %v", s.err, s.loading)
	}
	d.Send(dataMsg{seq: s.seq, err: fmt.Errorf("shift.timezone: unknown time zone \"X\"")})
	if !strings.Contains(d.Screen(), `handoff: shift.timezone: unknown time zone "X"`) {
		t.Fatalf("error not shown:\n%s", d.Screen())
	}
}

func TestNotesFromAlertsAndHandoffAreJournaled(t *testing.T) {
	jp := filepath.Join(t.TempDir(), "journal.jsonl")
	d := start(t, tuitest.Setup{Dark: true}, Options{JournalPath: jp})
	sel := d.M.Selected()
	// n on the alert list: a note about the selected alert, over the list.
	d.Press("n")
	if d.M.Shown() != "" || !strings.Contains(d.Screen(), "New note · about "+sel.Name()) {
		t.Fatalf("after n: shown %q, want the note dialog over the alert list:\n%s", d.M.Shown(), d.Screen())
	}
	d.Press("enter")
	if !strings.Contains(d.Screen(), "write something first") {
		t.Fatalf("an empty note was accepted:\n%s", d.Screen())
	}
	typeInto(d, "restarted backend-1", 0)
	d.Press("tab") // follow-up
	d.Press("enter")
	if strings.Contains(d.Screen(), "New note") {
		t.Fatal("dialog still open after enter")
	}
	d.UntilScreen("note saved on " + sel.Name())
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
	d.UntilScreen("follow-up: restarted backend-1")
	if out := d.Screen(); !strings.Contains(out, "Notes (1)") {
		t.Fatalf("detail lacks the note:\n%s", out)
	}

	// n on the handoff screen: a note about the shift, and the handoff is
	// collected again (from the journal: both notes).
	s := showHandoff(t, d, handoffFixture(t))
	d.Press("n")
	if !strings.Contains(d.Screen(), "New note · about the shift") {
		t.Fatalf("n on the handoff:\n%s", d.Screen())
	}
	typeInto(d, "handing over to bob", 0)
	seq := s.seq
	d.Press("enter")
	d.Until("the handoff is collected again", func() bool { return s.seq > seq && !s.loading })
	if s.sum == nil || len(s.sum.Notes) != 2 {
		t.Fatalf("reloaded handoff notes = %+v", s.sum)
	}
	res, _ = j.Read(time.Time{})
	notes = journal.FoldNotes(res.Entries)
	if len(notes) != 2 || notes[1].Fingerprint != "" || notes[1].Alert != "" || notes[1].Text != "handing over to bob" {
		t.Fatalf("shift note = %+v", notes)
	}
}

func TestEditAndStrikeNotesOnTheHandoffScreen(t *testing.T) {
	jp := filepath.Join(t.TempDir(), "journal.jsonl")
	writeJournal(t, jp, fixtureEntries(t))
	d := start(t, tuitest.Setup{Dark: true}, Options{JournalPath: jp})
	s := showHandoff(t, d, handoffFixture(t))
	d.Press("x")
	if !strings.Contains(statusLine(d), "tab to the notes") {
		t.Fatalf("strike without a selection: %q", statusLine(d))
	}
	d.Press("tab", "j") // the follow-up
	if n := s.selectedNote(); n == nil || n.ID != "note-1" {
		t.Fatalf("selected %+v", n)
	}
	seq := s.seq
	d.Press("x")
	d.Until("the handoff is collected again", func() bool { return s.seq > seq && !s.loading })
	if n := s.selectedNote(); n == nil || n.ID != "note-1" || !n.Struck {
		t.Fatalf("after x the selection is %+v, want note-1 struck out", n)
	}
	d.Press("e")
	if out := d.Screen(); !strings.Contains(out, "Edit note · about the shift") || !strings.Contains(out, "note: ask the DBA about pgbouncer limits") ||
		!strings.Contains(out, "[x] follow-up") {
		t.Fatalf("edit dialog:\n%s", out)
	}
	typeInto(d, " (asked)", 0)
	d.Press("enter")
	d.UntilScreen("note edited")
	res, err := (&journal.Journal{Path: jp}).Read(time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	mine := res.Entries[len(fixtureEntries(t)):]
	if len(mine) != 2 {
		t.Fatalf("entries = %+v", mine)
	}
	strike, edit := mine[0], mine[1]
	if strike.Action != journal.ActionNoteStrike || strike.Ref != "note-1" || strike.User != "alice@bastion" {
		t.Errorf("strike = %+v", strike)
	}
	if edit.Action != journal.ActionNoteEdit || edit.Ref != "note-1" || edit.Comment != "ask the DBA about pgbouncer limits (asked)" {
		t.Errorf("edit = %+v", edit)
	}
	// Striking a struck note restores it.
	d.Until("the edit is collected", func() bool {
		n := s.selectedNote()
		return !s.loading && n != nil && strings.HasSuffix(n.Text, "(asked)")
	})
	d.Press("x")
	d.UntilScreen("note restored")
	res, _ = (&journal.Journal{Path: jp}).Read(time.Time{})
	if last := res.Entries[len(res.Entries)-1]; last.Action != journal.ActionNoteUnstrike || last.Ref != "note-1" {
		t.Errorf("second x = %+v", last)
	}
}

func TestHandoffExports(t *testing.T) {
	jp := filepath.Join(t.TempDir(), "journal.jsonl")
	d := start(t, tuitest.Setup{Dark: true}, Options{JournalPath: jp})
	s := showHandoff(t, d, handoffFixture(t))
	// c: OSC 52 clipboard with the Markdown, and a journal entry.
	_, cmd := d.M.Update(tuitest.Key("c"))
	var clip string
	for _, msg := range tuitest.Messages(cmd) {
		if fmt.Sprintf("%T", msg) == "tea.setClipboardMsg" {
			clip = fmt.Sprint(msg)
		} else if msg != nil {
			d.Send(msg)
		}
	}
	if clip != s.md || !strings.HasPrefix(clip, "# Shift handoff · prod") {
		t.Fatalf("clipboard got %q", clip)
	}
	d.UntilScreen("handoff copied to the clipboard")
	// w: a prompt, then the file, journaled with its path.
	out := filepath.Join(t.TempDir(), "handoff.json")
	d.Press("w")
	if !strings.Contains(d.Screen(), "Write the handoff to a file") || !strings.Contains(d.Screen(), "handoff-prod-20261126-0030.md") {
		t.Fatalf("w:\n%s", d.Screen())
	}
	typeInto(d, out, 40)
	d.Press("enter")
	d.UntilScreen("handoff written to")
	res, _ := (&journal.Journal{Path: jp}).Read(time.Time{})
	if len(res.Entries) != 2 || res.Entries[0].Target != handoff.TargetClipboard || res.Entries[1].Target != handoff.TargetFile ||
		res.Entries[1].Extra["file"] != out || res.Entries[1].Extra["format"] != "json" || res.Entries[0].Action != journal.ActionHandoff {
		t.Fatalf("journal = %+v", res.Entries)
	}
	// p without a webhook is refused and says how to configure one.
	d.Press("p")
	if strings.Contains(d.Screen(), "Post the handoff?") || !strings.Contains(statusLine(d), "ONCALL_HANDOFF_WEBHOOK") {
		t.Fatalf("p without webhook:\n%s", d.Screen())
	}
}

func TestHandoffReadOnlyRefusesWrites(t *testing.T) {
	d := start(t, tuitest.Setup{Dark: true, Options: tui.Options{ReadOnly: true, Role: "viewer"}}, Options{Webhook: "http://127.0.0.1:1/hook"})
	d.Press("n")
	if strings.Contains(d.Screen(), "New note") || !strings.Contains(statusLine(d), "read-only") {
		t.Fatalf("viewer note from the alert list:\n%s", d.Screen())
	}
	showHandoff(t, d, handoffFixture(t))
	for _, k := range []struct{ key, dialog string }{{"n", "New note"}, {"w", "Write the handoff"}, {"p", "Post the handoff?"}} {
		d.Send(kit.StatusMsg{}) // clear the last refusal
		d.Press(k.key)
		if strings.Contains(d.Screen(), k.dialog) || !strings.Contains(statusLine(d), "read-only") {
			t.Fatalf("viewer %s:\n%s", k.key, d.Screen())
		}
	}
	d.Send(kit.StatusMsg{})
	d.Press("tab", "x")
	if !strings.Contains(statusLine(d), "read-only") {
		t.Fatalf("viewer strike: %q", statusLine(d))
	}
}
