package sim

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"sort"
	"time"
	"unicode/utf8"

	oaerrors "github.com/go-openapi/errors"
	"github.com/go-openapi/strfmt"
	"github.com/prometheus/alertmanager/api/v2/models"
	"github.com/prometheus/alertmanager/pkg/labels"
)

// silence is one stored silence.
type silence struct {
	id        string
	matchers  models.Matchers // as posted, for the API
	compiled  labels.Matchers
	startsAt  time.Time
	endsAt    time.Time
	updatedAt time.Time
	createdBy string
	comment   string
}

// state follows Alertmanager: pending before startsAt, active until endsAt.
func (s *silence) state(now time.Time) string {
	switch {
	case now.Before(s.startsAt):
		return models.SilenceStatusStatePending
	case now.Before(s.endsAt):
		return models.SilenceStatusStateActive
	default:
		return models.SilenceStatusStateExpired
	}
}

func (s *silence) gettable(now time.Time) *models.GettableSilence {
	id, state, createdBy, comment := s.id, s.state(now), s.createdBy, s.comment
	updated := strfmt.DateTime(s.updatedAt.UTC())
	starts := strfmt.DateTime(s.startsAt.UTC())
	ends := strfmt.DateTime(s.endsAt.UTC())
	ms := make(models.Matchers, 0, len(s.matchers))
	for _, m := range s.matchers {
		name, value, isRegex, isEqual := *m.Name, *m.Value, *m.IsRegex, true
		if m.IsEqual != nil {
			isEqual = *m.IsEqual
		}
		ms = append(ms, &models.Matcher{Name: &name, Value: &value, IsRegex: &isRegex, IsEqual: &isEqual})
	}
	return &models.GettableSilence{
		ID:        &id,
		Status:    &models.SilenceStatus{State: &state},
		UpdatedAt: &updated,
		Silence: models.Silence{
			Comment: &comment, CreatedBy: &createdBy,
			StartsAt: &starts, EndsAt: &ends, Matchers: ms,
		},
	}
}

// expire ends the silence now, as Alertmanager does.
func (s *silence) expire(now time.Time) {
	switch s.state(now) {
	case models.SilenceStatusStateActive:
		s.endsAt = now
	case models.SilenceStatusStatePending:
		s.startsAt, s.endsAt = now, now
	default:
		return
	}
	s.updatedAt = now
}

// seedSilences are the silences that exist before the demo starts.
func seedSilences(start time.Time) []*silence {
	mk := func(created time.Time, starts, ends time.Time, by, comment string, ms ...string) *silence {
		var pm models.Matchers
		for i := 0; i+1 < len(ms); i += 2 {
			name, value, f, t := ms[i], ms[i+1], false, true
			pm = append(pm, &models.Matcher{Name: &name, Value: &value, IsRegex: &f, IsEqual: &t})
		}
		compiled, err := compileMatchers(pm)
		if err != nil {
			panic("sim: bad seed silence: " + err.Error())
		}
		return &silence{id: newUUID(), matchers: pm, compiled: compiled, startsAt: starts, endsAt: ends,
			updatedAt: created, createdBy: by, comment: comment}
	}
	return []*silence{
		mk(start.Add(-50*time.Minute), start.Add(-50*time.Minute), start.Add(3*time.Hour),
			"maria@bastion", "known: marketing campaign paused",
			"alertname", "LowTraffic", "service", ServiceGateway),
		mk(start.Add(-6*time.Hour), start.Add(-6*time.Hour), start.Add(-2*time.Hour),
			"joao@bastion", "log rotation on node-3, cleaning up",
			"alertname", "DiskSpaceLow", "instance", "node-3:9100"),
	}
}

// Silences returns every silence (active, pending and expired) in the
// order the API lists them. The results are copies.
func (a *Alertmanager) Silences() []*models.GettableSilence {
	now := a.clock()
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make(models.GettableSilences, 0, len(a.silences))
	for _, s := range a.silences {
		out = append(out, s.gettable(now))
	}
	sortSilences(out)
	return out
}

func silenceStateOrder(state string) int {
	switch state {
	case models.SilenceStatusStateActive:
		return 1
	case models.SilenceStatusStatePending:
		return 2
	default:
		return 3
	}
}

