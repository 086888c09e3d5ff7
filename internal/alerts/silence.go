package alerts

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/go-openapi/strfmt"
	"github.com/prometheus/alertmanager/api/v2/models"
	"github.com/prometheus/alertmanager/pkg/labels"
)

// AckPrefix marks a silence as an acknowledgement (the karma/kthxbye convention).
const AckPrefix = "ACK!"

// AckComment builds the comment of an ack silence: "ACK! <user>: <note>".
func AckComment(user, note string) string {
	note = strings.TrimSpace(note)
	if note == "" {
		note = "acknowledged"
	}
	return fmt.Sprintf("%s %s: %s", AckPrefix, user, note)
}

// ParseAckComment reads an ack comment back. ok is false for other comments.
func ParseAckComment(c string) (by, note string, ok bool) {
	c = strings.TrimSpace(c)
	if !strings.HasPrefix(c, AckPrefix) {
		return "", "", false
	}
	rest := strings.TrimSpace(strings.TrimPrefix(c, AckPrefix))
	if i := strings.Index(rest, ": "); i >= 0 {
		return rest[:i], rest[i+2:], true
	}
	return strings.TrimSuffix(rest, ":"), "", true
}

// Silence is a silence as oncall shows it.
type Silence struct {
	ID        string    `json:"id"`
	State     string    `json:"state"`
	Matchers  []string  `json:"matchers"`
	CreatedBy string    `json:"createdBy"`
	Comment   string    `json:"comment"`
	StartsAt  time.Time `json:"startsAt"`
	EndsAt    time.Time `json:"endsAt"`
	UpdatedAt time.Time `json:"updatedAt"`
	Matching  int       `json:"matchingAlerts"`
	Ack       bool      `json:"ack"`
	Cluster   string    `json:"cluster,omitempty"`

	matchers labels.Matchers
}

// Matches reports whether the silence's matchers select the alert.
func (s *Silence) Matches(a *Alert) bool {
	return len(s.matchers) > 0 && a.MatchedBy(s.matchers)
}

// LabelMatchers returns the parsed matchers.
func (s *Silence) LabelMatchers() labels.Matchers { return s.matchers }

// FromModelSilences converts API silences and counts the alerts each matches.
func FromModelSilences(in models.GettableSilences, as []*Alert) []*Silence {
	byName := indexByName(as)
	out := make([]*Silence, 0, len(in))
	for _, g := range in {
		if g == nil || g.ID == nil {
			continue
		}
		s := &Silence{ID: *g.ID, CreatedBy: deref(g.CreatedBy), Comment: deref(g.Comment)}
		if g.Status != nil && g.Status.State != nil {
			s.State = *g.Status.State
		}
		if g.StartsAt != nil {
			s.StartsAt = time.Time(*g.StartsAt)
		}
		if g.EndsAt != nil {
			s.EndsAt = time.Time(*g.EndsAt)
		}
		if g.UpdatedAt != nil {
			s.UpdatedAt = time.Time(*g.UpdatedAt)
		}
		s.matchers = FromModelMatchers(g.Matchers)
		for _, m := range s.matchers {
			s.Matchers = append(s.Matchers, m.String())
		}
		_, _, s.Ack = ParseAckComment(s.Comment)
		for _, a := range byName.candidates(s.matchers, as) {
			if a.State != StatePending && s.Matches(a) {
				s.Matching++
			}
		}
		out = append(out, s)
	}
	sort.SliceStable(out, func(i, j int) bool {
		ri, rj := silenceRank(out[i].State), silenceRank(out[j].State)
		if ri != rj {
			return ri < rj
		}
		if out[i].State == "expired" {
			return out[i].EndsAt.After(out[j].EndsAt)
		}
		return out[i].EndsAt.Before(out[j].EndsAt)
	})
	return out
}

// nameIndex groups alerts by alertname: most silences pin the alertname
// with an equality matcher, so counting what they match need not visit
// every alert (10,000 alerts × hundreds of silences on each refresh).
type nameIndex map[string][]*Alert

func indexByName(as []*Alert) nameIndex {
	ix := nameIndex{}
	for _, a := range as {
		n := a.Labels["alertname"]
		ix[n] = append(ix[n], a)
	}
	return ix
}

// candidates returns the alerts that can match ms: those of the alertname an
// equality matcher names, or all of them.
func (ix nameIndex) candidates(ms labels.Matchers, all []*Alert) []*Alert {
	for _, m := range ms {
		if m.Name == "alertname" && m.Type == labels.MatchEqual {
			return ix[m.Value]
		}
	}
	return all
}

