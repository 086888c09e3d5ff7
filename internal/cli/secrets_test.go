package cli_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"oncall/internal/demo/sim"
	"oncall/internal/demo/simtraces"
	"oncall/sources/loki/lokitest"
)

// The secrets test configures a distinct, recognisable secret in every place
// a secret can live (inline and file bearer tokens, basic auth passwords
// inline and from a file, secret headers, the handoff webhook, [runbooks]
// auth), points the sources at servers that require those credentials (and
// count them) or echo them back in their error answers, runs every command,
// then greps stdout, stderr, the journal, the handoff file and what was
// posted to webhooks for each secret.

// authMode is how one source authenticates.
type authMode int

const (
	bearerInline authMode = iota
	bearerFile
	basicFile
	basicInline
	authzHeader // headers = { Authorization = "Bearer …" }
)

var modeNames = map[authMode]string{bearerInline: "BearerInline", bearerFile: "BearerFile", basicFile: "BasicFile", basicInline: "BasicInline", authzHeader: "AuthzHeader"}

// The sources, each with its secret custom header (the name marks it secret).
var secretSources = []struct{ name, key, header string }{
	{"am", "alertmanager", "X-Api-Key"},
	{"prom", "prometheus", "X-Auth-Token"},
	{"loki", "loki", "Private-Token"},
	{"jaeger", "jaeger", "X-Api-Key"},
}

// variants give each source a different auth mode, so every mode is used.
var secretVariants = [2]map[string]authMode{
	{"am": bearerInline, "prom": basicFile, "loki": bearerFile, "jaeger": authzHeader},
	{"am": basicInline, "prom": authzHeader, "loki": basicFile, "jaeger": bearerInline},
}

// secretBook holds every secret and what it is, plus the files that hold some.
type secretBook struct {
	dir   string
	names map[string]string // secret value → description
}

func newSecretBook(t *testing.T) *secretBook {
	return &secretBook{dir: t.TempDir(), names: map[string]string{}}
}

func (b *secretBook) add(value, what string) string {
	b.names[value] = what
	return value
}

// value is the secret of one source and mode, e.g. "amBearerInlineS3cr3tQ7x".
func (b *secretBook) value(src string, m authMode) string {
	return b.add(src+modeNames[m]+"S3cr3tQ7x", src+" "+modeNames[m])
}

