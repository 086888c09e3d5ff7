package tui_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"oncall/internal/actions"
	"oncall/internal/config"
	"oncall/internal/journal"
	"oncall/internal/testkit/amspy"
	"oncall/internal/testkit/testenv"
	"oncall/internal/wire"
	"oncall/sources/alertmanager"
	"oncall/tui/tuitest"
)

// The rails from the screen, against a real Alertmanager behind a counting
// proxy: the model is built by internal/wire from a config, as `oncall`
// builds it, and driven key by key; each test counts the silence writes
// that reached Alertmanager and reads what it holds afterwards.

// fleet posts 8 firing alerts: 6 DiskFull warnings over clusters a and b,
// 2 APIDown criticals on cluster a.
func fleet(t *testing.T, amURL string) {
	t.Helper()
	var sets []map[string]string
	for i := range 6 {
		c := []string{"a", "b"}[i%2]
		sets = append(sets, map[string]string{"alertname": "DiskFull", "severity": "warning", "cluster": c, "instance": fmt.Sprintf("host-%d", i)})
	}
	for i := range 2 {
		sets = append(sets, map[string]string{"alertname": "APIDown", "severity": "critical", "cluster": "a", "instance": fmt.Sprintf("api-%d", i)})
	}
	amspy.PostAlerts(t, amURL, sets...)
}

// railsConfig is context prod on the spy's Alertmanager, user alice, no
// automatic refresh (the test decides what the screen has loaded), no ack
// keep-alive, the journal in a temporary folder.
func railsConfig(t *testing.T, spyURL string, prod config.Context) *config.Config {
	t.Helper()
	cfg := config.Defaults()
	cfg.Identity.User = "alice"
	cfg.CurrentContext = "prod"
	cfg.Refresh = config.Duration(time.Hour)
	cfg.Alerts.KeepAcksAlive = false
	cfg.Journal.Path = filepath.Join(t.TempDir(), "journal.jsonl")
	prod.Alertmanager = config.Alertmanager{URLs: []string{spyURL}}
	cfg.Contexts["prod"] = &prod
	return cfg
}

