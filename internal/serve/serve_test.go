package serve

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	gossh "golang.org/x/crypto/ssh"

	"oncall/tui/kit"
)

func hasAlerts(s string) bool { return strings.Contains(s, "APIDown") && strings.Contains(s, "firing") }

// Only authorized public keys get in: other keys, passwords and "none" are
// refused before any session exists.
func TestOnlyAuthorizedKeysGetIn(t *testing.T) {
	h := startHarness(t, harnessOpts{})
	cases := map[string][]gossh.AuthMethod{
		"unknown key": {gossh.PublicKeys(h.intruder)},
		"password":    {gossh.Password("alice")},
		"keyboard-interactive": {gossh.KeyboardInteractive(func(string, string, []string, []bool) ([]string, error) {
			return []string{"alice"}, nil
		})},
		"none": nil,
	}
	for name, auth := range cases {
		c, err := h.dial("alice", auth...)
		if err == nil {
			c.Close()
			t.Fatalf("%s: login accepted", name)
		}
		if !strings.Contains(err.Error(), "unable to authenticate") {
			t.Fatalf("%s: unexpected error %v", name, err)
		}
	}
	if !strings.Contains(h.logs.String(), `msg="login refused"`) || !strings.Contains(h.logs.String(), gossh.FingerprintSHA256(h.intruder.PublicKey())) {
		t.Fatalf("refused key not logged:\n%s", h.logs.String())
	}
	if h.srv.Sessions() != 0 {
		t.Fatalf("sessions = %d after refused logins", h.srv.Sessions())
	}
}

// A responder sees the alerts, acks one, and the ack is written under the
// session identity and logged.
func TestResponderSeesAlertsAndActs(t *testing.T) {
	h := startHarness(t, harnessOpts{})
	x := h.open("alice", h.alice, termOpts{w: 160, h: 48})
	want := Identity{User: "alice", Fingerprint: gossh.FingerprintSHA256(h.alice.PublicKey())}.Name()
	s := x.waitScreen("the alerts", hasAlerts)
	if !strings.Contains(s, want+" (responder)") {
		t.Fatalf("status bar does not show %q:\n%s", want+" (responder)", s)
	}
	x.waitScreen("APIDown selected", func(s string) bool { return strings.Contains(s, "▌ CRIT  firing") })
	x.keys("a")
	x.waitScreen("the ack", func(s string) bool { return strings.Contains(s, "acked alice (SHA256:") })
	var by []string
	for _, sil := range h.backend.Alertmanager.Silences() {
		if sil.CreatedBy != nil {
			by = append(by, *sil.CreatedBy)
		}
	}
	if !strings.Contains(strings.Join(by, "|"), want) {
		t.Fatalf("no silence created by %q in the Alertmanager: %v", want, by)
	}
	logs := h.logs.String()
	for _, line := range []string{`msg="session start"`, `role=responder`, `msg="action done"`, `action="acked APIDown"`, `result=ok`} {
		if !strings.Contains(logs, line) {
			t.Fatalf("log lacks %s:\n%s", line, logs)
		}
	}
}

// A viewer is told that silencing is refused, and nothing reaches the
// Alertmanager even though the session builder offered an action service.
func TestViewerCannotSilence(t *testing.T) {
	h := startHarness(t, harnessOpts{})
	x := h.open("bob", h.bob, termOpts{w: 160, h: 48})
	s := x.waitScreen("the alerts", hasAlerts)
	if !strings.Contains(s, "(viewer) │ read-only │") {
		t.Fatalf("status bar does not show the viewer role and read-only:\n%s", s)
	}
	before := len(h.backend.Alertmanager.Silences())
	x.keys("s")
	s = x.waitScreen("the refusal", func(s string) bool {
		return strings.Contains(s, "read-only: context demo is read-only (")
	})
	if strings.Contains(s, "Silence") && strings.Contains(s, "enter") && strings.Contains(s, "esc") {
		t.Fatalf("a silence dialog opened for a viewer:\n%s", s)
	}
	x.keys("a")
	time.Sleep(500 * time.Millisecond)
	if n := len(h.backend.Alertmanager.Silences()); n != before {
		t.Fatalf("viewer changed the silences: %d → %d", before, n)
	}
	if strings.Contains(h.logs.String(), `msg="action start"`) {
		t.Fatalf("a viewer action was attempted:\n%s", h.logs.String())
	}
}

// A user name only grants its role to a key whose authorized_keys comment
// names that user: bob's key logging in as "alice" stays a viewer.
func TestLoginNameCannotBorrowARole(t *testing.T) {
	h := startHarness(t, harnessOpts{})
	x := h.open("alice", h.bob, termOpts{w: 160, h: 48})
	s := x.waitScreen("the alerts", hasAlerts)
	if !strings.Contains(s, "(viewer)") {
		t.Fatalf("bob's key as alice is not a viewer:\n%s", s)
	}
}

// sgrBackground is the SGR parameter text a colour gets as a background at
// 256 colours.
func sgrBackground(t *testing.T, c interface{ RGBA() (r, g, b, a uint32) }) string {
	t.Helper()
	idx, ok := colorprofile.ANSI256.Convert(c).(ansi.IndexedColor)
	if !ok {
		t.Fatalf("%v does not map to an indexed colour", c)
	}
	return fmt.Sprintf("48;5;%d", idx)
}