// file writes a secret to a 0600 file and returns its path.
func (b *secretBook) file(t *testing.T, name, secret string) string {
	t.Helper()
	p := filepath.Join(b.dir, name)
	if err := os.WriteFile(p, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// source returns the TOML connection keys of one source and the request
// headers a server must see.
func (b *secretBook) source(t *testing.T, src, header string, m authMode) (string, map[string]string) {
	t.Helper()
	sec := b.value(src, m)
	hv := b.add(src+"HeaderS3cr3tK9z", src+" "+header+" header")
	headers := map[string]string{header: hv}
	want := map[string]string{header: hv}
	var lines []string
	user := src + "-reader"
	basic := func() string {
		return "Basic " + b.add(base64.StdEncoding.EncodeToString([]byte(user+":"+sec)), src+" basic auth (base64 of user:password)")
	}
	switch m {
	case bearerInline:
		lines = append(lines, fmt.Sprintf("bearer_token = %q", sec))
		want["Authorization"] = "Bearer " + sec
	case bearerFile:
		lines = append(lines, fmt.Sprintf("bearer_token_file = %q", b.file(t, src+"-token", sec)))
		want["Authorization"] = "Bearer " + sec
	case basicFile:
		lines = append(lines, fmt.Sprintf("basic_auth = { username = %q, password_file = %q }", user, b.file(t, src+"-password", sec)))
		want["Authorization"] = basic()
	case basicInline:
		lines = append(lines, fmt.Sprintf("basic_auth = { username = %q, password = %q }", user, sec))
		want["Authorization"] = basic()
	case authzHeader:
		headers["Authorization"] = "Bearer " + sec
		want["Authorization"] = "Bearer " + sec
	}
	var hs []string
	for k, v := range headers {
		hs = append(hs, fmt.Sprintf("%q = %q", k, v))
	}
	sort.Strings(hs)
	lines = append(lines, "headers = { "+strings.Join(hs, ", ")+" }", `timeout = "5s"`)
	return strings.Join(lines, "\n") + "\n", want
}

// secretWorld is the servers and files shared by every run.
type secretWorld struct {
	book        *secretBook
	journalDir  string
	traceID     string
	sim         *sim.Backend
	loki        http.Handler
	jaeger      http.Handler
	echo        *echoAll
	hookFail    *hookServer
	hookOK      *hookServer
	guards      []*guard
	hookSecret  string
	configuredH string
}

// config writes a config for variant v. ok lists the sources served by the
// real-looking fakes behind an auth guard; the others get the echo server.
func (w *secretWorld) config(t *testing.T, v int, ok map[string]bool) string {
	t.Helper()
	var sb strings.Builder
	fmt.Fprintf(&sb, "current_context = \"prod\"\n[identity]\nuser = \"alice@bastion\"\n[journal]\npath = %q\n", filepath.Join(w.journalDir, "journal.jsonl"))
	fmt.Fprintf(&sb, "[shift]\nlength = \"12h\"\nwebhook = %q\n", w.configuredH)
	fmt.Fprintf(&sb, "[runbooks]\nembedded = true\nbearer_token = %q\n", w.book.add("runbookBearerInlineS3cr3tW2e", "runbooks bearer_token"))
	for _, s := range secretSources {
		keys, want := w.book.source(t, s.name, s.header, secretVariants[v][s.name])
		u := w.echo.srv.URL
		if ok[s.name] {
			u = w.guarded(t, s.name, want)
		}
		fmt.Fprintf(&sb, "[contexts.prod.%s]\n", s.key)
		if s.name == "am" {
			fmt.Fprintf(&sb, "urls = [%q]\n", u)
		} else {
			fmt.Fprintf(&sb, "url = %q\n", u)
		}
		if s.name == "loki" {
			sb.WriteString("tenant = \"prod\"\nalert_selector = '{service_name=\"{{ .Labels.service }}\"}'\ntrace_selector = '{env=\"prod\"}'\n")
		}
		sb.WriteString(keys)
	}
	return writeConfig(t, sb.String())
}

// guarded starts a server for the source that serves its fake only to
// requests carrying every wanted header.
func (w *secretWorld) guarded(t *testing.T, src string, want map[string]string) string {
	t.Helper()
	var h http.Handler
	switch src {
	case "am", "prom":
		target := w.sim.Alertmanager.URL()
		if src == "prom" {
			target = w.sim.Prometheus.URL()
		}
		u, err := url.Parse(target)
		if err != nil {
			t.Fatal(err)
		}
		h = httputil.NewSingleHostReverseProxy(u)
	case "loki":
		h = w.loki
	case "jaeger":
		h = w.jaeger
	}
	g := &guard{name: src, want: want, next: h}
	w.guards = append(w.guards, g)
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	return srv.URL
}

// guard answers 401 to any request missing one of the wanted headers.
type guard struct {
	name    string
	want    map[string]string
	next    http.Handler
	ok, bad atomic.Int32
}

func (g *guard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	for k, v := range g.want {
		if r.Header.Get(k) != v {
			g.bad.Add(1)
			http.Error(w, "unauthorized: missing or wrong "+k, http.StatusUnauthorized)
			return
		}
	}
	g.ok.Add(1)
	g.next.ServeHTTP(w, r)
}

// echoAll answers every request with 400 and every request header repeated
// in the error format of the API the path belongs to, as a careless proxy
// might.
type echoAll struct {
	srv  *httptest.Server
	hits atomic.Int32
}

func newEchoAll(t *testing.T) *echoAll {
	e := &echoAll{}
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.hits.Add(1)
		var parts []string
		for k, vs := range r.Header {
			parts = append(parts, k+": "+strings.Join(vs, ","))
		}
		if u, p, ok := r.BasicAuth(); ok {
			parts = append(parts, "user "+u+" password "+p)
		}
		sort.Strings(parts)
		msg := "rejected request with " + strings.Join(parts, "; ")
		q := fmt.Sprintf("%q", msg)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		switch {
		case strings.HasPrefix(r.URL.Path, "/api/v1/"): // Prometheus
			fmt.Fprintf(w, `{"status":"error","errorType":"bad_data","error":%s}`, q)
		case strings.HasPrefix(r.URL.Path, "/api/v2/"): // Alertmanager
			_, _ = io.WriteString(w, q)
		case strings.HasPrefix(r.URL.Path, "/api/v3/"): // Jaeger
			fmt.Fprintf(w, `{"error":{"httpCode":400,"message":%s}}`, q)
		default: // Loki
			_, _ = io.WriteString(w, msg)
		}
	}))
	t.Cleanup(e.srv.Close)
	return e
}

// hookServer is a Slack-compatible webhook answering status, echoing the
// path it was called on (the secret) in its error body.
type hookServer struct {
	srv   *httptest.Server
	mu    sync.Mutex
	posts []string
}

