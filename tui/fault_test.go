package tui

import (
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"oncall/internal/config"
	"oncall/internal/testkit/backends"
	"oncall/internal/testkit/faulty"
	"oncall/internal/watch"
	"oncall/sources/alertmanager"
	"oncall/sources/jaeger"
	"oncall/sources/loki"
	"oncall/sources/prometheus"
	"oncall/tui/kit"
	"oncall/tui/screens/logs"
	"oncall/tui/screens/trace"
	"oncall/tui/screens/traces"
)

// driver runs a Model the way bubbletea does: every command in its own
// goroutine (a batch fans out), every message back through Update on the
// test's goroutine. Ticks are dropped so the test decides when to refresh.
type driver struct {
	t    testing.TB
	m    *Model
	msgs chan tea.Msg
	done chan struct{}
	// busy counts commands still running (a tick counts until it fires).
	busy atomic.Int64
}

func newDriver(t testing.TB, m *Model) *driver {
	d := &driver{t: t, m: m, msgs: make(chan tea.Msg, 1024), done: make(chan struct{})}
	t.Cleanup(func() { close(d.done) })
	return d
}

// startLive builds a dark 160×48 session on d's real sources (no dialog
// grace), stopped at the end of the test, and starts it: Init runs.
func startLive(t *testing.T, d Deps, o Options) (*Model, *driver) {
	t.Helper()
	dark, zero := true, time.Duration(0)
	o.Dark, o.Grace = &dark, &zero
	m, err := New(d, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Stop)
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 48})
	drv := newDriver(t, m)
	drv.run(m.Init())
	return m, drv
}

// run executes cmd concurrently; its messages arrive in d.msgs.
func (d *driver) run(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	d.busy.Add(1)
	go func() {
		defer d.busy.Add(-1)
		msg := cmd()
		if b, ok := msg.(tea.BatchMsg); ok {
			for _, c := range b {
				d.run(c)
			}
			return
		}
		if msg == nil {
			return
		}
		select {
		case d.msgs <- msg:
		case <-d.done:
		}
	}()
}

// key sends a key press through Update and returns how long Update plus
// the frame it causes took: the UI's answer time.
func (d *driver) key(k string) time.Duration {
	start := time.Now()
	_, cmd := d.m.Update(keyMsg(k))
	_ = d.m.Render()
	took := time.Since(start)
	d.run(cmd)
	return took
}

// drain applies the messages that already arrived.
func (d *driver) drain() {
	for {
		select {
		case msg := <-d.msgs:
			if _, ok := msg.(tickMsg); ok {
				continue
			}
			_, cmd := d.m.Update(msg)
			d.run(cmd)
		default:
			return
		}
	}
}

// until applies messages until cond holds, failing after timeout.
func (d *driver) until(what string, timeout time.Duration, cond func() bool) {
	d.t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for !cond() {
		select {
		case msg := <-d.msgs:
			if _, ok := msg.(tickMsg); ok {
				continue
			}
			_, cmd := d.m.Update(msg)
			d.run(cmd)
		case <-deadline.C:
			d.t.Fatalf("after %v: still waiting for %s\n%s", timeout, what, plain(d.m.Render()))
		}
	}
}

// faultSlots bounds how many fault cases run at once.
var faultSlots = make(chan struct{}, 4)

// faultTimeout is every client's timeout in the matrix. The 200 MB case
// gets longer: its 64 MiB must be read (through TLS, with the race
// detector, beside other cases) before the cap can refuse the rest, and a
// timeout there would hide the error the test wants to see.
const faultTimeout = 2 * time.Second

func timeoutFor(f faulty.Fault) time.Duration {
	if f == faulty.Huge {
		return 20 * time.Second
	}
	return faultTimeout
}

// liveModel is a root model on the four backends, with the logs and the
// trace screens, driven concurrently, after every source answered once.
func liveModel(t *testing.T, set *backends.Set, timeout time.Duration) (*Model, *driver) {
	t.Helper()
	m, d := newLiveModel(t, set, timeout)
	d.run(m.Init())
	d.until("every source to answer", 20*time.Second, func() bool {
		return allHealthy(m)
	})
	for range len(m.merged) {
		if a := m.Selected(); a != nil && a.Name() == "APIDown" {
			break
		}
		d.key("j")
	}
	if a := m.Selected(); a == nil || a.Name() != "APIDown" {
		t.Fatalf("APIDown not in the list:\n%s", plain(m.Render()))
	}
	return m, d
}

