package serve

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"oncall/internal/actions"
	"oncall/internal/config"
	"oncall/internal/demo/sim"
	"oncall/internal/journal"
	"oncall/sources/alertmanager"
	"oncall/sources/prometheus"
	"oncall/tui"
)

// harness runs `oncall serve` in-process on loopback against the simulated
// incident, with keys for alice (responder), bob (viewer) and an intruder.
type harness struct {
	t        *testing.T
	addr     string
	srv      *Server
	backend  *sim.Backend
	alice    gossh.Signer
	bob      gossh.Signer
	intruder gossh.Signer
	logs     *syncBuffer
	cancel   context.CancelFunc
	done     chan error
	stopOnce sync.Once
	stopErr  error
}

type harnessOpts struct {
	refresh     time.Duration
	maxSessions int
	idle        time.Duration
	notice      time.Duration
	// am is the Alertmanager the sessions use instead of the simulated
	// one (a real one, behind a counting proxy).
	am string
}

func newSigner(t *testing.T) gossh.Signer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func authorizedLine(s gossh.Signer, comment string) string {
	return strings.TrimSpace(string(gossh.MarshalAuthorizedKey(s.PublicKey()))) + " " + comment + "\n"
}

func startHarness(t *testing.T, o harnessOpts) *harness {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	b, err := sim.Start(context.Background(), sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	dir := t.TempDir()
	h := &harness{t: t, backend: b, alice: newSigner(t), bob: newSigner(t), intruder: newSigner(t), logs: &syncBuffer{}, cancel: cancel, done: make(chan error, 1)}
	ak := filepath.Join(dir, "authorized_keys")
	if err := os.WriteFile(ak, []byte(authorizedLine(h.alice, "alice@laptop")+authorizedLine(h.bob, "bob")), 0o600); err != nil {
		t.Fatal(err)
	}
	amURL := b.Alertmanager.URL()
	if o.am != "" {
		amURL = o.am
	}
	am, err := alertmanager.New(alertmanager.Config{URLs: []string{amURL}})
	if err != nil {
		t.Fatal(err)
	}
	prom, err := prometheus.New(prometheus.Config{URL: b.Prometheus.URL()})
	if err != nil {
		t.Fatal(err)
	}
	j, err := journal.Open(filepath.Join(dir, "journal.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	base := config.Defaults()
	base.CurrentContext = "demo"
	base.Contexts["demo"] = &config.Context{}
	if o.refresh > 0 {
		base.Refresh = config.Duration(o.refresh)
	}
	h.srv, err = New(Config{
		AuthorizedKeys: ak,
		HostKey:        filepath.Join(dir, "state", "host_key"),
		Roles:          Roles{Responders: []string{"alice"}, Viewers: []string{"bob"}},
		MaxSessions:    o.maxSessions,
		IdleTimeout:    o.idle,
		ShutdownNotice: o.notice,
		Logger:         slog.New(slog.NewTextHandler(h.logs, nil)),
		Deps: func(id Identity) (tui.Deps, error) {
			c := *base
			c.Identity.User = id.Name()
			d := tui.Deps{Config: &c, AM: am, Prom: prom}
			// Deliberately hand viewers a service too: the server must drop it.
			d.Actions = &actions.Service{AM: am, Journal: j, User: id.Name(), Context: "demo"}
			return d, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h.addr = ln.Addr().String()
	go func() { h.done <- h.srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		if err := h.stop(); err != nil {
			t.Error(err)
		}
	})
	return h
}

// stop shuts the server down and returns what Serve returned.
func (h *harness) stop() error {
	h.stopOnce.Do(func() {
		h.cancel()
		select {
		case h.stopErr = <-h.done:
		case <-time.After(40 * time.Second):
			h.stopErr = errors.New("Serve did not return after shutdown")
		}
	})
	return h.stopErr
}

func (h *harness) dial(user string, auth ...gossh.AuthMethod) (*gossh.Client, error) {
	return h.dialVia(nil, user, auth...)
}

// dialVia dials, letting wrap see the raw TCP connection (wire bytes).
func (h *harness) dialVia(wrap func(net.Conn) net.Conn, user string, auth ...gossh.AuthMethod) (*gossh.Client, error) {
	cfg := &gossh.ClientConfig{
		User:            user,
		Auth:            auth,
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), //nolint:gosec // loopback test server
		Timeout:         10 * time.Second,
	}
	conn, err := net.DialTimeout("tcp", h.addr, cfg.Timeout)
	if err != nil {
		return nil, err
	}
	if wrap != nil {
		conn = wrap(conn)
	}
	c, chans, reqs, err := gossh.NewClientConn(conn, h.addr, cfg)
	if err != nil {
		conn.Close()
		return nil, err
	}
	return gossh.NewClient(c, chans, reqs), nil
}

// term is one client terminal: an SSH session with a pty whose output is
// recorded and, optionally, whose background-colour query is answered.
type term struct {
	t      *testing.T
	w, h   int
	sess   *gossh.Session
	client *gossh.Client
	stdin  io.WriteCloser
	out    *syncBuffer
	stderr *syncBuffer
	exited chan error
}

type termOpts struct {
	w, h int
	bg   string // OSC 11 reply colour, e.g. "0000/0000/0000"; "" = no reply
	env  map[string]string
	term string
	wrap func(net.Conn) net.Conn // sees the TCP connection
}

func (h *harness) open(user string, key gossh.Signer, o termOpts) *term {
	h.t.Helper()
	c, err := h.dialVia(o.wrap, user, gossh.PublicKeys(key))
	if err != nil {
		h.t.Fatalf("dial as %s: %v", user, err)
	}
	s, err := c.NewSession()
	if err != nil {
		h.t.Fatal(err)
	}
	x := &term{t: h.t, w: o.w, h: o.h, sess: s, client: c, out: &syncBuffer{}, stderr: &syncBuffer{}, exited: make(chan error, 1)}
	for k, v := range o.env {
		if err := s.Setenv(k, v); err != nil {
			h.t.Fatalf("setenv %s: %v", k, err)
		}
	}
	if o.term == "" {
		o.term = "xterm-256color"
	}
	if err := s.RequestPty(o.term, o.h, o.w, gossh.TerminalModes{}); err != nil {
		h.t.Fatal(err)
	}
	if x.stdin, err = s.StdinPipe(); err != nil {
		h.t.Fatal(err)
	}
	stdout, err := s.StdoutPipe()
	if err != nil {
		h.t.Fatal(err)
	}
	s.Stderr = x.stderr
	if err := s.Shell(); err != nil {
		h.t.Fatal(err)
	}
	go func() {
		buf := make([]byte, 32*1024)
		answered := false
		for {
			n, err := stdout.Read(buf)
			if n > 0 {
				x.out.Write(buf[:n])
				if o.bg != "" && !answered && bytes.Contains(x.out.Bytes(), []byte("\x1b]11;?")) {
					answered = true
					fmt.Fprintf(x.stdin, "\x1b]11;rgb:%s\x1b\\", o.bg)
				}
			}
			if err != nil {
				return
			}
		}
	}()
	go func() { x.exited <- s.Wait() }()
	h.t.Cleanup(func() { s.Close(); c.Close() })
	return x
}

func (x *term) screen() string { return screenOf(x.out.Bytes(), x.w, x.h) }

func (x *term) keys(s string) {
	x.t.Helper()
	if _, err := io.WriteString(x.stdin, s); err != nil {
		x.t.Fatalf("send %q: %v", s, err)
	}
}

// waitScreen polls the emulated screen until cond holds.
func (x *term) waitScreen(what string, cond func(string) bool) string {
	x.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var s string
	for time.Now().Before(deadline) {
		if s = x.screen(); cond(s) {
			return s
		}
		time.Sleep(50 * time.Millisecond)
	}
	x.t.Fatalf("timed out waiting for %s; screen:\n%s", what, s)
	return ""
}

// waitOutput polls the raw output (the screen after the alternate screen
// is left is not modelled) until it holds want.
func (x *term) waitOutput(want string) {
	x.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(x.out.String(), want) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	x.t.Fatalf("timed out waiting for %q in the output; tail:\n%q", want, tail(x.out.String(), 400))
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// syncBuffer is a bytes.Buffer safe for one writer and concurrent readers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]byte(nil), b.buf.Bytes()...)
}

func (b *syncBuffer) String() string { return string(b.Bytes()) }
