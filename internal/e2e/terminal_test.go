package e2e

import (
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"oncall/internal/demo/sim"
)

// sgrParams lists the parameter strings of every SGR sequence in out.
func sgrParams(out string) []string {
	var ps []string
	var state byte
	for len(out) > 0 {
		seq, _, n, st := ansi.DecodeSequence(out, state, nil)
		state = st
		if n <= 0 {
			break
		}
		out = out[n:]
		if strings.HasPrefix(seq, "\x1b[") && strings.HasSuffix(seq, "m") {
			ps = append(ps, seq[2:len(seq)-1])
		}
	}
	return ps
}

// colourUse classifies the colours the SGR sequences select.
type colourUse struct{ basic, extended, truecolor int }

func coloursOf(out string) colourUse {
	var u colourUse
	for _, p := range sgrParams(out) {
		parts := strings.Split(strings.ReplaceAll(p, ":", ";"), ";")
		for i := 0; i < len(parts); i++ {
			n, err := strconv.Atoi(parts[i])
			if err != nil {
				continue
			}
			switch {
			case (n == 38 || n == 48 || n == 58) && i+1 < len(parts) && parts[i+1] == "5":
				u.extended++
				i += 2
			case (n == 38 || n == 48 || n == 58) && i+1 < len(parts) && parts[i+1] == "2":
				u.truecolor++
				i += 4
			case n >= 30 && n <= 37, n >= 40 && n <= 47, n >= 90 && n <= 97, n >= 100 && n <= 107:
				u.basic++
			}
		}
	}
	return u
}

// On 16-colour terminals (no COLORTERM, TERM of 16 or 8 colours) every
// colour is one of the 16 basic ones; with NO_COLOR there is no colour.
func TestColourProfilesThroughPTY(t *testing.T) {
	bin := buildOncall(t)
	b := frozenSim(t)
	cases := []struct {
		name string
		env  []string
		want func(colourUse) bool
	}{
		{"xterm-16color", []string{"TERM=xterm-16color"}, func(u colourUse) bool { return u.basic > 0 && u.extended == 0 && u.truecolor == 0 }},
		{"xterm (8 colours)", []string{"TERM=xterm"}, func(u colourUse) bool { return u.basic > 0 && u.extended == 0 && u.truecolor == 0 }},
		{"xterm-256color", []string{"TERM=xterm-256color"}, func(u colourUse) bool { return u.extended > 0 && u.truecolor == 0 }},
		{"NO_COLOR", []string{"TERM=xterm-256color", "NO_COLOR=1"}, func(u colourUse) bool { return u == colourUse{} }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env := oncallEnv(t, b, "[ui]\ntheme = \"dark\"\n", c.env...)
			p := startPty(t, bin, nil, env, 100, 30)
			p.waitFor("APIDown", 30*time.Second)
			p.waitQuiet(500*time.Millisecond, 20*time.Second)
			if u := coloursOf(p.output()); !c.want(u) {
				t.Fatalf("colours used: %+v", u)
			}
		})
	}
}

// Mouse reporting is enabled only when [ui] mouse = true.
func TestMouseIsOptional(t *testing.T) {
	bin := buildOncall(t)
	b := frozenSim(t)
	mouseOn := regexp.MustCompile(`\x1b\[\?100[0-3]h`)
	for _, on := range []bool{false, true} {
		env := oncallEnv(t, b, "[ui]\ntheme = \"dark\"\nmouse = "+strconv.FormatBool(on)+"\n", "TERM=xterm-256color")
		p := startPty(t, bin, nil, env, 100, 30)
		p.waitFor("APIDown", 30*time.Second)
		p.waitQuiet(300*time.Millisecond, 20*time.Second)
		if got := mouseOn.MatchString(p.output()); got != on {
			t.Fatalf("mouse = %v: mouse reporting enabled = %v", on, got)
		}
	}
}

