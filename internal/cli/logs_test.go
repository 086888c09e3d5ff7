package cli_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"oncall/internal/demo/sim"
	"oncall/sources/loki/lokitest"
)

func lokiConfig(t *testing.T, url, extra string) string {
	t.Helper()
	return writeConfig(t, fmt.Sprintf("current_context = \"prod\"\n[contexts.prod.loki]\nurl = %q\n%s\n", url, extra))
}

func TestLogsTraceJSONLines(t *testing.T) {
	srv := lokitest.New()
	defer srv.Close()
	const id = "4bf92f3577b34da6a3ce929d0e0e4736"
	base := time.Now().Add(-20 * time.Minute).Truncate(time.Millisecond).UTC()
	prod := func(svc string) map[string]string { return map[string]string{"service_name": svc, "env": "prod"} }
	srv.Push(prod("conectcrm-backend"), base.Add(2*time.Second), `{"level":"error","msg":"pool timeout","trace_id":"`+id+`","span_id":"00f067aa0ba902b7"}`, nil)
	srv.Push(prod("api-gateway"), base.Add(3*time.Second), `{"level":"error","msg":"upstream failed","trace_id":"`+id+`","span_id":"b7ad6b7169203331"}`, nil)
	srv.Push(prod("postgres"), base.Add(1*time.Second), `statement timeout /*traceparent='00-`+id+`-53995c3f42cd8ad8-01'*/`, nil)
	srv.Push(prod("api-gateway"), base.Add(4*time.Second), `{"trace_id":"0af7651916cd43dd8448eb211c80319c"}`, nil)
	srv.Push(map[string]string{"service_name": "api-gateway", "env": "staging"}, base.Add(5*time.Second), `{"trace_id":"`+id+`"}`, nil)

	cfg := lokiConfig(t, srv.URL(), `trace_selector = '{env="prod"}'`)
	code, out, errOut := run(t, map[string]string{"ONCALL_CONFIG": cfg}, "logs", "--trace", strings.ToUpper(id), "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	ts := func(d time.Duration) string { return base.Add(d).Format(time.RFC3339Nano) }
	want := strings.Join([]string{
		`{"ts":"` + ts(time.Second) + `","labels":{"env":"prod","service_name":"postgres"},"line":"statement timeout /*traceparent='00-` + id + `-53995c3f42cd8ad8-01'*/","traceID":"` + id + `","spanID":"53995c3f42cd8ad8"}`,
		`{"ts":"` + ts(2*time.Second) + `","labels":{"env":"prod","service_name":"conectcrm-backend"},"line":"{\"level\":\"error\",\"msg\":\"pool timeout\",\"trace_id\":\"` + id + `\",\"span_id\":\"00f067aa0ba902b7\"}","traceID":"` + id + `","spanID":"00f067aa0ba902b7"}`,
		`{"ts":"` + ts(3*time.Second) + `","labels":{"env":"prod","service_name":"api-gateway"},"line":"{\"level\":\"error\",\"msg\":\"upstream failed\",\"trace_id\":\"` + id + `\",\"span_id\":\"b7ad6b7169203331\"}","traceID":"` + id + `","spanID":"b7ad6b7169203331"}`,
	}, "\n") + "\n"
	if out != want {
		t.Fatalf("got:\n%s\nwant:\n%s", out, want)
	}
	var asked string
	for _, r := range srv.Requests() {
		if r.Path == "/loki/api/v1/query_range" {
			asked = r.Query.Get("query")
		}
	}
	if asked != `{env="prod"} |= "`+id+`"` {
		t.Fatalf("query %q", asked)
	}

	// table output: one row per line, with the service column
	code, out, errOut = run(t, map[string]string{"ONCALL_CONFIG": cfg}, "logs", "--trace", id)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 4 || !strings.HasPrefix(lines[0], "TIME") ||
		!strings.Contains(lines[1], "postgres") || !strings.Contains(lines[2], "conectcrm-backend") || !strings.Contains(lines[3], "api-gateway") {
		t.Fatalf("exit %d table:\n%s\n%s", code, out, errOut)
	}
}

func TestLogsBatchesBeyondOneQueryLimit(t *testing.T) {
	srv := lokitest.New(lokitest.WithMaxEntries(100))
	defer srv.Close()
	base := time.Now().Add(-30 * time.Minute)
	for i := 0; i < 250; i++ {
		srv.Push(map[string]string{"app": "api"}, base.Add(time.Duration(i)*time.Second), fmt.Sprintf("line %03d", i), nil)
	}
	env := map[string]string{"ONCALL_LOKI_URL": srv.URL()}
	code, out, errOut := run(t, env, "logs", "--query", `{app="api"}`, "--limit", "1000", "--batch", "90", "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 250 {
		t.Fatalf("%d lines, want 250", len(lines))
	}
	for i, l := range lines {
		var v struct {
			Line   string            `json:"line"`
			Labels map[string]string `json:"labels"`
		}
		if err := json.Unmarshal([]byte(l), &v); err != nil || v.Line != fmt.Sprintf("line %03d", i) || v.Labels["app"] != "api" {
			t.Fatalf("line %d: %s (%v)", i, l, err)
		}
	}
	n := 0
	for _, r := range srv.Requests() {
		if r.Path == "/loki/api/v1/query_range" {
			n++
		}
	}
	if n < 3 {
		t.Fatalf("%d requests: not batched", n)
	}
	// --limit keeps the newest lines and says so
	code, out, errOut = run(t, env, "logs", "--query", `{app="api"}`, "--limit", "120", "--batch", "90", "-o", "json")
	lines = strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 120 || !strings.Contains(lines[0], `"line 130"`) || !strings.Contains(errOut, "--limit 120 reached") {
		t.Fatalf("exit %d, %d lines, first %s, stderr %s", code, len(lines), lines[0], errOut)
	}
}

func TestLogsAlertUsesAlertmanagerAndTheAlertWindow(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b, err := sim.Start(ctx, sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	srv := lokitest.New()
	defer srv.Close()
	now := time.Now()
	backend := map[string]string{"service_name": "conectcrm-backend", "env": "prod"}
	srv.Push(backend, now.Add(-30*time.Minute), "before the window", nil)
	srv.Push(backend, now.Add(-15*time.Minute), "in the lead-in", nil)
	srv.Push(backend, now.Add(-time.Minute), "while firing \x1b]0;pwned\x07", nil)
	srv.Push(map[string]string{"service_name": "postgres", "env": "prod"}, now.Add(-time.Minute), "another service", nil)
	cfg := writeConfig(t, fmt.Sprintf("current_context = \"prod\"\n[contexts.prod.alertmanager]\nurls = [%q]\n[contexts.prod.loki]\nurl = %q\nalert_selector = '{service_name=\"{{ .Labels.service }}\"}'\n",
		b.Alertmanager.URL(), srv.URL()))
	code, out, errOut := run(t, map[string]string{"ONCALL_CONFIG": cfg}, "logs", "--alert", "APIDown")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if strings.Contains(out, "before the window") || strings.Contains(out, "another service") ||
		!strings.Contains(out, "in the lead-in") || !strings.Contains(out, `while firing \x1b]0;pwned\x07`) || strings.Contains(out, "\x1b") {
		t.Fatalf("output:\n%s", out)
	}
	if !strings.Contains(errOut, `{service_name="conectcrm-backend"}`) {
		t.Fatalf("stderr should name the query: %s", errOut)
	}
	code, _, errOut = run(t, map[string]string{"ONCALL_CONFIG": cfg}, "logs", "--alert", "NoSuchAlert")
	if code == 0 || !strings.Contains(errOut, `no alert with fingerprint or alertname "NoSuchAlert"`) {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}

func TestLogsRefusesBadInput(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{map[string]string{"ONCALL_LOKI_URL": "http://127.0.0.1:9"}, []string{"logs"}, "exactly one of --query, --alert or --trace"},
		{map[string]string{"ONCALL_LOKI_URL": "http://127.0.0.1:9"}, []string{"logs", "--query", "{a=\"b\"}", "--trace", "x"}, "exactly one of"},
		{map[string]string{"ONCALL_LOKI_URL": "http://127.0.0.1:9"}, []string{"logs", "--trace", "not-hex"}, "trace id"},
		{map[string]string{"ONCALL_PROMETHEUS_URL": "http://127.0.0.1:9"}, []string{"logs", "--query", "{a=\"b\"}"}, "no Loki configured"},
	} {
		code, _, errOut := run(t, c.env, c.args...)
		if code == 0 || !strings.Contains(errOut, c.want) || strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
			t.Errorf("%v: exit %d, stderr %q (want one line with %q)", c.args, code, errOut, c.want)
		}
	}
}
