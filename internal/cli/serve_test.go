package cli_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"oncall/internal/testkit/testenv"
)

func TestServeNeedsAuthorizedKeys(t *testing.T) {
	code, _, errOut := run(t, nil, "serve", "--demo", "--listen", "127.0.0.1:0")
	if code == 0 || !strings.Contains(errOut, "authorized_keys") || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
		t.Fatalf("serve without keys: code %d, stderr %q", code, errOut)
	}
	code, _, errOut = run(t, nil, "serve", "--demo", "--authorized-keys", filepath.Join(t.TempDir(), "missing"))
	if code == 0 || !strings.Contains(errOut, "missing") {
		t.Fatalf("serve with a missing keys file: code %d, stderr %q", code, errOut)
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// `oncall serve --demo` as a process: an authorized key gets the incident
// over SSH; SIGTERM ends the session with a message and the server exits 0.
func TestServeDemoProcess(t *testing.T) {
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bin := filepath.Join(t.TempDir(), "oncall") // not in dir: $XDG_CONFIG_HOME/oncall must not be a file
	build := exec.Command("go", "build", "-o", bin, "./cmd/oncall")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	signer, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	keys := filepath.Join(dir, "authorized_keys")
	if err := os.WriteFile(keys, append(gossh.MarshalAuthorizedKey(signer.PublicKey()), []byte("")...), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", "--demo", "--authorized-keys", keys, "--listen", "127.0.0.1:0")
	cmd.Env = []string{"HOME=" + dir, "XDG_STATE_HOME=" + filepath.Join(dir, "state"), "XDG_CONFIG_HOME=" + dir, "PATH=" + os.Getenv("PATH")}
	logs := &lockedBuffer{}
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	addrRE := regexp.MustCompile(`msg=serving addr=(\S+)`)
	var addr string
	for deadline := time.Now().Add(20 * time.Second); addr == "" && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if m := addrRE.FindStringSubmatch(logs.String()); m != nil {
			addr = m[1]
		}
	}
	if addr == "" {
		t.Fatalf("no listen address logged:\n%s", logs.String())
	}
	hostKey, err := os.Stat(filepath.Join(dir, "state", "oncall", "ssh_host_ed25519_key"))
	if err != nil || hostKey.Mode().Perm() != 0o600 {
		t.Fatalf("host key not created 0600 under XDG_STATE_HOME: %v %v", err, hostKey)
	}

	client, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{User: "carol", Auth: []gossh.AuthMethod{gossh.PublicKeys(signer)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second}) //nolint:gosec // loopback test
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	sess, err := client.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.RequestPty("xterm-256color", 30, 100, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	stdout, _ := sess.StdoutPipe()
	out := &lockedBuffer{}
	go func() { _, _ = io.Copy(out, stdout) }()
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	waitText := func(what string) {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			if strings.Contains(out.String(), what) {
				return
			}
		}
		t.Fatalf("%q never appeared; output tail %q", what, tailText(out.String()))
	}
	waitText("APIDown")
	waitText("(viewer)") // carol is in no list: read-only
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitText("the oncall server is shutting down; reconnect in a moment.")
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("serve exited with %v:\n%s", err, logs.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("serve did not exit after SIGTERM:\n%s", logs.String())
	}
	for _, line := range []string{`msg="session start"`, `role=viewer`, `msg="shutting down"`, `msg="session end"`, `reason=shutdown`, `msg=stopped`} {
		if !strings.Contains(logs.String(), line) {
			t.Fatalf("log lacks %s:\n%s", line, logs.String())
		}
	}
}

func tailText(s string) string {
	if len(s) > 300 {
		return s[len(s)-300:]
	}
	return s
}
