package actions_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-openapi/strfmt"
	"github.com/prometheus/alertmanager/api/v2/models"

	"oncall/internal/actions"
	"oncall/internal/alerts"
	"oncall/internal/config"
	"oncall/internal/guard"
	"oncall/internal/journal"
	"oncall/internal/testkit/amspy"
	"oncall/internal/testkit/testenv"
)

// TestRailsAgainstRealAlertmanager drives every rail through a counting
// proxy in front of a real Alertmanager holding 8 firing alerts, and reads
// back what Alertmanager holds afterwards.
func TestRailsAgainstRealAlertmanager(t *testing.T) {
	t.Parallel()
	am := testenv.StartAlertmanager(t, testenv.AlertmanagerOptions{})
	fleet(t, am.URL)
	// a silence of bob's, written straight to Alertmanager
	bob := service(t, openJournal(t), "bob", am.URL)
	bobsID, err := bob.Silence(testCtx(t), matchers(t, `alertname="APIDown", cluster="a"`), time.Hour, "OPS-7 bob's maintenance")
	if err != nil {
		t.Fatal(err)
	}

	t.Run("read-only refuses every write before any request leaves", func(t *testing.T) {
		svc, c, j := railService(t, am.URL, "alice", config.Guard{})
		if err := svc.ApplyContext(&config.Context{ReadOnly: true}); err != nil {
			t.Fatal(err)
		}
		ctx := testCtx(t)
		prev := &alerts.Silence{ID: bobsID, EndsAt: time.Now().Add(time.Hour)}
		errs := map[string]error{}
		_, errs[journal.ActionSilence] = svc.CreateSilence(ctx, actions.SilenceRequest{Matchers: matchers(t, `alertname="DiskFull"`), Duration: time.Hour, Comment: "x"}, actions.Options{Force: true})
		_, errs[journal.ActionAck] = svc.Ack(ctx, matchers(t, `alertname="DiskFull"`), time.Hour, "")
		errs[journal.ActionExpire] = svc.Expire(ctx, bobsID)
		_, _, errs[journal.ActionExtend] = svc.Extend(ctx, bobsID, time.Hour)
		_, errs[journal.ActionUndo] = svc.Undo(ctx, prev, actions.Options{Force: true})
		for action, err := range errs {
			var ro *actions.ReadOnlyError
			if !errors.As(err, &ro) || err.Error() != "read-only: context itest is read-only (readonly = true in the config)" {
				t.Errorf("%s: err = %v, want the read-only line", action, err)
			}
		}
		if got := c.Requests(); len(got) != 0 {
			t.Fatalf("requests reached Alertmanager in read-only mode: %v", got)
		}
		var seen []string
		for _, e := range entries(t, j) {
			if e.Result != journal.ResultRefused || e.Guard != "read-only" || !strings.HasPrefix(e.Error, "read-only: ") || e.User != "alice" {
				t.Errorf("journal entry %+v", e)
			}
			seen = append(seen, e.Action)
		}
		slices.Sort(seen)
		if strings.Join(seen, " ") != "ack expire extend silence undo" {
			t.Errorf("journaled refusals %v", seen)
		}
		// --readonly wins over a writable context, and names itself
		svc2, c2, _ := railService(t, am.URL, "alice", config.Guard{})
		svc2.ReadOnly = "--readonly"
		if err := svc2.ApplyContext(&config.Context{}); err != nil {
			t.Fatal(err)
		}
		done, kerrs := svc2.KeepAcksAlive(ctx, []*alerts.Silence{ackOf("alice", time.Minute)}, []*alerts.Alert{{State: alerts.StateFiring, Labels: map[string]string{"alertname": "DiskFull"}}}, time.Hour, time.Hour)
		if len(done) != 0 || len(kerrs) != 1 || !strings.Contains(kerrs[0].Error(), "(--readonly)") {
			t.Errorf("keep-alive in read-only: done %v errs %v", done, kerrs)
		}
		if got := c2.Requests(); len(got) != 0 {
			t.Fatalf("requests reached Alertmanager: %v", got)
		}
		if svc2.Writable() == nil {
			t.Error("Writable() = nil on a read-only service")
		}
	})

	t.Run("a refuse rule stops the write even when forced", func(t *testing.T) {
		svc, c, j := railService(t, am.URL, "alice", config.Guard{
			Comment:  config.CommentGuard{Mode: "refuse", Pattern: `^[A-Z]+-[0-9]+`},
			Matchers: config.MatchersGuard{Mode: "refuse", Required: []string{"cluster"}},
			Regex:    config.RegexGuard{Mode: "refuse", Labels: []string{"cluster"}},
		})
		cases := []struct {
			matchers, comment, rule string
		}{
			{`alertname="DiskFull", cluster="a"`, "rollback", guard.RuleComment},
			{`alertname="DiskFull"`, "OPS-1 rollback", guard.RuleMatchers},
			{`alertname="DiskFull", cluster=~".*"`, "OPS-1 rollback", guard.RuleRegex},
		}
		for _, cs := range cases {
			_, err := svc.CreateSilence(testCtx(t), actions.SilenceRequest{Matchers: matchers(t, cs.matchers), Duration: time.Hour, Comment: cs.comment}, actions.Options{Force: true})
			var re *actions.RefusedError
			if !errors.As(err, &re) || re.Finding.Rule != cs.rule || !strings.HasPrefix(err.Error(), "refused by guard "+cs.rule+": ") {
				t.Errorf("%s %q: err = %v, want refused by %s", cs.matchers, cs.comment, err, cs.rule)
			}
			oneLine(t, err)
			if e := lastEntry(t, j); e.Result != journal.ResultRefused || e.Guard != "refused "+cs.rule || e.Action != journal.ActionSilence {
				t.Errorf("journal entry %+v", e)
			}
		}
		// acks go through the same guard (the comment rule aside)
		_, err := svc.Acknowledge(testCtx(t), actions.AckRequest{Matchers: matchers(t, `alertname="DiskFull"`), Duration: time.Hour}, actions.Options{Force: true})
		if !strings.Contains(err.Error(), "refused by guard matchers") {
			t.Errorf("ack without cluster: %v", err)
		}
		c.WantWrites(t, 0)
	})

	t.Run("a confirm rule needs the confirmation, then writes once", func(t *testing.T) {
		svc, c, j := railService(t, am.URL, "alice", config.Guard{Breadth: config.BreadthGuard{MaxAlerts: 3}})
		req := actions.SilenceRequest{Matchers: matchers(t, `alertname="DiskFull"`), Duration: time.Hour, Comment: "disks, all of them"}
		res, err := svc.CreateSilence(testCtx(t), req, actions.Options{})
		var ce *actions.ConfirmError
		if !errors.As(err, &ce) || strings.Join(ce.Rules(), ",") != "breadth" || err.Error() != "needs confirmation: breadth: would match 6 of 8 firing alerts (more than 3)" {
			t.Fatalf("err = %v, want a breadth confirmation", err)
		}
		if len(res.Verdict.Matched) != 6 || res.Verdict.Firing != 8 {
			t.Errorf("verdict matched %d of %d, want the 6 DiskFull of 8 (fetched from Alertmanager)", len(res.Verdict.Matched), res.Verdict.Firing)
		}
		if e := lastEntry(t, j); e.Result != journal.ResultRefused || e.Guard != "unconfirmed breadth" {
			t.Errorf("journal entry %+v", e)
		}
		// confirming another rule is no confirmation of this one
		if _, err := svc.CreateSilence(testCtx(t), req, actions.Options{Confirmed: []string{guard.RuleDuration}}); !errors.As(err, &ce) {
			t.Fatalf("err = %v, want a confirmation again", err)
		}
		c.WantWrites(t, 0)

		res, err = svc.CreateSilence(testCtx(t), req, actions.Options{Confirmed: ce.Rules()})
		if err != nil {
			t.Fatal(err)
		}
		c.WantWrites(t, 1)
		got := amspy.SilenceByID(t, am.URL, res.SilenceID)
		if got.MatcherSet() != "alertname=DiskFull" || got.Comment != req.Comment || got.CreatedBy != "alice" || got.Status.State != "active" {
			t.Errorf("Alertmanager holds %+v", got)
		}
		if e := lastEntry(t, j); e.Result != journal.ResultOK || e.Guard != "confirmed breadth" || e.SilenceID != res.SilenceID {
			t.Errorf("journal entry %+v", e)
		}

		// the caller's live alerts are used as given: no GET of alerts
		before := len(c.Requests())
		one := []*alerts.Alert{{State: alerts.StateFiring, Labels: map[string]string{"alertname": "DiskFull"}}}
		res, err = svc.CreateSilence(testCtx(t), req, actions.Options{Live: one, DryRun: true})
		if err != nil || len(res.Verdict.Matched) != 1 || len(c.Requests()) != before {
			t.Errorf("with live alerts given: err %v, matched %d, requests %v", err, len(res.Verdict.Matched), c.Requests()[before:])
		}
	})

	t.Run("acks are judged with their own duration limit and --force", func(t *testing.T) {
		svc, c, j := railService(t, am.URL, "alice", config.Guard{Duration: config.DurationGuard{Max: config.Duration(24 * time.Hour), MaxAck: config.Duration(time.Hour)}})
		ms := matchers(t, `alertname="APIDown", instance="api-0"`)
		_, err := svc.Ack(testCtx(t), ms, 2*time.Hour, "long one")
		if err == nil || err.Error() != "needs confirmation: duration: the ack lasts 2h from now, longer than the 1h maximum" {
			t.Fatalf("err = %v", err)
		}
		c.WantWrites(t, 0)
		res, err := svc.Acknowledge(testCtx(t), actions.AckRequest{Matchers: ms, Duration: 2 * time.Hour, Note: "long one"}, actions.Options{Force: true})
		if err != nil {
			t.Fatal(err)
		}
		c.WantWrites(t, 1)
		if got := amspy.SilenceByID(t, am.URL, res.SilenceID); got.Comment != "ACK! alice: long one" || !near(got.EndsAt, time.Now().Add(2*time.Hour)) {
			t.Errorf("Alertmanager holds %+v", got)
		}
		if e := lastEntry(t, j); e.Guard != "confirmed duration" || e.Action != journal.ActionAck {
			t.Errorf("journal entry %+v", e)
		}
	})

	t.Run("dry runs write nothing and say what they would", func(t *testing.T) {
		svc, c, j := railService(t, am.URL, "alice", config.Guard{Breadth: config.BreadthGuard{WholeSeverity: true, MinAlerts: 2}})
		res, err := svc.CreateSilence(testCtx(t), actions.SilenceRequest{Matchers: matchers(t, `cluster="b"`), Duration: time.Hour, Comment: "b is drained"}, actions.Options{DryRun: true})
		if err != nil {
			t.Fatal(err)
		}
		if !res.DryRun || res.SilenceID != "" || res.Body == nil || *res.Body.Comment != "b is drained" || *res.Body.CreatedBy != "alice" || len(res.Body.Matchers) != 1 {
			t.Errorf("dry run result %+v", res)
		}
		var names []string
		for _, a := range res.Verdict.Matched {
			names = append(names, a.Labels["alertname"]+"/"+a.Labels["instance"])
		}
		slices.Sort(names)
		if strings.Join(names, " ") != "DiskFull/host-1 DiskFull/host-3 DiskFull/host-5" {
			t.Errorf("dry run matched %v", names)
		}
		// a dry run that the write would refuse says so
		res, err = svc.CreateSilence(testCtx(t), actions.SilenceRequest{Matchers: matchers(t, `alertname="APIDown"`), Duration: time.Hour, Comment: "api"}, actions.Options{DryRun: true})
		var ce *actions.ConfirmError
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), "every firing critical alert (2)") || len(res.Verdict.Matched) != 2 || res.Body == nil {
			t.Errorf("dry run of a broad silence: %v, %+v", err, res)
		}
		// an ack dry run over an existing ack says it would extend it
		ms := matchers(t, `alertname="APIDown", instance="api-1"`)
		first, err := svc.Ack(testCtx(t), ms, 10*time.Minute, "")
		if err != nil {
			t.Fatal(err)
		}
		c.WantWrites(t, 1)
		before := amspy.SilenceByID(t, am.URL, first.SilenceID)
		res, err = svc.Acknowledge(testCtx(t), actions.AckRequest{Matchers: ms, Duration: time.Hour}, actions.Options{DryRun: true})
		if err != nil || !res.Extended || res.SilenceID != first.SilenceID || res.Body == nil || res.Body.ID != first.SilenceID {
			t.Errorf("ack dry run = %+v, %v; want an extension of %s", res, err, first.SilenceID)
		}
		n := len(entries(t, j))
		// read-only dry runs still show, and say the write would be refused
		svc.ReadOnly = "viewer"
		if res, err := svc.Acknowledge(testCtx(t), actions.AckRequest{Matchers: ms, Duration: time.Hour}, actions.Options{DryRun: true}); !strings.HasPrefix(fmtErr(err), "read-only") || res.Body == nil {
			t.Errorf("read-only dry run: %v", err)
		}
		c.WantWrites(t, 1)
		if after := amspy.SilenceByID(t, am.URL, first.SilenceID); !after.EndsAt.Equal(before.EndsAt) || !after.UpdatedAt.Equal(before.UpdatedAt) {
			t.Errorf("a dry run changed the ack: %+v -> %+v", before, after)
		}
		if got := len(entries(t, j)); got != n {
			t.Errorf("dry runs journaled %d entries", got-n)
		}
	})

	t.Run("expiring someone else's silence needs a confirmation naming them", func(t *testing.T) {
		svc, c, j := railService(t, am.URL, "alice", config.Guard{})
		_, err := svc.ExpireSilence(testCtx(t), actions.SilenceRef{ID: bobsID}, actions.Options{})
		var ce *actions.ConfirmError
		if !errors.As(err, &ce) || ce.Author != "bob" || err.Error() != "needs confirmation: author: created by bob" {
			t.Fatalf("err = %v", err)
		}
		c.WantWrites(t, 0)
		if s := amspy.SilenceByID(t, am.URL, bobsID); s.Status.State != "active" {
			t.Fatalf("bob's silence is %s", s.Status.State)
		}
		res, err := svc.ExpireSilence(testCtx(t), actions.SilenceRef{ID: bobsID}, actions.Options{Confirmed: []string{guard.RuleAuthor}})
		if err != nil {
			t.Fatal(err)
		}
		c.WantWrites(t, 1)
		if s := amspy.SilenceByID(t, am.URL, bobsID); s.Status.State != "expired" {
			t.Fatalf("bob's silence is %s after a confirmed expire", s.Status.State)
		}
		e := lastEntry(t, j)
		if e.Guard != "confirmed author" || e.Extra["createdBy"] != "bob" || e.Result != journal.ResultOK {
			t.Errorf("journal entry %+v", e)
		}
		// and undo brings it back: same matchers, comment, author and end
		restored, err := svc.Undo(testCtx(t), res.Previous, actions.Options{})
		if err != nil {
			t.Fatal(err)
		}
		c.WantWrites(t, 2)
		old, now := amspy.SilenceByID(t, am.URL, bobsID), amspy.SilenceByID(t, am.URL, restored.SilenceID)
		if restored.SilenceID == bobsID || now.Status.State != "active" || now.MatcherSet() != old.MatcherSet() ||
			now.Comment != old.Comment || now.CreatedBy != "bob" || !now.EndsAt.Equal(res.Previous.EndsAt) {
			t.Errorf("restored %+v from %+v (ended %s)", now, old, res.Previous.EndsAt)
		}
		if e := lastEntry(t, j); e.Action != journal.ActionUndo || e.Ref != bobsID || e.SilenceID != restored.SilenceID || e.Result != journal.ResultOK {
			t.Errorf("journal entry %+v", e)
		}
		// a second undo would duplicate it: refused, nothing written
		if _, err := svc.Undo(testCtx(t), res.Previous, actions.Options{}); err == nil || !strings.Contains(err.Error(), "already restored as "+restored.SilenceID) {
			t.Errorf("second undo: %v", err)
		}
		c.WantWrites(t, 2)
		// the Expire shortcut asks too: no way around the author rule
		if err := svc.Expire(testCtx(t), restored.SilenceID); !errors.As(err, &ce) {
			t.Fatalf("Expire of bob's silence: %v", err)
		}
		c.WantWrites(t, 2)
		if e := lastEntry(t, j); e.Result != journal.ResultRefused || e.Extra["createdBy"] != "bob" {
			t.Errorf("journal entry %+v", e)
		}
	})
}

func fmtErr(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// ackOf is user's active ACK! silence over DiskFull, ending in d.
func ackOf(user string, d time.Duration) *alerts.Silence {
	id, state, comment, name, value, yes := "6a1a2b3c-0000-4000-8000-000000000001", "active", alerts.AckComment(user, ""), "alertname", "DiskFull", true
	end, start := strfmt.DateTime(time.Now().Add(d)), strfmt.DateTime(time.Now().Add(-time.Minute))
	g := &models.GettableSilence{ID: &id, Status: &models.SilenceStatus{State: &state}, Silence: models.Silence{
		Matchers: models.Matchers{{Name: &name, Value: &value, IsEqual: &yes}}, CreatedBy: &user, Comment: &comment, StartsAt: &start, EndsAt: &end}}
	return alerts.FromModelSilences(models.GettableSilences{g}, nil)[0]
}