// railsModel builds the screen as `oncall` does (wire.Local, readOnly as
// --readonly sets it) and waits until it shows the alerts and silences.
func railsModel(t *testing.T, cfg *config.Config, readOnly string, alertsWanted int) *tuitest.Driver {
	t.Helper()
	deps, err := wire.Local(cfg, wire.Env{Getenv: func(string) string { return "" }, ReadOnly: readOnly, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	deps.Now = time.Now
	d := tuitest.New(t, tuitest.Setup{Config: cfg, Deps: deps, Fetch: true, Width: 200, Height: 50})
	d.Timeout = 20 * time.Second
	d.Quiet = 30 * time.Millisecond // the subscription always waits: keys need not
	d.Until("the alerts", func() bool { return len(d.M.Alerts()) >= alertsWanted })
	return d
}

// clearField empties the focused field of a dialog.
func clearField(d *tuitest.Driver) { d.Press("ctrl+u", "ctrl+k") }

func TestReadOnlySendsNothingFromTheScreen(t *testing.T) {
	t.Parallel()
	am := testenv.StartAlertmanager(t, testenv.AlertmanagerOptions{})
	fleet(t, am.URL)
	theirs := amspy.PostSilence(t, am.URL, map[string]string{"alertname": "DiskFull", "instance": "host-0"}, "bob", "bob's disk work", time.Hour)
	for _, tc := range []struct {
		name, flag string
		ctx        config.Context
		want       string
	}{
		{"readonly in the context", "", config.Context{ReadOnly: true}, "read-only: context prod is read-only (readonly = true in the config)"},
		{"--readonly", wire.ReadOnlyFlag, config.Context{}, "read-only: context prod is read-only (--readonly)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spy := amspy.Start(t, am.URL)
			cfg := railsConfig(t, spy.URL, tc.ctx)
			d := railsModel(t, cfg, tc.flag, 8)
			if bar := lastLine(d.Screen()); !strings.Contains(bar, "│ read-only │") {
				t.Fatalf("the status bar does not say read-only: %q", bar)
			}
			for _, keys := range [][]string{{"s"}, {"a"}, {"S", "x"}, {"S", "e"}, {"n"}} {
				d.Press("A")
				d.Press(keys...)
				if s := d.Screen(); !strings.Contains(s, tc.want) || strings.Contains(s, "New silence") || strings.Contains(s, "Expire") || strings.Contains(s, "Extend silence") || strings.Contains(s, "New note") {
					t.Fatalf("keys %v: want the one-line refusal and no dialog:\n%s", keys, s)
				}
				d.Press("esc")
			}
			spy.WantWrites(t, 0)
			if s := amspy.SilenceByID(t, am.URL, theirs); s.Status.State != "active" {
				t.Errorf("bob's silence is %s", s.Status.State)
			}
			if _, err := os.Stat(cfg.Journal.Path); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("the journal was written: %v", err)
			}
		})
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

// A refusing rule blocks the dialog's submit and says why; a confirming
// rule asks a second, explicit confirmation and only then writes, once.
func TestGuardFromTheSilenceDialog(t *testing.T) {
	t.Parallel()
	am := testenv.StartAlertmanager(t, testenv.AlertmanagerOptions{})
	fleet(t, am.URL)
	spy := amspy.Start(t, am.URL)
	cfg := railsConfig(t, spy.URL, config.Context{Guard: config.Guard{
		Comment: config.CommentGuard{Mode: "refuse", Pattern: `^[A-Z]+-[0-9]+`},
		Breadth: config.BreadthGuard{Mode: "confirm", MaxAlerts: 2},
	}})
	d := railsModel(t, cfg, "", 8)

	d.Press("s")
	clearField(d)
	d.Type(`alertname="DiskFull"`)
	// the preview, as typed: what it matches and the breadth finding
	d.UntilScreen("matches 6 of 8 firing alerts: DiskFull ×6")
	d.UntilScreen("! confirm · breadth: would match 6 of 8 firing alerts (more than 2)")
	d.Press("tab", "tab")
	d.Type("disks everywhere")
	d.UntilScreen("✗ refused · comment: comment")
	d.Press("enter")
	d.UntilScreen(`refused by guard comment: comment "disks everywhere" does not match ^[A-Z]+-[0-9]+`)
	if !strings.Contains(d.Screen(), "New silence") {
		t.Fatalf("the refusal closed the dialog:\n%s", d.Screen())
	}
	spy.WantWrites(t, 0)

	// a ticket id satisfies the comment rule; breadth still asks
	clearField(d)
	d.Type("OPS-12 disks everywhere")
	d.Press("enter")
	d.UntilScreen("Silence anyway?")
	d.UntilScreen("breadth: would match 6 of 8 firing alerts (more than 2)")
	d.Press("enter") // not a yes: the confirmation is typed on purpose
	if !strings.Contains(d.Screen(), "Silence anyway?") {
		t.Fatalf("enter answered the explicit confirmation:\n%s", d.Screen())
	}
	d.Press("n") // back to the dialog, nothing written
	d.UntilScreen("New silence")
	spy.WantWrites(t, 0)

	d.Press("enter")
	d.UntilScreen("Silence anyway?")
	d.Press("y")
	d.Until("the silence written", func() bool { return len(amspy.Active(t, am.URL)) == 1 })
	d.UntilScreen("silenced · silence ")
	spy.WantWrites(t, 1)
	s := amspy.Active(t, am.URL)[0]
	if s.Comment != "OPS-12 disks everywhere" || s.MatcherSet() != "alertname=DiskFull" || s.CreatedBy != "alice" {
		t.Errorf("Alertmanager holds %+v", s)
	}
	e := lastJournal(t, cfg)
	if e.Action != journal.ActionSilence || e.Result != journal.ResultOK || e.Guard != "confirmed breadth" || e.SilenceID != s.ID {
		t.Errorf("journal entry %+v", e)
	}
}

// An ack goes through the same guard: a refusing rule answers the key
// with one line and sends nothing; a confirming one asks first.
func TestGuardFromTheAckKey(t *testing.T) {
	t.Parallel()
	am := testenv.StartAlertmanager(t, testenv.AlertmanagerOptions{})
	fleet(t, am.URL)
	spy := amspy.Start(t, am.URL)
	cfg := railsConfig(t, spy.URL, config.Context{Guard: config.Guard{Matchers: config.MatchersGuard{Mode: "refuse", Required: []string{"team"}}}})
	d := railsModel(t, cfg, "", 8)
	d.Press("a")
	d.UntilScreen("not acked APIDown: refused by guard matchers: no = or =~ matcher on required label team")
	spy.WantWrites(t, 0)

	spy2 := amspy.Start(t, am.URL)
	cfg2 := railsConfig(t, spy2.URL, config.Context{Guard: config.Guard{Breadth: config.BreadthGuard{WholeSeverity: true, MinAlerts: 2}}})
	cfg2.Alerts.AckLabels = []string{"alertname", "severity"}
	d2 := railsModel(t, cfg2, "", 8)
	d2.Press("a")
	d2.UntilScreen("Ack APIDown anyway?")
	d2.UntilScreen("breadth: would match every firing critical alert (2)")
	spy2.WantWrites(t, 0)
	d2.Press("y")
	d2.Until("the ack written", func() bool { return len(amspy.Active(t, am.URL)) == 1 })
	spy2.WantWrites(t, 1)
	if s := amspy.Active(t, am.URL)[0]; s.Comment != "ACK! alice: acknowledged" || s.MatcherSet() != "alertname=APIDown,severity=critical" {
		t.Errorf("Alertmanager holds %+v", s)
	}
	if e := lastJournal(t, cfg2); e.Action != journal.ActionAck || e.Guard != "confirmed breadth" {
		t.Errorf("journal entry %+v", e)
	}
}

// Someone else's silence needs a confirmation naming its author; after
// the expire, u restores it under a new id (same matchers, comment and
// end); an extend of a silence changed meanwhile stops and shows it.
func TestExpireUndoAndConflictFromTheScreen(t *testing.T) {
	t.Parallel()
	am := testenv.StartAlertmanager(t, testenv.AlertmanagerOptions{})
	fleet(t, am.URL)
	theirs := amspy.PostSilence(t, am.URL, map[string]string{"alertname": "DiskFull", "instance": "host-0"}, "bob", "bob's disk work", 2*time.Hour)
	before := amspy.SilenceByID(t, am.URL, theirs)
	spy := amspy.Start(t, am.URL)
	cfg := railsConfig(t, spy.URL, config.Context{})
	d := railsModel(t, cfg, "", 8)
	d.Until("bob's silence", func() bool { return len(d.M.Silences()) == 1 })

	d.Press("S", "x")
	d.UntilScreen("Expire a silence created by bob?")
	d.UntilScreen("Created by bob, not by you.")
	d.Press("enter")
	spy.WantWrites(t, 0)
	d.Press("y")
	d.Until("the silence expired", func() bool { return amspy.SilenceByID(t, am.URL, theirs).Status.State == "expired" })
	d.UntilScreen("expired · silence " + theirs)
	if !strings.Contains(lastLine(d.Screen()), " u undo ") {
		t.Fatalf("the status bar does not offer u:\n%s", lastLine(d.Screen()))
	}
	spy.WantWrites(t, 1) // the DELETE
	if e := lastJournal(t, cfg); e.Action != journal.ActionExpire || e.Guard != "confirmed author" || e.Extra["createdBy"] != "bob" {
		t.Errorf("journal entry %+v", e)
	}

	d.Press("u")
	d.Until("the silence restored", func() bool { return len(amspy.Active(t, am.URL)) == 1 })
	restored := amspy.Active(t, am.URL)[0]
	d.UntilScreen("restored with a new id: " + restored.ID)
	if restored.ID == theirs || restored.Comment != before.Comment || restored.CreatedBy != "bob" ||
		restored.MatcherSet() != before.MatcherSet() || restored.EndsAt.Sub(before.EndsAt).Abs() > time.Second {
		t.Errorf("restored %+v from %+v", restored, before)
	}
	spy.WantWrites(t, 2)
	if strings.Contains(lastLine(d.Screen()), " u undo ") {
		t.Errorf("u is still offered after the undo: %q", lastLine(d.Screen()))
	}

	// the restored silence is changed behind the screen's back
	d.Until("the restored silence listed", func() bool {
		for _, s := range d.M.Silences() {
			if s.ID == restored.ID {
				return true
			}
		}
		return false
	})
	bobSvc := bobService(t, am.URL)
	if _, err := bobSvc.ExtendSilence(context.Background(), actions.SilenceRef{ID: restored.ID}, time.Hour, actions.Options{}); err != nil {
		t.Fatal(err)
	}
	changed := amspy.SilenceByID(t, am.URL, restored.ID)
	d.Press("/")
	d.Type(restored.ID[:8])
	d.Press("enter", "e", "enter")
	d.UntilScreen("The silence changed since it was loaded")
	d.UntilScreen("Nothing was written")
	d.UntilScreen(changed.EndsAt.Local().Format("2006-01-02 15:04:05"))
	spy.WantWrites(t, 2)
	if now := amspy.SilenceByID(t, am.URL, restored.ID); !now.EndsAt.Equal(changed.EndsAt) {
		t.Errorf("the silence was overwritten: ends %s, bob set %s", now.EndsAt, changed.EndsAt)
	}
	if e := lastJournal(t, cfg); e.Action != journal.ActionExtend || e.Result != journal.ResultRefused || e.Guard != "conflict" {
		t.Errorf("journal entry %+v", e)
	}

	// u is offered for a few seconds only
	d.Press("esc")
	d.Until("the changed silence loaded", func() bool {
		for _, s := range d.M.Silences() {
			if s.ID == restored.ID && s.EndsAt.Equal(changed.EndsAt) {
				return true
			}
		}
		return false
	})
	d.Press("x", "y")
	d.Until("the silence expired", func() bool { return amspy.SilenceByID(t, am.URL, restored.ID).Status.State == "expired" })
	d.UntilScreen(" u undo ")
	spy.WantWrites(t, 3)
	d.Until("u is gone", func() bool { return !strings.Contains(lastLine(d.Screen()), " u undo ") })
	d.Press("u")
	spy.WantWrites(t, 3)
	if n := len(amspy.Active(t, am.URL)); n != 0 {
		t.Errorf("%d active silences after u outside its window", n)
	}
}

// A write that reached Alertmanager but not the journal (a full disk) says
// so: done, not failed.
func TestDoneButNotJournaledFromTheScreen(t *testing.T) {
	t.Parallel()
	am := testenv.StartAlertmanager(t, testenv.AlertmanagerOptions{})
	fleet(t, am.URL)
	spy := amspy.Start(t, am.URL)
	cfg := railsConfig(t, spy.URL, config.Context{})
	cfg.Journal.Path = "/dev/full"
	d := railsModel(t, cfg, "", 8)
	d.Press("s", "tab", "tab")
	d.Type("disk full test")
	d.Press("enter")
	d.Until("the silence written", func() bool { return len(amspy.Active(t, am.URL)) == 1 })
	id := amspy.Active(t, am.URL)[0].ID
	d.UntilScreen("silenced · silence " + id + " — done, but not journaled: journal write:")
	if strings.Contains(d.Screen(), "failed") {
		t.Errorf("a done write is called failed:\n%s", lastLine(d.Screen()))
	}
	spy.WantWrites(t, 1)
}

func bobService(t *testing.T, amURL string) *actions.Service {
	t.Helper()
	c, err := alertmanager.New(alertmanager.Config{URLs: []string{amURL}})
	if err != nil {
		t.Fatal(err)
	}
	return &actions.Service{AM: c, User: "bob", Context: "prod"}
}

func lastJournal(t *testing.T, cfg *config.Config) journal.Entry {
	t.Helper()
	res, err := (&journal.Journal{Path: cfg.Journal.Path}).Read(time.Time{})
	if err != nil || len(res.Entries) == 0 {
		t.Fatalf("journal: %v, %d entries", err, len(res.Entries))
	}
	return res.Entries[len(res.Entries)-1]
}

// With two clusters, the dialog judges each target against its own live
// alerts and guard, names the cluster of each finding, refuses a target
// that takes no write, and writes once in each after the confirmation.
func TestGuardPerClusterFromTheDialog(t *testing.T) {
	t.Parallel()
	prodAM := testenv.StartAlertmanager(t, testenv.AlertmanagerOptions{})
	stagingAM := testenv.StartAlertmanager(t, testenv.AlertmanagerOptions{})
	fleet(t, prodAM.URL)
	amspy.PostAlerts(t, stagingAM.URL,
		map[string]string{"alertname": "DiskFull", "severity": "warning", "instance": "stg-0"},
		map[string]string{"alertname": "DiskFull", "severity": "warning", "instance": "stg-1"})
	prodSpy, stagingSpy := amspy.Start(t, prodAM.URL), amspy.Start(t, stagingAM.URL)
	cfg := railsConfig(t, prodSpy.URL, config.Context{Guard: config.Guard{Breadth: config.BreadthGuard{MaxAlerts: 2}}})
	staging := &config.Context{Alertmanager: config.Alertmanager{URLs: []string{stagingSpy.URL}}, ReadOnly: true}
	cfg.Contexts["staging"] = staging
	cfg.View.Contexts = []string{"prod", "staging"}
	d := railsModel(t, cfg, "", 10)

	d.Press("s")
	clearField(d)
	d.Type(`alertname="DiskFull"`)
	d.UntilScreen("writes to prod only")
	d.UntilScreen("prod: matches 6 of 8 firing alerts: DiskFull ×6")
	d.UntilScreen("! prod: confirm · breadth: would match 6 of 8 firing alerts (more than 2)")
	d.Press("ctrl+t", "ctrl+t")
	d.UntilScreen("writes to all 2 clusters, once each")
	d.UntilScreen("✗ staging: read-only: context staging is read-only")
	d.Press("tab", "tab")
	d.Type("disks in both")
	d.Press("enter")
	d.UntilScreen("cannot write in staging: read-only: context staging is read-only")
	prodSpy.WantWrites(t, 0)
	stagingSpy.WantWrites(t, 0)

	// staging writable: its own guard has no rule, prod's asks
	staging.ReadOnly = false
	d2 := railsModel(t, cfg, "", 10)
	d2.Press("s")
	clearField(d2)
	d2.Type(`alertname="DiskFull"`)
	d2.Press("ctrl+t", "ctrl+t", "tab", "tab")
	d2.Type("disks in both")
	d2.UntilScreen("staging: matches 2 of 2 firing alerts: DiskFull ×2")
	d2.Press("enter")
	d2.UntilScreen("Silence in prod, staging anyway?")
	d2.UntilScreen("prod: breadth: would match 6 of 8 firing alerts (more than 2)")
	if strings.Contains(d2.Screen(), "staging: breadth") {
		t.Fatalf("staging judged by prod's guard:\n%s", d2.Screen())
	}
	d2.Press("y")
	d2.Until("one silence in each", func() bool {
		return len(amspy.Active(t, prodAM.URL)) == 1 && len(amspy.Active(t, stagingAM.URL)) == 1
	})
	prodSpy.WantWrites(t, 1)
	stagingSpy.WantWrites(t, 1)
}
