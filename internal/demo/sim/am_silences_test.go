package sim

import (
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/go-openapi/runtime"
	"github.com/go-openapi/strfmt"
	"github.com/prometheus/alertmanager/api/v2/client/alert"
	silenceops "github.com/prometheus/alertmanager/api/v2/client/silence"
	"github.com/prometheus/alertmanager/api/v2/models"
)

func matcher(name, value string, regex bool) *models.Matcher {
	eq := true
	return &models.Matcher{Name: &name, Value: &value, IsRegex: &regex, IsEqual: &eq}
}

func postable(id string, starts, ends time.Time, by, comment string, ms ...*models.Matcher) *models.PostableSilence {
	s, e := strfmt.DateTime(starts), strfmt.DateTime(ends)
	return &models.PostableSilence{ID: id, Silence: models.Silence{
		StartsAt: &s, EndsAt: &e, CreatedBy: &by, Comment: &comment, Matchers: ms,
	}}
}

func postSilence(t *testing.T, b *Backend, ps *models.PostableSilence) (string, error) {
	t.Helper()
	res, err := amClient(t, b).Silence.PostSilences(silenceops.NewPostSilencesParams().WithContext(ctxTimeout(t, 5*time.Second)).WithSilence(ps))
	if err != nil {
		return "", err
	}
	return res.Payload.SilenceID, nil
}

func getSilence(t *testing.T, b *Backend, id string) *models.GettableSilence {
	t.Helper()
	res, err := amClient(t, b).Silence.GetSilence(silenceops.NewGetSilenceParams().WithContext(ctxTimeout(t, 5*time.Second)).WithSilenceID(strfmt.UUID(id)))
	if err != nil {
		t.Fatalf("GetSilence(%s): %v", id, err)
	}
	return res.Payload
}

func alertStatus(t *testing.T, b *Backend, name string) *models.AlertStatus {
	t.Helper()
	as := listAlerts(t, b, func(p *alert.GetAlertsParams) { p.Filter = []string{`alertname="` + name + `"`} })
	if len(as) != 1 {
		t.Fatalf("%d alerts named %s", len(as), name)
	}
	return as[0].Status
}

func TestSilenceLifecycle(t *testing.T) {
	b, clk := startSim(t)
	now := clk.Now()
	before := len(b.Alertmanager.Silences())

	// Create: the alert becomes suppressed.
	id, err := postSilence(t, b, postable("", now, now.Add(time.Hour), "ana@bastion", "looking into it",
		matcher("alertname", "HighMemoryUsage", false), matcher("instance", "backend-2:.*", true)))
	if err != nil {
		t.Fatalf("create silence: %v", err)
	}
	st := alertStatus(t, b, "HighMemoryUsage")
	if *st.State != models.AlertStatusStateSuppressed || !reflect.DeepEqual(st.SilencedBy, []string{id}) {
		t.Fatalf("after silencing: %s %v, want suppressed by %s", *st.State, st.SilencedBy, id)
	}
	got := getSilence(t, b, id)
	if *got.Status.State != "active" || *got.CreatedBy != "ana@bastion" || len(got.Matchers) != 2 || !*got.Matchers[1].IsRegex {
		t.Fatalf("silence = %+v", got)
	}
	if err := got.Validate(strfmt.Default); err != nil {
		t.Errorf("silence does not validate: %v", err)
	}

	// Update endsAt and comment of the active silence: same ID, in place.
	clk.Advance(time.Minute)
	upd := postable(id, time.Time(*got.StartsAt), now.Add(3*time.Hour), "ana@bastion", "extended: waiting for deploy", got.Matchers...)
	id2, err := postSilence(t, b, upd)
	if err != nil || id2 != id {
		t.Fatalf("update in place: id %q err %v, want same id %q", id2, err, id)
	}
	got = getSilence(t, b, id)
	if *got.Comment != "extended: waiting for deploy" || !time.Time(*got.EndsAt).Equal(now.Add(3*time.Hour)) {
		t.Errorf("after update: comment %q endsAt %v", *got.Comment, time.Time(*got.EndsAt))
	}
	if n := len(b.Alertmanager.Silences()); n != before+1 {
		t.Errorf("%d silences after in-place update, want %d", n, before+1)
	}

	// Changing the matchers cannot be done in place: new ID, old expired.
	id3, err := postSilence(t, b, postable(id, time.Time(*got.StartsAt), now.Add(3*time.Hour), "ana@bastion", "narrowed",
		matcher("alertname", "HighMemoryUsage", false)))
	if err != nil || id3 == id || id3 == "" {
		t.Fatalf("matcher change: id %q err %v, want a new id", id3, err)
	}
	if s := getSilence(t, b, id); *s.Status.State != "expired" {
		t.Errorf("replaced silence state = %s, want expired", *s.Status.State)
	}
	if st := alertStatus(t, b, "HighMemoryUsage"); !reflect.DeepEqual(st.SilencedBy, []string{id3}) {
		t.Errorf("silencedBy = %v, want [%s]", st.SilencedBy, id3)
	}

	// Expire: the alert is active again.
	if _, err := amClient(t, b).Silence.DeleteSilence(silenceops.NewDeleteSilenceParams().WithContext(ctxTimeout(t, 5*time.Second)).WithSilenceID(strfmt.UUID(id3))); err != nil {
		t.Fatalf("expire: %v", err)
	}
	if st := alertStatus(t, b, "HighMemoryUsage"); *st.State != models.AlertStatusStateActive || len(st.SilencedBy) != 0 {
		t.Errorf("after expiry: %s %v, want active", *st.State, st.SilencedBy)
	}
	if s := getSilence(t, b, id3); *s.Status.State != "expired" || !time.Time(*s.EndsAt).Equal(clk.Now()) {
		t.Errorf("expired silence: %s endsAt %v", *s.Status.State, time.Time(*s.EndsAt))
	}

	// An expired silence cannot be updated: posting its ID creates a new one.
	id4, err := postSilence(t, b, postable(id3, clk.Now(), clk.Now().Add(time.Hour), "ana@bastion", "again",
		matcher("alertname", "HighMemoryUsage", false)))
	if err != nil || id4 == id3 {
		t.Fatalf("re-post expired: id %q err %v, want a new id", id4, err)
	}
}

