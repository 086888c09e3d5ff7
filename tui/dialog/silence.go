package dialog

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/prometheus/alertmanager/pkg/labels"
	"github.com/prometheus/common/model"

	"oncall/internal/alerts"
	"oncall/internal/guard"
	"oncall/internal/sanitize"
	"oncall/tui/kit"
)

// CreateSilence asks the root to post a silence, once in each cluster
// named (none: the cluster of the alert the dialog was opened on).
type CreateSilence struct {
	Matchers labels.Matchers
	Duration time.Duration
	Comment  string
	Clusters []string
	// Confirmed are the guard rules the operator confirmed in a second
	// dialog (none from the silence dialog itself).
	Confirmed []string
}

// SilencePresets are the duration presets; the first is the default.
func SilencePresets() []string { return []string{"15m", "1h", "4h"} }

// Silence edits matchers, duration and comment. It shows live how many
// current alerts the matchers select, with Alertmanager's own semantics.
type Silence struct {
	fields  [3]textinput.Model // matchers, duration, comment
	focus   int
	alerts  []*alerts.Alert
	count   int
	parseOK bool
	err     string

	// clusters: the watched ones (several: the dialog says where the
	// matchers match, and where it writes)
	home     string
	clusters []string
	target   int            // index into targets()
	per      map[string]int // matches per cluster

	// judge previews the write in each target cluster (nil: no preview);
	// previews are its answers for the current text and target.
	judge    Judge
	previews []Preview
}

// NewSilence prefills matchers from the alert's labels.
func NewSilence(ms labels.Matchers, defaultDur time.Duration, current []*alerts.Alert) *Silence {
	d := &Silence{alerts: current}
	for i := range d.fields {
		t := textinput.New()
		t.CharLimit = 1024
		d.fields[i] = t
	}
	parts := make([]string, 0, len(ms))
	for _, m := range ms {
		if t, ok := matcherText(m); ok {
			parts = append(parts, t)
		}
	}
	d.fields[0].Prompt = "matchers: "
	d.fields[0].SetValue(strings.Join(parts, " "))
	d.fields[1].Prompt = "duration: "
	d.fields[1].SetValue(model.Duration(defaultDur).String())
	d.fields[1].Placeholder = "15m, 1h, 4h or e.g. 90m"
	d.fields[2].Prompt = "comment:  "
	d.fields[2].Placeholder = "required: why?"
	d.fields[0].Focus()
	d.recount()
	return d
}

