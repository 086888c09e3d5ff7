package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"oncall/internal/cli"
	"oncall/internal/demo"
	"oncall/sources/loki/lokitest"
)

// queryRanges are the query_range requests the fake saw.
func queryRanges(srv *lokitest.Server) []map[string]string {
	var out []map[string]string
	for _, r := range srv.Requests() {
		if r.Path == "/loki/api/v1/query_range" {
			out = append(out, map[string]string{"query": r.Query.Get("query"), "start": r.Query.Get("start"), "end": r.Query.Get("end"), "direction": r.Query.Get("direction"), "limit": r.Query.Get("limit")})
		}
	}
	return out
}

// levelLines pushes n lines a second apart from base, level alternating
// info, warn, error as a stream label.
func levelLines(srv *lokitest.Server, base time.Time, n int) {
	levels := []string{"info", "warn", "error"}
	for i := 0; i < n; i++ {
		lv := levels[i%3]
		srv.Push(map[string]string{"app": "api", "level": lv}, base.Add(time.Duration(i)*time.Second), fmt.Sprintf(`{"level":"%s","msg":"line %03d","user":"u%d"}`, lv, i, i), nil)
	}
}

func TestLogsFromToForwardAndOutputs(t *testing.T) {
	srv := lokitest.New()
	defer srv.Close()
	base := time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)
	levelLines(srv, base, 30)
	env := map[string]string{"ONCALL_LOKI_URL": srv.URL()}
	from, to := base.Add(5*time.Second), base.Add(25*time.Second)
	args := []string{"logs", "--query", `{app="api"}`, "--from", from.Format(time.RFC3339), "--to", to.Format(time.RFC3339)}

	// the window is exactly --from → --to; -o raw prints the lines as they are
	code, out, errOut := run(t, env, append(args, "-o", "raw")...)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 20 || lines[0] != `{"level":"error","msg":"line 005","user":"u5"}` || lines[19] != `{"level":"info","msg":"line 024","user":"u24"}` {
		t.Fatalf("exit %d, %d lines: %q…\n%s", code, len(lines), lines[0], errOut)
	}
	q := queryRanges(srv)[0]
	if q["start"] != strconv.FormatInt(from.UnixNano(), 10) || q["end"] != strconv.FormatInt(to.UnixNano(), 10) || q["direction"] != "backward" {
		t.Fatalf("asked %v", q)
	}
	if !strings.Contains(errOut, `{app="api"} · `) || !strings.Contains(errOut, "· 20 lines in ") {
		t.Fatalf("stderr should say the query, window, lines and time: %s", errOut)
	}

	// --limit backward keeps the newest and says which end was cut
	_, out, errOut = run(t, env, append(args, "-o", "raw", "--limit", "5")...)
	lines = strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 5 || !strings.Contains(lines[0], "line 020") || !strings.Contains(errOut, "--limit 5 reached: lines before") || !strings.Contains(errOut, "the newest are kept") {
		t.Fatalf("backward: %v\n%s", lines, errOut)
	}
	// --forward keeps the oldest
	srv.ResetRequests()
	_, out, errOut = run(t, env, append(args, "-o", "raw", "--limit", "5", "--forward")...)
	lines = strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 5 || !strings.Contains(lines[0], "line 005") || !strings.Contains(lines[4], "line 009") ||
		!strings.Contains(errOut, "--limit 5 reached: lines after") || queryRanges(srv)[0]["direction"] != "forward" {
		t.Fatalf("forward: %v\n%s", lines, errOut)
	}

	// jsonl, and json as its alias
	for _, o := range []string{"jsonl", "json"} {
		_, out, _ = run(t, env, append(args, "-o", o, "--limit", "2")...)
		lines = strings.Split(strings.TrimSpace(out), "\n")
		var v struct {
			Line   string            `json:"line"`
			Labels map[string]string `json:"labels"`
		}
		if len(lines) != 2 || json.Unmarshal([]byte(lines[1]), &v) != nil || !strings.Contains(v.Line, "line 024") || v.Labels["app"] != "api" {
			t.Fatalf("-o %s: %v", o, lines)
		}
	}

	// table: time, service, level, the readable line
	_, out, _ = run(t, env, append(args, "--limit", "1")...)
	if lines = strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 2 || !strings.HasPrefix(lines[0], "TIME") || !strings.Contains(lines[1], "info   line 024 user=u24") {
		t.Fatalf("table:\n%s", out)
	}
}

func TestLogsErrorsUsesThePlanner(t *testing.T) {
	srv := lokitest.New()
	defer srv.Close()
	levelLines(srv, time.Now().Add(-10*time.Minute), 30)
	code, out, errOut := run(t, map[string]string{"ONCALL_LOKI_URL": srv.URL()}, "logs", "--query", `{app="api"}`, "--errors", "-o", "raw")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 20 {
		t.Fatalf("exit %d, %d lines\n%s", code, len(lines), errOut)
	}
	for _, l := range lines {
		if strings.Contains(l, `"info"`) {
			t.Fatalf("an info line with --errors: %s", l)
		}
	}
	qs := queryRanges(srv)
	if got := qs[len(qs)-1]["query"]; got != `{app="api", level=~"error|warn"}` {
		t.Fatalf("sent %q, want the level stream label in the selector", got)
	}
	if !strings.Contains(errOut, "errors: level is a stream label of every stream") {
		t.Fatalf("stderr should say why: %s", errOut)
	}
}

