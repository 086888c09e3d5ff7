package tui

import (
	"fmt"
	"reflect"
	"time"

	tea "charm.land/bubbletea/v2"

	"oncall/internal/alerts"
	"oncall/internal/config"
	"oncall/tui/kit"
)

// Screens are registered per session. A screen given in Deps.Entries has
// one instance; a screen given in a Cluster's Entries has one instance per
// watched cluster (logs, traces, budget, runbook follow the alert's own
// cluster), keyed "name@cluster". An instance's commands are wrapped so
// its replies come back to it, and its Host answers for its cluster.

// instance is one registered screen.
type instance struct {
	key, name, cluster string // cluster "" for a screen not tied to one
}

func instanceKey(name, cluster string) string {
	if cluster == "" {
		return name
	}
	return name + "@" + cluster
}

// instanceMsg is a reply of a per-cluster instance's command.
type instanceMsg struct {
	key string
	msg kit.Routed
}

// wrap makes the routed replies of cmd come back to the instance.
func (in instance) wrap(cmd tea.Cmd) tea.Cmd {
	if cmd == nil || in.cluster == "" {
		return cmd
	}
	return func() tea.Msg { return wrapMsg(in.key, cmd()) }
}

func wrapMsg(key string, msg tea.Msg) tea.Msg {
	switch m := msg.(type) {
	case tea.BatchMsg:
		out := make(tea.BatchMsg, len(m))
		for i, c := range m {
			out[i] = instance{key: key, cluster: "x"}.wrap(c)
		}
		return out
	case kit.Routed:
		return instanceMsg{key: key, msg: m}
	}
	// tea.Sequence's message (its type is unexported): wrap each command.
	if v := reflect.ValueOf(msg); v.Kind() == reflect.Slice && v.Type().Elem() == reflect.TypeFor[tea.Cmd]() {
		cmds := make([]tea.Cmd, v.Len())
		for i := range cmds {
			cmds[i] = instance{key: key, cluster: "x"}.wrap(v.Index(i).Interface().(tea.Cmd))
		}
		return tea.Sequence(cmds...)()
	}
	return msg
}

// openKey is a global action that opens a screen, or says why it cannot.
type openKey struct {
	action, screen, unavailable string
}

// allEntries lists every screen's entry once: the session's, then the
// clusters' (same specs in every cluster).
func allEntries(d Deps) []kit.Entry {
	seen := map[string]bool{}
	var out []kit.Entry
	add := func(es []kit.Entry) {
		for _, e := range es {
			if !seen[e.Name] {
				seen[e.Name] = true
				out = append(out, e)
			}
		}
	}
	add(d.Entries)
	for _, c := range d.Clusters {
		add(c.Entries)
	}
	return out
}

// newKeyTable resolves the global keys, the root's views' and every
// screen's own, with the config's remaps.
func newKeyTable(d Deps, cfg *config.Config) (*kit.KeyTable, error) {
	global := globalBindings()
	scopes := rootScopes()
	for _, e := range allEntries(d) {
		if e.Open.Action != "" {
			b := e.Open
			if b.Group == "" {
				b.Group = groupGo
			}
			global = append(global, b)
		}
		scopes = append(scopes, kit.Scope{Name: e.Name, Title: e.Title, Bindings: e.Keys})
	}
	return kit.NewKeyTable(global, scopes, kit.KeyRemap{Global: cfg.Keys.Global, Screens: cfg.Keys.Screens})
}

// registerScreens builds the session's screens, in registration order:
// the session's own, then one instance of each cluster screen per watched
// cluster.
func (m *Model) registerScreens() {
	for _, e := range allEntries(m.deps) {
		m.specs[e.Name] = e.Spec
		if e.Open.Action != "" {
			m.openKeys = append(m.openKeys, openKey{action: e.Open.Action, screen: e.Name, unavailable: e.Unavailable})
		}
	}
	for _, e := range m.deps.Entries {
		if e.New != nil {
			m.addInstance(instance{key: e.Name, name: e.Name}, e)
		}
	}
	for _, n := range m.watched {
		m.addClusterScreens(n)
	}
}

// addClusterScreens builds a cluster's screens unless it has them.
func (m *Model) addClusterScreens(cluster string) {
	c := m.clusters[cluster]
	if c == nil {
		return
	}
	for _, e := range c.Entries {
		in := instance{key: instanceKey(e.Name, cluster), name: e.Name, cluster: cluster}
		if e.New != nil && m.screens[in.key] == nil {
			m.addInstance(in, e)
		}
	}
}

func (m *Model) addInstance(in instance, e kit.Entry) {
	m.instances = append(m.instances, in)
	m.screens[in.key] = e.New(m.hostFor(in), m.keys.Scope(e.Name))
}

