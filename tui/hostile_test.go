package tui

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/go-openapi/strfmt"
	"github.com/prometheus/alertmanager/api/v2/models"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"oncall/internal/config"
	"oncall/internal/testkit/backends"
	"oncall/internal/testkit/corpus"
	"oncall/runbooks"
	"oncall/sources/jaeger"
	"oncall/sources/loki"
	"oncall/tui/kit"
	"oncall/tui/screens/budget"
	"oncall/tui/screens/handoff"
	"oncall/tui/screens/logs"
	"oncall/tui/screens/runbook"
	"oncall/tui/screens/trace"
	"oncall/tui/screens/traces"
)

// hostileFixture puts one hostile string everywhere server text reaches
// the alert views: alert names, label keys and values, annotations (a URL
// one too), receivers, the generator URL, silence matchers, authors and
// comments, an ack note, a pending Prometheus alert and a rule expression.
func hostileFixture(h string) (models.GettableAlerts, models.GettableSilences, []v1.Alert, map[string][]v1.AlertingRule) {
	silID, ackID := "11111111-2222-3333-4444-555555555555", "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
	mk := func(name string, silenced []string, extra map[string]string) *models.GettableAlert {
		labels := map[string]string{"alertname": name, "severity": "critical", "service": h, "instance": h, "x" + h: h}
		for k, v := range extra {
			labels[k] = v
		}
		a := amAlert(fxAlert{Labels: labels, Summary: h, Age: 5 * time.Minute, SilencedBy: silenced})
		a.Annotations["description"] = h
		a.Annotations["runbook_url"] = "hostile.md"
		a.Annotations["dashboard"] = "https://grafana.example/d/x?var=" + h
		a.GeneratorURL = strfmt.URI("http://prometheus:9090/graph?g0.expr=" + h)
		a.Receivers = []*models.ReceiverReference{{Name: sp(h)}}
		return a
	}
	as := models.GettableAlerts{
		mk("Hostile"+h, nil, nil),
		mk(h, []string{silID}, map[string]string{"team": "a"}),
		mk("Acked", []string{ackID}, map[string]string{"team": "b"}),
	}
	as = append(as, amAlert(fxAlert{Labels: map[string]string{"alertname": "Inhibited", "severity": "warning", "service": h}, Summary: h, Age: time.Minute, InhibitedBy: []string{*as[0].Fingerprint, h}}))
	active := models.SilenceStatusStateActive
	yes, no := true, false
	m := func(n, v string) *models.Matcher {
		return &models.Matcher{Name: sp(n), Value: sp(v), IsRegex: &no, IsEqual: &yes}
	}
	sils := models.GettableSilences{
		{ID: sp(silID), Status: &models.SilenceStatus{State: &active}, UpdatedAt: dt(fixedNow.Add(-time.Hour)),
			Silence: models.Silence{Matchers: models.Matchers{m("alertname", h), m("x"+h, h)}, CreatedBy: sp(h), Comment: sp(h),
				StartsAt: dt(fixedNow.Add(-time.Hour)), EndsAt: dt(fixedNow.Add(time.Hour))}},
		{ID: sp(ackID), Status: &models.SilenceStatus{State: &active}, UpdatedAt: dt(fixedNow.Add(-time.Minute)),
			Silence: models.Silence{Matchers: models.Matchers{m("alertname", "Acked")}, CreatedBy: sp(h), Comment: sp("ACK! " + h + ": " + h),
				StartsAt: dt(fixedNow.Add(-time.Minute)), EndsAt: dt(fixedNow.Add(time.Hour))}},
	}
	prom := []v1.Alert{{
		Labels: model.LabelSet{"alertname": model.LabelValue("Pending" + h), "severity": "warning", "service": model.LabelValue(h)},
		State:  v1.AlertStatePending, ActiveAt: fixedNow.Add(-30 * time.Second), Annotations: model.LabelSet{"summary": model.LabelValue(h)},
	}}
	rules := map[string][]v1.AlertingRule{"Hostile" + h: {{Name: "Hostile" + h, Query: h, Duration: 60}}}
	return as, sils, prom, rules
}