func TestLogsOrgIDAndLabels(t *testing.T) {
	srv := lokitest.New(lokitest.WithTenant("acme"))
	defer srv.Close()
	levelLines(srv, time.Now().Add(-10*time.Minute), 6)
	env := map[string]string{"ONCALL_LOKI_URL": srv.URL()}
	code, _, errOut := run(t, env, "logs", "--query", `{app="api"}`)
	if code == 0 || !strings.Contains(errOut, "no org id") || !strings.Contains(errOut, "or pass --org-id") || strings.Count(strings.TrimSpace(errOut), "\n") > 1 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	code, out, errOut := run(t, env, "logs", "--query", `{app="api"}`, "--org-id", "acme", "-o", "raw")
	if code != 0 || len(strings.Split(strings.TrimSpace(out), "\n")) != 6 {
		t.Fatalf("with --org-id: exit %d\n%s%s", code, out, errOut)
	}
	srv.Push(map[string]string{"service_name": "db", "level": "error"}, time.Now().Add(-time.Minute), "x", nil)
	code, out, errOut = run(t, env, "logs", "labels", "--org-id", "acme")
	if code != 0 || out != "app\nlevel\nservice_name\n" {
		t.Fatalf("labels: exit %d %q %s", code, out, errOut)
	}
	code, out, _ = run(t, env, "logs", "labels", "level", "--org-id", "acme", "--query", `{app="api"}`, "-o", "json")
	var vals []string
	if code != 0 || json.Unmarshal([]byte(out), &vals) != nil || strings.Join(vals, ",") != "error,info,warn" {
		t.Fatalf("label values: exit %d %q", code, out)
	}
	code, _, errOut = run(t, env, "logs", "labels", "--since", "1h", "--from", "2026-11-26T03:00:00Z", "--org-id", "acme")
	if code == 0 || !strings.Contains(errOut, "--since or --from, not both") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}

func TestLogsRefusesBadWindowsAndFormats(t *testing.T) {
	env := map[string]string{"ONCALL_LOKI_URL": "http://127.0.0.1:9"}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--from", "yesterday"}, `--from "yesterday" is not an RFC3339 time`},
		{[]string{"--to", "03:00"}, `--to "03:00" is not an RFC3339 time`},
		{[]string{"--from", "2026-11-26T04:00:00Z", "--to", "2026-11-26T03:00:00Z"}, "--from must be before --to"},
		{[]string{"--since", "5m", "--from", "2026-11-26T03:00:00Z"}, "give --since or --from, not both"},
		{[]string{"-o", "yaml"}, `unknown output format "yaml": use table, raw or jsonl`},
		{[]string{"--whole-service"}, "--whole-service goes with --alert"},
	} {
		code, _, errOut := run(t, env, append([]string{"logs", "--query", `{a="b"}`}, c.args...)...)
		if code == 0 || !strings.Contains(errOut, c.want) || strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
			t.Errorf("%v: exit %d, stderr %q (want one line with %q)", c.args, code, errOut, c.want)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within 10s", what)
		}
	}
}

// --tail prints the window, then follows new lines; a dropped connection
// is reconnected and its gap said on stderr, the lines of the gap printed.
func TestLogsTailFollowsAndMarksGaps(t *testing.T) {
	srv := lokitest.New()
	defer srv.Close()
	levelLines(srv, time.Now().Add(-10*time.Minute), 3)
	for _, k := range []string{"ONCALL_CONFIG", "ONCALL_CONTEXT", "ONCALL_ALERTMANAGER_URL", "ONCALL_PROMETHEUS_URL", "ONCALL_JAEGER_URL", "ONCALL_JAEGER_GRPC"} {
		t.Setenv(k, "")
	}
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("ONCALL_LOKI_URL", srv.URL())
	var out, errOut syncBuffer
	app := &cli.App{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Getenv: os.Getenv}
	root := app.Root()
	root.SetArgs([]string{"logs", "--query", `{app="api"}`, "-f", "-o", "raw"})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()

	waitFor(t, "the window's lines", func() bool { return strings.Count(out.String(), "\n") == 3 })
	waitFor(t, "the tail", func() bool { return srv.TailCount() == 1 })
	srv.Push(map[string]string{"app": "api", "level": "error"}, time.Now(), "live one", nil)
	waitFor(t, "the live line", func() bool { return strings.Contains(out.String(), "live one\n") })

	srv.DropTails()
	srv.Push(map[string]string{"app": "api", "level": "error"}, time.Now(), "during the gap", nil)
	waitFor(t, "the gap on stderr", func() bool { return strings.Contains(errOut.String(), "tail reconnected (connection lost)") })
	waitFor(t, "the gap's line", func() bool { return strings.Contains(out.String(), "during the gap\n") })
	if strings.Contains(out.String(), "reconnected") {
		t.Fatal("the gap marker went to stdout")
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("interrupted tail: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the tail did not stop")
	}
}

