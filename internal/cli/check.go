package cli

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"oncall/internal/config"
	"oncall/internal/httpx"
	"oncall/internal/wire"
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

// check is `oncall check`: every probe at once, each under --timeout.
type check struct{ *App }

func (a *App) checkCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Validate the config and reach every configured source (exit 1 if any is unreachable)",
		Args:  cobra.NoArgs,
		RunE:  a.runE(check{a}),
	}
	a.addOutputFlag(cmd)
	return cmd
}

func (v check) run(ctx context.Context) error {
	cfg, err := v.Config()
	if err != nil {
		return err
	}
	probes, err := probes(cfg)
	if err != nil {
		return err
	}
	if len(probes) == 0 {
		return fmt.Errorf("context %q configures no source", cfg.CurrentContext)
	}
	results := make([]checkResult, len(probes))
	var wg sync.WaitGroup
	for i, p := range probes {
		wg.Go(func() {
			pctx, cancel := v.ctx(ctx)
			defer cancel()
			start := time.Now()
			ver, err := p.run(pctx)
			results[i] = checkResult{Source: p.source, URL: p.url, OK: err == nil, Version: ver, LatencyMS: time.Since(start).Milliseconds()}
			if err != nil {
				results[i].Error = v.scrub(err.Error())
			}
		})
	}
	wg.Wait()
	if err := v.print(cfg, results); err != nil {
		return err
	}
	failed := 0
	for _, r := range results {
		if !r.OK {
			failed++
		}
	}
	if failed > 0 {
		return exitError{code: 1, err: fmt.Errorf("%d of %d sources unreachable", failed, len(results))}
	}
	return nil
}

func (v check) print(cfg *config.Config, results []checkResult) error {
	if v.json() {
		return writeJSON(v.Stdout, results)
	}
	src := "defaults and flags"
	if cfg.Path != "" {
		src = cfg.Path
	}
	fmt.Fprintf(v.Stdout, "config %s: ok (context %s, user %s)\n", src, cfg.CurrentContext, cfg.Identity.User)
	for _, r := range results {
		if r.OK {
			fmt.Fprintf(v.Stdout, "ok    %-13s %s (%s, %dms)\n", r.Source, r.URL, r.Version, r.LatencyMS)
		} else {
			fmt.Fprintf(v.Stdout, "FAIL  %-13s %s: %s\n", r.Source, r.URL, r.Error)
		}
	}
	return nil
}

// probes lists a check per configured source (each Alertmanager peer
// apart). A Loki or Jaeger that cannot even be built is a failed probe.
func probes(cfg *config.Config) ([]probe, error) {
	cur, err := cfg.Current()
	if err != nil {
		return nil, err
	}
	var out []probe
	if len(cur.Alertmanager.URLs) > 0 {
		am, err := wire.Alertmanager(cfg)
		if err != nil {
			return nil, err
		}
		for i, u := range am.Peers() {
			out = append(out, probe{"alertmanager", u, func(ctx context.Context) (string, error) { return am.PeerStatus(ctx, i) }})
		}
	}
	if p, err := wire.Prometheus(cfg); err != nil {
		return nil, err
	} else if p != nil {
		out = append(out, probe{"prometheus", p.URL(), p.Ping})
	}
	if wire.HasLoki(cfg) {
		c, err := wire.Loki(cfg)
		out = append(out, probe{"loki", httpx.RedactURL(cur.Loki.URL), func(ctx context.Context) (string, error) {
			if err != nil {
				return "", err
			}
			return "ready", c.Ready(ctx)
		}})
	}
	if j := cur.Jaeger; wire.HasJaeger(cfg) {
		target := httpx.RedactURL(j.URL)
		if j.GRPC != "" {
			target = j.GRPC + " (grpc)"
		}
		out = append(out, probe{"jaeger", target, func(ctx context.Context) (string, error) {
			c, err := wire.Jaeger(cfg)
			if err != nil {
				return "", err
			}
			defer func() { _ = c.Close() }()
			return "ok", c.Ping(ctx)
		}})
	}
	return out, nil
}
