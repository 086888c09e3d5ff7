// Package cmdline is the ":" command line (k9s's command mode): one input
// line at the bottom, suggestions completed with tab, and a history walked
// with up and down. It only edits text; what a command means is the root's,
// from one registry that also feeds the help.
package cmdline

import (
	"sort"
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"oncall/tui/kit"
)

// Command is one command of the registry.
type Command struct {
	Name string
	Args string // how its arguments read in the help ("NAME[,NAME]")
	Help string
	// Complete lists the values its first argument may take (nil: free).
	Complete func() []string
}

// HistoryMax is how many commands a session remembers.
const HistoryMax = 100

// Line is the command line.
type Line struct {
	input   textinput.Model
	active  bool
	cmds    []Command
	aliases map[string]string
	history []string
	pos     int    // history position while walking it (len(history): the draft)
	draft   string // what was typed before walking the history
}

// New builds a closed command line over the registry and the aliases
// (alias → command text).
func New(cmds []Command, aliases map[string]string) *Line {
	in := textinput.New()
	in.Prompt = ":"
	in.CharLimit = 512
	return &Line{input: in, cmds: cmds, aliases: aliases}
}

// Commands lists the registry, sorted by name.
func (l *Line) Commands() []Command {
	out := append([]Command(nil), l.cmds...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Open shows the line, empty.
func (l *Line) Open() tea.Cmd {
	l.active = true
	l.input.SetValue("")
	l.pos, l.draft = len(l.history), ""
	return l.input.Focus()
}

// Active reports whether the line has focus.
func (l *Line) Active() bool { return l.active }

// SetWidth sets the input's width.
func (l *Line) SetWidth(w int) { l.input.SetWidth(max(1, w-2)) }

// HandleKey edits the line. On enter it closes and returns the command text
// (aliases expanded, recorded in the history); esc closes it with "".
func (l *Line) HandleKey(msg tea.KeyPressMsg) (submitted string, done bool, cmd tea.Cmd) {
	switch msg.String() {
	case "esc", "ctrl+c":
		l.close()
		return "", true, nil
	case "enter":
		text := strings.TrimSpace(l.input.Value())
		l.close()
		if text == "" {
			return "", true, nil
		}
		l.remember(text)
		return l.Expand(text), true, nil
	case "tab":
		l.complete()
		return "", false, nil
	case "up":
		l.walk(-1)
		return "", false, nil
	case "down":
		l.walk(1)
		return "", false, nil
	}
	l.input, cmd = l.input.Update(msg)
	return "", false, cmd
}

func (l *Line) close() {
	l.active = false
	l.input.Blur()
}

func (l *Line) remember(text string) {
	if n := len(l.history); n > 0 && l.history[n-1] == text {
		return
	}
	l.history = append(l.history, text)
	if len(l.history) > HistoryMax {
		l.history = l.history[len(l.history)-HistoryMax:]
	}
}

// History is what was entered, oldest first.
func (l *Line) History() []string { return append([]string(nil), l.history...) }

func (l *Line) walk(d int) {
	if len(l.history) == 0 {
		return
	}
	if l.pos == len(l.history) {
		l.draft = l.input.Value()
	}
	l.pos = max(0, min(len(l.history), l.pos+d))
	if l.pos == len(l.history) {
		l.input.SetValue(l.draft)
	} else {
		l.input.SetValue(l.history[l.pos])
	}
	l.input.CursorEnd()
}

// Expand replaces a leading alias with its command text.
func (l *Line) Expand(text string) string {
	name, rest, _ := strings.Cut(text, " ")
	if x, ok := l.aliases[name]; ok {
		return strings.TrimSpace(x + " " + rest)
	}
	return text
}

// Suggestions lists what the text typed so far may become: command names
// (and aliases) for the first word, the command's values for its argument.
func (l *Line) Suggestions() []string {
	text := l.input.Value()
	name, arg, hasArg := strings.Cut(text, " ")
	var out []string
	if !hasArg {
		for _, c := range l.cmds {
			if strings.HasPrefix(c.Name, name) {
				out = append(out, c.Name)
			}
		}
		for a := range l.aliases {
			if strings.HasPrefix(a, name) {
				out = append(out, a)
			}
		}
		sort.Strings(out)
		return out
	}
	c, ok := l.find(name)
	if !ok || c.Complete == nil {
		return nil
	}
	// A list argument ("a,b,…") completes its last item.
	done, last := "", arg
	if i := strings.LastIndexByte(arg, ','); i >= 0 {
		done, last = arg[:i+1], arg[i+1:]
	}
	for _, v := range c.Complete() {
		if strings.HasPrefix(v, last) && !strings.Contains(","+done, ","+v+",") {
			out = append(out, name+" "+done+v)
		}
	}
	sort.Strings(out)
	return out
}

func (l *Line) find(name string) (Command, bool) {
	if x, ok := l.aliases[name]; ok {
		name, _, _ = strings.Cut(x, " ")
	}
	for _, c := range l.cmds {
		if c.Name == name {
			return c, true
		}
	}
	return Command{}, false
}

// complete replaces the text with the longest common prefix of the
// suggestions (the one suggestion, followed by a space when it is a bare
// command that takes arguments).
func (l *Line) complete() {
	sug := l.Suggestions()
	if len(sug) == 0 {
		return
	}
	p := sug[0]
	for _, s := range sug[1:] {
		for !strings.HasPrefix(s, p) {
			p = p[:len(p)-1]
		}
	}
	if len(sug) == 1 && !strings.Contains(p, " ") {
		if c, ok := l.find(p); ok && c.Args != "" {
			p += " "
		}
	}
	if len(p) >= len(l.input.Value()) {
		l.input.SetValue(p)
		l.input.CursorEnd()
	}
}

// View draws the line: the input, then the first suggestions, dimmed.
func (l *Line) View(w int, st *kit.Styles) string {
	l.input.SetWidth(min(max(10, len(l.input.Value())+1), max(10, w-2)))
	line := l.input.View()
	if sug := l.Suggestions(); len(sug) > 0 && l.input.Value() != "" {
		more := ""
		if len(sug) > 6 {
			sug, more = sug[:6], " …"
		}
		line += st.Muted.Render("   " + strings.Join(sug, " · ") + more)
	}
	return kit.Fit(line, w)
}
