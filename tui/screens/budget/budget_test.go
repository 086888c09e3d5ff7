package budget

import (
	"errors"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"oncall/internal/alerts"
	"oncall/internal/config"
	"oncall/internal/httpx"
	"oncall/internal/slo"
	"oncall/internal/slo/promslo"
	"oncall/tui/kit"
	"oncall/tui/tuitest"
)

func TestBudgetGoldenViews(t *testing.T) {
	tuitest.Views(t, "budget", func(t *testing.T, w, h int, dark bool) *tuitest.Driver {
		d := opened(t, w, h, dark)
		text := d.Screen()
		for _, want := range []string{
			"Budget", "availability", "PAGE", "372×", "84.3×",
			"Burning 84.3× faster than sustainable; at this rate the",
			"-24h", "-12h", "┄ 14.4× page",
		} {
			if !strings.Contains(text, want) {
				t.Errorf("view lacks %q:\n%s", want, text)
			}
		}
		return d
	})
}

// flat is the plain text of a view with all whitespace (wrapping,
// padding) collapsed to single spaces.
func flat(s string) string { return strings.Join(strings.Fields(kit.Strip(s)), " ") }

func TestBudgetViewShowsEverySLOAndItsBurnRates(t *testing.T) {
	d, s := newDriver(t, 160, 48, true)
	d.Press("b")
	feed(d, s, results())
	text := kit.Strip(d.Render())
	rowOf := func(name string) string {
		for _, l := range strings.Split(text, "\n") {
			if strings.Contains(l, " "+name+" ") && strings.Contains(l, "%") {
				return l
			}
		}
		t.Fatalf("no row for %s in:\n%s", name, text)
		return ""
	}
	// One row per SLO with objective, SLI, budget bar and %, time, the
	// seven burn rates and the state.
	avail := rowOf("availability")
	for _, want := range []string{"99.9% 30d", "99.938%", "█", "38%", "16m 28s", "372×", "164×", "84.3×", "44.4×", "17.7×", "4.01×", "1.67×", "PAGE"} {
		if !strings.Contains(avail, want) {
			t.Errorf("availability row lacks %q: %q", want, avail)
		}
	}
	if r := rowOf("crm-checkout"); !strings.Contains(r, "TICKET") || !strings.Contains(r, "99.95% 4w") {
		t.Errorf("crm-checkout row: %q", r)
	}
	if r := rowOf("gateway-availability"); !strings.Contains(r, " ok") || !strings.Contains(r, "80%") {
		t.Errorf("gateway row: %q", r)
	}
	if !strings.Contains(text, "search-latency") || !strings.Contains(text, "ERROR") {
		t.Errorf("failing SLO not shown as an error:\n%s", text)
	}
	// Opened on APIDown, the screen shows its SLO's sentence; g goes to the first.
	if !strings.Contains(flat(d.Render()), "Burning 84.3× faster than sustainable; at this rate the 30-day budget is gone in 3h 15m.") {
		t.Errorf("availability sentence missing:\n%s", text)
	}
	d.Press("g")
	if !strings.Contains(flat(d.Render()), "Within budget: burning 0.7× the sustainable rate; 80% of the 30-day budget remains.") {
		t.Errorf("gateway sentence missing:\n%s", kit.Strip(d.Render()))
	}
}

