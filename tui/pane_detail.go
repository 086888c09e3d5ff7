package tui

import (
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"oncall/internal/alerts"
	"oncall/internal/config"
	"oncall/internal/sanitize"
	"oncall/internal/timefmt"

	"oncall/tui/kit"
)

// DetailPane shows one alert: labels, annotations, links, rule, silences
// and inhibitions. Its lines are built when the alert or data change.
type DetailPane struct {
	keys   *kit.Keymap
	alert  *alerts.Alert
	raw    []string // built lines, unwrapped
	lines  []string // wrapped to width
	offset int
	height int
	width  int

	grafana map[string]string // grafana_url by context ("": the current one)
}

// NewDetailPane builds an empty pane.
func NewDetailPane(keys *kit.Keymap) *DetailPane { return &DetailPane{keys: keys} }

// WithLinks resolves relative generator URLs on each context's
// grafana_url.
func (p *DetailPane) WithLinks(cfg *config.Config) *DetailPane {
	p.grafana = grafanaBases(cfg)
	return p
}

// SetAlert shows an alert with the context needed to explain it.
func (p *DetailPane) SetAlert(a *alerts.Alert, all []*alerts.Alert, sils []*alerts.Silence, extras []DetailExtra, st *kit.Styles, now time.Time) {
	if a == nil || p.alert == nil || a.Fingerprint != p.alert.Fingerprint {
		p.offset = 0
	}
	p.alert = a
	var base string
	if a != nil {
		base = p.grafana[a.Cluster]
	}
	p.raw = buildDetail(a, all, sils, extras, st, now, base, p.keys.Key("logs"))
	p.wrap()
}

// wrap re-wraps the lines to the pane width (on data or size change only).
func (p *DetailPane) wrap() {
	p.lines = p.lines[:0]
	for _, l := range p.raw {
		if p.width <= 0 || kit.Width(l) <= p.width {
			p.lines = append(p.lines, l)
			continue
		}
		parts := strings.Split(ansi.Wrap(l, p.width-5, " ,&"), "\n")
		for i, part := range parts {
			if i > 0 {
				part = "    " + part
			}
			p.lines = append(p.lines, part)
		}
	}
}

// Alert is the alert shown.
func (p *DetailPane) Alert() *alerts.Alert { return p.alert }

// SetSize sets the height.
func (p *DetailPane) SetSize(w, h int) {
	p.height = h
	if w != p.width {
		p.width = w
		p.wrap()
	}
}

// HandleKey scrolls.
func (p *DetailPane) HandleKey(msg tea.KeyPressMsg) bool {
	k := p.keys
	switch {
	case k.Is(msg, kit.Up):
		p.offset--
	case k.Is(msg, kit.Down):
		p.offset++
	case k.Is(msg, kit.PageUp):
		p.offset -= max(1, p.height-1)
	case k.Is(msg, kit.PageDown):
		p.offset += max(1, p.height-1)
	case k.Is(msg, kit.Top):
		p.offset = 0
	case k.Is(msg, kit.Bottom):
		p.offset = len(p.lines)
	default:
		return false
	}
	p.offset = max(0, min(p.offset, len(p.lines)-p.height))
	return true
}

// View draws the pane.
func (p *DetailPane) View(w, h int, st *kit.Styles) string {
	if p.alert == nil {
		return kit.Box([]string{"", st.Muted.Render("  Select an alert.")}, w, h)
	}
	start := max(0, min(p.offset, len(p.lines)-1))
	return kit.Box(p.lines[start:], w, h)
}

func buildDetail(a *alerts.Alert, all []*alerts.Alert, sils []*alerts.Silence, extras []DetailExtra, st *kit.Styles, now time.Time, grafana, logsKey string) []string {
	if a == nil {
		return nil
	}
	var l []string
	sev := a.Severity()
	if sev == "" {
		sev = "none"
	}
	l = append(l, st.SevStyle(sev).Render(sevLabel(sev))+" "+st.Title.Render(sanitize.Text(a.Name())))
	state := st.StateStyle(string(a.State)).Render(string(a.State))
	l = append(l, state+st.Muted.Render(fmt.Sprintf("  since %s (%s ago)", a.Since().Local().Format("15:04:05"), timefmt.Ago(a.Since(), now))))
	if a.Ack != nil {
		l = append(l, st.StateStyle("acked").Render(fmt.Sprintf("acked by %s %s ago", sanitize.Text(a.Ack.By), timefmt.Ago(a.Ack.At, now)))+
			st.Muted.Render(fmt.Sprintf(" · until %s", a.Ack.EndsAt.Local().Format("15:04"))))
		if a.Ack.Note != "" {
			l = append(l, st.Muted.Render("  note: ")+sanitize.Text(a.Ack.Note))
		}
	}
	if s := a.Summary(); s != "" {
		l = append(l, "", sanitize.Text(s))
	}
	for _, ex := range extras {
		if more := ex(a, st, now); len(more) > 0 {
			l = append(l, "")
			l = append(l, more...)
		}
	}
	l = append(l, "", st.Header.Render("Labels"))
	l = append(l, kit.KVLines(a.Labels, st)...)
	if len(a.Annotations) > 0 {
		l = append(l, "", st.Header.Render("Annotations"))
		l = append(l, kit.KVLines(a.Annotations, st)...)
	}
	if len(a.Receivers) > 0 {
		l = append(l, "", st.Label.Render("receivers: ")+sanitize.Text(strings.Join(a.Receivers, ", ")))
	}
	if a.GeneratorURL != "" {
		l = append(l, sourceLine(a, grafana, st))
	}
	l = append(l, ruleLines(a, logsKey, st, now)...)
	var matching []*alerts.Silence
	for _, s := range sils {
		if s.State == "active" && s.Matches(a) {
			matching = append(matching, s)
		}
	}
	if len(matching) > 0 {
		l = append(l, "", st.Header.Render("Silenced by"))
		for _, s := range matching {
			l = append(l, fmt.Sprintf("  %s %s · %s left", st.Accent.Render(kit.ShortID(s.ID)), sanitize.Text(s.CreatedBy), timefmt.Left(s.EndsAt, now)))
			l = append(l, "    "+st.Muted.Render(sanitize.Text(s.Comment)))
		}
	}
	if len(a.InhibitedBy) > 0 {
		l = append(l, "", st.Header.Render("Inhibited by"))
		byFP := map[string]*alerts.Alert{}
		for _, o := range all {
			byFP[o.Fingerprint] = o
		}
		for _, fp := range a.InhibitedBy {
			name := sanitize.Text(fp)
			if o := byFP[fp]; o != nil {
				name = sanitize.Text(o.Name()) + " " + st.Muted.Render("("+string(o.State)+")")
			}
			l = append(l, "  "+name)
		}
	}
	return l
}
