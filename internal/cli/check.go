package cli

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/spf13/cobra"
)

// checkResult is one line of `oncall check`.
type checkResult struct {
	Source    string `json:"source"`
	URL       string `json:"url"`
	OK        bool   `json:"ok"`
	Version   string `json:"version,omitempty"`
	LatencyMS int64  `json:"latencyMs"`
	Error     string `json:"error,omitempty"`
}

// probe is one reachability check.
type probe struct {
	source, url string
	run         func(ctx context.Context) (string, error)
}

func (a *App) checkCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Validate the config and reach every configured source (exit 1 if any is unreachable)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.checkOutput(); err != nil {
				return err
			}
			cfg, err := a.Config()
			if err != nil {
				return err
			}
			probes, err := a.probes()
			if err != nil {
				return err
			}
			if len(probes) == 0 {
				return fmt.Errorf("context %q configures no source", cfg.CurrentContext)
			}
			results := make([]checkResult, len(probes))
			var wg sync.WaitGroup
			for i, p := range probes {
				wg.Add(1)
				go func() {
					defer wg.Done()
					ctx, cancel := a.ctx(cmd.Context())
					defer cancel()
					start := time.Now()
					v, err := p.run(ctx)
					r := checkResult{Source: p.source, URL: p.url, OK: err == nil, Version: v, LatencyMS: time.Since(start).Milliseconds()}
					if err != nil {
						r.Error = oneLine(err.Error())
					}
					results[i] = r
				}()
			}
			wg.Wait()
			failed := 0
			for _, r := range results {
				if !r.OK {
					failed++
				}
			}
			if a.output == "json" {
				if err := writeJSON(a.Stdout, results); err != nil {
					return err
				}
			} else {
				src := "defaults and flags"
				if cfg.Path != "" {
					src = cfg.Path
				}
				fmt.Fprintf(a.Stdout, "config %s: ok (context %s, user %s)\n", src, cfg.CurrentContext, cfg.Identity.User)
				for _, r := range results {
					if r.OK {
						fmt.Fprintf(a.Stdout, "ok    %-13s %s (%s, %dms)\n", r.Source, r.URL, r.Version, r.LatencyMS)
					} else {
						fmt.Fprintf(a.Stdout, "FAIL  %-13s %s: %s\n", r.Source, r.URL, r.Error)
					}
				}
			}
			if failed > 0 {
				return exitError{code: 1, err: fmt.Errorf("%d of %d sources unreachable", failed, len(results))}
			}
			return nil
		},
	}
	a.addOutputFlag(cmd)
	return cmd
}

// probes lists a check per configured source (each Alertmanager peer apart).
func (a *App) probes() ([]probe, error) {
	cfg, err := a.Config()
	if err != nil {
		return nil, err
	}
	cur, err := cfg.Current()
	if err != nil {
		return nil, err
	}
	var out []probe
	if len(cur.Alertmanager.URLs) > 0 {
		am, err := a.Alertmanager()
		if err != nil {
			return nil, err
		}
		for i, u := range am.Peers() {
			out = append(out, probe{"alertmanager", u, func(ctx context.Context) (string, error) { return am.PeerStatus(ctx, i) }})
		}
	}
	if cur.Prometheus.URL != "" {
		p, err := a.Prometheus()
		if err != nil {
			return nil, err
		}
		out = append(out, probe{"prometheus", p.URL(), p.Ping})
	}
	out = append(out, a.extraProbes()...)
	return out, nil
}