func TestBudgetKeys(t *testing.T) {
	d, s := newDriver(t, 120, 40, true)
	d.Press("b")
	if d.M.Shown() != Name {
		t.Fatalf("b did not open the budget screen (showing %q)", d.M.Shown())
	}
	feed(d, s, results())
	d.Press("g")
	steps := []struct {
		key  string
		want string
	}{
		{"j", "availability"}, {"j", "search-latency"}, {"j", "crm-checkout"}, {"j", "crm-checkout"},
		{"k", "search-latency"}, {"g", "gateway-availability"}, {"k", "gateway-availability"}, {"G", "crm-checkout"},
		{"down", "crm-checkout"}, {"up", "search-latency"},
	}
	for i, st := range steps {
		d.Press(st.key)
		if got := s.Selected(); got != st.want {
			t.Fatalf("step %d (%s): selected %q, want %q", i, st.key, got, st.want)
		}
		if !strings.Contains(kit.Strip(d.Render()), "▸ "+st.want) {
			t.Fatalf("step %d: cursor not on %s", i, st.want)
		}
	}
	d.Press("k")
	if text := kit.Strip(d.Render()); !strings.Contains(text, "Burning 84.3×") {
		t.Errorf("selecting availability did not show its sentence:\n%s", text)
	}
	d.Press("esc")
	if d.M.Shown() != "" || !strings.Contains(d.Screen(), "APIDown") {
		t.Errorf("esc left %q shown, want the alert list:\n%s", d.M.Shown(), d.Screen())
	}
	// Reopening keeps the data and the selection.
	d.Press("b")
	if s.Selected() != "availability" || len(s.rows) != 4 {
		t.Errorf("reopened on %q with %d rows", s.Selected(), len(s.rows))
	}
}

func TestBudgetOpensOnTheAlertsSLO(t *testing.T) {
	d, s := newDriver(t, 160, 48, true)
	feed(d, s, results()) // the tick evaluates before the screen opens
	if d.M.Selected() == nil || d.M.Selected().Name() != "APIDown" {
		t.Fatalf("fixture selects %v", d.M.Selected())
	}
	d.Press("b")
	if s.Selected() != "availability" {
		t.Errorf("opened on %q, want availability (linked to APIDown)", s.Selected())
	}
}

