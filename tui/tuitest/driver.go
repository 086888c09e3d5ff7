// Package tuitest drives oncall's root model in tests the way the Bubble
// Tea runtime does: every command runs in its own goroutine and its message
// is fed back into Update, batches fan out, and a test waits either for the
// UI to settle or for a condition, with one timeout. Screen tests live in
// their screen's package and use it; see tui/ARCHITECTURE.md.
package tuitest

import (
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"oncall/tui"
	"oncall/tui/kit"
	"oncall/tui/tuitest/fixture"
)

// Defaults for Driver.Quiet and Driver.Timeout.
const (
	DefaultQuiet   = 300 * time.Millisecond
	DefaultTimeout = 10 * time.Second
)

// Driver runs one model.
type Driver struct {
	t testing.TB
	M *tui.Model
	// Quiet is how long Settle waits for the next message before it
	// decides the UI is idle (commands still running then are timers, a
	// status message's expiry, or a tail's read; their messages are applied
	// by a later Settle or Until).
	Quiet time.Duration
	// Timeout bounds Until.
	Timeout time.Duration

	// w, h is the size the model was last given.
	w, h int

	msgs chan tea.Msg
	busy atomic.Int64
	done chan struct{}
}

// Drive wraps a built model and sizes it to w×h.
func Drive(t testing.TB, m *tui.Model, w, h int) *Driver {
	t.Helper()
	d := &Driver{t: t, M: m, Quiet: DefaultQuiet, Timeout: DefaultTimeout, msgs: make(chan tea.Msg, 1024), done: make(chan struct{})}
	t.Cleanup(func() { close(d.done); m.Stop() })
	d.Send(tea.WindowSizeMsg{Width: w, Height: h})
	return d
}

// Send feeds one message to the model and lets its commands settle.
func (d *Driver) Send(msg tea.Msg) *Driver {
	d.t.Helper()
	if sz, ok := msg.(tea.WindowSizeMsg); ok {
		d.w, d.h = sz.Width, sz.Height
	}
	_, cmd := d.M.Update(msg)
	d.run(cmd)
	d.Settle()
	return d
}

// Run starts a command as the runtime would and lets the UI settle.
func (d *Driver) Run(cmd tea.Cmd) *Driver {
	d.run(cmd)
	d.Settle()
	return d
}

// Go starts a command as the runtime would, without waiting: Until then
// applies its messages (timing tests measure from here).
func (d *Driver) Go(cmd tea.Cmd) *Driver {
	d.run(cmd)
	return d
}

// Press presses keys one after another ("j", "enter", "ctrl+n", "esc"),
// letting the UI settle after each.
func (d *Driver) Press(keys ...string) *Driver {
	d.t.Helper()
	for _, k := range keys {
		d.Send(Key(k))
	}
	return d
}

// Type types text into whatever has focus, one key per rune.
func (d *Driver) Type(text string) *Driver {
	d.t.Helper()
	for _, r := range text {
		d.Send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	return d
}

// Settle applies messages until none arrives for Quiet.
func (d *Driver) Settle() *Driver {
	for {
		if d.busy.Load() == 0 && len(d.msgs) == 0 {
			return d
		}
		select {
		case msg := <-d.msgs:
			d.apply(msg)
		case <-time.After(d.Quiet):
			return d
		}
	}
}

// Until applies messages until cond holds, failing the test after Timeout.
func (d *Driver) Until(what string, cond func() bool) *Driver {
	d.t.Helper()
	deadline := time.After(d.Timeout)
	for !cond() {
		select {
		case msg := <-d.msgs:
			d.apply(msg)
		case <-time.After(10 * time.Millisecond):
		case <-deadline:
			d.t.Fatalf("tuitest: %s: not within %s; screen:\n%s", what, d.Timeout, d.Screen())
		}
	}
	return d
}

// UntilScreen waits until the plain screen contains text.
func (d *Driver) UntilScreen(text string) *Driver {
	d.t.Helper()
	return d.Until("screen shows "+text, func() bool { return strings.Contains(d.Screen(), text) })
}

// SelectAlert moves the list's cursor down (j) to the first alert named
// name, failing the test when the list has none: tests name the alert they
// mean instead of counting rows, which move when the data does.
func (d *Driver) SelectAlert(name string) *Driver {
	d.t.Helper()
	for range len(d.M.Alerts()) + 1 {
		if a := d.M.Selected(); a != nil && a.Name() == name {
			return d
		}
		d.Press("j")
	}
	d.t.Fatalf("tuitest: no alert %s below the cursor; screen:\n%s", name, d.Screen())
	return d
}

// Render is the frame as the terminal gets it (styled).
func (d *Driver) Render() string { return d.M.Render() }

// Screen is the frame without styling.
func (d *Driver) Screen() string { return kit.Strip(d.M.Render()) }

// Golden compares the styled frame with testdata/NAME.golden (rewritten
// with -update).
func (d *Driver) Golden(name string) {
	d.t.Helper()
	Golden(d.t, name, d.Render())
}

// GoldenFrame checks that the styled frame fills the model's size exactly
// (as many lines as it is high, each as many cells as it is wide) and
// compares it with testdata/NAME.golden.
func (d *Driver) GoldenFrame(name string) {
	d.t.Helper()
	fixture.Frame(d.t, name, d.Render(), d.w, d.h)
}

func (d *Driver) apply(msg tea.Msg) {
	if msg == nil {
		return
	}
	if _, ok := msg.(tea.QuitMsg); ok {
		return
	}
	_, cmd := d.M.Update(msg)
	d.run(cmd)
}

// run starts cmd in a goroutine; batches and sequences fan out as the
// runtime does (a sequence's commands run one after another).
func (d *Driver) run(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	d.busy.Add(1)
	go func() {
		defer d.busy.Add(-1)
		msg := cmd()
		switch m := msg.(type) {
		case tea.BatchMsg:
			for _, c := range m {
				d.run(c)
			}
			return
		case nil:
			return
		}
		if seq, ok := sequence(msg); ok {
			for _, c := range seq {
				if c != nil {
					d.deliver(c())
				}
			}
			return
		}
		d.deliver(msg)
	}()
}

func (d *Driver) deliver(msg tea.Msg) {
	select {
	case d.msgs <- msg:
	case <-d.done:
	}
}

// sequence recognises tea.Sequence's message (its type is unexported).
func sequence(msg tea.Msg) ([]tea.Cmd, bool) {
	v := reflect.ValueOf(msg)
	if v.Kind() != reflect.Slice || v.Type().Elem() != reflect.TypeOf(tea.Cmd(nil)) {
		return nil, false
	}
	out := make([]tea.Cmd, v.Len())
	for i := range out {
		out[i] = v.Index(i).Interface().(tea.Cmd)
	}
	return out, true
}

// Key is the key press a name stands for (see fixture.Key).
func Key(k string) tea.KeyPressMsg { return fixture.Key(k) }

// Golden compares got with testdata/NAME.golden in the test's package
// (rewritten with -update).
func Golden(t testing.TB, name, got string) {
	t.Helper()
	fixture.Golden(t, name, got)
}

// Messages runs cmd, and each command of its batches, once and returns
// their messages in order, without applying them: a test looks at what a
// key would send (a clipboard write, a routed reply) before, or instead
// of, feeding it back with Send.
func Messages(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	msg := cmd()
	if b, ok := msg.(tea.BatchMsg); ok {
		var out []tea.Msg
		for _, c := range b {
			out = append(out, Messages(c)...)
		}
		return out
	}
	return []tea.Msg{msg}
}
