package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"oncall/internal/handoff"
	"oncall/internal/journal"
	"oncall/internal/testkit/testenv"
)

// incident is the scripted incident of the end-to-end test, relative to
// base (the test's start, to the second): ALERTS samples every minute for
// known episodes, and request counters whose errors burn the budget.
type incident struct {
	base     time.Time
	episodes map[string][][2]time.Time // alertname → [first, last sample]
	labels   map[string]string         // alertname → extra label text
	// okV/errV are the counter samples (one a minute).
	ts        []time.Time
	okV, errV []float64
}

func newIncident(base time.Time) *incident {
	at := func(min float64) time.Time { return base.Add(time.Duration(min * float64(time.Minute))) }
	in := &incident{base: base,
		episodes: map[string][][2]time.Time{
			"DiskFull": {{at(-50.5), at(-38.5)}},
			"Flapping": {{at(-45.5), at(-43.5)}, {at(-30.5), at(-28.5)}, {at(-15.5), at(-13.5)}},
			"APIDown":  {{at(-20.5), at(-0.5)}}, // still firing
		},
		labels: map[string]string{
			"DiskFull": `instance="db-1:9100",severity="warning"`,
			"Flapping": `severity="info"`,
			"APIDown":  `instance="backend-1:3001",service="conectcrm-backend",severity="critical"`,
		},
	}
	ok, errs := 5_000_000.0, 1_000_000.0
	for t := at(-180.5); !t.After(at(-0.5)); t = t.Add(time.Minute) {
		e := 0.0
		if t.After(at(-40.5)) && !t.After(at(-20.5)) {
			e = 20
		}
		ok += 1000 - e
		errs += e
		in.ts, in.okV, in.errV = append(in.ts, t), append(in.okV, ok), append(in.errV, errs)
	}
	return in
}

func (in *incident) openMetrics() string {
	var b strings.Builder
	b.WriteString("# TYPE ALERTS gauge\n")
	names := make([]string, 0, len(in.episodes))
	for n := range in.episodes {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		for _, ep := range in.episodes[n] {
			for t := ep[0]; !t.After(ep[1]); t = t.Add(time.Minute) {
				fmt.Fprintf(&b, "ALERTS{alertname=%q,alertstate=\"firing\",%s} 1 %d\n", n, in.labels[n], t.Unix())
			}
		}
	}
	b.WriteString("# TYPE http_requests counter\n")
	for i, t := range in.ts {
		fmt.Fprintf(&b, "http_requests_total{code=\"200\",job=\"api\"} %.0f %d\n", in.okV[i], t.Unix())
	}
	for i, t := range in.ts {
		fmt.Fprintf(&b, "http_requests_total{code=\"500\",job=\"api\"} %.0f %d\n", in.errV[i], t.Unix())
	}
	return b.String()
}

// consumedSince is the budget (99.9%, 30d) consumed from the first sample
// after from to the last one: what rate() over the window sees.
func (in *incident) consumedSince(from time.Time) float64 {
	first := -1
	for i, t := range in.ts {
		if t.After(from) {
			first = i
			break
		}
	}
	last := len(in.ts) - 1
	e := in.errV[last] - in.errV[first]
	tot := e + in.okV[last] - in.okV[first]
	budget := (30 * 24 * time.Hour).Seconds() * (1 - 0.999)
	return e / tot * time.Hour.Seconds() / budget
}

func postAlert(t *testing.T, amURL string, labels map[string]string, startsAt time.Time) {
	t.Helper()
	body, _ := json.Marshal([]map[string]any{{"labels": labels, "annotations": map[string]string{"summary": labels["alertname"] + " is firing"},
		"startsAt": startsAt.UTC().Format(time.RFC3339), "endsAt": startsAt.Add(2 * time.Hour).UTC().Format(time.RFC3339)}})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, amURL+"/api/v2/alerts", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("posting an alert: status %d", resp.StatusCode)
	}
}

