package cli_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"oncall/internal/actions"
	"oncall/internal/journal"
	"oncall/internal/testkit/amspy"
	"oncall/internal/testkit/testenv"
	"oncall/sources/alertmanager"
)

// The rails from the command line, against real Alertmanagers behind
// counting proxies: each case counts the silence writes that reached
// Alertmanager and reads what it holds afterwards.

// railFleet starts an Alertmanager holding 8 firing alerts: 6 DiskFull
// warnings, 2 APIDown criticals.
func railFleet(t *testing.T) *testenv.Alertmanager {
	t.Helper()
	am := testenv.StartAlertmanager(t, testenv.AlertmanagerOptions{})
	var sets []map[string]string
	for i := range 6 {
		sets = append(sets, map[string]string{"alertname": "DiskFull", "severity": "warning", "instance": fmt.Sprintf("host-%d", i)})
	}
	for i := range 2 {
		sets = append(sets, map[string]string{"alertname": "APIDown", "severity": "critical", "instance": fmt.Sprintf("api-%d", i)})
	}
	amspy.PostAlerts(t, am.URL, sets...)
	return am
}

// railEnv is the environment of a run on config text (user alice, the
// journal in a temporary file), and the journal's path.
func railEnv(t *testing.T, cfg string) (map[string]string, string) {
	t.Helper()
	jpath := filepath.Join(t.TempDir(), "journal.jsonl")
	text := "[identity]\nuser = \"alice\"\n[journal]\npath = \"" + jpath + "\"\n" + cfg
	return map[string]string{"ONCALL_CONFIG": writeConfig(t, text)}, jpath
}

func journalOf(t *testing.T, path string) []journal.Entry {
	t.Helper()
	res, err := (&journal.Journal{Path: path}).Read(time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	return res.Entries
}

// wantErr fails unless the run failed with exactly this one line.
func wantErr(t *testing.T, code int, stdout, stderr, want string) {
	t.Helper()
	if code == 0 || stderr != "oncall: "+want+"\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q; want the error %q", code, stdout, stderr, want)
	}
}

func TestCLIReadOnlySendsNothing(t *testing.T) {
	am := railFleet(t)
	theirs := amspy.PostSilence(t, am.URL, map[string]string{"alertname": "DiskFull"}, "bob", "bob's", time.Hour)
	for _, tc := range []struct {
		name, cfg, flag, reason string
	}{
		{"readonly in the context", "readonly = true\n", "", "readonly = true in the config"},
		{"--readonly", "", "--readonly", "--readonly"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spy := amspy.Start(t, am.URL)
			env, jpath := railEnv(t, "[contexts.prod]\n"+tc.cfg+"[contexts.prod.alertmanager]\nurls = [\""+spy.URL+"\"]\n")
			for _, args := range [][]string{
				{"silence", "add", "-m", `alertname="DiskFull"`, "-c", "x", "--force"},
				{"ack", "-m", `alertname="DiskFull"`},
				{"silence", "extend", theirs, "--force"},
			} {
				if tc.flag != "" {
					args = append(args, tc.flag)
				}
				code, stdout, stderr := run(t, env, args...)
				wantErr(t, code, stdout, stderr, "read-only: context prod is read-only ("+tc.reason+")")
			}
			args := []string{"silence", "expire", theirs, "--force"}
			if tc.flag != "" {
				args = append(args, tc.flag)
			}
			code, _, stderr := run(t, env, args...)
			if code == 0 || !strings.HasPrefix(stderr, "oncall: read-only: context prod is read-only ("+tc.reason+")\n") {
				t.Errorf("expire: exit %d, stderr %q", code, stderr)
			}
			spy.WantWrites(t, 0)
			es := journalOf(t, jpath)
			if len(es) != 4 {
				t.Fatalf("%d journal entries, want the 4 refusals", len(es))
			}
			for _, e := range es {
				if e.Result != journal.ResultRefused || e.Guard != "read-only" {
					t.Errorf("journal entry %+v", e)
				}
			}
		})
	}
	if s := amspy.SilenceByID(t, am.URL, theirs); s.Status.State != "active" || len(amspy.Active(t, am.URL)) != 1 {
		t.Fatalf("Alertmanager's silences changed: %+v", amspy.Silences(t, am.URL))
	}
}

const guardConfig = `[contexts.prod.guard.comment]
mode = "refuse"
pattern = "^[A-Z]+-[0-9]+"
[contexts.prod.guard.breadth]
max_alerts = 2
`

