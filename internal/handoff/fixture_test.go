package handoff

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-openapi/strfmt"
	"github.com/prometheus/alertmanager/api/v2/models"

	"oncall/internal/alerts"
	"oncall/internal/config"
	"oncall/internal/journal"
)

var update = flag.Bool("update", false, "rewrite golden files")

// The fixture's shift: the night shift in São Paulo (UTC-3, no DST), handed
// off at 07:45 local on March 15th, which is 10:45 UTC.
var (
	saoPaulo = mustLoc("America/Sao_Paulo")
	fixedNow = time.Date(2026, 3, 15, 7, 45, 0, 0, saoPaulo)
	shift    = config.Shift{Starts: []string{"08:00", "20:00"}, Timezone: "America/Sao_Paulo"}
)

func mustLoc(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// local builds a São Paulo time on March 14th (day 14) or 15th (day 15).
func local(day, h, m int) time.Time { return time.Date(2026, 3, day, h, m, 0, 0, saoPaulo) }

func dt(t time.Time) *strfmt.DateTime { d := strfmt.DateTime(t.UTC()); return &d }
func sp(s string) *string             { return &s }

// episode is a firing period backfilled as ALERTS samples every 15s.
type episode struct {
	labels     map[string]string
	start, end time.Time
}

func fixtureEpisodes() []episode {
	hre := map[string]string{"alertname": "HighErrorRate", "severity": "critical", "service": "conectcrm-backend"}
	return []episode{
		{hre, local(14, 21, 10), local(14, 21, 38)},
		{hre, local(15, 2, 5), local(15, 2, 20)},
		{hre, local(15, 7, 20), fixedNow.Add(-15 * time.Second)}, // still firing
		{map[string]string{"alertname": "DiskSpaceLow", "severity": "warning", "service": "postgres", "instance": "postgres-0:9187"}, local(14, 19, 30), local(14, 20, 40)},
		{map[string]string{"alertname": "HighLatencyP95", "severity": "warning", "service": "conectcrm-backend"}, local(14, 23, 50), local(15, 0, 10)},
		{map[string]string{"alertname": "APIDown", "severity": "critical", "service": "conectcrm-backend", "job": "conectcrm-backend", "instance": "backend-1:3001"}, local(15, 7, 33), fixedNow.Add(-15 * time.Second)},
		// Resolved before the window: not listed.
		{map[string]string{"alertname": "OldNews", "severity": "info"}, local(14, 18, 0), local(14, 19, 0)},
	}
}

// alertsOpenMetrics renders episodes as ALERTS samples, one every 15s.
func alertsOpenMetrics(eps []episode) string {
	var b strings.Builder
	b.WriteString("# TYPE ALERTS gauge\n")
	for _, e := range eps {
		var ls []string
		keys := make([]string, 0, len(e.labels))
		for k := range e.labels {
			keys = append(keys, k)
		}
		sortStrings(keys)
		ls = append(ls, `alertstate="firing"`)
		for _, k := range keys {
			ls = append(ls, fmt.Sprintf("%s=%q", k, e.labels[k]))
		}
		for t := e.start; !t.After(e.end); t = t.Add(15 * time.Second) {
			fmt.Fprintf(&b, "ALERTS{%s} 1 %d\n", strings.Join(ls, ","), t.Unix())
		}
	}
	return b.String()
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// fakeAM serves fixed alerts and silences (or an error).
type fakeAM struct {
	alerts   models.GettableAlerts
	silences models.GettableSilences
	err      error
}

func (f *fakeAM) Alerts(context.Context, []string) (models.GettableAlerts, error) {
	return f.alerts, f.err
}
func (f *fakeAM) Silences(context.Context, []string) (models.GettableSilences, error) {
	return f.silences, f.err
}

// Silence IDs of the fixture.
const (
	silAck       = "a0000000-0000-4000-8000-000000000001"
	silMaint     = "a0000000-0000-4000-8000-000000000002"
	silLowTraf   = "a0000000-0000-4000-8000-000000000003"
	silCarol     = "a0000000-0000-4000-8000-000000000004"
	silAckOld    = "a0000000-0000-4000-8000-000000000005"
	silAncient   = "a0000000-0000-4000-8000-000000000006"
	silJournaled = "a0000000-0000-4000-8000-000000000007"
)

func amFixture() *fakeAM {
	yes, no := true, false
	m := func(n, v string) *models.Matcher {
		return &models.Matcher{Name: sp(n), Value: sp(v), IsRegex: &no, IsEqual: &yes}
	}
	sil := func(id, state string, start, end time.Time, by, comment string, ms ...*models.Matcher) *models.GettableSilence {
		return &models.GettableSilence{ID: sp(id), Status: &models.SilenceStatus{State: sp(state)}, UpdatedAt: dt(start),
			Silence: models.Silence{Matchers: ms, CreatedBy: sp(by), Comment: sp(comment), StartsAt: dt(start), EndsAt: dt(end)}}
	}
	alert := func(labels map[string]string, summary string, since time.Time, silencedBy []string) *models.GettableAlert {
		state := models.AlertStatusStateActive
		if len(silencedBy) > 0 {
			state = models.AlertStatusStateSuppressed
		}
		fp := alerts.Fingerprint(labels)
		return &models.GettableAlert{Alert: models.Alert{Labels: models.LabelSet(labels)}, Annotations: models.LabelSet{"summary": summary},
			Fingerprint: &fp, StartsAt: dt(since), EndsAt: dt(fixedNow.Add(4 * time.Minute)), UpdatedAt: dt(fixedNow),
			Status: &models.AlertStatus{State: &state, SilencedBy: silencedBy, InhibitedBy: []string{}}}
	}
	f := &fakeAM{
		alerts: models.GettableAlerts{
			alert(map[string]string{"alertname": "APIDown", "severity": "critical", "service": "conectcrm-backend", "job": "conectcrm-backend", "instance": "backend-1:3001"},
				"conectcrm-backend instance backend-1:3001 is down", local(15, 7, 33), []string{silAck}),
			alert(map[string]string{"alertname": "HighErrorRate", "severity": "critical", "service": "conectcrm-backend"}, "37.2% of requests fail", local(15, 7, 20), nil),
			alert(map[string]string{"alertname": "DatabaseConnectionsHigh", "severity": "warning", "service": "postgres"}, "92% of max_connections", local(15, 6, 0), []string{silMaint}),
			alert(map[string]string{"alertname": "LowTraffic", "severity": "info", "service": "api-gateway"}, "only 1.2 req/s", local(14, 9, 0), []string{silLowTraf}),
		},
		silences: models.GettableSilences{
			sil(silAck, "active", local(15, 7, 36), local(15, 8, 15), "alice@bastion", "ACK! alice@bastion: restarting backend-1", m("alertname", "APIDown"), m("instance", "backend-1:3001")),
			sil(silMaint, "active", local(14, 22, 0), local(15, 9, 0), "bob@bastion", "pgbouncer maintenance <!channel> | *do not* `touch` [x](http://evil)", m("alertname", "DatabaseConnectionsHigh")),
			sil(silLowTraf, "active", local(14, 10, 0), local(15, 12, 0), "maria@bastion", "marketing campaign paused", m("alertname", "LowTraffic")),
			sil(silCarol, "expired", local(14, 21, 0), local(14, 23, 30), "carol@bastion", "deploy of 4512", m("service", "conectcrm-backend"), m("severity", "warning")),
			sil(silAckOld, "expired", local(14, 21, 15), local(14, 21, 45), "bob@bastion", "ACK! bob@bastion: rolling back", m("alertname", "HighErrorRate")),
			sil(silAncient, "expired", local(13, 9, 0), local(13, 10, 0), "zed@bastion", "long gone", m("alertname", "Whatever")),
		},
	}
	// Runbooks: a relative one, and an absolute one whose query could
	// break out of a Markdown link or a Slack <url|text>.
	f.alerts[0].Annotations["runbook_url"] = "RUNBOOKS.md#apidown"
	f.alerts[1].Annotations["runbook_url"] = "https://runbooks.example.com/crm/high-error-rate?from=(now)&tab=x|y>z"
	return f
}

// fakeBudgets returns fixed budgets.
type fakeBudgets struct {
	from, to time.Time
}

func (f *fakeBudgets) Budgets(_ context.Context, from, to time.Time) ([]Budget, error) {
	f.from, f.to = from, to
	p := func(v float64) *float64 { return &v }
	return []Budget{
		{Name: "api-availability", Objective: 99.9, Window: "30d", RemainingStart: p(0.82), RemainingEnd: p(0.614), Consumed: p(0.206)},
		{Name: "checkout-latency", Objective: 99, Window: "28d", RemainingEnd: p(0.949), Error: "at start: slo checkout-latency: no data"},
	}, nil
}

// journalFixture writes the fixture's journal and returns it.
func journalFixture(t *testing.T) *journal.Journal {
	t.Helper()
	path := filepath.Join(t.TempDir(), "journal.jsonl")
	j := &journal.Journal{Path: path}
	add := func(e journal.Entry) {
		t.Helper()
		if e.Result == "" {
			e.Result = journal.ResultOK
		}
		if e.Context == "" {
			e.Context = "prod"
		}
		if err := j.Append(e); err != nil {
			t.Fatal(err)
		}
	}
	end := func(t time.Time) *time.Time { return &t }
	note := func(in journal.NoteInput) journal.Entry {
		t.Helper()
		in.Context = "prod"
		e, err := journal.NoteEntry(in)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	old := note(journal.NoteInput{User: "bob@bastion", Text: "rotate the postgres password", FollowUp: true, Time: local(14, 15, 0)})
	old.ID = "n-old-followup"
	add(old)
	add(journal.Entry{Time: local(14, 20, 5), User: "alice@bastion", Action: journal.ActionHandoff, Target: "stdout"})
	add(journal.Entry{Time: local(14, 21, 0), User: "carol@bastion", Action: journal.ActionSilence, SilenceID: silCarol, Target: `{service="conectcrm-backend",severity="warning"}`, Comment: "deploy of 4512", EndsAt: end(local(15, 1, 0))})
	rb := note(journal.NoteInput{User: "alice@bastion", Text: "rolled back deploy 4512; errors stopped", Alert: "HighErrorRate", Fingerprint: "fp-hre", Time: local(14, 21, 40)})
	rb.ID = "n-rollback"
	add(rb)
	add(journal.Entry{Time: local(14, 22, 0), User: "bob@bastion", Action: journal.ActionSilence, SilenceID: silMaint, Target: `{alertname="DatabaseConnectionsHigh"}`, Comment: "pgbouncer maintenance", EndsAt: end(local(15, 9, 0))})
	add(journal.Entry{Time: local(14, 23, 30), User: "carol@bastion", Action: journal.ActionExpire, SilenceID: silCarol, Target: silCarol})
	add(journal.Entry{Time: local(15, 1, 0), User: "dave@bastion", Action: journal.ActionSilence, SilenceID: silJournaled, Target: `{alertname="BackupFailed"}`, Comment: "backup window", EndsAt: end(local(15, 2, 0))})
	fu := note(journal.NoteInput{User: "alice@bastion", Text: "ask the DBA about pg_stat_statements", FollowUp: true, Time: local(15, 2, 30)})
	fu.ID = "n-dba"
	add(fu)
	edit, err := journal.NoteEditEntry("alice@bastion", "prod", "n-dba", "ask the DBA about slow queries | *check* <script>alert(1)</script>", true, local(15, 3, 0))
	if err != nil {
		t.Fatal(err)
	}
	add(edit)
	fa := note(journal.NoteInput{User: "alice@bastion", Text: "false alarm on DiskSpaceLow, ignore", Time: local(15, 4, 0)})
	fa.ID = "n-false-alarm"
	add(fa)
	add(journal.NoteStrikeEntry("alice@bastion", "prod", "n-false-alarm", true, local(15, 4, 10)))
	other := note(journal.NoteInput{User: "eve@bastion", Text: "staging only", Time: local(15, 5, 0)})
	other.Context = "staging"
	add(other)
	add(journal.Entry{Time: local(15, 7, 35), User: "alice@bastion", Action: journal.ActionAck, Target: `{alertname="APIDown",instance="backend-1:3001"}`, Result: journal.ResultError,
		Error: "alertmanager http://am:9093: connection refused", Alert: "APIDown"})
	add(journal.Entry{Time: local(15, 7, 36), User: "alice@bastion", Action: journal.ActionAck, SilenceID: silAck, Target: `{alertname="APIDown",instance="backend-1:3001"}`,
		Comment: "ACK! alice@bastion: restarting backend-1", EndsAt: end(local(15, 8, 15)), Alert: "APIDown"})
	// A crash mid-append.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"time":"2026-03-15T10:40:00Z","user":"alice@bastion","act`)
	f.Close()
	return j
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/handoff -update)", err)
	}
	if string(want) != string(got) {
		t.Errorf("%s differs from the golden file (go test ./internal/handoff -run %s -update, then review the diff); got:\n%s", name, t.Name(), got)
	}
}