// matcherText is m as the operator edits it. Label text from the server
// must not reach the terminal raw, yet the silence must match the raw
// value: an equality matcher whose value holds a control, escape, bidi or
// invalid byte becomes the regex matcher that matches exactly that value,
// with those characters written as \x{…} escapes (RE2 syntax, which
// Alertmanager uses). A matcher whose label name is unsafe is left out
// (the others still select the alert); ok is false then.
func matcherText(m *labels.Matcher) (string, bool) {
	if !sanitize.Safe(m.Name) {
		return "", false
	}
	if sanitize.Safe(m.Value) {
		return m.String(), true
	}
	if m.Type != labels.MatchEqual && m.Type != labels.MatchNotEqual {
		return "", false
	}
	var re strings.Builder
	for i := 0; i < len(m.Value); {
		r, size := utf8.DecodeRuneInString(m.Value[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			re.WriteString(`\x{fffd}`) // Go's regexp reads an invalid byte as U+FFFD
		case !sanitize.Safe(string(r)):
			fmt.Fprintf(&re, `\x{%x}`, r)
		default:
			re.WriteString(regexp.QuoteMeta(string(r)))
		}
		i += size
	}
	op := labels.MatchRegexp
	if m.Type == labels.MatchNotEqual {
		op = labels.MatchNotRegexp
	}
	esc := strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(re.String())
	return fmt.Sprintf(`%s%s"%s"`, m.Name, op, esc), true
}

// WithGuard previews, as the text changes, what the guard of each target
// cluster says of the silence against that cluster's live alerts (home is
// the cluster the dialog writes to when only one is watched). A refusal,
// or a cluster that takes no write, blocks the submit.
func (d *Silence) WithGuard(home string, judge Judge) *Silence {
	if d.home == "" {
		d.home = home
	}
	d.judge = judge
	d.rejudge()
	return d
}

// rejudge asks the judge about the current text in each target cluster.
func (d *Silence) rejudge() {
	d.previews = nil
	if d.judge == nil {
		return
	}
	ms, err := alerts.ParseMatchers(d.fields[0].Value())
	if err != nil || len(ms) == 0 {
		return
	}
	dur, _ := model.ParseDuration(strings.TrimSpace(d.fields[1].Value()))
	r := guard.Request{Kind: guard.KindSilence, Matchers: ms, Duration: time.Duration(dur), Comment: strings.TrimSpace(d.fields[2].Value())}
	for _, c := range d.targets()[d.target] {
		d.previews = append(d.previews, d.judge(c, r))
	}
}

// Previews are the guard's answers for the current text, one per target
// cluster.
func (d *Silence) Previews() []Preview { return d.previews }

// WithClusters makes the dialog write to home, the cluster of the alert
// it was opened on, or (ctrl+t) to another watched cluster or to all of
// them; it counts the matches in each.
func (d *Silence) WithClusters(home string, clusters []string) *Silence {
	d.home, d.clusters = home, clusters
	d.recount()
	d.rejudge()
	return d
}

// targets are the choices of where to write: home, the other clusters,
// then all of them.
func (d *Silence) targets() [][]string {
	out := [][]string{{d.home}}
	for _, c := range d.clusters {
		if c != d.home {
			out = append(out, []string{c})
		}
	}
	return append(out, d.clusters)
}

func (d *Silence) recount() {
	ms, err := alerts.ParseMatchers(d.fields[0].Value())
	d.parseOK = err == nil && len(ms) > 0
	if !d.parseOK {
		return
	}
	d.count = alerts.CountMatching(ms, d.alerts)
	if len(d.clusters) > 1 {
		d.per = map[string]int{}
		for _, a := range d.alerts {
			if a.State != alerts.StatePending && a.MatchedBy(ms) {
				d.per[a.Cluster]++
			}
		}
	}
}

func (d *Silence) setFocus(i int) tea.Cmd {
	d.fields[d.focus].Blur()
	d.focus = (i + len(d.fields)) % len(d.fields)
	return d.fields[d.focus].Focus()
}

// HandleKey implements kit.Dialog.
func (d *Silence) HandleKey(msg tea.KeyPressMsg) (kit.Action, tea.Cmd) {
	switch msg.String() {
	case "esc":
		return kit.ActionClose{}, nil
	case "tab", "down":
		return nil, d.setFocus(d.focus + 1)
	case "shift+tab", "up":
		return nil, d.setFocus(d.focus - 1)
	case "ctrl+p", "ctrl+n":
		if d.focus == 1 {
			d.cyclePreset(msg.String() == "ctrl+n")
			d.rejudge()
			return nil, nil
		}
	case "ctrl+t":
		if len(d.clusters) > 1 {
			d.target = (d.target + 1) % len(d.targets())
			d.rejudge()
			return nil, nil
		}
	case "enter":
		if d.focus < 2 {
			return nil, d.setFocus(d.focus + 1)
		}
		return d.submit()
	}
	var cmd tea.Cmd
	d.fields[d.focus], cmd = d.fields[d.focus].Update(msg)
	if d.focus == 0 {
		d.recount()
	}
	d.rejudge()
	d.err = ""
	return nil, cmd
}

func (d *Silence) cyclePreset(forward bool) {
	p := SilencePresets()
	cur := strings.TrimSpace(d.fields[1].Value())
	idx := -1
	for i, v := range p {
		if v == cur {
			idx = i
		}
	}
	if forward {
		idx = (idx + 1) % len(p)
	} else {
		idx = (idx - 1 + len(p)) % len(p)
	}
	d.fields[1].SetValue(p[idx])
}

func (d *Silence) submit() (kit.Action, tea.Cmd) {
	ms, err := alerts.ParseMatchers(d.fields[0].Value())
	if err != nil || len(ms) == 0 {
		d.err = "matchers: " + firstLine(fmt.Sprint(err))
		return nil, d.setFocus(0)
	}
	dur, err := model.ParseDuration(strings.TrimSpace(d.fields[1].Value()))
	if err != nil || dur <= 0 {
		d.err = "duration: use e.g. 15m, 1h, 4h or 90m"
		return nil, d.setFocus(1)
	}
	comment := strings.TrimSpace(d.fields[2].Value())
	if comment == "" {
		d.err = "a comment is required"
		return nil, d.setFocus(2)
	}
	if err := alerts.ValidateSilence(ms, time.Now(), time.Now().Add(time.Duration(dur)), "x", comment); err != nil {
		d.err = err.Error()
		return nil, d.setFocus(0)
	}
	d.rejudge()
	if why := Stop(d.previews, len(d.clusters) > 1); why != "" {
		d.err = why
		return nil, nil
	}
	out := CreateSilence{Matchers: ms, Duration: time.Duration(dur), Comment: comment}
	if len(d.clusters) > 1 {
		out.Clusters = d.targets()[d.target]
	}
	return out, nil
}

// View implements kit.Dialog.
func (d *Silence) View(w, h int, st *kit.Styles) string {
	bw := min(w-4, 90)
	lines := []string{st.DialogTitle.Render("New silence"), ""}
	for i := range d.fields {
		d.fields[i].SetWidth(bw - 16)
		lines = append(lines, d.fields[i].View())
	}
	lines = append(lines, "")
	switch {
	case d.parseOK && len(d.clusters) > 1:
		lines = append(lines, d.clusterLines(st)...)
	case d.parseOK && len(d.previews) == 1 && d.previews[0].Verdict.Matched != nil:
		// the preview names what it matches
	case d.parseOK:
		lines = append(lines, st.Accent.Render(fmt.Sprintf("matches %d current alert%s", d.count, kit.Plural(d.count))))
	default:
		lines = append(lines, st.Error.Render("matchers do not parse"))
	}
	if d.parseOK {
		lines = append(lines, previewLines(d.previews, len(d.clusters) > 1, bw-4, st)...)
	}
	lines = append(lines, st.Muted.Render("presets (ctrl+n/ctrl+p on duration): "+strings.Join(SilencePresets(), " · ")))
	if d.err != "" {
		lines = append(lines, st.Error.Render(sanitize.Text(d.err)))
	}
	lines = append(lines, st.Muted.Render("tab next field · enter on comment confirms · esc cancels"))
	return st.Dialog.Width(bw).Render(lipgloss.JoinVertical(lipgloss.Left, lines...))
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// clusterLines say where the matchers match and where the silence goes.
func (d *Silence) clusterLines(st *kit.Styles) []string {
	var where []string
	spread := 0
	for _, c := range d.clusters {
		if n := d.per[c]; n > 0 {
			where = append(where, fmt.Sprintf("%d in %s", n, sanitize.Text(c)))
			spread++
		}
	}
	text := fmt.Sprintf("matches %d current alert%s", d.count, kit.Plural(d.count))
	if len(where) > 0 {
		text += ": " + strings.Join(where, " · ")
	}
	to := d.targets()[d.target]
	dest := "writes to " + sanitize.Text(to[0]) + " only"
	if len(to) > 1 {
		dest = fmt.Sprintf("writes to all %d clusters, once each", len(to))
	}
	out := []string{st.Accent.Render(text)}
	if spread > 1 {
		out = append(out, st.Error.Render(fmt.Sprintf("these matchers match alerts in %d clusters", spread)))
	}
	return append(out, st.Value.Render(dest)+st.Muted.Render(" · ctrl+t changes"))
}