// sortSilences orders like Alertmanager: active (next to end first),
// pending (next to start first), expired (most recent first).
func sortSilences(sils models.GettableSilences) {
	sort.SliceStable(sils, func(i, j int) bool {
		si, sj := *sils[i].Status.State, *sils[j].Status.State
		if si != sj {
			return silenceStateOrder(si) < silenceStateOrder(sj)
		}
		ei, ej := time.Time(*sils[i].EndsAt), time.Time(*sils[j].EndsAt)
		switch si {
		case models.SilenceStatusStatePending:
			return time.Time(*sils[i].StartsAt).Before(time.Time(*sils[j].StartsAt))
		case models.SilenceStatusStateExpired:
			return ei.After(ej)
		default:
			return ei.Before(ej)
		}
	})
}

func (a *Alertmanager) getSilences(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	ms, err := parseFilter(q)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, err.Error())
		return
	}
	want := map[string]bool{
		models.SilenceStatusStateActive:  boolParam(q, "active", true),
		models.SilenceStatusStatePending: boolParam(q, "pending", true),
		models.SilenceStatusStateExpired: boolParam(q, "expired", true),
	}
	res := models.GettableSilences{}
	for _, s := range a.Silences() {
		if !want[*s.Status.State] {
			continue
		}
		// Alertmanager filters silences by treating their matchers as a
		// label set (name → pattern).
		sms := map[string]string{}
		for _, m := range s.Matchers {
			sms[*m.Name] = *m.Value
		}
		if matchFilterLabels(ms, sms) {
			res = append(res, s)
		}
	}
	writeJSON(w, http.StatusOK, res)
}

var uuidRE = regexp.MustCompile(`^(?i)[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$`)

// silenceID validates the {id} path parameter like go-openapi does.
func silenceID(w http.ResponseWriter, r *http.Request) (string, bool) {
	id := r.PathValue("id")
	if !uuidRE.MatchString(id) {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
			"code": 601, "message": fmt.Sprintf("silenceID in path must be of type uuid: %q", id),
		})
		return "", false
	}
	return id, true
}

func (a *Alertmanager) getSilence(w http.ResponseWriter, r *http.Request) {
	id, ok := silenceID(w, r)
	if !ok {
		return
	}
	now := a.clock()
	a.mu.Lock()
	s, found := a.silences[id]
	var g *models.GettableSilence
	if found {
		g = s.gettable(now)
	}
	a.mu.Unlock()
	if !found {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	writeJSON(w, http.StatusOK, g)
}

func (a *Alertmanager) deleteSilence(w http.ResponseWriter, r *http.Request) {
	id, ok := silenceID(w, r)
	if !ok {
		return
	}
	now := a.clock()
	a.mu.Lock()
	s, found := a.silences[id]
	if found {
		s.expire(now)
	}
	a.mu.Unlock()
	if !found {
		writeJSON(w, http.StatusNotFound, "silence not found")
		return
	}
	w.WriteHeader(http.StatusOK)
}

// postSilences creates or updates a silence with Alertmanager's checks,
// status codes and messages.
func (a *Alertmanager) postSilences(w http.ResponseWriter, r *http.Request) {
	var ps models.PostableSilence
	err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&ps)
	if errors.Is(err, io.EOF) {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"code": 602, "message": "silence in body is required"})
		return
	}
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{
			"code": 400, "message": fmt.Sprintf("parsing silence body from %q failed, because %v", "", err),
		})
		return
	}
	if err := ps.Validate(strfmt.Default); err != nil {
		code, msg := firstValidationError(err)
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"code": code, "message": msg})
		return
	}
	now := a.clock()
	starts, ends := time.Time(*ps.StartsAt), time.Time(*ps.EndsAt)
	if !starts.Before(ends) {
		writeJSON(w, http.StatusBadRequest, "Failed to create silence: start time must be before end time")
		return
	}
	if ends.Before(now) {
		writeJSON(w, http.StatusBadRequest, "Failed to create silence: end time can't be in the past")
		return
	}
	compiled, err := compileMatchers(ps.Matchers)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, "silence invalid: "+err.Error())
		return
	}
	next := &silence{
		id: ps.ID, matchers: ps.Matchers, compiled: compiled, startsAt: starts, endsAt: ends,
		updatedAt: now, createdBy: *ps.CreatedBy, comment: *ps.Comment,
	}

	a.mu.Lock()
	defer a.mu.Unlock()
	prev, found := a.silences[ps.ID]
	if ps.ID != "" && !found {
		writeJSON(w, http.StatusNotFound, "silence not found")
		return
	}
	if found && canUpdate(prev, next, now) {
		a.silences[prev.id] = next
		writeJSON(w, http.StatusOK, map[string]string{"silenceID": next.id})
		return
	}
	// A new silence, or a change that cannot be made in place: the old one
	// is expired (kept as history) and a new ID is issued.
	next.id = newUUID()
	if next.startsAt.Before(now) {
		next.startsAt = now
	}
	if found {
		prev.expire(now)
	}
	a.silences[next.id] = next
	writeJSON(w, http.StatusOK, map[string]string{"silenceID": next.id})
}

