package graph

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"oncall/internal/alerts"
	"oncall/internal/config"
	"oncall/internal/graph"
	"oncall/tui/tuitest"
)

// The detail of the selected alert shows its rule's expression over the
// last hour, with the threshold and the pending and firing times, and its
// firing history; each alert's graph is queried once.
func TestDetailShowsTheAlertsGraphAndHistory(t *testing.T) {
	in := startIncident(t)
	d := graphed(in.session(t, setup{dark: true}))
	s := screenOf(t, d)
	text := d.Screen()
	for _, want := range []string{"Graph · last hour · P full screen", "┄ == 0", "P pending since 03:17:00", "F firing since 03:18:00",
		"history -24h ·····▄·················▄ now", "2 episodes in 24h · 2 in 7d · last resolved 18h40m ago"} {
		if !strings.Contains(text, want) {
			t.Errorf("detail lacks %q:\n%s", want, text)
		}
	}
	if s.seq != 1 || s.hist.seq != 1 {
		t.Fatalf("%d graph and %d history queries for one alert, want one each", s.seq, s.hist.seq)
	}
	// The next alert's graph is queried; coming back to APIDown is not.
	d.Press("j")
	graphed(d).UntilScreen("┄ > 0.05")
	d.Press("k")
	graphed(d).UntilScreen("┄ == 0")
	if s.seq != 2 || s.hist.seq != 1 {
		t.Errorf("after j k: %d graph queries (want 2: cached per alert) and %d history queries (want 1)", s.seq, s.hist.seq)
	}
}

// A pending alert has its graph too, marked where it went pending.
func TestPendingAlertsGraph(t *testing.T) {
	in := startIncident(t)
	d := graphed(in.session(t, setup{}))
	d.SelectAlert("RedisDown") // pending for 30s
	graphed(d).UntilScreen("RedisDown")
	text := d.Screen()
	if !strings.Contains(text, "P pending since 03:29:30") || strings.Contains(text, "F firing since") || !strings.Contains(text, "┄ == 0") {
		t.Errorf("the pending alert's graph:\n%s", text)
	}
	if !strings.Contains(text, "0 episodes in 24h · 0 in 7d · no firing in 7d") {
		t.Errorf("a pending alert that never fired:\n%s", text)
	}
}

// Without a rule source the detail says so in one line; with one that
// does not list the alert, it says that.
func TestNoRuleSaysSoInOneLine(t *testing.T) {
	in := startIncident(t)
	d := in.session(t, setup{noProm: true}).UntilScreen("graph: ")
	text := d.Screen()
	if !strings.Contains(text, "graph: no rules for this source (Alertmanager only)") ||
		strings.Contains(text, "history") || strings.Contains(text, "Graph ·") {
		t.Errorf("Alertmanager only:\n%s", text)
	}
	if s := screenOf(t, d); s.seq != 0 || s.hist.seq != 0 {
		t.Errorf("%d graph and %d history queries without a Prometheus", s.seq, s.hist.seq)
	}
	d = in.session(t, setup{noRules: true}).UntilScreen("graph: ").UntilScreen("history -24h")
	if text := d.Screen(); !strings.Contains(text, "graph: no rule of this context lists this alert") {
		t.Errorf("no rule listed:\n%s", text)
	}
}

// Scrolling through the list queries only the alert the detail stays on:
// a request is sent once the debounce is over, and only if the detail
// still shows the same alert.
func TestScrollingDoesNotQueryEveryAlert(t *testing.T) {
	in := startIncident(t)
	d := in.session(t, setup{noProm: false, opts: Options{Debounce: time.Hour}})
	s := screenOf(t, d)
	as := d.M.Alerts()
	var first, second *alerts.Alert
	for _, a := range as {
		if a.Rule != nil && first == nil {
			first = a
		} else if a.Rule != nil && second == nil {
			second = a
		}
	}
	if s.DetailShown(d.M, first, 60) == nil || s.DetailShown(d.M, second, 60) == nil {
		t.Fatal("no debounced request")
	}
	if cmd := s.Update(d.M, wantMsg{gen: s.want - 1, a: first}); cmd != nil || s.seq != 0 {
		t.Error("the alert scrolled past was queried")
	}
	if cmd := s.Update(d.M, wantMsg{gen: s.want, a: second}); cmd == nil || s.seq != 1 {
		t.Error("the alert the detail stayed on was not queried")
	}
	// A reply to an older request is dropped.
	e := s.graphs[entryKey(second, time.Hour)]
	s.Update(d.M, graphMsg{key: entryKey(second, time.Hour), seq: e.seq - 1, res: &graph.Result{Note: "stale"}})
	if e.res != nil {
		t.Errorf("a stale reply was applied: %+v", e.res)
	}
}

// The history is read once per cluster about once a minute, whatever the
// alerts shown; a read in flight is not repeated.
func TestHistoryIsReadAboutOnceAMinute(t *testing.T) {
	in := startIncident(t)
	d := graphed(in.session(t, setup{}))
	s := screenOf(t, d)
	d.Press("j")
	graphed(d).UntilScreen("┄ > 0.05")
	if cmd := s.Refresh(d.M); s.hist.seq != 1 {
		t.Fatalf("%d history reads within the minute (cmd %v)", s.hist.seq, cmd != nil)
	}
	s.hist.asked = s.hist.asked.Add(-61 * time.Second)
	cmd := s.Refresh(d.M)
	if s.hist.seq != 2 || cmd == nil {
		t.Fatalf("a minute later: %d reads", s.hist.seq)
	}
	s.hist.asked = s.hist.asked.Add(-61 * time.Second)
	if s.Refresh(d.M); s.hist.seq != 2 {
		t.Error("a second read started while one is in flight")
	}
	d.Run(cmd).Until("the read's reply", func() bool { return !s.hist.inFlight })
}

// o cycles to "episodes": the alerts that fired most in the last 24h come
// first. Started in that order, the list is re-sorted when the history
// arrives.
func TestSortByEpisodes(t *testing.T) {
	in := startIncident(t)
	d := graphed(in.session(t, setup{}))
	d.Press("o", "o", "o", "o").UntilScreen("sort: episodes")
	order(t, d, "HighMemoryUsage", "DatabaseConnectionsHigh", "APIDown")

	d = graphed(in.session(t, setup{edit: func(c *config.Config) { c.Alerts.Sort = "episodes" }}))
	order(t, d, "HighMemoryUsage", "DatabaseConnectionsHigh", "APIDown")
}

// order checks that the alert list shows names in this order.
func order(t *testing.T, d *tuitest.Driver, names ...string) {
	t.Helper()
	lines := strings.Split(d.Screen(), "\n")
	at := func(name string) int {
		row := regexp.MustCompile(`\d[smhd] +` + name + ` `) // the list's age column, then the name
		for i, l := range lines {
			if row.MatchString(l) {
				return i
			}
		}
		return -1
	}
	for i := 1; i < len(names); i++ {
		if a, b := at(names[i-1]), at(names[i]); a < 0 || b < 0 || a > b {
			t.Errorf("%s (line %d) is not above %s (line %d):\n%s", names[i-1], a, names[i], b, d.Screen())
		}
	}
}