func TestCLIGuardRefusesAndConfirms(t *testing.T) {
	am := railFleet(t)
	spy := amspy.Start(t, am.URL)
	env, jpath := railEnv(t, "[contexts.prod.alertmanager]\nurls = [\""+spy.URL+"\"]\n"+guardConfig)
	const refusal = `refused by guard comment: comment "no ticket" does not match ^[A-Z]+-[0-9]+`
	code, stdout, stderr := run(t, env, "silence", "add", "-m", `alertname="APIDown"`, "-c", "no ticket")
	wantErr(t, code, stdout, stderr, refusal)
	code, stdout, stderr = run(t, env, "silence", "add", "-m", `alertname="APIDown"`, "-c", "no ticket", "--force")
	wantErr(t, code, stdout, stderr, refusal+" (a refusing rule cannot be forced)")
	const confirm = "needs confirmation: breadth: would match 6 of 8 firing alerts (more than 2); add --force to confirm"
	code, stdout, stderr = run(t, env, "silence", "add", "-m", `alertname="DiskFull"`, "-c", "OPS-1 disks")
	wantErr(t, code, stdout, stderr, confirm)
	code, stdout, stderr = run(t, env, "ack", "-m", `alertname="DiskFull"`)
	wantErr(t, code, stdout, stderr, confirm)
	spy.WantWrites(t, 0)

	code, stdout, stderr = run(t, env, "silence", "add", "-m", `alertname="DiskFull"`, "-c", "OPS-1 disks", "--force", "-o", "json")
	if code != 0 || stderr != "" {
		t.Fatalf("forced: exit %d, stderr %q", code, stderr)
	}
	var out struct{ ID, Guard string }
	if err := json.Unmarshal([]byte(stdout), &out); err != nil || out.Guard != "confirmed breadth" {
		t.Fatalf("stdout %q: %v", stdout, err)
	}
	spy.WantWrites(t, 1)
	if s := amspy.SilenceByID(t, am.URL, out.ID); s.Comment != "OPS-1 disks" || s.MatcherSet() != "alertname=DiskFull" || s.Status.State != "active" {
		t.Errorf("Alertmanager holds %+v", s)
	}
	var guards []string
	for _, e := range journalOf(t, jpath) {
		guards = append(guards, e.Action+" "+e.Result+" "+e.Guard)
	}
	want := "silence refused refused comment|silence refused refused comment|silence refused unconfirmed breadth|ack refused unconfirmed breadth|silence ok confirmed breadth"
	if strings.Join(guards, "|") != want {
		t.Errorf("journal:\n%s\nwant\n%s", strings.Join(guards, "|"), want)
	}
}

func TestCLIDryRun(t *testing.T) {
	am := railFleet(t)
	spy := amspy.Start(t, am.URL)
	env, jpath := railEnv(t, "[contexts.prod.alertmanager]\nurls = [\""+spy.URL+"\"]\n"+guardConfig)
	code, stdout, stderr := run(t, env, "silence", "add", "-m", `alertname="APIDown"`, "-c", "OPS-2 api", "-d", "1h", "--dry-run")
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	for _, want := range []string{"dry run, context prod: nothing written\nwould create (POST /api/v2/silences):\n{",
		`"comment": "OPS-2 api"`, `"createdBy": "alice"`, `"name": "alertname"`, `"value": "APIDown"`,
		"matches 2 of 8 firing alerts\n", "critical  firing  APIDown  instance=api-0 severity=critical", "guard: ok\n"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("dry run lacks %q:\n%s", want, stdout)
		}
	}
	// JSON: the body, the verdict with the matched alerts
	code, stdout, _ = run(t, env, "ack", "-m", `alertname="APIDown"`, "--dry-run", "-o", "json")
	var d struct {
		Context string `json:"context"`
		DryRun  bool   `json:"dryRun"`
		Body    struct {
			Comment   string `json:"comment"`
			CreatedBy string `json:"createdBy"`
		} `json:"body"`
		Verdict struct {
			Matched []struct {
				Labels map[string]string `json:"labels"`
			} `json:"matched"`
			Firing int `json:"firing"`
		} `json:"verdict"`
		Guard string `json:"guard"`
	}
	if err := json.Unmarshal([]byte(stdout), &d); err != nil || code != 0 {
		t.Fatalf("exit %d, %v: %s", code, err, stdout)
	}
	if d.Context != "prod" || !d.DryRun || d.Body.Comment != "ACK! alice: acknowledged" || d.Body.CreatedBy != "alice" ||
		len(d.Verdict.Matched) != 2 || d.Verdict.Firing != 8 || d.Guard != "ok" {
		t.Errorf("dry run %+v", d)
	}
	// a dry run that the guard would stop says so, and fails
	code, stdout, stderr = run(t, env, "silence", "add", "-m", `alertname="DiskFull"`, "-c", "OPS-3", "--dry-run")
	if code == 0 || !strings.Contains(stdout, "matches 6 of 8 firing alerts") ||
		!strings.Contains(stdout, "would be stopped: needs confirmation: breadth: would match 6 of 8 firing alerts (more than 2); add --force to confirm") ||
		stderr != "oncall: dry run: the write would be stopped in 1 of 1 context\n" {
		t.Errorf("exit %d\nstdout %s\nstderr %q", code, stdout, stderr)
	}
	spy.WantWrites(t, 0)
	if es := journalOf(t, jpath); len(es) != 0 {
		t.Errorf("a dry run journaled %+v", es)
	}
	if s := amspy.Silences(t, am.URL); len(s) != 0 {
		t.Errorf("Alertmanager holds %+v", s)
	}
}