func mustRun(t *testing.T, env map[string]string, args ...string) string {
	t.Helper()
	code, stdout, stderr := run(t, env, args...)
	if code != 0 {
		t.Fatalf("oncall %s: exit %d: %s", strings.Join(args, " "), code, stderr)
	}
	return strings.TrimSpace(stdout)
}

// TestHandoffEndToEnd: after a scripted incident against real Prometheus
// and Alertmanager, `oncall handoff --since 1h --format json` lists every
// alert that fired with its start and end, every silence and ack made with
// its author, and the budget consumed.
func TestHandoffEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real Prometheus and Alertmanager")
	}
	testenv.Require(t, "promtool")
	base := time.Now().Truncate(time.Second)
	in := newIncident(base)
	dataDir := filepath.Join(t.TempDir(), "data")
	testenv.Backfill(t, dataDir, in.openMetrics())
	prom := testenv.StartPrometheus(t, testenv.PrometheusOptions{DataDir: dataDir})
	am := testenv.StartAlertmanager(t, testenv.AlertmanagerOptions{})
	testenv.WaitFor(t, 30*time.Second, "backfilled series are queryable", func() bool {
		resp, err := http.Get(prom.URL + "/api/v1/query?query=count(ALERTS)")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return strings.Contains(string(b), `"value"`)
	})
	apiDown := map[string]string{"alertname": "APIDown", "severity": "critical", "service": "conectcrm-backend", "instance": "backend-1:3001"}
	postAlert(t, am.URL, apiDown, in.episodes["APIDown"][0][0])

	jpath := filepath.Join(t.TempDir(), "state", "journal.jsonl")
	cfgPath := writeConfig(t, fmt.Sprintf(`current_context = "e2e"
[contexts.e2e.alertmanager]
urls = [%q]
[contexts.e2e.prometheus]
url = %q
[[contexts.e2e.slo]]
name = "api-availability"
objective = 99.9
window = "30d"
errors = 'sum(rate(http_requests_total{job="api",code=~"5.."}[$window]))'
total = 'sum(rate(http_requests_total{job="api"}[$window]))'
[shift]
timezone = "America/Sao_Paulo"
[journal]
path = %q
`, am.URL, prom.URL, jpath))
	env := map[string]string{"ONCALL_CONFIG": cfgPath, "ONCALL_HANDOFF_WEBHOOK": ""}
	as := func(user string, args ...string) string {
		return mustRun(t, env, append([]string{"--user", user}, args...)...)
	}
	// The operators act: bob silences the disk alert, dave silences the
	// flapping one and carol expires that, alice acks APIDown.
	bobSil := as("bob@bastion", "silence", "add", "-m", `alertname="DiskFull"`, "-d", "2h", "-c", "disk cleanup running")
	daveSil := as("dave@bastion", "silence", "add", "-m", `alertname="Flapping"`, "-d", "1h", "-c", "known flapper")
	as("carol@bastion", "silence", "expire", "--force", daveSil) // dave's: needs --force
	as("alice@bastion", "ack", "-m", `alertname="APIDown"`, "-n", "restarting backend-1")
	j := &journal.Journal{Path: jpath}
	note, err := journal.NoteEntry(journal.NoteInput{User: "alice@bastion", Context: "e2e", Text: "rolled back deploy 4512", FollowUp: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Append(note); err != nil {
		t.Fatal(err)
	}
	// Alertmanager applies the ack to the alert within a second.
	testenv.WaitFor(t, 10*time.Second, "APIDown is acked in Alertmanager", func() bool {
		out := mustRun(t, env, "alerts", "-o", "json")
		return strings.Contains(out, `"state": "acked"`)
	})

	out := as("alice@bastion", "handoff", "--since", "1h", "--format", "json")
	var s handoff.Summary
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if len(s.SourceErrors) != 0 {
		t.Fatalf("source errors: %+v", s.SourceErrors)
	}
	if s.Schema != handoff.SchemaVersion || s.Context != "e2e" || s.User != "alice@bastion" || s.Window.Basis != "since" ||
		s.Window.Seconds != 3600 || s.Timezone != "America/Sao_Paulo" || !strings.HasSuffix(s.Window.To.Format(time.RFC3339), "-03:00") {
		t.Fatalf("header = %+v", s)
	}

	// Every alert that fired, with exact start and end.
	got := map[string][]string{}
	for _, h := range s.Fired {
		for _, e := range h.Episodes {
			end := "ongoing"
			if e.End != nil {
				end = e.End.UTC().Format(time.RFC3339)
			}
			got[h.Alertname] = append(got[h.Alertname], e.Start.UTC().Format(time.RFC3339)+"/"+end)
		}
	}
	for name, eps := range in.episodes {
		var want []string
		for i, ep := range eps {
			end := ep[1].UTC().Format(time.RFC3339)
			if name == "APIDown" && i == len(eps)-1 {
				end = "ongoing"
			}
			want = append(want, ep[0].UTC().Format(time.RFC3339)+"/"+end)
		}
		if strings.Join(got[name], " ") != strings.Join(want, " ") {
			t.Errorf("%s episodes = %v, want %v", name, got[name], want)
		}
	}
	if len(s.Fired) != 3 || s.Fired[0].Alertname != "Flapping" || s.Fired[0].Count != 3 {
		t.Errorf("fired (noisiest first) = %+v", s.Fired)
	}

	// Firing now: APIDown, acked by alice.
	if len(s.FiringNow) != 1 || s.FiringNow[0].Alertname != "APIDown" || s.FiringNow[0].AckedBy != "alice@bastion" || s.FiringNow[0].SilenceEndsAt == nil {
		t.Errorf("firing now = %+v", s.FiringNow)
	}
	// Every silence and ack, with its author.
	created := map[string]handoff.Silence{}
	for _, x := range s.Silences.Created {
		created[x.ID] = x
	}
	if c := created[bobSil]; c.CreatedBy != "bob@bastion" || c.Comment != "disk cleanup running" || c.State != "active" {
		t.Errorf("bob's silence = %+v (created: %+v)", c, s.Silences.Created)
	}
	if c := created[daveSil]; c.CreatedBy != "dave@bastion" || c.State != "expired" {
		t.Errorf("dave's silence = %+v", c)
	}
	if len(s.Silences.Expired) != 1 || s.Silences.Expired[0].ID != daveSil || s.Silences.Expired[0].ExpiredBy != "carol@bastion" {
		t.Errorf("expired = %+v", s.Silences.Expired)
	}
	if len(s.Silences.Created) != 2 {
		t.Errorf("created = %+v (the ack belongs under acks)", s.Silences.Created)
	}
	if len(s.Acks) != 1 || s.Acks[0].By != "alice@bastion" || s.Acks[0].Note != "restarting backend-1" || s.Acks[0].Alert != "APIDown" {
		t.Errorf("acks = %+v", s.Acks)
	}
	if len(s.FollowUps) != 1 || s.FollowUps[0].Text != "rolled back deploy 4512" || len(s.Notes) != 1 {
		t.Errorf("notes %+v, follow-ups %+v", s.Notes, s.FollowUps)
	}
	// The budget consumed over the hour.
	if len(s.Budgets) != 1 || s.Budgets[0].Consumed == nil || s.Budgets[0].RemainingStart == nil || s.Budgets[0].RemainingEnd == nil {
		t.Fatalf("budgets = %+v", s.Budgets)
	}
	b := s.Budgets[0]
	want := in.consumedSince(s.Window.From)
	if math.Abs(*b.Consumed-want)/want > 0.1 || *b.RemainingEnd >= *b.RemainingStart {
		t.Errorf("budget consumed %.5f (want %.5f ±10%%), remaining %.4f → %.4f", *b.Consumed, want, *b.RemainingStart, *b.RemainingEnd)
	}

	// The export was journaled; --since last starts from it.
	res, err := j.Read(time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	last := res.Entries[len(res.Entries)-1]
	if last.Action != journal.ActionHandoff || last.Target != handoff.TargetStdout || last.User != "alice@bastion" || last.Extra["format"] != "json" {
		t.Fatalf("last journal entry = %+v", last)
	}
	md := as("alice@bastion", "handoff", "--since", "last")
	if !strings.Contains(md, "# Shift handoff · e2e") || !strings.Contains(md, "| APIDown (critical) |") {
		t.Errorf("markdown since last:\n%s", md)
	}
	if code, _, stderr := run(t, env, "--user", "zed@bastion", "handoff", "--since", "last"); code == 0 || !strings.Contains(stderr, "no earlier handoff") {
		t.Errorf("--since last without an earlier handoff: exit %d, %s", code, stderr)
	}
}

// webhookServer records posts and answers with status.
func webhookServer(t *testing.T, status int) (*httptest.Server, *[]string) {
	t.Helper()
	var posts []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Text string `json:"text"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err == nil {
			posts = append(posts, body.Text)
		}
		w.WriteHeader(status)
		io.WriteString(w, "echo "+r.URL.String())
	}))
	t.Cleanup(srv.Close)
	return srv, &posts
}

// promStub answers every Prometheus query with an empty result.
func promStub(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case strings.HasSuffix(r.URL.Path, "/query_range"):
			io.WriteString(w, `{"status":"success","data":{"resultType":"matrix","result":[]}}`)
		case strings.HasSuffix(r.URL.Path, "/rules"):
			io.WriteString(w, `{"status":"success","data":{"groups":[]}}`)
		default:
			io.WriteString(w, `{"status":"success","data":{"resultType":"vector","result":[]}}`)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestHandoffPostNeverShowsTheWebhook(t *testing.T) {
	jpath := filepath.Join(t.TempDir(), "journal.jsonl")
	cfg := writeConfig(t, fmt.Sprintf("[journal]\npath = %q\n", jpath))
	prom := promStub(t)
	bad, _ := webhookServer(t, http.StatusForbidden)
	hook := bad.URL + "/services/T000/B000/s3cretW3bhookT0ken"
	for _, args := range [][]string{
		{"handoff", "--post", hook},
		{"handoff", "--post=" + hook},
		{"handoff", hook}, // forgot --post: the URL must not be echoed
	} {
		code, stdout, stderr := run(t, map[string]string{"ONCALL_CONFIG": cfg, "ONCALL_PROMETHEUS_URL": prom, "ONCALL_HANDOFF_WEBHOOK": ""}, args...)
		if code == 0 {
			t.Fatalf("%v succeeded against a 403", args)
		}
		for _, out := range []string{stdout, stderr} {
			if strings.Contains(out, "s3cretW3bhookT0ken") || strings.Contains(out, "/services/") {
				t.Fatalf("%v shows the webhook: %q", args, out)
			}
		}
		if strings.Count(strings.TrimSpace(stderr), "\n") > 1 {
			t.Errorf("%v: error is not one line: %q", args, stderr)
		}
	}
	res, _ := (&journal.Journal{Path: jpath}).Read(time.Time{})
	raw, _ := os.ReadFile(jpath)
	if len(res.Entries) != 2 || res.Entries[0].Target != handoff.TargetWebhook || res.Entries[0].Result != journal.ResultError ||
		!strings.Contains(res.Entries[0].Error, "HTTP 403") || strings.Contains(string(raw), "s3cret") {
		t.Fatalf("journal = %s", raw)
	}
}

func TestHandoffPostToConfiguredWebhookAndOut(t *testing.T) {
	jpath := filepath.Join(t.TempDir(), "journal.jsonl")
	srv, posts := webhookServer(t, http.StatusOK)
	cfg := writeConfig(t, fmt.Sprintf("[journal]\npath = %q\n[shift]\ntimezone = \"America/Sao_Paulo\"\n", jpath))
	out := filepath.Join(t.TempDir(), "handoff.md")
	code, stdout, stderr := run(t, map[string]string{"ONCALL_CONFIG": cfg, "ONCALL_PROMETHEUS_URL": promStub(t),
		"ONCALL_HANDOFF_WEBHOOK": srv.URL + "/hook/secret-path"}, "--user", "alice@bastion", "handoff", "--since", "2h", "--post", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if stdout != "" || strings.Contains(stderr, "secret-path") || !strings.Contains(stderr, "handoff posted to the webhook") {
		t.Fatalf("stdout %q, stderr %q", stdout, stderr)
	}
	file, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(*posts) != 1 || (*posts)[0] != string(file) || !strings.HasPrefix(string(file), "# Shift handoff · default") ||
		!strings.Contains(string(file), "(2h, America/Sao_Paulo UTC-03:00) · by alice@bastion") {
		t.Fatalf("posted %q, file %q", *posts, file)
	}
	res, _ := (&journal.Journal{Path: jpath}).Read(time.Time{})
	if len(res.Entries) != 2 || res.Entries[0].Target != handoff.TargetFile || res.Entries[0].Extra["file"] != out ||
		res.Entries[1].Target != handoff.TargetWebhook || res.Entries[1].Result != journal.ResultOK {
		t.Fatalf("journal = %+v", res.Entries)
	}
	// --post alone with nothing configured says what to set.
	code, _, stderr = run(t, map[string]string{"ONCALL_CONFIG": cfg, "ONCALL_PROMETHEUS_URL": promStub(t), "ONCALL_HANDOFF_WEBHOOK": ""}, "handoff", "--post")
	if code == 0 || !strings.Contains(stderr, "no webhook configured") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
}

// [shift] webhook_format = "slack" posts Slack mrkdwn (lists, *bold*) to
// any webhook; a bad value is refused in one line before anything is sent.
func TestHandoffPostsSlackMrkdwn(t *testing.T) {
	jpath := filepath.Join(t.TempDir(), "journal.jsonl")
	srv, posts := webhookServer(t, http.StatusOK)
	cfg := writeConfig(t, fmt.Sprintf("[journal]\npath = %q\n[shift]\nwebhook_format = \"slack\"\n", jpath))
	code, stdout, stderr := run(t, map[string]string{"ONCALL_CONFIG": cfg, "ONCALL_PROMETHEUS_URL": promStub(t)},
		"--user", "alice@bastion", "handoff", "--since", "2h", "--post", srv.URL+"/hook")
	if code != 0 || stdout != "" || !strings.Contains(stderr, "handoff posted to the webhook as Slack mrkdwn") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if len(*posts) != 1 || !strings.HasPrefix((*posts)[0], "*Shift handoff · default*") || strings.Contains((*posts)[0], "## ") || strings.Contains((*posts)[0], "| ---") {
		t.Fatalf("posted %q", *posts)
	}
	res, _ := (&journal.Journal{Path: jpath}).Read(time.Time{})
	if len(res.Entries) != 1 || res.Entries[0].Extra["format"] != "slack" {
		t.Fatalf("journal = %+v", res.Entries)
	}
}

func TestHandoffRejectsBadFlags(t *testing.T) {
	cfg := writeConfig(t, "")
	for args, want := range map[string]string{
		"--format xml":  `unknown format "xml"`,
		"--since soon":  `--since "soon"`,
		"--since -1h":   `--since "-1h"`,
		"--since=0s":    `--since "0s"`,
		"--format=json": "has no Alertmanager or Prometheus",
	} {
		code, _, stderr := run(t, map[string]string{"ONCALL_CONFIG": cfg}, append([]string{"handoff"}, strings.Fields(args)...)...)
		if code == 0 || !strings.Contains(stderr, want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("handoff %s: exit %d, stderr %q, want one line with %q", args, code, stderr, want)
		}
	}
}
