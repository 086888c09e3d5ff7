package graph

import (
	"testing"

	"oncall/tui/tuitest"
)

// openDetail is the detail of the first alert (APIDown) with its graph and
// history: beside the list from 120 columns, on its own below.
func openDetail(t *testing.T, w, h int, dark bool) *tuitest.Driver {
	t.Helper()
	d := startIncident(t).session(t, setup{w: w, h: h, dark: dark})
	if w < 120 {
		d.Press("enter")
	}
	return graphed(d)
}

// openFull is APIDown's graph full screen, the cursor five columns left
// of the latest values.
func openFull(t *testing.T, w, h int, dark bool) *tuitest.Driver {
	t.Helper()
	d := startIncident(t).session(t, setup{w: w, h: h, dark: dark})
	return d.Press("P").UntilScreen("query: ").Press("left", "left", "left", "left", "left", "left")
}

// openFlapping is the detail of backend-2's HighMemoryUsage: seven
// episodes in 24h, flapping, its strip full of them.
func openFlapping(t *testing.T, w, h int, dark bool) *tuitest.Driver {
	t.Helper()
	d := startIncident(t).session(t, setup{w: w, h: h, dark: dark})
	d.SelectAlert("HighMemoryUsage")
	if w < 120 {
		d.Press("enter")
	}
	return graphed(d).UntilScreen("flapping")
}

func TestDetailHistoryGolden(t *testing.T) {
	tuitest.Views(t, "detail-history", openFlapping)
	noColorFrames(t, "detail-history", openFlapping)
}

func TestDetailGraphGolden(t *testing.T) {
	tuitest.Views(t, "detail-graph", openDetail)
	noColorFrames(t, "detail-graph", openDetail)
}

func TestFullScreenGolden(t *testing.T) {
	tuitest.Views(t, "graph", openFull)
	noColorFrames(t, "graph", openFull)
}

// ? on the graph screen lists its keys first.
func TestGraphHelpGolden(t *testing.T) {
	tuitest.Help(t, "graph-help", openFull, "Graph", "next range: 1h 6h 24h 7d", "cursor left", "cursor to the end", "query again", "alert graph")
}

// openLogBased is the detail of the log-based DatabaseTooManyClients: its
// LogQL rule's graph run on the simulated Loki, and no history in
// Prometheus's ALERTS (Loki's ruler writes none without remote_write).
func openLogBased(t *testing.T, w, h int, dark bool) *tuitest.Driver {
	t.Helper()
	in := startIncident(t)
	lc, r := in.startLoki(t)
	d := in.session(t, setup{w: w, h: h, dark: dark, opts: Options{Loki: lc}, ruler: r})
	d.SelectAlert("DatabaseTooManyClients")
	if w < 120 {
		d.Press("enter")
	}
	return graphed(d).UntilScreen("none in Prometheus' ALERTS")
}

func TestDetailLogBasedGolden(t *testing.T) {
	tuitest.Views(t, "detail-loki", openLogBased)
}
