// Package handoff builds the shift handoff: what is firing now, what fired
// and resolved during the shift (from Prometheus' ALERTS history, since
// Alertmanager forgets resolved alerts), silences and acks with their
// authors, error budget spent, notes and open follow-ups, and actions that
// failed. Data comes in through small interfaces (Sources) so that the
// summary is testable without servers; it is exported as Markdown or JSON
// (see docs/handoff-schema.md) and can be posted to a Slack-compatible
// incoming webhook.
package handoff

import (
	"time"
)

// SchemaVersion identifies the JSON shape (docs/handoff-schema.md).
const SchemaVersion = "oncall.handoff/v1"

// Summary is one handoff. Times are in Timezone.
type Summary struct {
	Schema      string    `json:"schema"`
	Context     string    `json:"context"`
	User        string    `json:"user"`
	GeneratedAt time.Time `json:"generatedAt"`
	Timezone    string    `json:"timezone"`
	Window      Window    `json:"window"`

	FiringNow     []FiringAlert  `json:"firingNow"`
	Fired         []AlertHistory `json:"firedDuringShift"`
	Silences      SilenceReport  `json:"silences"`
	Acks          []Ack          `json:"acks"`
	Budgets       []Budget       `json:"errorBudgets"`
	Notes         []Note         `json:"notes"`
	FollowUps     []Note         `json:"openFollowUps"`
	FailedActions []FailedAction `json:"failedActions"`

	// SourceErrors lists the sources that could not be read; their
	// sections are empty or partial.
	SourceErrors []SourceError `json:"sourceErrors"`
	// JournalProblems are journal lines that could not be read.
	JournalProblems []string `json:"journalProblems"`

	// Clusters are the watched clusters' own summaries when the handoff
	// covers several (the lists above hold them all, each item naming its
	// cluster).
	Clusters []*Summary `json:"clusters,omitempty"`
}

// Window is the period the handoff covers.
type Window struct {
	From    time.Time `json:"from"`
	To      time.Time `json:"to"`
	Seconds int64     `json:"seconds"`
	// Basis says how From was chosen: "shift" (config starts or length),
	// "since" (an explicit duration) or "last-handoff".
	Basis string `json:"basis"`
	// NextShiftEnd bounds "expiring in the next shift".
	NextShiftEnd time.Time `json:"nextShiftEnd"`
}

// Duration is To - From.
func (w Window) Duration() time.Duration { return w.To.Sub(w.From) }

// FiringAlert is an alert Alertmanager holds now.
type FiringAlert struct {
	Alertname string            `json:"alertname"`
	Severity  string            `json:"severity"`
	State     string            `json:"state"` // firing, acked, silenced, inhibited, unprocessed
	Labels    map[string]string `json:"labels"`
	Summary   string            `json:"summary"`
	// RunbookURL is the runbook_url annotation, raw (may be relative).
	RunbookURL  string    `json:"runbookURL,omitempty"`
	Fingerprint string    `json:"fingerprint"`
	Since       time.Time `json:"since"`
	AgeSeconds  int64     `json:"ageSeconds"`
	// AckedBy and AckNote come from an ACK! silence.
	AckedBy string `json:"ackedBy,omitempty"`
	AckNote string `json:"ackNote,omitempty"`
	// SilencedBy is the author of the (ack or plain) silence covering it,
	// SilenceID that silence and SilenceEndsAt when it expires.
	SilencedBy     string     `json:"silencedBy,omitempty"`
	SilenceComment string     `json:"silenceComment,omitempty"`
	SilenceID      string     `json:"silenceID,omitempty"`
	SilenceEndsAt  *time.Time `json:"silenceEndsAt,omitempty"`
	// Cluster names the cluster when the handoff covers several.
	Cluster string `json:"cluster,omitempty"`
}

// AlertHistory is one alert series' firing episodes during the window.
type AlertHistory struct {
	Alertname string            `json:"alertname"`
	Severity  string            `json:"severity"`
	Labels    map[string]string `json:"labels"`
	// Count is the number of firing episodes (the list is noisiest first).
	Count         int       `json:"count"`
	FiringSeconds int64     `json:"firingSeconds"`
	Episodes      []Episode `json:"episodes"`
	// Cluster names the cluster when the handoff covers several.
	Cluster string `json:"cluster,omitempty"`
}

// SilenceReport groups the silences that matter to the next shift. Ack
// silences are listed under Acks instead.
type SilenceReport struct {
	Created  []Silence `json:"created"`
	Expired  []Silence `json:"expired"`
	Expiring []Silence `json:"expiringNextShift"`
}

// Silence is a silence as the handoff shows it.
type Silence struct {
	ID        string    `json:"id"`
	State     string    `json:"state"`
	Matchers  []string  `json:"matchers"`
	CreatedBy string    `json:"createdBy"`
	Comment   string    `json:"comment"`
	StartsAt  time.Time `json:"startsAt"`
	EndsAt    time.Time `json:"endsAt"`
	// ExpiredBy is who expired it early (from the journal).
	ExpiredBy string `json:"expiredBy,omitempty"`
	// Source is "alertmanager" or "journal" (Alertmanager no longer has it).
	Source string `json:"source"`
	// Cluster names the cluster when the handoff covers several.
	Cluster string `json:"cluster,omitempty"`
}

// Ack is an acknowledgement made during the window.
type Ack struct {
	Alert     string    `json:"alert"`
	Matchers  []string  `json:"matchers"`
	By        string    `json:"by"`
	Note      string    `json:"note"`
	At        time.Time `json:"at"`
	EndsAt    time.Time `json:"endsAt"`
	State     string    `json:"state"`
	SilenceID string    `json:"silenceID"`
	// Cluster names the cluster when the handoff covers several.
	Cluster string `json:"cluster,omitempty"`
}

// Budget is one SLO's error budget over the window. The fractions are of
// the whole SLO window's budget; nil when it could not be computed.
type Budget struct {
	Name           string   `json:"name"`
	Objective      float64  `json:"objective"` // percent
	Window         string   `json:"window"`    // SLO period, e.g. "30d"
	RemainingStart *float64 `json:"remainingAtStart"`
	RemainingEnd   *float64 `json:"remainingAtEnd"`
	Consumed       *float64 `json:"consumed"`
	Error          string   `json:"error,omitempty"`
	// Cluster names the cluster when the handoff covers several.
	Cluster string `json:"cluster,omitempty"`
}

// Note is a journal note (edits and strikes applied).
type Note struct {
	ID          string     `json:"id"`
	By          string     `json:"by"`
	At          time.Time  `json:"at"`
	Text        string     `json:"text"`
	Alert       string     `json:"alert,omitempty"`
	Fingerprint string     `json:"fingerprint,omitempty"`
	FollowUp    bool       `json:"followUp"`
	Struck      bool       `json:"struck"`
	StruckBy    string     `json:"struckBy,omitempty"`
	EditedAt    *time.Time `json:"editedAt,omitempty"`
}

// FailedAction is a journaled write that failed.
type FailedAction struct {
	At     time.Time `json:"at"`
	User   string    `json:"user"`
	Action string    `json:"action"`
	Target string    `json:"target"`
	Error  string    `json:"error"`
}

// SourceError is a source that could not be read.
type SourceError struct {
	Source string `json:"source"`
	Error  string `json:"error"`
	// Cluster names the cluster when the handoff covers several.
	Cluster string `json:"cluster,omitempty"`
}
