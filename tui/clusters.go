package tui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	tea "charm.land/bubbletea/v2"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"

	"oncall/internal/actions"
	"oncall/internal/alerts"
	"oncall/internal/watch"
	"oncall/tui/kit"
)

// setupClusters resolves the clusters the session knows and watches, and
// the hub that polls them.
func (m *Model) setupClusters() error {
	d := m.deps
	m.clusters = map[string]*Cluster{}
	for _, c := range d.Clusters {
		m.clusters[c.Name] = c
	}
	if len(m.clusters) == 0 {
		name := d.Config.CurrentContext
		m.clusters[name] = &Cluster{Name: name, AM: d.AM, Prom: d.Prom, Actions: d.Actions}
	}
	m.watched = d.Watch
	if len(m.watched) == 0 {
		if _, ok := m.clusters[d.Config.CurrentContext]; ok {
			m.watched = []string{d.Config.CurrentContext}
		} else {
			m.watched = []string{d.Clusters[0].Name}
		}
	}
	for _, n := range m.watched {
		if m.clusters[n] == nil {
			return fmt.Errorf("context %q is not configured (known: %v)", n, m.clusterNames())
		}
	}
	m.hub = d.Hub
	if m.hub == nil && !m.opts.NoFetch {
		m.hub, m.ownHub = watch.NewHub(m.watchClusters(), watch.Options{Interval: m.refreshEvery, Timeout: m.opts.FetchTimeout}), true
	}
	return nil
}