func newHookServer(t *testing.T, status int) *hookServer {
	h := &hookServer{}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.posts = append(h.posts, string(b))
		h.mu.Unlock()
		w.WriteHeader(status)
		if status != http.StatusOK {
			_, _ = io.WriteString(w, "invalid_token: no hook at "+r.URL.String())
			return
		}
		_, _ = io.WriteString(w, "ok")
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hookServer) text() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return strings.Join(h.posts, "\n")
}

func newSecretWorld(t *testing.T) *secretWorld {
	t.Helper()
	now := time.Now()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	b, err := sim.Start(ctx, sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	lk := lokitest.NewHandler()
	t.Cleanup(lk.Close)
	backend := map[string]string{"service_name": "conectcrm-backend", "env": "prod"}
	lk.Push(backend, now.Add(-2*time.Minute), "pool timeout", nil)
	lk.Push(backend, now.Add(-time.Minute), "upstream failed", nil)
	traces := simtraces.Demo(now.Add(-10 * time.Minute))
	jh := simtraces.NewHandler(traces) // normalizes the ids in place
	w := &secretWorld{
		book: newSecretBook(t), journalDir: t.TempDir(), traceID: traces[0].TraceID,
		sim: b, loki: lk, jaeger: jh, echo: newEchoAll(t),
		hookFail: newHookServer(t, http.StatusForbidden), hookOK: newHookServer(t, http.StatusOK),
	}
	w.hookSecret = w.book.add("hookPathS3cr3tT5y", "webhook path token")
	w.configuredH = w.book.add(w.hookFail.srv.URL+"/services/T0/B0/"+w.hookSecret, "[shift] webhook URL")
	return w
}

// outputs collects every text a secret must never appear in.
type outputs struct {
	mu     sync.Mutex
	places []string
	texts  []string
}

func (o *outputs) add(place, text string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.places = append(o.places, place)
	o.texts = append(o.texts, text)
}

// check fails for every secret found anywhere, naming it and where.
func (o *outputs) check(t *testing.T, book *secretBook) {
	t.Helper()
	secrets := make([]string, 0, len(book.names))
	for s := range book.names {
		secrets = append(secrets, s)
	}
	sort.Strings(secrets)
	for i, text := range o.texts {
		for _, s := range secrets {
			if j := strings.Index(text, s); j >= 0 {
				lo, hi := max(0, j-200), min(len(text), j+len(s)+40)
				t.Errorf("secret %s (%q) leaked in %s: …%s…", book.names[s], s, o.places[i], text[lo:hi])
			}
		}
	}
}

type secretRun struct {
	cfg  string
	args []string
	want int // exit code; -1: any, -2: any non-zero
	env  map[string]string
}

func TestSecretsNeverLeak(t *testing.T) {
	w := newSecretWorld(t)
	okCfg := w.config(t, 0, map[string]bool{"am": true, "prom": true, "loki": true, "jaeger": true})
	badCfgs := []string{w.config(t, 0, nil), w.config(t, 1, nil)}
	mixedCfg := w.config(t, 1, map[string]bool{"am": true})
	handoffOut := filepath.Join(t.TempDir(), "handoff.md")
	explicitHook := w.book.add(w.hookFail.srv.URL+"/hooks/"+w.book.add("explicitHookS3cr3tB8n", "--post URL token"), "--post URL")
	envHook := w.book.add(w.hookOK.srv.URL+"/hooks/"+w.book.add("envHookS3cr3tM4k", "$ONCALL_HANDOFF_WEBHOOK token"), "$ONCALL_HANDOFF_WEBHOOK")
	const uuid = "6f1c3d2e-0b7a-4c1e-9a55-3a8f7e2d1b90"
	silence := []string{"-m", `alertname="APIDown"`, "-c", "secrets test", "-d", "10m"}

	var out outputs
	do := func(r secretRun) (int, string) {
		t.Helper()
		env := map[string]string{"ONCALL_CONFIG": r.cfg, "ONCALL_HANDOFF_WEBHOOK": ""}
		for k, v := range r.env {
			env[k] = v
		}
		code, stdout, stderr := run(t, env, r.args...)
		name := map[string]string{okCfg: "ok", badCfgs[0]: "failing (0)", badCfgs[1]: "failing (1)", mixedCfg: "mixed"}[r.cfg] + " `oncall " + strings.Join(r.args, " ") + "`"
		out.add(name+" stdout", stdout)
		out.add(name+" stderr", stderr)
		switch {
		case r.want == -2 && code == 0, r.want >= 0 && code != r.want:
			t.Errorf("%s: exit %d, want %d\nstdout: %s\nstderr: %s", name, code, r.want, stdout, stderr)
		}
		return code, stdout
	}
	runs := func(rs ...secretRun) {
		for _, r := range rs {
			do(r)
		}
	}

	// Every source echoes the credentials it gets in its error answers, with
	// either variant of the auth keys.
	for _, badCfg := range badCfgs {
		runs(
			secretRun{badCfg, []string{"check"}, 1, nil},
			secretRun{badCfg, []string{"check", "-o", "json"}, 1, nil},
			secretRun{badCfg, []string{"alerts"}, -2, nil},
			secretRun{badCfg, []string{"alerts", "-o", "json"}, -2, nil},
			secretRun{badCfg, append([]string{"silence", "add"}, silence...), -2, nil}, // journaled as failed
			secretRun{badCfg, []string{"silence", "ls"}, -2, nil},
			secretRun{badCfg, []string{"silence", "expire", uuid}, -2, nil},
			secretRun{badCfg, []string{"silence", "extend", uuid, "-d", "1h"}, -2, nil},
			secretRun{badCfg, []string{"ack", "-m", `alertname="APIDown"`, "-n", "looking"}, -2, nil},
			secretRun{badCfg, []string{"logs", "--query", `{service_name="conectcrm-backend"}`}, -2, nil},
			secretRun{badCfg, []string{"logs", "--trace", w.traceID}, -2, nil},
			secretRun{badCfg, []string{"logs", "--alert", "APIDown"}, -2, nil},
			secretRun{badCfg, []string{"trace", w.traceID}, -2, nil},
			secretRun{badCfg, []string{"trace", w.traceID, "-o", "json"}, -2, nil},
			secretRun{badCfg, []string{"budget"}, -2, nil},
			secretRun{badCfg, []string{"runbook", "APIDown"}, -1, nil},
			secretRun{badCfg, []string{"handoff", "--since", "2h"}, -1, nil},
			secretRun{badCfg, []string{"handoff", "--since", "2h", "--format", "json"}, -1, nil},
		)
	}
	// Alertmanager answers; Prometheus, Loki and Jaeger echo (warnings).
	runs(
		secretRun{mixedCfg, []string{"check"}, 1, nil},
		secretRun{mixedCfg, []string{"alerts"}, 0, nil},
		secretRun{mixedCfg, []string{"alerts", "-o", "json"}, 0, nil},
		secretRun{mixedCfg, []string{"logs", "--alert", "APIDown"}, -2, nil},
		secretRun{mixedCfg, []string{"handoff", "--since", "2h"}, -1, nil},
		secretRun{mixedCfg, []string{"handoff", "--since", "2h", "--format", "json"}, -1, nil},
	)
	// Everything answers, but only with the right credentials.
	runs(
		secretRun{okCfg, []string{"check"}, 0, nil},
		secretRun{okCfg, []string{"check", "-o", "json"}, 0, nil},
		secretRun{okCfg, []string{"alerts"}, 0, nil},
		secretRun{okCfg, []string{"alerts", "-o", "json"}, 0, nil},
	)
	if code, id := do(secretRun{okCfg, append([]string{"silence", "add"}, silence...), 0, nil}); code == 0 {
		id = strings.TrimSpace(id)
		runs(
			secretRun{okCfg, []string{"silence", "extend", id, "-d", "5m"}, 0, nil},
			secretRun{okCfg, []string{"silence", "ls", "-o", "json"}, 0, nil},
			secretRun{okCfg, []string{"silence", "expire", id}, 0, nil},
		)
	}
	runs(
		secretRun{okCfg, []string{"ack", "-m", `alertname="APIDown"`, "-n", "looking"}, 0, nil},
		secretRun{okCfg, []string{"logs", "--alert", "APIDown"}, 0, nil},
		secretRun{okCfg, []string{"logs", "--query", `{service_name="conectcrm-backend"}`, "-o", "json"}, 0, nil},
		secretRun{okCfg, []string{"trace", w.traceID}, 0, nil},
		secretRun{okCfg, []string{"budget"}, -1, nil},
		secretRun{okCfg, []string{"runbook", "APIDown"}, -1, nil},
		secretRun{okCfg, []string{"handoff", "--since", "2h", "--format", "md"}, 0, nil},
		secretRun{okCfg, []string{"handoff", "--since", "2h", "--format", "json"}, 0, nil},
		secretRun{okCfg, []string{"handoff", "--since", "2h", "--out", handoffOut}, 0, nil},
		secretRun{okCfg, []string{"handoff", "--since", "2h", "--post"}, -2, nil}, // the configured webhook answers 403
		secretRun{okCfg, []string{"handoff", "--since", "2h", "--post", explicitHook}, -2, nil},
		secretRun{okCfg, []string{"handoff", "--since", "2h", "--post=" + explicitHook}, -2, nil},
		secretRun{okCfg, []string{"handoff", "--since", "2h", "--post"}, 0, map[string]string{"ONCALL_HANDOFF_WEBHOOK": envHook}},
	)

	// The secrets were really sent, to the fakes and to the echo server.
	for _, g := range w.guards {
		if g.ok.Load() == 0 || g.bad.Load() != 0 {
			t.Errorf("%s server: %d authorized and %d unauthorized requests, want only authorized ones", g.name, g.ok.Load(), g.bad.Load())
		}
	}
	if w.echo.hits.Load() == 0 {
		t.Error("the echo server got no request")
	}
	if strings.Count(w.hookFail.text(), `"text"`) < 3 || !strings.Contains(w.hookOK.text(), "Shift handoff") {
		t.Errorf("webhooks got %q and %q", w.hookFail.text(), w.hookOK.text())
	}

	// The journal (every file of it), the handoff file and the posts.
	files, _ := filepath.Glob(filepath.Join(w.journalDir, "*"))
	if len(files) == 0 {
		t.Fatal("nothing was journaled")
	}
	journaled := ""
	for _, f := range append(files, handoffOut) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out.add(f, string(b))
		journaled += string(b)
	}
	for _, want := range []string{`"action":"silence","target":"{alertname=\"APIDown\"}","result":"error"`, `"action":"ack"`, `"action":"handoff"`} {
		if !strings.Contains(journaled, want) {
			t.Errorf("journal lacks %s", want)
		}
	}
	out.add("posts to the failing webhook", w.hookFail.text())
	out.add("posts to the webhook", w.hookOK.text())
	out.check(t, w.book)
}

