package journal

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Note actions. A note is an entry with action "note" and an ID; later
// entries refer to it by Ref: "note-edit" replaces its text, "note-strike"
// strikes it out (done, or no longer true) and "note-unstrike" reverts that.
const (
	ActionNoteEdit     = "note-edit"
	ActionNoteStrike   = "note-strike"
	ActionNoteUnstrike = "note-unstrike"
)

// ShiftTarget is the Target of a note about the shift rather than an alert.
const ShiftTarget = "shift"

// extraFollowUp marks a note as a follow-up (Extra["followup"] = "true").
const extraFollowUp = "followup"

// Note is a note with its edits and strikes folded in.
type Note struct {
	ID      string `json:"id"`
	User    string `json:"user"`
	Context string `json:"context,omitempty"`
	Text    string `json:"text"`
	// Alert and Fingerprint name the alert the note is about; both are
	// empty for a note about the shift.
	Alert       string `json:"alert,omitempty"`
	Fingerprint string `json:"fingerprint,omitempty"`
	// FollowUp marks something the next shift must do; struck out when done.
	FollowUp bool      `json:"followUp"`
	Created  time.Time `json:"created"`
	// Edited is the time of the last edit (nil: never edited).
	Edited   *time.Time `json:"edited,omitempty"`
	EditedBy string     `json:"editedBy,omitempty"`
	Struck   bool       `json:"struck"`
	StruckBy string     `json:"struckBy,omitempty"`
	StruckAt *time.Time `json:"struckAt,omitempty"`
}

// Open reports whether the note is a follow-up not yet struck out.
func (n Note) Open() bool { return n.FollowUp && !n.Struck }

// Updated is the time of the note's last change.
func (n Note) Updated() time.Time {
	t := n.Created
	if n.Edited != nil && n.Edited.After(t) {
		t = *n.Edited
	}
	if n.StruckAt != nil && n.StruckAt.After(t) {
		t = *n.StruckAt
	}
	return t
}

// NewID returns a random 16-hex-digit identifier for a note.
func NewID() string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		// crypto/rand does not fail on supported platforms; fall back
		// to the clock rather than an empty ID.
		return fmt.Sprintf("%016x", time.Now().UnixNano())
	}
	return hex.EncodeToString(b[:])
}

// NoteInput is what a new note holds.
type NoteInput struct {
	User, Context string
	Text          string
	// Alert and Fingerprint attach the note to an alert; empty for the shift.
	Alert, Fingerprint string
	FollowUp           bool
	Time               time.Time
}

// NoteEntry builds the journal entry of a new note with a fresh ID.
func NoteEntry(in NoteInput) (Entry, error) {
	text := strings.TrimSpace(in.Text)
	if text == "" {
		return Entry{}, fmt.Errorf("a note needs some text")
	}
	e := Entry{Time: in.Time, User: in.User, Context: in.Context, Action: ActionNote, Target: ShiftTarget,
		Result: ResultOK, Comment: text, Alert: in.Alert, ID: NewID()}
	if in.Fingerprint != "" {
		e.Target = in.Fingerprint
	}
	if in.FollowUp {
		e.Extra = map[string]string{extraFollowUp: "true"}
	}
	return e, nil
}

// NoteEditEntry builds the entry that replaces note id's text (and sets
// whether it is a follow-up).
func NoteEditEntry(user, context, id, text string, followUp bool, at time.Time) (Entry, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return Entry{}, fmt.Errorf("a note needs some text (strike it out instead)")
	}
	if id == "" {
		return Entry{}, fmt.Errorf("no note to edit")
	}
	return Entry{Time: at, User: user, Context: context, Action: ActionNoteEdit, Target: id, Ref: id, Result: ResultOK,
		Comment: text, Extra: map[string]string{extraFollowUp: fmt.Sprint(followUp)}}, nil
}

// NoteStrikeEntry builds the entry that strikes note id out (strike) or
// reverts that (!strike).
func NoteStrikeEntry(user, context, id string, strike bool, at time.Time) Entry {
	action := ActionNoteStrike
	if !strike {
		action = ActionNoteUnstrike
	}
	return Entry{Time: at, User: user, Context: context, Action: action, Target: id, Ref: id, Result: ResultOK}
}

// FoldNotes applies edits and strikes, in journal order, to the notes they
// refer to and returns the notes ordered by creation time. Edits of unknown
// notes (e.g. older than the entries read) are ignored; failed entries too.
func FoldNotes(entries []Entry) []Note {
	byID := map[string]*Note{}
	var order []*Note
	for _, e := range entries {
		if e.Result == ResultError {
			continue
		}
		switch e.Action {
		case ActionNote:
			id := e.ID
			if id == "" { // written before notes had IDs
				id = fmt.Sprintf("t%d", e.Time.UnixNano())
			}
			if byID[id] != nil {
				continue
			}
			n := &Note{ID: id, User: e.User, Context: e.Context, Text: e.Comment, Alert: e.Alert,
				FollowUp: e.Extra[extraFollowUp] == "true", Created: e.Time}
			if e.Target != ShiftTarget {
				n.Fingerprint = e.Target
			}
			byID[id] = n
			order = append(order, n)
		case ActionNoteEdit:
			if n := byID[e.Ref]; n != nil {
				t := e.Time
				n.Text, n.Edited, n.EditedBy = e.Comment, &t, e.User
				if v, ok := e.Extra[extraFollowUp]; ok {
					n.FollowUp = v == "true"
				}
			}
		case ActionNoteStrike:
			if n := byID[e.Ref]; n != nil {
				t := e.Time
				n.Struck, n.StruckBy, n.StruckAt = true, e.User, &t
			}
		case ActionNoteUnstrike:
			if n := byID[e.Ref]; n != nil {
				n.Struck, n.StruckBy, n.StruckAt = false, "", nil
			}
		}
	}
	out := make([]Note, len(order))
	for i, n := range order {
		out[i] = *n
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Created.Before(out[b].Created) })
	return out
}
