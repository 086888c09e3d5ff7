package handoff

import (
	"context"
	"strings"
	"sync"
)

// ClusterSources are one watched cluster's sources for the handoff (the
// journal is shared: pass it in Sources of every cluster, each takes its
// own context's entries).
type ClusterSources struct {
	Name    string
	Sources Sources
}

// CollectClusters collects the handoff of each cluster in parallel and
// combines them (Combine). One cluster gives exactly Collect's summary.
func CollectClusters(ctx context.Context, cs []ClusterSources, o Options) (*Summary, error) {
	if len(cs) == 1 {
		o.Context = cs[0].Name
		return Collect(ctx, cs[0].Sources, o)
	}
	sums := make([]*Summary, len(cs))
	errs := make([]error, len(cs))
	var wg sync.WaitGroup
	for i, c := range cs {
		oc := o
		oc.Context = c.Name
		wg.Go(func() { sums[i], errs[i] = Collect(ctx, c.Sources, oc) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return Combine(sums), nil
}

// Combine makes one handoff of several clusters' (in the order given):
// every item names its cluster, the lists run cluster by cluster, notes,
// follow-ups and failed actions are shift-wide (each once), and Clusters
// keeps each cluster's own summary so the renderings group by cluster.
func Combine(sums []*Summary) *Summary {
	if len(sums) == 1 {
		return sums[0]
	}
	first := sums[0]
	out := &Summary{Schema: first.Schema, User: first.User, GeneratedAt: first.GeneratedAt, Timezone: first.Timezone, Window: first.Window,
		FiringNow: []FiringAlert{}, Fired: []AlertHistory{}, Acks: []Ack{}, Budgets: []Budget{},
		Silences: SilenceReport{Created: []Silence{}, Expired: []Silence{}, Expiring: []Silence{}},
		Notes:    []Note{}, FollowUps: []Note{}, FailedActions: []FailedAction{}, SourceErrors: []SourceError{},
		JournalProblems: first.JournalProblems}
	var names []string
	notes, follow, failed := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, s := range sums {
		c := s.Context
		names = append(names, c)
		for i := range s.FiringNow {
			s.FiringNow[i].Cluster = c
		}
		for i := range s.Fired {
			s.Fired[i].Cluster = c
		}
		for _, xs := range [][]Silence{s.Silences.Created, s.Silences.Expired, s.Silences.Expiring} {
			for i := range xs {
				xs[i].Cluster = c
			}
		}
		for i := range s.Acks {
			s.Acks[i].Cluster = c
		}
		for i := range s.Budgets {
			s.Budgets[i].Cluster = c
		}
		for i := range s.SourceErrors {
			s.SourceErrors[i].Cluster = c
		}
		out.FiringNow = append(out.FiringNow, s.FiringNow...)
		out.Fired = append(out.Fired, s.Fired...)
		out.Silences.Created = append(out.Silences.Created, s.Silences.Created...)
		out.Silences.Expired = append(out.Silences.Expired, s.Silences.Expired...)
		out.Silences.Expiring = append(out.Silences.Expiring, s.Silences.Expiring...)
		out.Acks = append(out.Acks, s.Acks...)
		out.Budgets = append(out.Budgets, s.Budgets...)
		out.SourceErrors = append(out.SourceErrors, s.SourceErrors...)
		for _, n := range s.Notes {
			if !notes[n.ID] {
				notes[n.ID] = true
				out.Notes = append(out.Notes, n)
			}
		}
		for _, n := range s.FollowUps {
			if !follow[n.ID] {
				follow[n.ID] = true
				out.FollowUps = append(out.FollowUps, n)
			}
		}
		for _, f := range s.FailedActions {
			if k := f.At.String() + f.Action + f.Target; !failed[k] {
				failed[k] = true
				out.FailedActions = append(out.FailedActions, f)
			}
		}
	}
	out.Context = strings.Join(names, ", ")
	out.Clusters = sums
	return out
}

// parts are the summaries whose sections are rendered: the clusters' own
// when the handoff covers several, else the summary itself.
func (s *Summary) parts() []*Summary {
	if len(s.Clusters) > 0 {
		return s.Clusters
	}
	return []*Summary{s}
}

// partPrefix heads a cluster's sections with its name ("prod · ") when
// the handoff covers several.
func partPrefix(s, part *Summary, esc func(string) string) string {
	if len(s.Clusters) == 0 {
		return ""
	}
	return esc(part.Context) + " · "
}