// hostileModel is a model holding the hostile fixture, with the budget,
// runbook, handoff and note screens registered; runbooks are read from a
// directory whose runbook holds the hostile string too.
func hostileModel(t *testing.T, w, h int, dark bool, text string) *Model {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "hostile.md"), []byte("# Hostile "+text+"\n\n"+text+"\n\n```promql\nup{job=\""+text+"\"}\n```\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := config.Defaults()
	cfg.CurrentContext = "prod"
	cfg.Identity.User = "alice@bastion"
	ho := handoff.Options{JournalPath: filepath.Join(dir, "journal.jsonl")}
	entries := []kit.Entry{
		budget.Entry(budget.Options{}),
		runbook.Entry(runbook.Options{Finder: runbooks.NewFinder(runbooks.Options{Paths: []string{dir}})}),
		handoff.Entry(ho), handoff.NotesEntry(ho),
	}
	zero := time.Duration(0)
	m, err := New(Deps{Config: cfg, Now: func() time.Time { return fixedNow }, Entries: entries, Actions: fakeActions()},
		Options{Dark: &dark, NoFetch: true, Grace: &zero})
	if err != nil {
		t.Fatal(err)
	}
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	m.SetData(hostileFixture(text))
	return m
}

// settleWithin is settle with the quiet period that ends it: views with no
// network I/O settle in a few milliseconds (the only long command left
// running is a status message's expiry tick).
func settleWithin(m *Model, cmd tea.Cmd, quiet time.Duration) {
	d := &driver{m: m, msgs: make(chan tea.Msg, 256), done: make(chan struct{})}
	defer close(d.done)
	d.run(cmd)
	for {
		select {
		case msg := <-d.msgs:
			if _, ok := msg.(tickMsg); ok {
				continue
			}
			_, c := m.Update(msg)
			d.run(c)
			continue
		default:
		}
		if d.busy.Load() == 0 && len(d.msgs) == 0 {
			return // every command finished and its message was applied
		}
		select {
		case msg := <-d.msgs:
			if _, ok := msg.(tickMsg); ok {
				continue
			}
			_, c := m.Update(msg)
			d.run(c)
		case <-time.After(quiet):
			return
		}
	}
}

// pressSettle presses keys, letting the commands they start finish.
func pressSettle(m *Model, keys ...string) { pressSettleWithin(m, 300*time.Millisecond, keys...) }

func pressSettleWithin(m *Model, quiet time.Duration, keys ...string) {
	for _, k := range keys {
		_, cmd := m.Update(keyMsg(k))
		settleWithin(m, cmd, quiet)
	}
}

// TestHostileTextNeverReachesTheTerminal renders every view — alert list,
// detail, filter, silences, the silence, expire, extend and help dialogs,
// the budget, runbook, handoff and note screens — holding each hostile
// string of the corpus, at 80×24 and 160×48, dark and light, and checks
// that nothing but oncall's own styling and safe links reaches the output.
func TestHostileTextNeverReachesTheTerminal(t *testing.T) {
	views := []struct {
		name string
		keys []string
		mark bool // the hostile string's marker must show
	}{
		{"alerts", nil, true},
		{"detail", []string{"enter"}, true},
		{"detail-scrolled", []string{"enter", "tab", "G"}, false},
		{"filter", []string{"/", "p", "w", "n", "enter"}, true},
		{"silences", []string{"S"}, true},
		{"silence-dialog", []string{"s"}, true},
		{"expire-dialog", []string{"S", "x"}, true},
		{"extend-dialog", []string{"S", "e"}, false},
		{"help", []string{"?"}, false},
		{"budget", []string{"b"}, false},
		{"runbook", []string{"R"}, false},
		{"handoff", []string{"H"}, false},
		{"note", []string{"n"}, false},
	}
	for _, e := range corpus.All() {
		t.Run(e.Name, func(t *testing.T) {
			// Both sizes (the narrow layout differs), each in one theme:
			// the theme changes colours, not what text is drawn.
			for _, sz := range []struct {
				w, h int
				dark bool
			}{{80, 24, true}, {160, 48, false}} {
				for _, dark := range []bool{sz.dark} {
					for _, v := range views {
						m := hostileModel(t, sz.w, sz.h, dark, e.Text)
						pressSettleWithin(m, 30*time.Millisecond, v.keys...)
						out := m.Render()
						if err := corpus.LeakOf(out, e); err != nil {
							t.Errorf("%s %dx%d dark=%v: %v", v.name, sz.w, sz.h, dark, err)
							continue
						}
						if v.mark && !strings.Contains(out, "pwn") {
							t.Errorf("%s %dx%d: the hostile text is not shown at all (so not tested):\n%s", v.name, sz.w, sz.h, plain(out))
						}
					}
				}
			}
		})
	}
}