// With [alerts] notify set, a critical alert that starts firing after the
// first load rings the bell (or sends OSC 9); the alerts already firing at
// start do not.
func TestNotifyOnNewCritical(t *testing.T) {
	bin := buildOncall(t)
	for _, mode := range []string{"bell", "osc9"} {
		t.Run(mode, func(t *testing.T) {
			// A clock that stands still until the test moves it past the
			// moment RedisDown (critical, pending at start) fires.
			base := time.Now()
			var offset atomic.Int64
			b, err := sim.Start(t.Context(), sim.Options{Clock: func() time.Time { return base.Add(time.Duration(offset.Load())) }})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = b.Close() })
			env := oncallEnv(t, b, "refresh = \"1s\"\n[ui]\ntheme = \"dark\"\n[alerts]\nnotify = \""+mode+"\"\n", "TERM=xterm-256color")
			p := startPty(t, bin, nil, env, 120, 40)
			p.waitFor("RedisDown", 30*time.Second)
			time.Sleep(2500 * time.Millisecond) // two more refreshes: still nothing new
			if n := notifications(p.output()); n != 0 {
				t.Fatalf("%d notification(s) for alerts that were firing at start", n)
			}
			offset.Store(int64(45 * time.Second))
			deadline := time.Now().Add(15 * time.Second)
			for notifications(p.output()) == 0 && time.Now().Before(deadline) {
				time.Sleep(100 * time.Millisecond)
			}
			out := p.output()
			if n := notifications(out); n != 1 {
				t.Fatalf("want 1 notification when RedisDown fires, got %d", n)
			}
			if mode == "osc9" && !strings.Contains(out, "\x1b]9;oncall: critical firing: RedisDown") {
				t.Fatalf("OSC 9 does not name the alert: %q", tailOf(out, 300))
			}
			time.Sleep(2500 * time.Millisecond)
			if n := notifications(p.output()); n != 1 {
				t.Fatalf("the same alert notified %d times", n)
			}
		})
	}
}

// notifications counts bare BELs and OSC 9 sequences (a BEL that ends some
// other OSC string is not a bell).
func notifications(out string) int {
	n := 0
	var state byte
	for len(out) > 0 {
		seq, _, k, st := ansi.DecodeSequence(out, state, nil)
		state = st
		if k <= 0 {
			break
		}
		out = out[k:]
		if seq == "\a" || strings.HasPrefix(seq, "\x1b]9;") {
			n++
		}
	}
	return n
}

// tmux-256color and screen-256color: the narrow layout is usable at 80×24,
// resizing re-lays out, and colours stay within 256.
func TestTmuxTermsAndResize(t *testing.T) {
	bin := buildOncall(t)
	for _, term := range []string{"tmux-256color", "screen-256color"} {
		t.Run(term, func(t *testing.T) {
			env := []string{"TERM=" + term, "XDG_STATE_HOME=" + t.TempDir(), "XDG_CONFIG_HOME=" + t.TempDir(), "HOME=" + t.TempDir()}
			x := startTmux(t, 80, 24, env, bin+" demo")
			s := x.waitScreen(20*time.Second, "the demo alerts", func(s string) bool { return strings.Contains(s, "APIDown") })
			if !strings.Contains(s, "Alerts  Detail  Silences") {
				t.Fatalf("no tabs at 80x24:\n%s", s)
			}
			for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
				if w := ansi.StringWidth(l); w > 80 {
					t.Fatalf("line wider than 80 (%d): %q", w, l)
				}
			}
			x.resize(150, 40)
			x.waitScreen(10*time.Second, "the wide layout", func(s string) bool {
				return strings.Contains(s, "APIDown") && !strings.Contains(s, "Detail  Silences") && strings.Contains(s, "│")
			})
			x.resize(30, 8)
			x.waitScreen(10*time.Second, "the too-small notice", func(s string) bool { return strings.Contains(s, "too small") })
			x.resize(80, 24)
			x.waitScreen(10*time.Second, "the narrow layout again", func(s string) bool {
				return strings.Contains(s, "APIDown") && strings.Contains(s, "Alerts  Detail  Silences")
			})
			out, err := exec.Command(x.bin, "-S", x.socket, "capture-pane", "-p", "-e", "-t", x.session).CombinedOutput()
			if err != nil {
				t.Fatal(err)
			}
			if u := coloursOf(string(out)); u.truecolor != 0 || u.basic+u.extended == 0 {
				t.Fatalf("%s colours: %+v", term, u)
			}
			x.keys("q")
		})
	}
}

// resize changes the tmux window size, as a terminal resize would.
func (x *tmux) resize(w, h int) {
	x.t.Helper()
	out, err := exec.Command(x.bin, "-S", x.socket, "resize-window", "-t", x.session, "-x", strconv.Itoa(w), "-y", strconv.Itoa(h)).CombinedOutput()
	if err != nil {
		x.t.Fatalf("resize-window: %v: %s", err, out)
	}
}