// Two sessions of different sizes and backgrounds render independently, and
// resizing one leaves the other alone.
func TestSessionsRenderIndependently(t *testing.T) {
	h := startHarness(t, harnessOpts{})
	dark := h.open("alice", h.alice, termOpts{w: 80, h: 24, bg: "0000/0000/0000"})
	light := h.open("bob", h.bob, termOpts{w: 160, h: 48, bg: "ffff/ffff/ffff"})
	ds := dark.waitScreen("the narrow screen", hasAlerts)
	ls := light.waitScreen("the wide screen", hasAlerts)
	if !strings.Contains(ds, "Alerts  Detail  Silences") {
		t.Fatalf("80x24 session has no tabs:\n%s", ds)
	}
	if strings.Contains(ls, "Detail  Silences") || !strings.Contains(ls, "│") {
		t.Fatalf("160x48 session is not side by side:\n%s", ls)
	}
	darkBar := sgrBackground(t, kit.DarkPalette().BarBg)
	lightBar := sgrBackground(t, kit.LightPalette().BarBg)
	if darkBar == lightBar {
		t.Fatal("palettes do not differ at 256 colours")
	}
	dark.waitScreen("the dark palette", func(string) bool { return strings.Contains(dark.out.String(), darkBar) })
	if strings.Contains(light.out.String(), darkBar) {
		o := light.out.String()
		i := strings.Index(o, darkBar)
		t.Fatalf("the light session drew the dark status bar (%s) at %d of %d (query at %d): %q", darkBar, i, len(o), strings.Index(o, "\x1b]11;?"), o[:min(len(o), 400)])
	}
	if !strings.Contains(light.out.String(), lightBar) {
		t.Fatalf("the light session never drew the light status bar (%s)", lightBar)
	}
	// Resize the narrow one to wide: it re-lays out, the other is untouched.
	mark := len(light.out.Bytes())
	if err := dark.sess.WindowChange(40, 130); err != nil {
		t.Fatal(err)
	}
	dark.w, dark.h = 130, 40
	dark.waitScreen("the resized screen", func(s string) bool {
		return hasAlerts(s) && !strings.Contains(s, "Detail  Silences") && strings.Contains(s, "│")
	})
	if got := light.out.Bytes()[mark:]; strings.Contains(string(got), "\x1b[2J") {
		t.Fatal("resizing one session repainted the other")
	}
}

// Past max_sessions a new session is refused with a message and exit 1.
func TestMaxSessions(t *testing.T) {
	h := startHarness(t, harnessOpts{maxSessions: 1})
	first := h.open("alice", h.alice, termOpts{w: 100, h: 30})
	first.waitScreen("the alerts", hasAlerts)
	second := h.open("bob", h.bob, termOpts{w: 100, h: 30})
	select {
	case err := <-second.exited:
		var ee *gossh.ExitError
		if !errors.As(err, &ee) || ee.ExitStatus() != 1 {
			t.Fatalf("refused session: want exit status 1, got %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("second session was not refused")
	}
	if !strings.Contains(second.stderr.String(), "too many sessions (the limit is 1)") {
		t.Fatalf("refusal message: %q", second.stderr.String())
	}
	if !strings.Contains(h.logs.String(), `msg="session refused"`) {
		t.Fatalf("refusal not logged:\n%s", h.logs.String())
	}
	first.keys("q")
	<-first.exited
	// The slot is free again.
	third := h.open("bob", h.bob, termOpts{w: 100, h: 30})
	third.waitScreen("the alerts", hasAlerts)
}

// Sessions without input are closed after the idle timeout, with a message.
func TestIdleTimeout(t *testing.T) {
	h := startHarness(t, harnessOpts{idle: 1500 * time.Millisecond})
	x := h.open("alice", h.alice, termOpts{w: 100, h: 30})
	x.waitScreen("the alerts", hasAlerts)
	x.waitOutput("disconnected after 1.5s without input")
	select {
	case <-x.exited:
	case <-time.After(10 * time.Second):
		t.Fatal("idle session still open")
	}
	if !strings.Contains(h.logs.String(), `msg="session end"`) || !strings.Contains(h.logs.String(), "reason=idle") {
		t.Fatalf("idle end not logged:\n%s", h.logs.String())
	}
}

// On shutdown an action in flight finishes before its session is closed,
// the session is told, and Serve returns.
func TestGracefulShutdownFinishesActions(t *testing.T) {
	h := startHarness(t, harnessOpts{notice: 200 * time.Millisecond})
	x := h.open("alice", h.alice, termOpts{w: 160, h: 48})
	x.waitScreen("APIDown selected", func(s string) bool { return strings.Contains(s, "▌ CRIT  firing") })
	h.backend.Alertmanager.SetDelay(2 * time.Second)
	x.keys("a")
	waitFor(t, "the ack to start", func() bool { return strings.Contains(h.logs.String(), `msg="action start"`) })
	start := time.Now()
	if err := h.stop(); err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Fatalf("shutdown took %s", took)
	}
	x.waitOutput("the oncall server is shutting down; reconnect in a moment.")
	logs := h.logs.String()
	done, end := strings.Index(logs, `msg="action done"`), strings.Index(logs, `msg="session end"`)
	if done < 0 || end < 0 || done > end || !strings.Contains(logs, "result=ok") {
		t.Fatalf("the ack did not finish before the session closed:\n%s", logs)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}