func TestBudgetDetailExtra(t *testing.T) {
	d, s := newDriver(t, 160, 48, true)
	detail := d.Screen // the wide layout shows the selected alert's detail
	if strings.Contains(detail(), "Error budget") {
		t.Fatalf("SLO lines before any evaluation:\n%s", detail())
	}
	feed(d, s, results())
	// The evaluation alone rebuilds the detail of the selected alert.
	got := detail()
	for _, want := range []string{"Error budget", "availability PAGE · 1h burn 84.3× · 38% of the budget left", "Burning 84.3× faster than sustainable"} {
		if !strings.Contains(got, want) {
			t.Errorf("APIDown detail lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "gateway-availability") {
		t.Errorf("APIDown detail shows an unlinked SLO:\n%s", got)
	}
	for i := 0; i < 10 && d.M.Selected().Name() != "HighMemoryUsage"; i++ {
		d.Press("j")
	}
	// HighMemoryUsage is linked to no SLO.
	if a := d.M.Selected(); a.Name() != "HighMemoryUsage" || strings.Contains(detail(), "Error budget") {
		t.Errorf("%v detail shows SLO lines:\n%s", a, detail())
	}
}

func TestBudgetRepliesAndFailures(t *testing.T) {
	d, s := newDriver(t, 160, 48, true)
	d.Press("b")
	if text := flat(d.Render()); !strings.Contains(text, "no Prometheus configured") {
		t.Errorf("no Prometheus: %s", text)
	}
	feed(d, s, results())

	// A reply to an older request is dropped.
	s.seq++
	d.Send(loadedMsg{seq: s.seq - 1, at: fixedNow, results: nil})
	if len(s.rows) != 4 {
		t.Fatalf("stale reply applied: %d rows", len(s.rows))
	}

	// A failed evaluation keeps the last figures, marked stale.
	res := results()
	res[1] = promslo.Result{Def: res[1].Def, Err: errors.New("slo availability: query over 5m: Post \"http://prom/api/v1/query\": context deadline exceeded")}
	d.Send(loadedMsg{seq: s.seq, at: fixedNow, results: res})
	r := s.rows[1]
	if r.status == nil || !r.stale || r.status.State != slo.StatePage {
		t.Fatalf("availability after a failure: status %v stale %v", r.status, r.stale)
	}
	if s.Selected() != "availability" {
		t.Fatalf("selected %q, want availability (opened on APIDown)", s.Selected())
	}
	text := kit.Strip(d.Render())
	for _, want := range []string{"PAGE (stale)", "✗ slo availability: query over 5m", "(showing the previous figures)"} {
		if !strings.Contains(text, want) {
			t.Errorf("view lacks %q:\n%s", want, text)
		}
	}

	// No SLO at all: the screen says how to add one.
	s.seq++
	d.Send(loadedMsg{seq: s.seq, at: fixedNow, discoverRan: true})
	if text := flat(d.Render()); !strings.Contains(text, `no SLO configured for context "prod" and none discovered`) || !strings.Contains(text, "[[contexts.prod.slo]]") {
		t.Errorf("no-SLO view:\n%s", text)
	}
	s.seq++
	d.Send(loadedMsg{seq: s.seq, at: fixedNow, discoverRan: true, discoverErr: errors.New("slo discovery: list rules: 403 forbidden")})
	if text := flat(d.Render()); !strings.Contains(text, "SLO discovery failed: slo discovery: list rules: 403 forbidden") {
		t.Errorf("discovery failure view:\n%s", text)
	}
}

func TestSLOLinks(t *testing.T) {
	al := func(ls ...string) *alerts.Alert {
		m := map[string]string{}
		for i := 0; i+1 < len(ls); i += 2 {
			m[ls[i]] = ls[i+1]
		}
		return &alerts.Alert{Labels: m}
	}
	cases := []struct {
		def  slo.Definition
		a    *alerts.Alert
		want bool
	}{
		{slo.Definition{Alerts: []string{"APIDown"}}, al("alertname", "APIDown"), true},
		{slo.Definition{Alerts: []string{"APIDown"}}, al("alertname", "APIDownSoon"), false},
		{slo.Definition{Alerts: []string{`severity="critical" service=~"crm.*"`}}, al("alertname", "X", "severity", "critical", "service", "crm-api"), true},
		{slo.Definition{Alerts: []string{`severity="critical" service=~"crm.*"`}}, al("alertname", "X", "severity", "critical", "service", "web"), false},
		{slo.Definition{Alerts: []string{`{slo="availability"}`}}, al("slo", "availability"), true},
		{slo.Definition{Name: "crm-checkout", Source: slo.SourceSloth}, al("sloth_id", "crm-checkout"), true},
		{slo.Definition{Name: "crm-checkout", Source: slo.SourceSloth}, al("sloth_service", "crm", "sloth_slo", "checkout"), true},
		{slo.Definition{Name: "crm-checkout", Source: slo.SourceSloth}, al("sloth_service", "crm", "sloth_slo", "login"), false},
		{slo.Definition{Name: "crm-checkout", Source: slo.SourceConfig}, al("sloth_id", "crm-checkout"), false},
		{slo.Definition{Alerts: []string{"APIDown"}}, nil, false},
	}
	for i, c := range cases {
		if got := newSLOLink(c.def).matches(c.a); got != c.want {
			t.Errorf("case %d: %v matches %v = %v, want %v", i, c.def.Alerts, c.a, got, c.want)
		}
	}
}

func TestBudgetFormats(t *testing.T) {
	for _, c := range []struct {
		sli, obj float64
		want     string
	}{{0.99938, 99.9, "99.938%"}, {0.9999, 99, "99.99%"}, {0.999949, 99.99, "99.9949%"}, {1, 99.9, "100.000%"}} {
		if got := formatSLI(c.sli, c.obj); got != c.want {
			t.Errorf("formatSLI(%g, %g) = %q, want %q", c.sli, c.obj, got, c.want)
		}
	}
	for _, c := range []struct {
		b    float64
		want string
	}{{372.4, "372×"}, {84.31, "84.3×"}, {0.5, "0.50×"}, {14.4, "14.4×"}} {
		if got := formatBurn(c.b); got != c.want {
			t.Errorf("formatBurn(%g) = %q, want %q", c.b, got, c.want)
		}
	}
	if got := ago(fixedNow.Add(-90*time.Second), fixedNow); got != "1m 30s ago" {
		t.Errorf("ago = %q", got)
	}
}

// The burn chart is tui/chart's: braille lines while colour tells the
// windows apart, a glyph per window in every column once Bubble Tea says
// the terminal has 16 colours (or NO_COLOR); the threshold and the
// outage's spike are drawn either way.
func TestBurnChartFollowsTheColourProfile(t *testing.T) {
	d := opened(t, 160, 48, true)
	chartOf := func() string {
		text := d.Screen()
		i := strings.Index(text, "Burn rate over the last 24h")
		if i < 0 {
			t.Fatalf("no burn chart:\n%s", text)
		}
		return text[i:]
	}
	braille := func(s string) bool {
		return strings.ContainsFunc(s, func(r rune) bool { return r >= 0x2801 && r <= 0x28FF })
	}
	c := chartOf()
	if !braille(c) || !strings.Contains(c, "┄┄┄") || !strings.Contains(c, "┄ 14.4× page") || !strings.Contains(c, "-24h") {
		t.Errorf("truecolor: want braille lines, the page threshold and the time axis:\n%s", c)
	}
	d.Send(tea.ColorProfileMsg{Profile: colorprofile.ANSI})
	c = chartOf()
	if braille(c) || !strings.Contains(c, "▪▪▪▪") || !strings.Contains(c, "┄ 14.4× page") {
		t.Errorf("16 colours: want a glyph per window, no braille:\n%s", c)
	}
	// The outage (372× on the 5m window) is drawn over the threshold, in
	// the last columns.
	rows := strings.Split(c, "\n")
	over := ""
	for _, r := range rows[1:] {
		if strings.Contains(r, "┄┄┄") {
			break
		}
		over += r + "\n"
	}
	if !strings.Contains(over, "·") || !strings.Contains(over, "100×") {
		t.Errorf("no 5m glyph over the threshold:\n%s", c)
	}
	d.Send(tea.ColorProfileMsg{Profile: colorprofile.TrueColor})
	if !braille(chartOf()) {
		t.Error("back to truecolor: no braille")
	}
}

func TestBudgetOpenedBeforeTheFiguresSelectsOnArrival(t *testing.T) {
	d, s := newDriver(t, 160, 48, true)
	d.Press("b") // on APIDown, before any evaluation
	if s.Selected() != "" {
		t.Fatalf("selected %q before data", s.Selected())
	}
	feed(d, s, results())
	if s.Selected() != "availability" {
		t.Errorf("selected %q, want availability (linked to APIDown)", s.Selected())
	}
	// Later evaluations keep the operator's choice.
	d.Press("g")
	feed(d, s, results())
	if s.Selected() != "gateway-availability" {
		t.Errorf("selection moved to %q", s.Selected())
	}
}

func TestBudgetErrorsHideSecrets(t *testing.T) {
	const token = "tok-9f8e7d6c5b4a"
	d, s := newDriver(t, 160, 48, true, func(c *config.Config) {
		c.Contexts["prod"] = &config.Context{Prometheus: config.Prometheus{URL: "http://prom:9090", ClientConfig: httpx.ClientConfig{BearerToken: token}}}
	})
	d.Press("b")
	res := results()
	res[1] = promslo.Result{Def: res[1].Def, Err: errors.New("slo availability: query over 5m: proxy said: bad token " + token + "\nsecond line")}
	feed(d, s, res)
	text := kit.Strip(d.Render())
	if strings.Contains(text, token) || !strings.Contains(text, "bad token [redacted] second line") {
		t.Errorf("error shown as:\n%s", text)
	}
}