func TestSilencePendingThenActiveThenExpired(t *testing.T) {
	b, clk := startSim(t)
	now := clk.Now()
	id, err := postSilence(t, b, postable("", now.Add(time.Hour), now.Add(2*time.Hour), "ana@bastion", "maintenance window",
		matcher("service", ServicePostgres, false)))
	if err != nil {
		t.Fatal(err)
	}
	if s := getSilence(t, b, id); *s.Status.State != "pending" {
		t.Fatalf("state = %s, want pending", *s.Status.State)
	}
	if st := alertStatus(t, b, "DatabaseConnectionsHigh"); len(st.SilencedBy) != 0 {
		t.Fatalf("pending silence already mutes: %v", st.SilencedBy)
	}
	clk.Advance(time.Hour)
	if st := alertStatus(t, b, "DatabaseConnectionsHigh"); !reflect.DeepEqual(st.SilencedBy, []string{id}) {
		t.Fatalf("active silence does not mute: %v", st.SilencedBy)
	}
	clk.Advance(time.Hour)
	if st := alertStatus(t, b, "DatabaseConnectionsHigh"); *st.State != models.AlertStatusStateActive {
		t.Fatalf("expired silence still mutes: %v", st.SilencedBy)
	}
}

func TestSilenceValidation(t *testing.T) {
	b, clk := startSim(t)
	now := clk.Now()
	ok := matcher("alertname", "APIDown", false)
	cases := []struct {
		name string
		ps   *models.PostableSilence
		code int
		msg  string
	}{
		{"only empty matchers", postable("", now, now.Add(time.Hour), "a", "c", matcher("team", "", false)), 400,
			"silence invalid: at least one matcher must not match the empty string"},
		{"regex matching empty", postable("", now, now.Add(time.Hour), "a", "c", matcher("team", ".*", true)), 400,
			"silence invalid: at least one matcher must not match the empty string"},
		{"ends before start", postable("", now.Add(time.Hour), now, "a", "c", ok), 400,
			"Failed to create silence: start time must be before end time"},
		{"ends in the past", postable("", now.Add(-3*time.Hour), now.Add(-time.Hour), "a", "c", ok), 400,
			"Failed to create silence: end time can't be in the past"},
		{"bad regex", postable("", now, now.Add(time.Hour), "a", "c", matcher("alertname", "(", true)), 400,
			"silence invalid: invalid label matcher 0: invalid regular expression"},
		{"unknown id", postable("3b1a0c56-8d6f-4c1e-9a43-2f4f1d2b7e10", now, now.Add(time.Hour), "a", "c", ok), 404,
			"silence not found"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := postSilence(t, b, c.ps)
			var payload string
			switch c.code {
			case 400:
				var e *silenceops.PostSilencesBadRequest
				if !errors.As(err, &e) {
					t.Fatalf("err = %v, want 400", err)
				}
				payload = e.Payload
			case 404:
				var e *silenceops.PostSilencesNotFound
				if !errors.As(err, &e) {
					t.Fatalf("err = %v, want 404", err)
				}
				payload = e.Payload
			}
			if !strings.HasPrefix(payload, c.msg) {
				t.Errorf("message %q, want prefix %q", payload, c.msg)
			}
		})
	}

	// Schema violations are 422 with go-openapi's {code, message} body.
	raw := func(body string) (int, map[string]any) {
		req, err := http.NewRequestWithContext(ctxTimeout(t, 5*time.Second), http.MethodPost, b.Alertmanager.URL()+"/api/v2/silences", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		code, resp, _ := do(t, req)
		var m map[string]any
		_ = json.Unmarshal([]byte(resp), &m)
		return code, m
	}
	ts := now.Format(time.RFC3339)
	te := now.Add(time.Hour).Format(time.RFC3339)
	for name, c := range map[string]struct {
		body string
		code int
		msg  string
	}{
		"no createdBy":  {`{"matchers":[{"name":"a","value":"b","isRegex":false}],"startsAt":"` + ts + `","endsAt":"` + te + `","comment":"c"}`, 422, "createdBy in body is required"},
		"no comment":    {`{"matchers":[{"name":"a","value":"b","isRegex":false}],"startsAt":"` + ts + `","endsAt":"` + te + `","createdBy":"a"}`, 422, "comment in body is required"},
		"no matchers":   {`{"matchers":[],"startsAt":"` + ts + `","endsAt":"` + te + `","createdBy":"a","comment":"c"}`, 422, "matchers in body should have at least 1 items"},
		"malformed":     {`{garbage`, 400, "parsing silence body"},
		"empty body":    {``, 422, "silence in body is required"},
		"unknown field": {`{"matchers":[{"name":"a","value":"b","isRegex":false}],"startsAt":"` + ts + `","endsAt":"` + te + `","createdBy":"a","comment":"c","x":1}`, 200, ""},
	} {
		code, m := raw(c.body)
		if code != c.code {
			t.Errorf("%s: status %d, want %d (%v)", name, code, c.code, m)
			continue
		}
		if c.msg != "" && !strings.HasPrefix(m["message"].(string), c.msg) {
			t.Errorf("%s: message %v, want %q", name, m["message"], c.msg)
		}
	}

	// The official client surfaces the 422 as an API error with its code.
	noBy := postable("", now, now.Add(time.Hour), "", "c", ok)
	noBy.CreatedBy = nil
	_, err := postSilence(t, b, noBy)
	var apiErr *runtime.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != 422 {
		t.Errorf("missing createdBy via client: %v, want a 422 API error", err)
	}
}

