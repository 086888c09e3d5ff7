package actions_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/alertmanager/api/v2/models"

	"oncall/internal/actions"
	"oncall/internal/alerts"
	"oncall/internal/config"
	"oncall/internal/journal"
	"oncall/internal/testkit/amspy"
	"oncall/internal/testkit/testenv"
)

// loadSilence fetches a silence the way the TUI holds it.
func loadSilence(t *testing.T, svc *actions.Service, id string) *alerts.Silence {
	t.Helper()
	g, err := svc.AM.Silence(testCtx(t), id)
	if err != nil {
		t.Fatal(err)
	}
	return alerts.FromModelSilences(models.GettableSilences{g}, nil)[0]
}

func TestConcurrentEditsAndDurationsAgainstRealAlertmanager(t *testing.T) {
	t.Parallel()
	am := testenv.StartAlertmanager(t, testenv.AlertmanagerOptions{})
	fleet(t, am.URL)

	t.Run("an extend or expire of a silence changed since it was loaded stops", func(t *testing.T) {
		alice, c, j := railService(t, am.URL, "alice", config.Guard{})
		bob := service(t, openJournal(t), "bob", am.URL)
		id, err := alice.Silence(testCtx(t), matchers(t, `alertname="DiskFull", cluster="b"`), time.Hour, "drain b")
		if err != nil {
			t.Fatal(err)
		}
		loaded := loadSilence(t, alice, id)
		time.Sleep(5 * time.Millisecond) // updatedAt has millisecond resolution
		if _, _, err := bob.Extend(testCtx(t), id, 2*time.Hour); err != nil {
			t.Fatal(err)
		}
		bobs := amspy.SilenceByID(t, am.URL, id)
		if bobs.UpdatedAt.Equal(loaded.UpdatedAt) {
			t.Fatalf("Alertmanager did not move updatedAt (%s) on bob's extend", bobs.UpdatedAt)
		}
		ref := actions.SilenceRef{ID: id, UpdatedAt: loaded.UpdatedAt}

		_, err = alice.ExtendSilence(testCtx(t), ref, time.Hour, actions.Options{Force: true})
		var ce *actions.ConflictError
		if !errors.As(err, &ce) || !ce.Current.EndsAt.Equal(bobs.EndsAt) || !ce.Current.UpdatedAt.Equal(bobs.UpdatedAt) || !ce.Loaded.Equal(loaded.UpdatedAt) {
			t.Fatalf("extend: err = %v, want a conflict carrying bob's state", err)
		}
		oneLine(t, err)
		if !strings.Contains(err.Error(), "changed since it was loaded") || !strings.Contains(err.Error(), bobs.EndsAt.UTC().Format(time.RFC3339)) {
			t.Errorf("conflict message %q", err)
		}
		_, err = alice.ExpireSilence(testCtx(t), ref, actions.Options{Force: true})
		if !errors.As(err, &ce) {
			t.Fatalf("expire: err = %v, want a conflict", err)
		}
		c.WantWrites(t, 1) // alice's own silence only
		if now := amspy.SilenceByID(t, am.URL, id); now.Status.State != "active" || !now.EndsAt.Equal(bobs.EndsAt) || !now.UpdatedAt.Equal(bobs.UpdatedAt) {
			t.Fatalf("bob's change was overwritten: %+v, want %+v", now, bobs)
		}
		for _, e := range entries(t, j)[1:] {
			if e.Result != journal.ResultRefused || e.Guard != "conflict" || !strings.Contains(e.Error, "conflict") {
				t.Errorf("journal entry %+v", e)
			}
		}

		// reloaded, the extend goes ahead, in place, from bob's end
		res, err := alice.ExtendSilence(testCtx(t), actions.SilenceRef{ID: id, UpdatedAt: ce.Current.UpdatedAt}, time.Hour, actions.Options{})
		if err != nil {
			t.Fatal(err)
		}
		c.WantWrites(t, 2)
		if now := amspy.SilenceByID(t, am.URL, id); res.SilenceID != id || !near(now.EndsAt, bobs.EndsAt.Add(time.Hour)) || now.Status.State != "active" {
			t.Errorf("after the extend: %+v (result %s)", now, res.SilenceID)
		}
		if res.Previous == nil || !res.Previous.EndsAt.Equal(bobs.EndsAt) {
			t.Errorf("Previous = %+v", res.Previous)
		}
	})

	t.Run("extensions and ack keep-alive are held to the duration limits", func(t *testing.T) {
		g := config.Guard{Duration: config.DurationGuard{Mode: "refuse", Max: config.Duration(2 * time.Hour), MaxAck: config.Duration(30 * time.Minute)}}
		alice, c, j := railService(t, am.URL, "alice", g)
		id, err := alice.Silence(testCtx(t), matchers(t, `alertname="DiskFull", instance="host-0"`), time.Hour, "disk")
		if err != nil {
			t.Fatal(err)
		}
		_, err = alice.ExtendSilence(testCtx(t), actions.SilenceRef{ID: id}, 90*time.Minute, actions.Options{Force: true})
		var re *actions.RefusedError
		if !errors.As(err, &re) || !strings.Contains(err.Error(), "the extended silence lasts 2h30m from now, longer than the 2h maximum") {
			t.Fatalf("err = %v", err)
		}
		c.WantWrites(t, 1)

		ack, err := alice.Ack(testCtx(t), matchers(t, `alertname="DiskFull", instance="host-2"`), 5*time.Minute, "")
		if err != nil {
			t.Fatal(err)
		}
		c.WantWrites(t, 2)
		ctx := testCtx(t)
		amAlerts, err := alice.AM.Alerts(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		amSils, err := alice.AM.Silences(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		live, sils := alerts.Build(amAlerts, amSils, nil, nil)
		done, errs := alice.KeepAcksAlive(ctx, sils, live, 10*time.Minute, time.Hour)
		if len(done) != 0 || len(errs) != 1 || !strings.Contains(errs[0].Error(), "refused by guard duration: the extended ack lasts 1h") {
			t.Fatalf("keep-alive past max_ack: done %v errs %v", done, errs)
		}
		c.WantWrites(t, 2)
		if e := lastEntry(t, j); e.Action != journal.ActionAckExtend || e.Guard != "refused duration" || e.Result != journal.ResultRefused {
			t.Errorf("journal entry %+v", e)
		}
		done, errs = alice.KeepAcksAlive(ctx, sils, live, 10*time.Minute, 20*time.Minute)
		if len(done) != 1 || len(errs) != 0 || done[0].SilenceID != ack.SilenceID {
			t.Fatalf("keep-alive within max_ack: done %v errs %v", done, errs)
		}
		c.WantWrites(t, 3)
		if now := amspy.SilenceByID(t, am.URL, ack.SilenceID); !near(now.EndsAt, time.Now().Add(20*time.Minute)) {
			t.Errorf("ack ends %s", now.EndsAt)
		}
		if e := lastEntry(t, j); e.Guard != "ok" || e.Result != journal.ResultOK {
			t.Errorf("journal entry %+v", e)
		}
	})
}

// TestJournalFailureIsReportedWithTheResult writes through a real
// Alertmanager with a journal on a full disk (/dev/full) or whose writes
// fail (an injected read-only file): the write's result comes back, and
// the failed journal write with it.
func TestJournalFailureIsReportedWithTheResult(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Fatalf("/dev/full: %v", err)
	}
	am := testenv.StartAlertmanager(t, testenv.AlertmanagerOptions{})
	fleet(t, am.URL)
	c := amspy.Start(t, am.URL)
	full := service(t, &journal.Journal{Path: "/dev/full"}, "alice", c.URL)

	res, err := full.CreateSilence(testCtx(t), actions.SilenceRequest{Matchers: matchers(t, `alertname="APIDown"`), Duration: time.Hour, Comment: "api"}, actions.Options{})
	var je *actions.JournalError
	if !errors.As(err, &je) || !errors.Is(err, syscall.ENOSPC) || res.SilenceID == "" || res.JournalErr == nil {
		t.Fatalf("CreateSilence on a full journal = %+v, %v", res, err)
	}
	oneLine(t, err)
	if want := "silence " + res.SilenceID + " done, but not journaled: journal write: /dev/full: no space left on device"; err.Error() != want {
		t.Errorf("err = %q, want %q", err, want)
	}
	c.WantWrites(t, 1)
	if s := amspy.SilenceByID(t, am.URL, res.SilenceID); s.Status.State != "active" {
		t.Errorf("the silence is %s", s.Status.State)
	}
	// the old API returns the ID with the error
	id, err := full.Silence(testCtx(t), matchers(t, `alertname="APIDown", instance="api-0"`), time.Hour, "api-0")
	if id == "" || !errors.As(err, &je) {
		t.Errorf("Silence = %q, %v", id, err)
	}
	// a refusal that cannot be journaled says both
	full.ReadOnly = "--readonly"
	err = full.Expire(testCtx(t), id)
	var ro *actions.ReadOnlyError
	if !errors.As(err, &ro) || !errors.As(err, &je) || je.Done != "" || !strings.Contains(err.Error(), "read-only: ") || !strings.Contains(err.Error(), "not journaled: ") {
		t.Errorf("refused expire on a full journal: %v", err)
	}
	oneLine(t, err)
	c.WantWrites(t, 2)

	// an injected write failure: the journal file opened read-only
	p := filepath.Join(t.TempDir(), "journal.jsonl")
	bad := service(t, &journal.Journal{Path: p, OpenFile: func(name string, _ int, perm os.FileMode) (*os.File, error) {
		return os.OpenFile(name, os.O_RDONLY|os.O_CREATE, perm)
	}}, "alice", c.URL)
	ack, err := bad.Acknowledge(testCtx(t), actions.AckRequest{Matchers: matchers(t, `alertname="DiskFull", instance="host-4"`), Duration: 10 * time.Minute}, actions.Options{})
	if !errors.As(err, &je) || ack.SilenceID == "" || !strings.Contains(err.Error(), "ack "+ack.SilenceID+" done, but not journaled: journal write") {
		t.Fatalf("Acknowledge with a failing journal = %+v, %v", ack, err)
	}
	c.WantWrites(t, 3)
	if b, _ := os.ReadFile(p); len(b) != 0 {
		t.Errorf("journal holds %q", b)
	}
}
