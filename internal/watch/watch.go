// Package watch polls the alert sources of every watched cluster (an oncall
// context: its Alertmanager HA pair, its Prometheus, its Loki ruler) and
// publishes what they know as immutable snapshots. One Hub serves every
// session of a process: `oncall serve` with fifty sessions watching the same
// clusters makes one fetch per source per interval, not fifty. Sessions keep
// their own state (identity, filters, view); they share only the snapshots.
package watch

import (
	"context"
	"time"

	"github.com/prometheus/alertmanager/api/v2/models"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"

	"oncall/internal/alerts"
)

// The sources of one cluster, as the status bar names them.
const (
	SrcAM    = "alertmanager"
	SrcSil   = "silences"
	SrcProm  = "prometheus"
	SrcRules = "rules"
	SrcRuler = "ruler" // Loki's ruler: its alerts and its rules
)

// Alertmanager is what the hub reads from an Alertmanager cluster.
type Alertmanager interface {
	Alerts(ctx context.Context, filter []string) (models.GettableAlerts, error)
	Silences(ctx context.Context, filter []string) (models.GettableSilences, error)
}

// RuleSource is what the hub reads from Prometheus or Loki's ruler.
type RuleSource interface {
	Alerts(ctx context.Context) ([]v1.Alert, error)
	AlertingRules(ctx context.Context) (map[string][]v1.AlertingRule, error)
}

// Cluster is one watched context's alert sources; any may be nil.
type Cluster struct {
	Name  string
	AM    Alertmanager
	Prom  RuleSource
	Ruler RuleSource
}

// Sources names the cluster's configured sources, in status-bar order.
func (c Cluster) Sources() []string {
	var out []string
	if c.AM != nil {
		out = append(out, SrcAM, SrcSil)
	}
	if c.Prom != nil {
		out = append(out, SrcProm, SrcRules)
	}
	if c.Ruler != nil {
		out = append(out, SrcRuler)
	}
	return out
}

// Health is what the status bar shows of one source.
type Health struct {
	OK        bool
	Latency   time.Duration
	Err       string
	FailSince time.Time
	LastOK    time.Time
	InFlight  bool
}

// Snapshot is what one cluster's sources said, merged. It is never changed
// after it is published: sessions share it.
type Snapshot struct {
	Cluster string
	// Gen increases with every snapshot of the cluster.
	Gen      uint64
	Alerts   []*alerts.Alert // merged, acks applied, search keys prepared
	Silences []*alerts.Silence
	Rules    map[string][]v1.AlertingRule // Prometheus's, then the ruler's (by name)
	Health   map[string]Health
	// Raw replies (the handoff and keep-alive read them).
	AMAlerts   models.GettableAlerts
	AMSilences models.GettableSilences
	// At is when the snapshot was built.
	At time.Time
}

// Known reports whether an alert source (Alertmanager, Prometheus or the
// ruler) has answered at least once: before that, an empty list is not
// "all clear".
func (s *Snapshot) Known() bool {
	for _, src := range []string{SrcAM, SrcProm, SrcRuler} {
		if h, ok := s.Health[src]; ok && !h.LastOK.IsZero() {
			return true
		}
	}
	return false
}

// Loaded reports whether every configured alert source has answered at
// least once (notifications wait for it).
func (s *Snapshot) Loaded() bool {
	for _, src := range []string{SrcAM, SrcProm, SrcRuler} {
		if h, ok := s.Health[src]; ok && h.LastOK.IsZero() {
			return false
		}
	}
	return true
}

// Busy reports whether an alert source's first answer is still awaited.
func (s *Snapshot) Busy() bool {
	for _, src := range []string{SrcAM, SrcProm, SrcRuler} {
		if h, ok := s.Health[src]; ok && h.InFlight {
			return true
		}
	}
	return false
}
