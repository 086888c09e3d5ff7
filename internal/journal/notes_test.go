package journal

import (
	"path/filepath"
	"testing"
	"time"
)

func TestNotesFoldEditsAndStrikes(t *testing.T) {
	j, err := Open(filepath.Join(t.TempDir(), "journal.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)
	a, err := NoteEntry(NoteInput{User: "alice", Context: "prod", Text: "  restarted backend-1  ", Alert: "APIDown", Fingerprint: "fp1", Time: t0})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NoteEntry(NoteInput{User: "alice", Context: "prod", Text: "rotate the pg password", FollowUp: true, Time: t0.Add(time.Minute)})
	c, _ := NoteEntry(NoteInput{User: "bob", Context: "prod", Text: "typo'd note", Time: t0.Add(2 * time.Minute)})
	if a.ID == "" || a.ID == b.ID || len(a.ID) != 16 {
		t.Fatalf("IDs %q %q", a.ID, b.ID)
	}
	edit, err := NoteEditEntry("bob", "prod", a.ID, "restarted backend-1 and backend-2", false, t0.Add(3*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	failed := NoteStrikeEntry("bob", "prod", b.ID, true, t0.Add(4*time.Minute))
	failed.Result = ResultError
	for _, e := range []Entry{a, b, c, edit, NoteStrikeEntry("bob", "prod", c.ID, true, t0.Add(5*time.Minute)), failed,
		NoteStrikeEntry("bob", "prod", "unknown", true, t0.Add(6*time.Minute))} {
		appendOK(t, j, e)
	}
	res, err := j.Read(time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	notes := FoldNotes(res.Entries)
	if len(notes) != 3 {
		t.Fatalf("notes = %+v", notes)
	}
	n0, n1, n2 := notes[0], notes[1], notes[2]
	if n0.Text != "restarted backend-1 and backend-2" || n0.EditedBy != "bob" || n0.Edited == nil || !n0.Edited.Equal(t0.Add(3*time.Minute)) ||
		n0.Alert != "APIDown" || n0.Fingerprint != "fp1" || n0.User != "alice" || n0.FollowUp || n0.Struck {
		t.Errorf("edited note = %+v", n0)
	}
	if n1.Fingerprint != "" || !n1.FollowUp || n1.Struck || !n1.Open() {
		t.Errorf("follow-up (failed strike ignored) = %+v", n1)
	}
	if !n2.Struck || n2.StruckBy != "bob" || n2.Open() || !n2.Updated().Equal(t0.Add(5*time.Minute)) {
		t.Errorf("struck note = %+v", n2)
	}
	// Unstrike reverts.
	appendOK(t, j, NoteStrikeEntry("carol", "prod", c.ID, false, t0.Add(7*time.Minute)))
	res, _ = j.Read(time.Time{})
	if n := FoldNotes(res.Entries)[2]; n.Struck || n.StruckAt != nil {
		t.Errorf("unstruck note = %+v", n)
	}
}

func TestNoteValidation(t *testing.T) {
	if _, err := NoteEntry(NoteInput{User: "a", Text: "   "}); err == nil {
		t.Error("empty note accepted")
	}
	if _, err := NoteEditEntry("a", "", "id", " ", false, time.Now()); err == nil {
		t.Error("empty edit accepted")
	}
	if _, err := NoteEditEntry("a", "", "", "x", false, time.Now()); err == nil {
		t.Error("edit without ID accepted")
	}
	e, _ := NoteEntry(NoteInput{User: "a", Text: "x"})
	if e.Target != ShiftTarget || e.Action != ActionNote || e.Result != ResultOK {
		t.Errorf("shift note entry = %+v", e)
	}
}