func TestSecretsConfigPermissionWarning(t *testing.T) {
	srv := echoServer(t)
	pwFile := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pwFile, []byte("permPwFromFileS3cr3t\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	am := "[contexts.prod.alertmanager]\nurls = [\"" + srv.URL + "\"]\n"
	cases := []struct {
		name, text, secret string
		warn               bool
	}{
		{"inline bearer token", am + "bearer_token = \"permBearerS3cr3t\"\n", "permBearerS3cr3t", true},
		{"inline basic auth password", am + "basic_auth = { username = \"ops\", password = \"permBasicS3cr3t\" }\n", "permBasicS3cr3t", true},
		{"secret header", am + "headers = { Authorization = \"Bearer permHeaderS3cr3t\" }\n", "permHeaderS3cr3t", true},
		{"webhook", "[shift]\nwebhook = \"https://hooks.example.com/services/permHookS3cr3t\"\n" + am, "permHookS3cr3t", true},
		{"runbooks token", "[runbooks]\nbearer_token = \"permRunbookS3cr3t\"\n" + am, "permRunbookS3cr3t", true},
		{"secrets in files only", am + "basic_auth = { username = \"ops\", password_file = \"" + pwFile + "\" }\nheaders = { \"X-Scope-OrgID\" = \"tenant\" }\n", "permPwFromFileS3cr3t", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, mode := range []os.FileMode{0o644, 0o640, 0o600} {
				p := writeConfig(t, c.text)
				if err := os.Chmod(p, mode); err != nil {
					t.Fatal(err)
				}
				_, stdout, stderr := run(t, map[string]string{"ONCALL_CONFIG": p}, "check")
				var warns []string
				for _, l := range strings.Split(stderr, "\n") {
					if strings.Contains(l, "readable by others") {
						warns = append(warns, l)
					}
				}
				want := c.warn && mode != 0o600
				switch {
				case want && (len(warns) != 1 || !strings.Contains(warns[0], p) || !strings.HasPrefix(warns[0], "oncall: warning: ")):
					t.Errorf("mode %04o: stderr %q, want one warning line naming %s", mode, stderr, p)
				case !want && len(warns) != 0:
					t.Errorf("mode %04o: unexpected warning %q", mode, warns)
				}
				if strings.Contains(stdout+stderr, c.secret) {
					t.Errorf("mode %04o: the secret leaked: stdout %q stderr %q", mode, stdout, stderr)
				}
			}
		})
	}
}