// newLiveModel builds the model and its driver; nothing runs yet.
func newLiveModel(t *testing.T, set *backends.Set, timeout time.Duration) (*Model, *driver) {
	t.Helper()
	am, err := alertmanager.New(alertmanager.Config{URLs: []string{set.URL(backends.Alertmanager)}, Client: set.Client(backends.Alertmanager, timeout)})
	if err != nil {
		t.Fatal(err)
	}
	prom, err := prometheus.New(prometheus.Config{URL: set.URL(backends.Prometheus), Client: set.Client(backends.Prometheus, timeout)})
	if err != nil {
		t.Fatal(err)
	}
	lc, err := loki.New(loki.Config{URL: set.URL(backends.Loki), Client: set.Client(backends.Loki, timeout)})
	if err != nil {
		t.Fatal(err)
	}
	jc, err := jaeger.NewHTTP(jaeger.Config{URL: set.URL(backends.Jaeger), Client: set.Client(backends.Jaeger, timeout)})
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Defaults()
	cfg.CurrentContext = "prod"
	cfg.Identity.User = "alice@bastion"
	entries := []kit.Entry{
		logs.Entry(logs.Options{Client: lc, AlertSelector: `{service_name="{{ .Labels.service }}"}`, Timeout: 2 * timeout}),
		trace.Entry(trace.Options{Jaeger: jc, Loki: lc, TraceSelector: `{service_name=~".+"}`, Timeout: 2 * timeout}),
		traces.Entry(traces.Options{Jaeger: jc, Timeout: 2 * timeout}),
	}
	dark := true
	zero := time.Duration(0)
	cfg.Refresh = config.Duration(time.Hour)
	m, err := New(Deps{Config: cfg, AM: am, Prom: prom, Entries: entries}, Options{Dark: &dark, Grace: &zero, FetchTimeout: 2 * timeout})
	if err != nil {
		t.Fatal(err)
	}
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 48})
	return m, newDriver(t, m)
}

// sourceState reads what the UI shows of one source: its error and
// whether a fetch is still running.
func sourceState(m *Model, source string) (errText string, busy bool) {
	switch source {
	case backends.Alertmanager, backends.Prometheus:
		names := []string{watch.SrcAM, watch.SrcSil}
		if source == backends.Prometheus {
			names = []string{watch.SrcProm, watch.SrcRules}
		}
		for _, n := range names {
			h := srcHealth(m, n)
			busy = busy || h.InFlight
			if h.Err != "" && errText == "" {
				errText = h.Err
			}
		}
		return errText, busy
	case backends.Loki:
		s := m.ScreenNamed(logs.Name).(*logs.Screen).State()
		return s.Err, s.Loading
	default:
		s := m.ScreenNamed(traces.Name).(*traces.Screen)
		return s.Err(), s.Loading()
	}
}

// openSource shows the source's data and waits for it: the alert list for
// Alertmanager and Prometheus, the logs or the error traces of APIDown.
func openSource(d *driver, source string) (staleMark string) {
	m := d.m
	switch source {
	case backends.Loki:
		d.key("l")
		d.until("the logs to load", 15*time.Second, func() bool {
			s := m.ScreenNamed(logs.Name).(*logs.Screen).State()
			return s.Loaded && !s.Loading
		})
		return "ECONNREFUSED"
	case backends.Jaeger:
		d.key("T")
		d.until("the error traces to load", 15*time.Second, func() bool {
			s := m.ScreenNamed(traces.Name).(*traces.Screen)
			return !s.Loading() && s.Len() > 0
		})
		return "POST /api/leads"
	}
	return "APIDown"
}

// TestUIFaultMatrix: for each source and each fault, while the failing
// fetch is in flight the UI answers keys within 100 ms; the failure shows
// as one clear line for that source only, its last good data stays on
// screen, the other sources stay healthy, and the next refresh after the
// fault clears recovers by itself.
func TestUIFaultMatrix(t *testing.T) {
	if testing.Short() {
		t.Skip("fault matrix")
	}
	for _, source := range backends.Sources() {
		for _, f := range faulty.All() {
			t.Run(source+"/"+f.String(), func(t *testing.T) {
				// The 200 MB cases read 64 MiB each (with the race
				// detector): run them alone, before the others, so they
				// do not starve the timing of their neighbours.
				if f != faulty.Huge {
					t.Parallel()
					faultSlots <- struct{}{} // at most four cases at once on a small machine
					defer func() { <-faultSlots }()
				}
				set := backends.Start(t)
				m, d := liveModel(t, set, timeoutFor(f))
				stale := openSource(d, source)
				if err := set.Inject(source, f); err != nil {
					t.Fatal(err)
				}
				d.key("r") // refresh: the list's sources, or the screen's reload
				// The answer time of a key is Update plus the frame. A
				// blocking fetch would hold every key for the whole
				// timeout (seconds), so the median of ten keys is judged:
				// one key delayed by a GC pause of a neighbouring case on
				// a 2-core machine is noise, not a UI that waits on I/O.
				took := make([]time.Duration, 10)
				for i := range took {
					k := []string{"j", "k"}[i%2]
					if source == backends.Alertmanager || source == backends.Prometheus {
						k = []string{"j", "k", "tab", "tab"}[i%4]
					}
					took[i] = d.key(k)
				}
				slices.Sort(took)
				if med := took[len(took)/2]; med > 100*time.Millisecond {
					t.Errorf("keys took %v (median) to answer while a fetch was in flight; all: %v", med, took)
				}
				d.until("the failure to show", 20*time.Second, func() bool {
					e, busy := sourceState(m, source)
					return e != "" && !busy
				})
				errText, _ := sourceState(m, source)
				if e := backends.ClearError(f, errText); e != nil {
					t.Error(e)
				}
				out := plain(m.Render())
				if !strings.Contains(out, stale) {
					t.Errorf("the last good data (%q) is gone:\n%s", stale, out)
				}
				checkOthersHealthy(t, d, source)

				if err := set.Clear(source); err != nil {
					t.Fatal(err)
				}
				d.key("r")
				d.until("recovery", 20*time.Second, func() bool {
					e, busy := sourceState(m, source)
					return e == "" && !busy
				})
				if out := plain(m.Render()); strings.Contains(out, "✗") || !strings.Contains(out, stale) {
					t.Errorf("after recovery the screen still shows a failure or lost its data:\n%s", out)
				}
			})
		}
	}
}