// instanceOf finds the instance of a key.
func (m *Model) instanceOf(key string) (instance, bool) {
	for _, in := range m.instances {
		if in.key == key {
			return in, true
		}
	}
	return instance{}, false
}

// target is the instance a screen name means for a cluster: the session's
// own, else the cluster's (the first watched one when cluster is "").
func (m *Model) target(name, cluster string) (instance, bool) {
	if in, ok := m.instanceOf(name); ok {
		return in, true
	}
	if cluster == "" || m.clusters[cluster] == nil {
		cluster = m.watched[0]
	}
	m.addClusterScreens(cluster)
	return m.instanceOf(instanceKey(name, cluster))
}

// hostFor is the Host an instance talks to.
func (m *Model) hostFor(in instance) kit.Host {
	if in.cluster == "" {
		return m
	}
	return &clusterHost{Model: m, in: in}
}

// route delivers a routed message to its screen: from a per-cluster
// instance, the screen of the same cluster.
func (m *Model) route(from string, msg kit.Routed) tea.Cmd {
	cluster := ""
	if in, ok := m.instanceOf(from); ok {
		cluster = in.cluster
	} else if a := m.alertsPane.Selected(); a != nil {
		cluster = a.Cluster
	}
	in, ok := m.target(msg.Screen(), cluster)
	if !ok {
		if _, trace := msg.(kit.OpenTraceMsg); trace {
			return m.setStatus("traces: no Jaeger configured for this context", true)
		}
		return nil
	}
	return in.wrap(m.screens[in.key].Update(m.hostFor(in), msg))
}

// openKeyFor finds the screen a key opens.
func (m *Model) openKeyFor(msg tea.KeyPressMsg) (openKey, bool) {
	g := m.keys.Global()
	for _, k := range m.openKeys {
		if g.Is(msg, k.action) {
			return k, true
		}
	}
	return openKey{}, false
}

func (m *Model) openWith(k openKey, msg tea.KeyPressMsg) tea.Cmd {
	a := m.alertsPane.Selected()
	cluster := ""
	if a != nil {
		cluster = a.Cluster
	}
	in, ok := m.target(k.screen, cluster)
	if k.unavailable != "" || !ok {
		why := k.unavailable
		if why == "" {
			why = "not configured"
		}
		return m.setStatus(fmt.Sprintf("%q: %s is not available (%s)", msg.String(), k.action, why), true)
	}
	return m.openScreen(in, a)
}

// openScreen shows an instance for an alert.
func (m *Model) openScreen(in instance, a *alerts.Alert) tea.Cmd {
	if m.view != viewScreen || m.screen != in.key {
		m.back = backTo{view: m.view, screen: m.screen}
	}
	m.view, m.screen = viewScreen, in.key
	return in.wrap(m.screens[in.key].Open(m.hostFor(in), a))
}

// current is the instance shown.
func (m *Model) current() instance {
	in, _ := m.instanceOf(m.screen)
	return in
}

// currentKeys is the keymap of what is shown: a screen's, a view's, or the
// global one.
func (m *Model) currentKeys() *kit.Keymap {
	switch m.view {
	case viewScreen:
		return m.keys.Scope(m.current().name)
	case viewSilences:
		return m.keys.Scope(scopeSilences)
	default:
		return m.keys.Scope(scopeAlerts)
	}
}

// detailExtensions collects the screens' lines for the alert detail, in
// registration order: the session's screens, and those of the alert's
// cluster.
func (m *Model) detailExtensions(a *alerts.Alert) []DetailExtra {
	var out []DetailExtra
	for _, in := range m.instances {
		if !m.followsAlert(in, a) {
			continue
		}
		if s, ok := m.screens[in.key].(kit.DetailExtender); ok {
			out = append(out, s.DetailLines)
		}
	}
	return out
}

// resizeScreens tells every Resizer screen its new body size; the commands
// are queued and returned by the Update that handled the resize.
func (m *Model) resizeScreens(w, h int) {
	for _, in := range m.instances {
		if r, ok := m.screens[in.key].(kit.Resizer); ok {
			if cmd := r.Resize(m.hostFor(in), w, h); cmd != nil {
				m.pending = append(m.pending, in.wrap(cmd))
			}
		}
	}
}

// takePending returns the commands queued outside Update's return path.
func (m *Model) takePending() tea.Cmd {
	if len(m.pending) == 0 {
		return nil
	}
	cmds := m.pending
	m.pending = nil
	return tea.Batch(cmds...)
}

// DetailExtra is a function that adds lines to the alert detail.
type DetailExtra func(a *alerts.Alert, st *kit.Styles, now time.Time) []string