func TestCLIExpireAndExtendRails(t *testing.T) {
	am := railFleet(t)
	spy := amspy.Start(t, am.URL)
	env, _ := railEnv(t, "[contexts.prod.alertmanager]\nurls = [\""+spy.URL+"\"]\n")
	theirs := amspy.PostSilence(t, am.URL, map[string]string{"alertname": "DiskFull"}, "bob", "bob's", time.Hour)
	code, stdout, stderr := run(t, env, "silence", "expire", theirs)
	if code == 0 || stdout != "" || !strings.HasPrefix(stderr, "oncall: silence "+theirs+" was created by bob, not by you: add --force to expire it\n") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	spy.WantWrites(t, 0)
	code, stdout, _ = run(t, env, "silence", "expire", theirs, "--force")
	if code != 0 || stdout != "expired "+theirs+"\n" || amspy.SilenceByID(t, am.URL, theirs).Status.State != "expired" {
		t.Fatalf("forced: exit %d, stdout %q", code, stdout)
	}
	spy.WantWrites(t, 1)

	// the conflict check: alice's silence, changed by bob after she read it
	code, id, _ := run(t, env, "silence", "add", "-m", `alertname="APIDown"`, "-c", "api")
	id = strings.TrimSpace(id)
	loaded := amspy.SilenceByID(t, am.URL, id).UpdatedAt.Format(time.RFC3339Nano)
	bobAM, err := alertmanager.New(alertmanager.Config{URLs: []string{am.URL}})
	if err != nil || code != 0 {
		t.Fatal(code, err)
	}
	bob := &actions.Service{AM: bobAM, User: "bob", Context: "prod"}
	if _, err := bob.ExtendSilence(context.Background(), actions.SilenceRef{ID: id}, time.Hour, actions.Options{}); err != nil {
		t.Fatal(err)
	}
	changed := amspy.SilenceByID(t, am.URL, id)
	spy.WantWrites(t, 2)
	for _, args := range [][]string{{"silence", "extend", id, "--updated-at", loaded}, {"silence", "expire", id, "--updated-at", loaded}} {
		code, stdout, stderr = run(t, env, args...)
		if code == 0 || !strings.HasPrefix(stderr, "oncall: conflict: silence "+id+" changed since it was loaded (updated ") ||
			!strings.Contains(stderr, "; nothing written, reload it\n") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, stdout, stderr)
		}
	}
	spy.WantWrites(t, 2)
	if now := amspy.SilenceByID(t, am.URL, id); !now.EndsAt.Equal(changed.EndsAt) || now.Status.State != "active" {
		t.Errorf("the silence was overwritten: %+v", now)
	}
	code, _, stderr = run(t, env, "silence", "extend", id, "--updated-at", changed.UpdatedAt.Format(time.RFC3339Nano))
	if code != 0 {
		t.Errorf("extend of the current version: %s", stderr)
	}
	spy.WantWrites(t, 3)
	code, _, stderr = run(t, env, "silence", "extend", id, "--updated-at", "yesterday")
	wantErr(t, code, "", stderr, `--updated-at "yesterday": use RFC 3339, as `+"`silence ls -o json`"+` prints updatedAt`)
}