// canUpdate reports whether prev may be changed into next in place.
func canUpdate(prev, next *silence, now time.Time) bool {
	if len(prev.compiled) != len(next.compiled) {
		return false
	}
	for i := range prev.compiled {
		p, n := prev.compiled[i], next.compiled[i]
		if p.Name != n.Name || p.Type != n.Type || p.Value != n.Value {
			return false
		}
	}
	switch prev.state(now) {
	case models.SilenceStatusStateActive:
		return prev.startsAt.Unix() == next.startsAt.Unix() && !next.endsAt.Before(now)
	case models.SilenceStatusStatePending:
		return !next.startsAt.Before(now)
	default:
		return false
	}
}

var labelNameRE = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

// compileMatchers validates API matchers like Alertmanager's silence
// validation and compiles them (regexes anchored).
func compileMatchers(ms models.Matchers) (labels.Matchers, error) {
	if len(ms) == 0 {
		return nil, errors.New("at least one matcher required")
	}
	out := make(labels.Matchers, 0, len(ms))
	allEmpty := true
	for i, m := range ms {
		if m == nil || m.Name == nil || m.Value == nil || m.IsRegex == nil {
			return nil, fmt.Errorf("invalid label matcher %d: incomplete matcher", i)
		}
		isEqual := m.IsEqual == nil || *m.IsEqual
		t := labels.MatchEqual
		switch {
		case *m.IsRegex && isEqual:
			t = labels.MatchRegexp
		case *m.IsRegex:
			t = labels.MatchNotRegexp
		case !isEqual:
			t = labels.MatchNotEqual
		}
		if !labelNameRE.MatchString(*m.Name) {
			return nil, fmt.Errorf("invalid label matcher %d: invalid label name %q", i, *m.Name)
		}
		if !*m.IsRegex && !utf8.ValidString(*m.Value) {
			return nil, fmt.Errorf("invalid label matcher %d: invalid label value %q", i, *m.Value)
		}
		if *m.IsRegex {
			if _, err := regexp.Compile(*m.Value); err != nil {
				return nil, fmt.Errorf("invalid label matcher %d: invalid regular expression %q: %w", i, *m.Value, err)
			}
		}
		lm, err := labels.NewMatcher(t, *m.Name, *m.Value)
		if err != nil {
			return nil, fmt.Errorf("invalid label matcher %d: %w", i, err)
		}
		if !(t == labels.MatchEqual || t == labels.MatchRegexp) || !lm.Matches("") {
			allEmpty = false
		}
		out = append(out, lm)
	}
	if allEmpty {
		return nil, errors.New("at least one matcher must not match the empty string")
	}
	return out, nil
}

// firstValidationError picks the error go-openapi's server would report.
func firstValidationError(err error) (int32, string) {
	var comp *oaerrors.CompositeError
	for errors.As(err, &comp) && len(comp.Errors) > 0 {
		err = comp.Errors[0]
	}
	var oe oaerrors.Error
	if errors.As(err, &oe) {
		return oe.Code(), oe.Error()
	}
	return 422, err.Error()
}

// newUUID returns a random RFC 4122 version 4 UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms.
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
