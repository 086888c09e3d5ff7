package actions_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/alertmanager/pkg/labels"

	"oncall/internal/actions"
	"oncall/internal/alerts"
	"oncall/internal/httpx"
	"oncall/internal/journal"
	"oncall/internal/testkit/testenv"
	"oncall/sources/alertmanager"
)

// rawSilence is a silence decoded from Alertmanager's own API.
type rawSilence struct {
	ID     string `json:"id"`
	Status struct {
		State string `json:"state"`
	} `json:"status"`
	Comment   string    `json:"comment"`
	CreatedBy string    `json:"createdBy"`
	EndsAt    time.Time `json:"endsAt"`
}

func getJSON(baseURL, path string, v any) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, baseURL+path, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: status %d", path, resp.StatusCode)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

func rawSilenceByID(t *testing.T, baseURL, id string) rawSilence {
	t.Helper()
	var s rawSilence
	if err := getJSON(baseURL, "/api/v2/silence/"+id, &s); err != nil {
		t.Fatalf("GET silence %s: %v", id, err)
	}
	return s
}

// rawSilencesWith lists the silences (any state) whose comment is comment.
func rawSilencesWith(t *testing.T, baseURL, comment string) []rawSilence {
	t.Helper()
	var all, out []rawSilence
	if err := getJSON(baseURL, "/api/v2/silences", &all); err != nil {
		t.Fatalf("GET silences: %v", err)
	}
	for _, s := range all {
		if s.Comment == comment {
			out = append(out, s)
		}
	}
	return out
}

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func matchers(t *testing.T, s string) labels.Matchers {
	t.Helper()
	ms, err := alerts.ParseMatchers(s)
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

// service builds a journaled Service for user against the given peers.
func service(t *testing.T, j *journal.Journal, user string, urls ...string) *actions.Service {
	t.Helper()
	am, err := alertmanager.New(alertmanager.Config{URLs: urls, Client: httpx.ClientConfig{Timeout: 5 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	return &actions.Service{AM: am, Journal: j, User: user, Context: "itest"}
}

func openJournal(t *testing.T) *journal.Journal {
	t.Helper()
	j, err := journal.Open(filepath.Join(t.TempDir(), "state", "journal.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// lastEntry returns the journal's last entry, failing if it is empty.
func lastEntry(t *testing.T, j *journal.Journal) journal.Entry {
	t.Helper()
	res, err := j.Read(time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Problems) > 0 {
		t.Fatalf("journal has unreadable lines: %+v", res.Problems)
	}
	if len(res.Entries) == 0 {
		t.Fatal("journal is empty")
	}
	return res.Entries[len(res.Entries)-1]
}

func near(a, b time.Time) bool { return a.Sub(b).Abs() < 2*time.Second }

// TestActionsAgainstRealAlertmanager acks, silences, extends and expires
// through a real Alertmanager holding alerts from a real Prometheus.
func TestActionsAgainstRealAlertmanager(t *testing.T) {
	t.Parallel()
	am := testenv.StartAlertmanager(t, testenv.AlertmanagerOptions{})
	testenv.StartPrometheus(t, testenv.PrometheusOptions{Rules: testenv.FiringRules, AlertmanagerURLs: []string{am.URL}})
	testenv.WaitFor(t, 30*time.Second, "TestAPIDown and TestInfo reach Alertmanager", func() bool {
		var list []struct {
			Labels map[string]string `json:"labels"`
		}
		if getJSON(am.URL, "/api/v2/alerts", &list) != nil {
			return false
		}
		n := 0
		for _, a := range list {
			if a.Labels["alertname"] == "TestAPIDown" || a.Labels["alertname"] == "TestInfo" {
				n++
			}
		}
		return n == 2
	})
	j := openJournal(t)
	alice := service(t, j, "alice", am.URL)

	t.Run("ack creates an ACK! silence, acking again extends it in place", func(t *testing.T) {
		ms := matchers(t, `alertname="TestAPIDown"`)
		res, err := alice.Ack(testCtx(t), ms, 10*time.Minute, "looking")
		if err != nil {
			t.Fatal(err)
		}
		if res.Extended || res.Comment != "ACK! alice: looking" {
			t.Errorf("first ack = %+v, want a new ACK! alice: looking", res)
		}
		s := rawSilenceByID(t, am.URL, res.SilenceID)
		if s.Comment != "ACK! alice: looking" || s.CreatedBy != "alice" || s.Status.State != "active" {
			t.Fatalf("Alertmanager holds comment %q createdBy %q state %s", s.Comment, s.CreatedBy, s.Status.State)
		}
		if !near(s.EndsAt, time.Now().Add(10*time.Minute)) {
			t.Errorf("endsAt = %s, want about now+10m", s.EndsAt)
		}
		e := lastEntry(t, j)
		if e.Action != journal.ActionAck || e.Result != "ok" || e.SilenceID != res.SilenceID || e.User != "alice" || e.Context != "itest" || e.Alert != "TestAPIDown" {
			t.Errorf("journal entry = %+v", e)
		}

		again, err := alice.Ack(testCtx(t), ms, 40*time.Minute, "still looking")
		if err != nil {
			t.Fatal(err)
		}
		if again.SilenceID != res.SilenceID || !again.Extended {
			t.Fatalf("second ack = %+v, want the same silence %s extended", again, res.SilenceID)
		}
		s = rawSilenceByID(t, am.URL, res.SilenceID)
		if !near(s.EndsAt, time.Now().Add(40*time.Minute)) || s.Status.State != "active" {
			t.Errorf("after the second ack endsAt = %s state %s, want now+40m active", s.EndsAt, s.Status.State)
		}
		if n := len(rawSilencesWith(t, am.URL, "ACK! alice: looking")); n != 1 {
			t.Errorf("Alertmanager holds %d ACK! alice silences, want 1", n)
		}

		// a shorter ack neither shortens nor duplicates
		short, err := alice.Ack(testCtx(t), ms, time.Minute, "")
		if err != nil {
			t.Fatal(err)
		}
		if short.SilenceID != res.SilenceID || short.Extended {
			t.Errorf("shorter ack = %+v, want the same silence unchanged", short)
		}
		if s2 := rawSilenceByID(t, am.URL, res.SilenceID); !s2.EndsAt.Equal(s.EndsAt) {
			t.Errorf("a shorter ack moved endsAt from %s to %s", s.EndsAt, s2.EndsAt)
		}

		// another user's ack on the same alert is a separate silence
		bob := service(t, j, "bob", am.URL)
		b, err := bob.Ack(testCtx(t), ms, 10*time.Minute, "me too")
		if err != nil {
			t.Fatal(err)
		}
		if b.SilenceID == res.SilenceID || b.Extended {
			t.Errorf("bob's ack = %+v reused alice's silence", b)
		}
	})

	t.Run("keep-alive extends own expiring acks in place and leaves others", func(t *testing.T) {
		ms := matchers(t, `alertname="TestInfo"`)
		mine, err := alice.Ack(testCtx(t), ms, 2*time.Minute, "keep me")
		if err != nil {
			t.Fatal(err)
		}
		bob := service(t, j, "bob", am.URL)
		bobs, err := bob.Ack(testCtx(t), ms, 2*time.Minute, "bob's")
		if err != nil {
			t.Fatal(err)
		}
		bobBefore := rawSilenceByID(t, am.URL, bobs.SilenceID)

		ctx := testCtx(t)
		amAlerts, err := alice.AM.Alerts(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		amSils, err := alice.AM.Silences(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		as, sils := alerts.Build(amAlerts, amSils, nil, nil)

		done, errs := alice.KeepAcksAlive(ctx, sils, as, 5*time.Minute, 30*time.Minute)
		if len(errs) > 0 {
			t.Fatalf("KeepAcksAlive errors: %v", errs)
		}
		// alice's TestAPIDown ack ends in ~40m, beyond the lead: untouched
		if len(done) != 1 || done[0].SilenceID != mine.SilenceID || done[0].Alert != "TestInfo" {
			t.Fatalf("extended %+v, want only alice's TestInfo ack %s", done, mine.SilenceID)
		}
		after := rawSilenceByID(t, am.URL, mine.SilenceID)
		if after.Status.State != "active" || !near(after.EndsAt, time.Now().Add(30*time.Minute)) {
			t.Errorf("alice's ack after keep-alive: state %s endsAt %s, want active, now+30m (same ID)", after.Status.State, after.EndsAt)
		}
		if n := len(rawSilencesWith(t, am.URL, "ACK! alice: keep me")); n != 1 {
			t.Errorf("%d silences with alice's comment, want 1 (extended in place)", n)
		}
		if b := rawSilenceByID(t, am.URL, bobs.SilenceID); !b.EndsAt.Equal(bobBefore.EndsAt) || b.Status.State != "active" {
			t.Errorf("bob's ack changed: endsAt %s -> %s, state %s", bobBefore.EndsAt, b.EndsAt, b.Status.State)
		}
		e := lastEntry(t, j)
		if e.Action != journal.ActionAckExtend || e.Result != "ok" || e.SilenceID != mine.SilenceID || e.EndsAt == nil || !e.EndsAt.Equal(done[0].NewEnd) {
			t.Errorf("journal entry = %+v", e)
		}
	})

	t.Run("silence, extend and expire are journaled", func(t *testing.T) {
		ms := matchers(t, `alertname="TestHighLatency"`)
		id, err := alice.Silence(testCtx(t), ms, 15*time.Minute, "deploy in progress")
		if err != nil {
			t.Fatal(err)
		}
		before := rawSilenceByID(t, am.URL, id)
		if before.CreatedBy != "alice" || before.Comment != "deploy in progress" {
			t.Errorf("silence = %+v", before)
		}
		nid, end, err := alice.Extend(testCtx(t), id, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if nid != id || !near(end, before.EndsAt.Add(time.Hour)) {
			t.Errorf("Extend = %s until %s, want %s until %s", nid, end, id, before.EndsAt.Add(time.Hour))
		}
		if got := rawSilenceByID(t, am.URL, id); !near(got.EndsAt, end) {
			t.Errorf("endsAt in Alertmanager = %s, want %s", got.EndsAt, end)
		}
		if _, _, err := alice.Extend(testCtx(t), id, 0); err == nil {
			t.Error("Extend by 0 succeeded")
		}
		if err := alice.Expire(testCtx(t), id); err != nil {
			t.Fatal(err)
		}
		if got := rawSilenceByID(t, am.URL, id); got.Status.State != "expired" {
			t.Errorf("state after Expire = %s", got.Status.State)
		}
		res, err := j.Read(time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		var seq []string
		for _, e := range res.Entries {
			if e.SilenceID == id || e.Target == id {
				seq = append(seq, e.Action+":"+e.Result)
			}
		}
		want := "silence:ok extend:ok extend:error expire:ok"
		if strings.Join(seq, " ") != want {
			t.Errorf("journal for %s = %v, want %s", id, seq, want)
		}
	})

	t.Run("an invalid silence is refused and journaled", func(t *testing.T) {
		if _, err := alice.Silence(testCtx(t), matchers(t, `alertname="TestInfo"`), time.Hour, "  "); err == nil {
			t.Fatal("a silence without a comment was accepted")
		}
		if e := lastEntry(t, j); e.Action != journal.ActionSilence || e.Result != "error" || !strings.Contains(e.Error, "comment") {
			t.Errorf("journal entry = %+v", e)
		}
	})
}

func TestFailedWritesAreJournaled(t *testing.T) {
	t.Parallel()
	dead := "http://127.0.0.1:" + strconv.Itoa(testenv.FreePort(t))
	j := openJournal(t)
	svc := service(t, j, "alice", dead)
	ms := matchers(t, `alertname="APIDown"`)

	_, err := svc.Silence(testCtx(t), ms, time.Hour, "maintenance")
	if err == nil {
		t.Fatal("Silence with Alertmanager down succeeded")
	}
	if strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), dead) {
		t.Errorf("error %q is not one line naming %s", err, dead)
	}
	e := lastEntry(t, j)
	if e.Action != journal.ActionSilence || e.Result != "error" || e.Error == "" || e.User != "alice" || e.Comment != "maintenance" || e.Target != ms.String() {
		t.Errorf("journal entry = %+v", e)
	}

	if _, err := svc.Ack(testCtx(t), ms, time.Hour, "x"); err == nil {
		t.Fatal("Ack with Alertmanager down succeeded")
	}
	if e := lastEntry(t, j); e.Action != journal.ActionAck || e.Result != "error" || !strings.Contains(e.Error, "existing ack") {
		t.Errorf("journal entry = %+v", e)
	}

	if err := svc.Expire(testCtx(t), "0d0c1f0e-0000-4000-8000-000000000000"); err == nil {
		t.Fatal("Expire with Alertmanager down succeeded")
	}
	if e := lastEntry(t, j); e.Action != journal.ActionExpire || e.Result != "error" {
		t.Errorf("journal entry = %+v", e)
	}
}

func TestJournalFailureIsNotSilent(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// the journal path is a directory: appends fail
	svc := service(t, &journal.Journal{Path: dir}, "alice", "http://127.0.0.1:"+strconv.Itoa(testenv.FreePort(t)))
	_, err := svc.Silence(testCtx(t), matchers(t, `alertname="A"`), time.Hour, "")
	if err == nil || !strings.Contains(err.Error(), "not journaled") || !strings.Contains(err.Error(), "comment") {
		t.Errorf("err = %v, want the action's error and 'not journaled'", err)
	}
}