// With several contexts watched, a write needs --context or
// --all-contexts; with --all-contexts each cluster is judged by its own
// guard, none is written unless all pass, and each is written once.
func TestCLIWritesWithSeveralContexts(t *testing.T) {
	prod, staging := railFleet(t), railFleet(t)
	prodSpy, stagingSpy := amspy.Start(t, prod.URL), amspy.Start(t, staging.URL)
	env, _ := railEnv(t, "[view]\ncontexts = [\"prod\", \"staging\"]\n"+
		"[contexts.prod.alertmanager]\nurls = [\""+prodSpy.URL+"\"]\n"+guardConfig+
		"[contexts.staging.alertmanager]\nurls = [\""+stagingSpy.URL+"\"]\n")
	add := []string{"silence", "add", "-m", `alertname="APIDown"`, "-c", "no ticket"}
	code, stdout, stderr := run(t, env, add...)
	wantErr(t, code, stdout, stderr, "watching 2 contexts (prod, staging): name the one to write to with --context, or write to each with --all-contexts")
	code, stdout, stderr = run(t, env, "silence", "expire", "0b9ff3a5-a86e-4d07-a2a3-55f29a5ff2a3", "--all-contexts")
	wantErr(t, code, stdout, stderr, "watching 2 contexts (prod, staging): a silence lives in one of them; name it with --context")
	code, stdout, stderr = run(t, env, append(add, "--all-contexts")...)
	wantErr(t, code, stdout, stderr, `nothing written: prod: refused by guard comment: comment "no ticket" does not match ^[A-Z]+-[0-9]+`)
	prodSpy.WantWrites(t, 0)
	stagingSpy.WantWrites(t, 0)

	code, stdout, stderr = run(t, env, append(add, "--context", "staging")...)
	if code != 0 || len(amspy.Active(t, staging.URL)) != 1 {
		t.Fatalf("--context staging: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	stagingSpy.WantWrites(t, 1)
	prodSpy.WantWrites(t, 0)

	code, stdout, stderr = run(t, env, "silence", "add", "-m", `alertname="APIDown"`, "-c", "OPS-4 api", "--all-contexts")
	if code != 0 || stderr != "" {
		t.Fatalf("--all-contexts: exit %d, stderr %q", code, stderr)
	}
	p, s := amspy.Active(t, prod.URL), amspy.Active(t, staging.URL)
	if len(p) != 1 || len(s) != 2 || stdout != "prod "+p[0].ID+"\nstaging "+newest(s).ID+"\n" {
		t.Fatalf("stdout %q; prod holds %+v; staging %+v", stdout, p, s)
	}
	prodSpy.WantWrites(t, 1)
	stagingSpy.WantWrites(t, 2)
}

func newest(ss []amspy.Silence) amspy.Silence {
	n := ss[0]
	for _, s := range ss[1:] {
		if s.UpdatedAt.After(n.UpdatedAt) {
			n = s
		}
	}
	return n
}

// A write that reached Alertmanager but not the journal (a full disk)
// prints what it wrote and says so: done, but not journaled.
func TestCLIDoneButNotJournaled(t *testing.T) {
	am := railFleet(t)
	spy := amspy.Start(t, am.URL)
	cfg := writeConfig(t, "[identity]\nuser = \"alice\"\n[journal]\npath = \"/dev/full\"\n[contexts.prod.alertmanager]\nurls = [\""+spy.URL+"\"]\n")
	code, stdout, stderr := run(t, map[string]string{"ONCALL_CONFIG": cfg}, "silence", "add", "-m", `alertname="APIDown"`, "-c", "full disk")
	active := amspy.Active(t, am.URL)
	if len(active) != 1 {
		t.Fatalf("Alertmanager holds %+v", active)
	}
	id := active[0].ID
	if code == 0 || stdout != id+"\n" || stderr != "oncall: silence "+id+" done, but not journaled: journal write: /dev/full: no space left on device\n" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	spy.WantWrites(t, 1)
}

// Matchers may be given as arguments, as amtool takes them: a first
// argument without an operator is the alert's name, and they add to
// --matcher. A bad one is named; nothing is written for it.
func TestSilenceMatchersAsArguments(t *testing.T) {
	am := railFleet(t)
	spy := amspy.Start(t, am.URL)
	env, _ := railEnv(t, "[contexts.prod.alertmanager]\nurls = [\""+spy.URL+"\"]\n")
	code, stdout, stderr := run(t, env, "silence", "add", "-c", "OPS-4 api", "-d", "1h", "APIDown", `instance=~"api-.*"`, "-m", `severity="critical"`)
	if code != 0 {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	id := strings.TrimSpace(stdout)
	if got := amspy.SilenceByID(t, am.URL, id).MatcherSet(); got != "alertname=APIDown,instance=~api-.*,severity=critical" {
		t.Errorf("silence %s holds %s", id, got)
	}
	code, stdout, _ = run(t, env, "ack", "--dry-run", "alertname=DiskFull")
	if code != 0 || !strings.Contains(stdout, "matches 6 of 8 firing alerts") {
		t.Errorf("ack --dry-run alertname=DiskFull: exit %d\n%s", code, stdout)
	}
	code, _, stderr = run(t, env, "silence", "add", "-c", "x", "APIDown", "env=~(")
	if code == 0 || !strings.HasPrefix(stderr, `oncall: argument "env=~(": `) {
		t.Errorf("a bad argument: exit %d, stderr %q", code, stderr)
	}
	spy.WantWrites(t, 1)
}

// silence expire and extend --dry-run say what they would send and which
// firing alerts the silence mutes now, and write nothing: Alertmanager
// holds the silence as it was, and the journal stays empty.
func TestCLIExpireAndExtendDryRun(t *testing.T) {
	am := railFleet(t)
	spy := amspy.Start(t, am.URL)
	env, jpath := railEnv(t, "[contexts.prod.alertmanager]\nurls = [\""+spy.URL+"\"]\n")
	mine := amspy.PostSilence(t, am.URL, map[string]string{"alertname": "APIDown"}, "alice", "OPS-5 api", time.Hour)
	theirs := amspy.PostSilence(t, am.URL, map[string]string{"alertname": "DiskFull"}, "bob", "bob's", time.Hour)
	before := amspy.SilenceByID(t, am.URL, mine)

	code, stdout, stderr := run(t, env, "silence", "expire", "--dry-run", mine)
	if code != 0 || stderr != "" {
		t.Fatalf("expire --dry-run: exit %d, stderr %q", code, stderr)
	}
	for _, want := range []string{"dry run, context prod: nothing written\n", "silence " + mine + " by alice, ends ",
		"would expire it (DELETE /api/v2/silence/" + mine + ")\n", "it mutes 2 of 8 firing alerts now\n", "APIDown", "guard: "} {
		if !strings.Contains(stdout, want) {
			t.Errorf("expire --dry-run lacks %q:\n%s", want, stdout)
		}
	}
	// someone else's: the dry run says the expiry would be stopped, and fails
	code, stdout, stderr = run(t, env, "silence", "expire", "--dry-run", theirs)
	if code == 0 || !strings.Contains(stdout, "it mutes 6 of 8 firing alerts now") ||
		!strings.Contains(stdout, "would be stopped: silence "+theirs+" was created by bob, not by you: add --force to expire it") ||
		stderr != "oncall: dry run: expire would be stopped for 1 of 1 silence\n" {
		t.Errorf("expire --dry-run of bob's: exit %d\n%s\nstderr %q", code, stdout, stderr)
	}

	code, stdout, _ = run(t, env, "silence", "extend", "--dry-run", "-d", "2h", mine, "-o", "json")
	var d struct {
		DryRun bool      `json:"dryRun"`
		EndsAt time.Time `json:"endsAt"`
		Body   struct {
			ID string `json:"id"`
		} `json:"body"`
		Verdict struct {
			Matched []struct {
				Labels map[string]string `json:"labels"`
			} `json:"matched"`
		} `json:"verdict"`
	}
	if err := json.Unmarshal([]byte(stdout), &d); err != nil || code != 0 {
		t.Fatalf("extend --dry-run -o json: exit %d, %v: %s", code, err, stdout)
	}
	if !d.DryRun || d.Body.ID != mine || len(d.Verdict.Matched) != 2 || d.EndsAt.Sub(before.EndsAt).Round(time.Minute) != 2*time.Hour {
		t.Errorf("extend --dry-run: %+v (the silence ends %s)", d, before.EndsAt)
	}

	spy.WantWrites(t, 0)
	if after := amspy.SilenceByID(t, am.URL, mine); after.Status.State != "active" || !after.EndsAt.Equal(before.EndsAt) || !after.UpdatedAt.Equal(before.UpdatedAt) {
		t.Errorf("a dry run changed the silence: %+v, was %+v", after, before)
	}
	if es := journalOf(t, jpath); len(es) != 0 {
		t.Errorf("a dry run journaled %+v", es)
	}
}