// clusterNames lists every known cluster, sorted.
func (m *Model) clusterNames() []string {
	out := make([]string, 0, len(m.clusters))
	for n := range m.clusters {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// watchClusters describes the known clusters to a hub (nil sources stay
// nil interfaces).
func (m *Model) watchClusters() []watch.Cluster {
	var out []watch.Cluster
	for _, n := range m.clusterNames() {
		c := m.clusters[n]
		wc := watch.Cluster{Name: c.Name}
		if c.AM != nil {
			wc.AM = c.AM
		}
		if c.Prom != nil {
			wc.Prom = c.Prom
		}
		if c.Ruler != nil {
			wc.Ruler = c.Ruler
		}
		out = append(out, wc)
	}
	return out
}

// snapsMsg carries the snapshots a subscription delivered.
type snapsMsg struct {
	sub   *watch.Sub
	snaps []*watch.Snapshot
}

// subscribe starts watching and waiting for the first snapshots.
func (m *Model) subscribe() tea.Cmd {
	sub, err := m.hub.Subscribe(m.watched)
	if err != nil {
		return m.setStatus("watch: "+err.Error(), true)
	}
	m.sub = sub
	return waitSnaps(sub)
}

// waitSnaps waits for the next snapshots of sub; a closed subscription
// (the session ended) answers nothing.
func waitSnaps(sub *watch.Sub) tea.Cmd {
	return func() tea.Msg {
		snaps, err := sub.Next(context.Background())
		if err != nil {
			return nil
		}
		return snapsMsg{sub: sub, snaps: snaps}
	}
}

// applySnapsMsg applies what the hub delivered and waits for more.
func (m *Model) applySnapsMsg(msg snapsMsg) tea.Cmd {
	if msg.sub != m.sub || m.quitting {
		return nil // an old subscription
	}
	m.applySnapshots(msg.snaps)
	var wait tea.Cmd
	if m.sub != nil {
		wait = waitSnaps(m.sub)
	}
	return tea.Batch(wait, m.keepAcksAlive(), m.takeNotify())
}

// applySnapshots stores the latest snapshot of each cluster (those no
// longer watched are dropped) and merges the watched ones.
func (m *Model) applySnapshots(snaps []*watch.Snapshot) {
	var changed []*watch.Snapshot
	for _, s := range snaps {
		if !slices.Contains(m.watched, s.Cluster) {
			continue
		}
		old := m.snaps[s.Cluster]
		m.snaps[s.Cluster] = s
		if old == nil || !sameData(old, s) {
			changed = append(changed, s)
		}
		if m.refreshStatus == m.status.id && m.status.text != "" && !m.status.err && failed(s) {
			m.status = statusLine{} // show the failure, not "refreshing…"
		}
	}
	m.lastRefresh = m.now()
	if len(changed) > 0 {
		m.rebuildData()
		m.observeNotify(changed)
		return
	}
	m.syncDetail()
}

// sameData: the snapshot only told of health (a fetch started).
func sameData(a, b *watch.Snapshot) bool {
	return len(a.Alerts) == len(b.Alerts) && (len(a.Alerts) == 0 || a.Alerts[0] == b.Alerts[0]) &&
		len(a.Silences) == len(b.Silences) && (len(a.Silences) == 0 || a.Silences[0] == b.Silences[0])
}

func failed(s *watch.Snapshot) bool {
	for _, h := range s.Health {
		if h.Err != "" {
			return true
		}
	}
	return false
}

// rebuildData merges the watched clusters once per reply (never per frame):
// the alert list sorts only the clusters whose snapshot changed.
func (m *Model) rebuildData() {
	n := 0
	for _, c := range m.watched {
		if s := m.snaps[c]; s != nil {
			n += len(s.Alerts)
		}
	}
	as := make([]*alerts.Alert, 0, n)
	var ss []*alerts.Silence
	lists := make([]AlertList, 0, len(m.watched))
	for _, c := range m.watched {
		if s := m.snaps[c]; s != nil {
			as = append(as, s.Alerts...)
			ss = append(ss, s.Silences...)
			var id any = s
			if len(s.Alerts) > 0 {
				id = &s.Alerts[0] // a health-only snapshot shares the alerts: not sorted again
			}
			lists = append(lists, AlertList{ID: id, Alerts: s.Alerts})
		}
	}
	m.merged, m.silences = as, ss
	m.counts = m.countClusters()
	m.alertsPane.tag, m.silencesPane.tag = nil, nil
	if m.multi() {
		m.alertsPane.tag, m.silencesPane.tag = m.tag, m.tag
		m.alertsPane.tagW = 0
		for _, n := range m.watched {
			m.alertsPane.tagW = max(m.alertsPane.tagW, kit.Width(n))
		}
	}
	m.alertsPane.SetLists(lists)
	m.silencesPane.SetSilences(m.silences, m.now())
	m.syncDetail()
}

// rulesOf is a cluster's rules by alert name (Prometheus's and the Loki
// ruler's).
func (m *Model) rulesOf(cluster string) map[string][]v1.AlertingRule {
	if s := m.snaps[cluster]; s != nil {
		return s.Rules
	}
	return nil
}

// clusterOf is the cluster an alert or silence came from ("" → the first
// watched).
func (m *Model) clusterOf(name string) *Cluster {
	if c := m.clusters[name]; c != nil {
		return c
	}
	return m.clusters[m.watched[0]]
}

// actionsFor is the write service of a cluster (nil: no writes there).
func (m *Model) actionsFor(cluster string) *actions.Service {
	if c := m.clusterOf(cluster); c != nil {
		return c.Actions
	}
	return nil
}

// multi reports whether several clusters are watched (the list then
// shows each alert's cluster).
func (m *Model) multi() bool { return len(m.watched) > 1 }

// health lists each watched cluster's sources with their health, for the
// status bar.
func (m *Model) healthOf(cluster string) map[string]watch.Health {
	if s := m.snaps[cluster]; s != nil {
		return s.Health
	}
	return nil
}

// What the empty alert list means.
const (
	alertsKnown   = iota // a source answered: an empty list is all clear
	alertsLoading        // nothing answered yet, a fetch is in flight
	alertsUnknown        // nothing answered, every fetch failed
)

// alertsState tells an empty list that is all clear from one that is not
// known yet: before an alert source first answers, "all clear" would be a
// lie.
func (m *Model) alertsState() int {
	busy := false
	for _, n := range m.watched {
		s := m.snaps[n]
		if s == nil {
			busy = true
			continue
		}
		if s.Known() {
			return alertsKnown
		}
		busy = busy || s.Busy()
	}
	if busy {
		return alertsLoading
	}
	return alertsUnknown
}

// alertSourcesLoaded reports that every watched cluster's alert sources
// have answered at least once.
func (m *Model) alertSourcesLoaded() bool {
	for _, n := range m.watched {
		if s := m.snaps[n]; s == nil || !s.Loaded() {
			return false
		}
	}
	return true
}

// keepAcksAlive extends the user's own acks on still-firing alerts before
// they expire, in each cluster that can write. At most one run per cluster
// is in flight.
func (m *Model) keepAcksAlive() tea.Cmd {
	cfg := m.deps.Config
	if m.opts.ReadOnly || !cfg.Alerts.KeepAcksAlive {
		return nil
	}
	dur := cfg.Alerts.AckDuration.D()
	lead := max(3*m.refreshEvery, dur/3)
	var cmds []tea.Cmd
	for _, n := range m.watched {
		svc, s := m.actionsFor(n), m.snaps[n]
		if svc == nil || svc.Writable() != nil || s == nil || m.keepBusy[n] || s.AMAlerts == nil || s.AMSilences == nil {
			continue
		}
		if len(alerts.PlanKeepAlive(s.Silences, s.Alerts, svc.User, m.now(), lead, dur)) == 0 {
			continue
		}
		m.keepBusy[n] = true
		cluster, sils, live := n, s.Silences, s.Alerts
		cmds = append(cmds, m.tracked("ack keep-alive", "", func() tea.Msg {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			done, errs := svc.KeepAcksAlive(ctx, sils, live, lead, dur)
			return keepAliveDoneMsg{cluster: cluster, done: done, errs: errs}
		}))
	}
	return tea.Batch(cmds...)
}

// refreshNow asks the hub for a fetch of every watched cluster now.
func (m *Model) refreshNow() tea.Cmd {
	if m.sub != nil {
		m.sub.Refresh()
	}
	return m.refreshScreens()
}

// refreshScreens lets every screen that follows the tick refresh.
func (m *Model) refreshScreens() tea.Cmd {
	var cmds []tea.Cmd
	for _, in := range m.instances {
		if r, ok := m.screens[in.key].(kit.Refresher); ok {
			cmds = append(cmds, in.wrap(r.Refresh(m.hostFor(in))))
		}
	}
	return tea.Batch(cmds...)
}

// tickMsg drives the screens' refresh. gen identifies the ticker: a tick
// from an older generation is ignored and not rescheduled, which is how the
// ticker is stopped.
type tickMsg struct{ gen int }

func (m *Model) scheduleTick() tea.Cmd {
	gen := m.tickGen
	return tea.Tick(m.refreshEvery, func(time.Time) tea.Msg { return tickMsg{gen: gen} })
}

// switchClusters watches another set of clusters without restarting
// (":ctx a,b").
func (m *Model) switchClusters(names []string) error {
	for _, n := range names {
		if m.clusters[n] == nil {
			return fmt.Errorf("unknown context %q (known: %v)", n, m.clusterNames())
		}
	}
	if len(names) == 0 {
		return errors.New("name at least one context")
	}
	if m.sub != nil {
		if err := m.sub.Watch(names); err != nil {
			return err
		}
	}
	m.watched = append([]string(nil), names...)
	for n := range m.snaps {
		if !slices.Contains(m.watched, n) {
			delete(m.snaps, n)
		}
	}
	m.rebuildData()
	return nil
}
