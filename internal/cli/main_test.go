package cli_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"oncall/internal/cli"
)

// run calls cli.Main with a clean oncall environment rooted in a temporary
// directory and returns the exit code, stdout and stderr.
func run(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	dir := t.TempDir()
	for _, k := range []string{"ONCALL_CONFIG", "ONCALL_CONTEXT", "ONCALL_ALERTMANAGER_URL", "ONCALL_PROMETHEUS_URL",
		"ONCALL_LOKI_URL", "ONCALL_JAEGER_URL", "ONCALL_JAEGER_GRPC", "ONCALL_USER"} {
		t.Setenv(k, "")
	}
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	t.Setenv("XDG_STATE_HOME", filepath.Join(dir, "state"))
	for k, v := range env {
		t.Setenv(k, v)
	}
	var stdout, stderr bytes.Buffer
	code := cli.Main(args, strings.NewReader(""), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// writeConfig writes a config file readable only by its owner.
func writeConfig(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// echoServer answers every request with 400 and a body that repeats the
// request's credentials, as a careless proxy might.
func echoServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		user, pass, _ := r.BasicAuth()
		_, _ = w.Write([]byte(`"rejected: authorization ` + r.Header.Get("Authorization") + ` user ` + user + ` password ` + pass + `"`))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestSecretsAreScrubbedFromErrors(t *testing.T) {
	srv := echoServer(t)
	secretFile := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(secretFile, []byte("pa55-from-file-xyz\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := map[string]string{
		"bearer token": `[contexts.prod.alertmanager]
urls = ["` + srv.URL + `"]
bearer_token = "t0ken-value-abc123"
`,
		"basic auth password file": `[contexts.prod.alertmanager]
urls = ["` + srv.URL + `"]
basic_auth = { username = "ops", password_file = "` + secretFile + `" }
`,
	}
	for name, cfg := range cases {
		t.Run(name, func(t *testing.T) {
			code, stdout, stderr := run(t, map[string]string{"ONCALL_CONFIG": writeConfig(t, cfg)}, "alerts")
			if code == 0 {
				t.Fatalf("alerts succeeded against a server answering 400: %s", stdout)
			}
			for _, secret := range []string{"t0ken-value-abc123", "pa55-from-file-xyz"} {
				if strings.Contains(stderr+stdout, secret) {
					t.Errorf("secret %q leaked: %s", secret, stderr)
				}
			}
			if !strings.Contains(stderr, "[redacted]") || !strings.Contains(stderr, "400") {
				t.Errorf("stderr = %q, want the 400 with the secret redacted", stderr)
			}
			if n := strings.Count(strings.TrimSpace(stderr), "\n"); n != 0 {
				t.Errorf("error spans %d lines: %q", n+1, stderr)
			}
		})
	}
}

func TestTimeoutBoundsEachAction(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })

	start := time.Now()
	code, _, stderr := run(t, map[string]string{"ONCALL_ALERTMANAGER_URL": srv.URL}, "alerts", "--timeout", "300ms")
	if code == 0 {
		t.Fatal("alerts succeeded against a server that never answers")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("alerts took %s with --timeout 300ms", d)
	}
	if !strings.Contains(stderr, srv.URL) || !strings.Contains(stderr, "timed out") {
		t.Errorf("stderr = %q, want a timeout naming the server", stderr)
	}
}

func TestInvalidInputIsRefusedBeforeAnyRequest(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	t.Cleanup(srv.Close)
	env := map[string]string{"ONCALL_ALERTMANAGER_URL": srv.URL, "ONCALL_USER": "alice"}
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"silence", "add", "--comment", "x"}, "at least one --matcher"},
		{[]string{"silence", "add", "-m", `alertname=~"("`, "-c", "x"}, "--matcher"},
		{[]string{"silence", "add", "-m", `alertname="A"`, "-c", "x", "--duration", "-5m"}, "--duration must be positive"},
		{[]string{"ack", "-m", `alertname="A"`, "--duration", "0s"}, "--duration must be positive"},
		{[]string{"alerts", "-o", "yaml"}, `unknown output format "yaml"`},
		{[]string{"alerts", "--filter", `a=~"("`}, "--filter"},
	}
	for _, tc := range cases {
		code, stdout, stderr := run(t, env, tc.args...)
		if code == 0 || !strings.Contains(stderr, tc.want) || stdout != "" {
			t.Errorf("oncall %v: code %d stdout %q stderr %q, want a failure saying %q", tc.args, code, stdout, stderr, tc.want)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("invalid input still sent %d requests", n)
	}
}
