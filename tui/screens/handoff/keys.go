package handoff

import (
	"strings"

	"oncall/tui/kit"
)

// The screens' names (as Routed messages and [keys.<name>] tables know
// them).
const (
	Name     = "handoff"
	NoteName = "note"
)

// The handoff screen's own actions ([keys.handoff] remaps them).
const (
	actCopy   = "copy"
	actWrite  = "write"
	actPost   = "post"
	actEdit   = "edit"
	actStrike = "strike"
)

// actNote is the global action that opens the note dialog (NotesSpec); the
// handoff screen reuses it for a note about the shift, so [keys] note
// remaps both.
const actNote = "note"

// Spec describes the handoff screen: H opens it; its keys are listed in the
// order of its help, and those with a Short label make its footer.
func Spec() kit.Spec {
	return kit.Spec{
		Name:  Name,
		Title: "Handoff",
		Open:  kit.Binding{Action: "handoff", Keys: []string{"H"}, Help: "handoff"},
		Keys: []kit.Binding{
			{Action: actCopy, Keys: []string{"c"}, Help: "copy (OSC 52 clipboard)", Short: "copy"},
			{Action: actWrite, Keys: []string{"w"}, Help: "write to a file", Short: "write file"},
			{Action: actPost, Keys: []string{"p"}, Help: "post to the webhook", Short: "post"},
			{Action: actNote, Help: "new note about the shift", Short: "note"},
			{Action: kit.Tab, Help: "notes ↔ preview", Short: "notes"},
			{Action: actEdit, Keys: []string{"e"}, Help: "edit the selected note"},
			{Action: actStrike, Keys: []string{"x"}, Help: "strike out / restore"},
			{Action: kit.Up, Help: "up · previous note", Short: "scroll"},
			{Action: kit.Down, Help: "down · next note"},
			{Action: kit.PageUp, Help: "page up"},
			{Action: kit.PageDown, Help: "page down"},
			{Action: kit.Top, Help: "top · first note"},
			{Action: kit.Bottom, Help: "bottom · last note"},
			{Action: kit.Refresh, Help: "collect again", Short: "reload"},
			{Action: kit.Back, Help: "back to the alerts", Short: "back"},
		},
	}
}

// NotesSpec describes the note screen: n opens the note dialog over what is
// shown; it has no keys of its own (the dialog's are the dialog's).
func NotesSpec() kit.Spec {
	return kit.Spec{
		Name:  NoteName,
		Title: "Note",
		Open:  kit.Binding{Action: actNote, Keys: []string{"n"}, Help: "note"},
	}
}

// Entry registers the handoff screen.
func Entry(o Options) kit.Entry {
	return kit.Entry{Spec: Spec(), New: func(_ kit.Host, keys *kit.Keymap) kit.Screen {
		return &screen{opts: o, keys: keys}
	}}
}

// NotesEntry registers the note screen: the n key's dialog, the journal
// writes of notes, and an alert's notes in the detail pane.
func NotesEntry(o Options) kit.Entry {
	return kit.Entry{Spec: NotesSpec(), New: func(kit.Host, *kit.Keymap) kit.Screen {
		return &noteScreen{opts: o}
	}}
}

// firstKey is the first of an action's keys as the help shows them ("↑"
// of "↑/k"), for hints that name two actions at once ("↑/↓ scroll").
func firstKey(k *kit.Keymap, action string) string {
	d := k.Key(action)
	if i := strings.Index(d, "/"); i > 0 {
		return d[:i]
	}
	return d
}
