package kit

import (
	"fmt"
	"sort"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// The global actions every screen may use (their keys are remapped in the
// config's flat [keys] table).
const (
	Up       = "up"
	Down     = "down"
	Top      = "top"
	Bottom   = "bottom"
	PageUp   = "page_up"
	PageDown = "page_down"
	Enter    = "enter"
	Back     = "back"
	Tab      = "tab"
	Filter   = "filter"
	Refresh  = "refresh"
	Help     = "help"
	Quit     = "quit"
)

// Binding is one action: its config name, default keys, what it does, the
// help group it is listed under, and a short label for the hint line.
//
// A screen binding without Keys whose Action names a global action reuses
// that action's keys (so [keys] remaps it) with the screen's own meaning:
// {Action: Filter, Help: "search the lines", Short: "search"}.
type Binding struct {
	Action  string   // config name: [keys] action, or [keys.<screen>] action
	Keys    []string // default keys, as Bubble Tea names them ("w", "ctrl+d", "pgdown")
	Display string   // how the help shows the default keys ("" = Keys joined by /)
	Help    string   // the help overlay's text
	Short   string   // the hint line's label ("" = not in the hint line)
	Group   string   // the help group ("" = the scope's own section)
}

// Scope is a set of bindings that are active together with the global
// ones: a view of the root (alerts, silences) or a screen.
type Scope struct {
	Name     string // config table: [keys.<name>]; "@name" for the root's views
	Title    string // the help section title
	Bindings []Binding
}

// KeyRemap is the config's [keys] table: flat names for the root's actions,
// and one sub-table per screen.
type KeyRemap struct {
	Global  map[string]string
	Screens map[string]map[string]string
}

// Keymap is the resolved keys of one scope: its own bindings, then the
// global ones. Screens get theirs when they are built; nothing is shared
// between sessions.
type Keymap struct {
	name, title string
	own         []Binding              // resolved, in declaration order
	by          map[string]key.Binding // own actions, then (in global) all
	global      *Keymap                // nil for the global keymap itself
}

// Is reports whether msg triggers action in this scope. An unknown action
// never matches.
func (k *Keymap) Is(msg tea.KeyPressMsg, action string) bool {
	b, ok := k.binding(action)
	return ok && key.Matches(msg, b)
}

// Key is how the help shows action's keys ("" when unknown).
func (k *Keymap) Key(action string) string {
	b, _ := k.binding(action)
	return b.Help().Key
}

// Own lists the scope's own bindings, resolved (keys and display set).
func (k *Keymap) Own() []Binding { return k.own }

// Title is the scope's help section title.
func (k *Keymap) Title() string { return k.title }

// Global is the global keymap (itself for the global scope).
func (k *Keymap) Global() *Keymap {
	if k.global == nil {
		return k
	}
	return k.global
}

// Hints is the hint line: "key label" for each own binding that has a
// Short label, in declaration order. Adjacent bindings with the same label
// share it ("[ ] heading", "↑/k ↓/j select").
func (k *Keymap) Hints() string { return strings.Join(k.hints(), hintSep) }

// HintsWithin is the hint line cut to the whole items that fit in w cells
// ("" when not even the first does), for narrow terminals.
func (k *Keymap) HintsWithin(w int) string {
	out := ""
	for _, h := range k.hints() {
		next := h
		if out != "" {
			next = out + hintSep + h
		}
		if Width(next) > w {
			break
		}
		out = next
	}
	return out
}

const hintSep = " · "

func (k *Keymap) hints() []string {
	parts := make([]string, 0, len(k.own))
	for i := 0; i < len(k.own); i++ {
		b := k.own[i]
		if b.Short == "" {
			continue
		}
		keys := b.Display
		for i+1 < len(k.own) && k.own[i+1].Short == b.Short {
			i++
			keys += " " + k.own[i].Display
		}
		parts = append(parts, keys+" "+b.Short)
	}
	return parts
}

func (k *Keymap) binding(action string) (key.Binding, bool) {
	if b, ok := k.by[action]; ok {
		return b, true
	}
	if k.global != nil {
		return k.global.binding(action)
	}
	return key.Binding{}, false
}

// KeyTable holds the global keymap and one keymap per scope.
type KeyTable struct {
	global *Keymap
	scopes map[string]*Keymap
}

// Global is the keymap of the global actions.
func (t *KeyTable) Global() *Keymap { return t.global }

// Scope is the keymap of a view or screen (the global one when unknown).
func (t *KeyTable) Scope(name string) *Keymap {
	if k, ok := t.scopes[name]; ok {
		return k
	}
	return t.global
}

// NewKeyTable resolves the bindings with the config's remaps. The root's
// views (scopes named "") are remapped from the flat [keys] table together
// with the global actions; a screen from [keys.<name>]. Unknown actions,
// empty keys and two actions on one key where both can be active together
// (a scope and the global actions) are errors that name the actions. A
// screen may shadow a global key with its own by default (the screen's
// meaning wins while it is shown); a remap may not create such a clash.
func NewKeyTable(global []Binding, scopes []Scope, remap KeyRemap) (*KeyTable, error) {
	flat := map[string]*Binding{}
	g := resolveList(global, flat)
	rootScopes := map[string][]Binding{}
	for _, s := range scopes {
		if isRootView(s.Name) {
			rootScopes[s.Name] = resolveList(s.Bindings, flat)
		}
	}
	if err := applyRemap("keys", remap.Global, flat, nil); err != nil {
		return nil, err
	}
	remapped := map[string]bool{}
	for n := range remap.Global {
		remapped[n] = true
	}
	t := &KeyTable{scopes: map[string]*Keymap{}}
	t.global = newKeymap("", "Everywhere", g, nil)
	if err := checkClashes("keys", t.global, nil, remapped, nil); err != nil {
		return nil, err
	}
	known := map[string]bool{}
	for _, s := range scopes {
		own := rootScopes[s.Name]
		ownRemapped := remapped
		if !isRootView(s.Name) {
			mine := map[string]*Binding{}
			own = resolveList(s.Bindings, mine)
			if err := applyRemap("keys."+s.Name, remap.Screens[s.Name], mine, t.global.by); err != nil {
				return nil, err
			}
			ownRemapped = map[string]bool{}
			for n := range remap.Screens[s.Name] {
				ownRemapped[n] = true
			}
		}
		known[s.Name] = true
		km := newKeymap(s.Name, s.Title, own, t.global)
		prefix := "keys"
		if !isRootView(s.Name) {
			prefix = "keys." + s.Name
		}
		if err := checkClashes(prefix, km, t.global, ownRemapped, remapped); err != nil {
			return nil, err
		}
		t.scopes[s.Name] = km
	}
	for name := range remap.Screens {
		if !known[name] {
			return nil, fmt.Errorf("keys.%s: unknown screen (known: %s)", name, strings.Join(sortedKeys(known, true), ", "))
		}
	}
	return t, nil
}

// Root views are named with a leading '@' (e.g. "@alerts"): they take the
// flat [keys] table, screens take [keys.<name>].
func isRootView(name string) bool { return strings.HasPrefix(name, "@") }

// resolveList copies bindings, indexing those that own keys by action.
func resolveList(bs []Binding, index map[string]*Binding) []Binding {
	out := make([]Binding, len(bs))
	copy(out, bs)
	for i := range out {
		out[i].Keys = append([]string(nil), out[i].Keys...)
		if len(out[i].Keys) > 0 {
			index[out[i].Action] = &out[i]
		}
	}
	return out
}

// applyRemap sets the keys of the named actions; reuse lists the global
// actions a screen may not remap in its own table (they belong to [keys]).
func applyRemap(table string, remap map[string]string, index map[string]*Binding, reuse map[string]key.Binding) error {
	names := make([]string, 0, len(remap))
	for n := range remap {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		b, ok := index[n]
		if !ok {
			if _, global := reuse[n]; global {
				return fmt.Errorf("%s.%s: a global action; remap it in [keys]", table, n)
			}
			known := make([]string, 0, len(index))
			for a := range index {
				known = append(known, a)
			}
			sort.Strings(known)
			return fmt.Errorf("%s.%s: unknown action (known: %s)", table, n, strings.Join(known, ", "))
		}
		var keys []string
		for _, s := range strings.Split(remap[n], ",") {
			if s = strings.TrimSpace(s); s != "" {
				keys = append(keys, s)
			}
		}
		if len(keys) == 0 {
			return fmt.Errorf("%s.%s: no key given", table, n)
		}
		b.Keys, b.Display = keys, ""
	}
	return nil
}

func newKeymap(name, title string, own []Binding, global *Keymap) *Keymap {
	k := &Keymap{name: name, title: title, global: global, by: map[string]key.Binding{}}
	for _, b := range own {
		if len(b.Keys) == 0 && global != nil {
			gb, ok := global.by[b.Action]
			if !ok {
				continue // a reuse of an unknown global action: nothing to bind
			}
			b.Keys, b.Display = gb.Keys(), gb.Help().Key
		}
		if b.Display == "" {
			b.Display = strings.Join(b.Keys, "/")
		}
		k.own = append(k.own, b)
		if _, dup := k.by[b.Action]; !dup {
			k.by[b.Action] = key.NewBinding(key.WithKeys(b.Keys...), key.WithHelp(b.Display, b.Help))
		}
	}
	return k
}

// checkClashes fails when two actions of one scope, or one of the scope and
// one global, share a key and a remap made it so (or, inside one scope,
// always: one of them could never be reached).
func checkClashes(prefix string, k *Keymap, global *Keymap, ownRemapped, globalRemapped map[string]bool) error {
	seen := map[string]string{}
	for _, b := range k.own {
		for _, key := range b.Keys {
			if other, dup := seen[key]; dup && other != b.Action {
				return fmt.Errorf("%s: %q is bound to both %s and %s", prefix, key, other, b.Action)
			}
			seen[key] = b.Action
		}
	}
	if global == nil {
		return nil
	}
	ownAction := map[string]bool{}
	for _, b := range k.own {
		ownAction[b.Action] = true
	}
	for _, gb := range global.own {
		if ownAction[gb.Action] {
			continue // reused by the scope
		}
		for _, key := range gb.Keys {
			mine, dup := seen[key]
			if dup && (ownRemapped[mine] || globalRemapped[gb.Action]) {
				return fmt.Errorf("%s: %q is bound to both %s.%s and the global %s", prefix, key, strings.TrimPrefix(prefix, "keys."), mine, gb.Action)
			}
		}
	}
	return nil
}

func sortedKeys(m map[string]bool, skipRoot bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		if skipRoot && isRootView(k) {
			continue
		}
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