// demoConfig starts the demo's simulators and writes a config file on
// them, as a user's would be.
func demoConfig(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	in, err := demo.Start(ctx, demo.Options{Getenv: func(k string) string { return map[string]string{"XDG_STATE_HOME": t.TempDir()}[k] }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = in.Close() })
	cur, _ := in.Config.Current()
	return writeConfig(t, fmt.Sprintf(`current_context = "demo"
[contexts.demo]
grafana_url = %q
[contexts.demo.alertmanager]
urls = [%q]
[contexts.demo.prometheus]
url = %q
[contexts.demo.loki]
url = %q
alert_selector = '%s'
`, demo.GrafanaURL, cur.Alertmanager.URLs[0], cur.Prometheus.URL, cur.Loki.URL, demo.AlertSelector))
}

// The logs of a log-based alert contain only lines that match its rule's
// filter; --whole-service gives the service's whole log (issue 17).
func TestLogsOfALogBasedAlert(t *testing.T) {
	env := map[string]string{"ONCALL_CONFIG": demoConfig(t)}
	for _, c := range []struct {
		alert, query, match string
		atLeast             int
	}{
		{"DatabaseTooManyClients", `{service_name="conectcrm-backend"} |= "too many clients"`, "too many clients", 6},
		{"BackendPoolTimeouts", `{service_name="conectcrm-backend"} |= "timeout acquiring connection from pool" | json | instance="backend-2:3001"`, `"instance":"backend-2:3001"`, 10},
		{"BackendSlowQueries", `{service_name="conectcrm-backend", level="warn"} |= "slow query"`, "slow query", 1}, // pending: only the ruler has it
	} {
		code, out, errOut := run(t, env, "logs", "--alert", c.alert, "-o", "raw", "--limit", "5000")
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if code != 0 || len(lines) < c.atLeast || !strings.Contains(errOut, c.query+" · ") || !strings.Contains(errOut, "the lines that fired it") {
			t.Fatalf("%s: exit %d, %d lines\n%s", c.alert, code, len(lines), errOut)
		}
		for _, l := range lines {
			if !strings.Contains(l, c.match) {
				t.Fatalf("%s: a line that does not match the rule's filter %q: %s", c.alert, c.match, l)
			}
		}
	}
	code, out, errOut := run(t, env, "logs", "--alert", "DatabaseTooManyClients", "--whole-service", "-o", "raw", "--limit", "5000")
	other := 0
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if !strings.Contains(l, "too many clients") {
			other++
		}
	}
	if code != 0 || other == 0 || !strings.Contains(errOut, `{service_name="conectcrm-backend"} · `) {
		t.Fatalf("--whole-service: exit %d, %d other lines\n%s", code, other, errOut)
	}
}

// oncall alerts -o json says where each alert's rule lives and what it is,
// for Loki's ruler's rules too, pending alerts included (issue 17).
func TestAlertsJSONCarriesTheRuleSource(t *testing.T) {
	code, out, errOut := run(t, map[string]string{"ONCALL_CONFIG": demoConfig(t)}, "alerts", "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var as []struct {
		Labels       map[string]string `json:"labels"`
		State        string            `json:"state"`
		GeneratorURL string            `json:"generatorURL"`
		Rule         *struct {
			Source, Expr, Health string
		} `json:"rule"`
	}
	if err := json.Unmarshal([]byte(out), &as); err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for i, a := range as {
		got[a.Labels["alertname"]] = i
	}
	check := func(name, state, source, expr string) {
		t.Helper()
		i, ok := got[name]
		if !ok {
			t.Fatalf("no %s in %s", name, out)
		}
		a := as[i]
		if a.State != state || a.Rule == nil || a.Rule.Source != source || !strings.Contains(a.Rule.Expr, expr) {
			t.Errorf("%s: state %s, rule %+v", name, a.State, a.Rule)
		}
	}
	check("DatabaseTooManyClients", "firing", "loki", `|= "too many clients"`)
	check("BackendSlowQueries", "pending", "loki", `|= "slow query"`)
	check("APIDown", "firing", "prometheus", `up{job="conectcrm-backend"} == 0`)
	if u := as[got["DatabaseTooManyClients"]].GeneratorURL; !strings.HasPrefix(u, "/explore?") || as[got["DatabaseTooManyClients"]].Rule.Health != "ok" {
		t.Errorf("generatorURL %q", u)
	}
	// the table marks the log-based ones as the list does, and only them
	_, table, _ := run(t, map[string]string{"ONCALL_CONFIG": demoConfig(t)}, "alerts")
	for _, line := range strings.Split(table, "\n") {
		logBased := strings.Contains(line, "DatabaseTooManyClients") || strings.Contains(line, "BackendSlowQueries") || strings.Contains(line, "BackendPoolTimeouts")
		if strings.Contains(line, "[log] ") != logBased {
			t.Errorf("table line marked wrongly: %q", line)
		}
	}
}