// checkOthersHealthy: the failure of one source leaves the others alone and
// the rest of the UI working.
func checkOthersHealthy(t *testing.T, d *driver, source string) {
	t.Helper()
	m := d.m
	for _, n := range []string{watch.SrcAM, watch.SrcSil, watch.SrcProm, watch.SrcRules} {
		own := (source == backends.Alertmanager && (n == watch.SrcAM || n == watch.SrcSil)) || (source == backends.Prometheus && (n == watch.SrcProm || n == watch.SrcRules))
		if h := srcHealth(m, n); !own && !h.OK {
			t.Errorf("%s failing made %s unhealthy", source, n)
		}
	}
	out := plain(m.Render())
	switch source {
	case backends.Alertmanager, backends.Prometheus:
		if !strings.Contains(out, "stale: ") || !strings.Contains(out, "✗") {
			t.Errorf("the status bar does not mark %s stale:\n%s", source, out)
		}
		// each of these sources has two feeds (alerts+silences, alerts+rules)
		if n := strings.Count(faultStatusLine(out), "✗"); n != 2 {
			t.Errorf("%d feeds marked ✗, want the 2 of %s:\n%s", n, source, out)
		}
	default:
		if strings.Contains(faultStatusLine(out), "✗") {
			t.Errorf("a %s failure marks the alert sources failed:\n%s", source, out)
		}
	}
	d.key("S")
	if out := plain(m.Render()); !strings.Contains(out, "LowTraffic") && !strings.Contains(out, "maintenance") && !strings.Contains(out, "ACK!") {
		t.Errorf("the silences view does not work while %s fails:\n%s", source, out)
	}
	d.key("esc")
	if out := plain(m.Render()); !strings.Contains(out, "APIDown") {
		t.Errorf("the alert list does not work while %s fails:\n%s", source, out)
	}
	if name := screenOf(source); name != "" {
		m.Show(name) // back to the failing screen as the operator left it
	}
}

// screenOf names the screen that shows a source ("" for the alert list).
func screenOf(source string) string {
	switch source {
	case backends.Loki:
		return logs.Name
	case backends.Jaeger:
		return traces.Name
	}
	return ""
}

func faultStatusLine(s string) string {
	ls := strings.Split(s, "\n")
	return ls[len(ls)-1]
}

// TestFanOutIsParallel: with all four sources answering in 200 ms, the
// alert list (Alertmanager alerts and silences, Prometheus alerts and
// rules, from Init's batch) and a trace with its logs (Jaeger and Loki,
// opened at the same moment) are all filled within 800 ms of start with a
// 500 ms delay each: the fetches run side by side, not one after another
// (which takes 2 s+). The margins allow a loaded machine and -race.
func TestFanOutIsParallel(t *testing.T) {
	set := backends.Start(t)
	m, d := newLiveModel(t, set, faultTimeout)
	const delay = 500 * time.Millisecond
	set.Sim.Alertmanager.SetDelay(delay)
	set.Sim.Prometheus.SetDelay(delay)
	set.Front[backends.Loki].SetDelay(delay)
	set.Front[backends.Jaeger].SetDelay(delay)
	bound := 800 * time.Millisecond
	if raceEnabled() {
		bound = 1500 * time.Millisecond // still under the 2 s of serial fetches
	}
	start := time.Now()
	d.run(m.Init())
	d.run(kit.OpenTrace(set.Jaeger.TraceID, "", time.Time{}))
	tr := m.ScreenNamed(trace.Name).(*trace.Screen)
	d.until("every pane to fill", 10*time.Second, func() bool {
		if !allHealthy(m) {
			return false
		}
		busy, logsBusy := tr.Loading()
		spans, _ := tr.Size()
		return !busy && !logsBusy && spans > 0
	})
	took := time.Since(start)
	if te, le := tr.Errors(); te != "" || le != "" {
		t.Fatalf("trace err %q, logs err %q", te, le)
	}
	if _, lines := tr.Size(); lines == 0 {
		t.Fatal("the trace's logs are empty")
	}
	if len(m.Alerts()) == 0 || len(m.Silences()) == 0 {
		t.Fatalf("%d alerts, %d silences", len(m.Alerts()), len(m.Silences()))
	}
	t.Logf("four sources at %v each: every pane filled in %v", delay, took)
	if took < delay {
		t.Fatalf("filled in %v, before the %v delay: the delay did not apply", took, delay)
	}
	if took > bound {
		t.Errorf("filled in %v, want under %v: fetches do not run in parallel", took, bound)
	}
}