func silenceRank(s string) int {
	switch s {
	case "active":
		return 0
	case "pending":
		return 1
	}
	return 2
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// FromModelMatchers converts API matchers to Alertmanager label matchers.
func FromModelMatchers(in models.Matchers) labels.Matchers {
	out := make(labels.Matchers, 0, len(in))
	for _, m := range in {
		if m == nil || m.Name == nil || m.Value == nil {
			continue
		}
		eq := m.IsEqual == nil || *m.IsEqual
		re := m.IsRegex != nil && *m.IsRegex
		t := labels.MatchEqual
		switch {
		case re && eq:
			t = labels.MatchRegexp
		case re && !eq:
			t = labels.MatchNotRegexp
		case !eq:
			t = labels.MatchNotEqual
		}
		lm, err := labels.NewMatcher(t, *m.Name, *m.Value)
		if err != nil {
			continue
		}
		out = append(out, lm)
	}
	return out
}

// ToModelMatchers converts label matchers to API matchers.
func ToModelMatchers(in labels.Matchers) models.Matchers {
	out := make(models.Matchers, 0, len(in))
	for _, m := range in {
		name, value := m.Name, m.Value
		isRegex := m.Type == labels.MatchRegexp || m.Type == labels.MatchNotRegexp
		isEqual := m.Type == labels.MatchEqual || m.Type == labels.MatchRegexp
		out = append(out, &models.Matcher{Name: &name, Value: &value, IsRegex: &isRegex, IsEqual: &isEqual})
	}
	return out
}

// NewSilence builds a postable silence after validating it as amtool does.
func NewSilence(ms labels.Matchers, start, end time.Time, createdBy, comment string) (*models.PostableSilence, error) {
	if err := ValidateSilence(ms, start, end, createdBy, comment); err != nil {
		return nil, err
	}
	s, e := strfmt.DateTime(start.UTC()), strfmt.DateTime(end.UTC())
	return &models.PostableSilence{Silence: models.Silence{
		Matchers: ToModelMatchers(ms), StartsAt: &s, EndsAt: &e, CreatedBy: &createdBy, Comment: &comment,
	}}, nil
}

// ValidateSilence applies Alertmanager's own rules before anything is sent.
func ValidateSilence(ms labels.Matchers, start, end time.Time, createdBy, comment string) error {
	if len(ms) == 0 {
		return errors.New("a silence needs at least one matcher")
	}
	allEmpty := true
	for _, m := range ms {
		if !m.Matches("") {
			allEmpty = false
		}
	}
	if allEmpty {
		return errors.New("at least one matcher must not match the empty string, or the silence would match every alert")
	}
	if !end.After(start) {
		return errors.New("the silence must end after it starts")
	}
	if strings.TrimSpace(createdBy) == "" {
		return errors.New("createdBy is required")
	}
	if strings.TrimSpace(comment) == "" {
		return errors.New("a comment is required")
	}
	return nil
}

// MatchersFor builds equality matchers from the alert's labels: the given
// label names (those the alert has), or every label when names is empty.
// alertname always comes first.
func MatchersFor(a *Alert, names []string) labels.Matchers {
	keys := names
	if len(keys) == 0 {
		for k := range a.Labels {
			keys = append(keys, k)
		}
		sort.Strings(keys)
	}
	out := labels.Matchers{}
	seen := map[string]bool{}
	add := func(k string) {
		if seen[k] {
			return
		}
		seen[k] = true
		if v, ok := a.Labels[k]; ok && v != "" {
			if m, err := labels.NewMatcher(labels.MatchEqual, k, v); err == nil {
				out = append(out, m)
			}
		}
	}
	add("alertname")
	for _, k := range keys {
		add(k)
	}
	return out
}

// ApplyAcks marks alerts silenced by an ACK! silence as acked.
func ApplyAcks(as []*Alert, sils []*Silence) {
	byID := make(map[string]*Silence, len(sils))
	for _, s := range sils {
		byID[s.ID] = s
	}
	for _, a := range as {
		for _, id := range a.SilencedBy {
			s := byID[id]
			if s == nil || !s.Ack || s.State != "active" {
				continue
			}
			by, note, _ := ParseAckComment(s.Comment)
			a.Ack = &Ack{By: by, At: s.StartsAt, SilenceID: s.ID, Note: note, EndsAt: s.EndsAt}
			if !s.UpdatedAt.IsZero() && s.StartsAt.IsZero() {
				a.Ack.At = s.UpdatedAt
			}
			a.State = StateAcked
			break
		}
	}
}

// Extension is an ack silence to extend in place.
type Extension struct {
	SilenceID string
	NewEnd    time.Time
	Alert     string
}

// PlanKeepAlive picks the user's own active ACK! silences that still cover a
// live (unresolved) alert and end within lead; each is to be extended to
// now+extendBy. Silences of other users are never touched, and a silence
// whose alerts all resolved is left to expire.
func PlanKeepAlive(sils []*Silence, as []*Alert, user string, now time.Time, lead, extendBy time.Duration) []Extension {
	var out []Extension
	for _, s := range sils {
		if !s.Ack || s.State != "active" {
			continue
		}
		by, _, _ := ParseAckComment(s.Comment)
		if by != user || s.CreatedBy != user {
			continue
		}
		if s.EndsAt.Sub(now) > lead {
			continue
		}
		for _, a := range as {
			if a.State == StatePending || a.State == StateResolved || !s.Matches(a) {
				continue
			}
			out = append(out, Extension{SilenceID: s.ID, NewEnd: now.Add(extendBy), Alert: a.Name()})
			break
		}
	}
	return out
}

// FindAck returns the user's active ACK! silence with exactly these matchers.
func FindAck(sils []*Silence, user string, ms labels.Matchers) *Silence {
	for _, s := range sils {
		if s.Ack && s.State == "active" && s.CreatedBy == user && sortedString(s.matchers) == sortedString(ms) {
			return s
		}
	}
	return nil
}

func sortedString(ms labels.Matchers) string {
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = m.String()
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}