func TestSilenceLookupErrors(t *testing.T) {
	b, _ := startSim(t)
	c := amClient(t, b)
	missing := strfmt.UUID("3b1a0c56-8d6f-4c1e-9a43-2f4f1d2b7e10")
	_, err := c.Silence.GetSilence(silenceops.NewGetSilenceParams().WithContext(ctxTimeout(t, 5*time.Second)).WithSilenceID(missing))
	var nf *silenceops.GetSilenceNotFound
	if !errors.As(err, &nf) {
		t.Errorf("GetSilence(unknown) = %v, want 404", err)
	}
	_, err = c.Silence.DeleteSilence(silenceops.NewDeleteSilenceParams().WithContext(ctxTimeout(t, 5*time.Second)).WithSilenceID(missing))
	var dnf *silenceops.DeleteSilenceNotFound
	if !errors.As(err, &dnf) {
		t.Errorf("DeleteSilence(unknown) = %v, want 404", err)
	}
	code, body, _ := httpGet(t, b.Alertmanager.URL()+"/api/v2/silence/not-a-uuid")
	if code != 422 || !strings.Contains(body, "must be of type uuid") {
		t.Errorf("bad uuid → %d %s", code, body)
	}
}

func TestSilenceListFilters(t *testing.T) {
	b, _ := startSim(t)
	c := amClient(t, b)
	list := func(mod func(*silenceops.GetSilencesParams)) []string {
		t.Helper()
		p := silenceops.NewGetSilencesParams().WithContext(ctxTimeout(t, 5*time.Second))
		mod(p)
		res, err := c.Silence.GetSilences(p)
		if err != nil {
			t.Fatalf("GetSilences: %v", err)
		}
		var by []string
		for _, s := range res.Payload {
			by = append(by, *s.CreatedBy+"/"+*s.Status.State)
		}
		return by
	}
	f := false
	if got := list(func(p *silenceops.GetSilencesParams) {}); !reflect.DeepEqual(got, []string{"maria@bastion/active", "joao@bastion/expired"}) {
		t.Errorf("all silences = %v", got)
	}
	if got := list(func(p *silenceops.GetSilencesParams) { p.Filter = []string{`alertname="DiskSpaceLow"`} }); !reflect.DeepEqual(got, []string{"joao@bastion/expired"}) {
		t.Errorf("filtered = %v", got)
	}
	if got := list(func(p *silenceops.GetSilencesParams) { p.Expired = &f }); !reflect.DeepEqual(got, []string{"maria@bastion/active"}) {
		t.Errorf("without expired = %v", got)
	}
	_, err := c.Silence.GetSilences(silenceops.NewGetSilencesParams().WithContext(ctxTimeout(t, 5*time.Second)).WithFilter([]string{"(("}))
	var bad *silenceops.GetSilencesBadRequest
	if !errors.As(err, &bad) {
		t.Errorf("bad filter = %v, want 400", err)
	}
	for _, s := range b.Alertmanager.Silences() {
		if *s.CreatedBy == "maria@bastion" {
			if left := time.Time(*s.EndsAt).Sub(epoch()); left != 3*time.Hour || *s.Comment != "known: marketing campaign paused" {
				t.Errorf("maria's silence: %v left, comment %q", left, *s.Comment)
			}
		}
		if *s.CreatedBy == "joao@bastion" && !time.Time(*s.EndsAt).Equal(epoch().Add(-2*time.Hour)) {
			t.Errorf("joao's silence expired at %v, want 2h ago", time.Time(*s.EndsAt))
		}
	}
}