// TestHostileLogsAndTraces: log lines, stream labels and structured
// metadata from Loki, and span tags from Jaeger, holding every corpus
// string, render without leaking in the logs screen (list, wrapped, line
// detail), the error-trace list, and the trace screen (waterfall, logs,
// span detail).
func TestHostileLogsAndTraces(t *testing.T) {
	set := backends.Start(t)
	now := time.Now()
	for i, e := range corpus.All() {
		set.Loki.Push(map[string]string{"job": "hostile", "pod": e.Text}, now.Add(-time.Duration(len(corpus.All())-i)*time.Second),
			fmt.Sprintf("%s trace_id=%s %s", e.Text, set.Jaeger.TraceID, e.Text), map[string]string{"meta": e.Text})
		set.Jaeger.SetTag("tag."+e.Name, e.Text)
		set.Jaeger.SetTag(e.Text, e.Name)
	}
	lc, err := loki.New(loki.Config{URL: set.URL(backends.Loki), Client: set.Client(backends.Loki, 10*time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	jc, err := jaeger.NewHTTP(jaeger.Config{URL: set.URL(backends.Jaeger), Client: set.Client(backends.Jaeger, 10*time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	for _, sz := range []struct{ w, h int }{{80, 24}, {160, 48}} {
		for _, dark := range []bool{true, false} {
			cfg := config.Defaults()
			cfg.CurrentContext = "prod"
			entries := []kit.Entry{
				logs.Entry(logs.Options{Client: lc, AlertSelector: `{job="hostile"}`, Timeout: 10 * time.Second}),
				trace.Entry(trace.Options{Jaeger: jc, Loki: lc, TraceSelector: `{job="hostile"}`, Timeout: 10 * time.Second}),
				traces.Entry(traces.Options{Jaeger: jc, Timeout: 10 * time.Second}),
			}
			zero := time.Duration(0)
			m, err := New(Deps{Config: cfg, Now: time.Now, Entries: entries}, Options{Dark: &dark, NoFetch: true, Grace: &zero})
			if err != nil {
				t.Fatal(err)
			}
			m.Update(tea.WindowSizeMsg{Width: sz.w, Height: sz.h})
			as, sils, prom, rules := hostileFixture("conectcrm-backend")
			m.SetData(as, sils, prom, rules)
			check := func(view string) {
				t.Helper()
				out := m.Render()
				if err := corpus.LeakOf(out, corpus.All()...); err != nil {
					t.Errorf("%s %dx%d dark=%v: %v", view, sz.w, sz.h, dark, err)
				}
			}
			_, cmd := m.Update(keyMsg("l"))
			ls := m.ScreenNamed(logs.Name).(*logs.Screen)
			d := newDriver(t, m)
			d.run(cmd)
			d.until("the logs to load", 20*time.Second, func() bool { return !ls.State().Loading })
			if s := ls.State(); s.Lines == 0 {
				t.Fatalf("no log lines loaded: err=%q loaded=%v q=%q sel=%v\n%s", s.Err, s.Loaded, s.Query, m.Selected() != nil, plain(m.Render()))
			}
			for _, step := range []struct {
				name string
				keys []string
			}{{"logs", nil}, {"logs-top", []string{"g"}}, {"logs-wrapped", []string{"w"}}, {"logs-detail", []string{"enter"}}, {"logs-detail-end", []string{"G"}}} {
				pressSettle(m, step.keys...)
				check(step.name)
			}
			pressSettle(m, "esc", "esc", "esc")
			pressSettle(m, "T")
			check("error-traces")
			tr := m.ScreenNamed(trace.Name).(*trace.Screen)
			td := newDriver(t, m)
			td.run(kit.OpenTrace(set.Jaeger.TraceID, "", time.Time{}))
			td.until("the trace and its logs to load", 20*time.Second, func() bool {
				busy, logsBusy := tr.Loading()
				return tr.TraceID() != "" && !busy && !logsBusy
			})
			if spans, lines := tr.Size(); spans == 0 || lines == 0 {
				te, le := tr.Errors()
				t.Fatalf("trace not loaded: err %q, logs err %q", te, le)
			}
			check("trace")
			for _, step := range []string{"j", "enter", "G", "tab", "G"} {
				pressSettle(m, step)
				check("trace after " + step)
			}
		}
	}
}
