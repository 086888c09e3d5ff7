package cli

import (
	"context"

	"oncall/internal/httpx"
	"oncall/sources/jaeger"
	"oncall/sources/loki"
)

// extraProbes returns checks for the Loki and Jaeger sources of the current
// context. A source that cannot even be built is reported as a failed probe.
func (a *App) extraProbes() []probe {
	cur, err := a.cfg.Current()
	if err != nil {
		return nil
	}
	var out []probe
	if l := cur.Loki; l.URL != "" {
		c, err := loki.New(loki.Config{URL: l.URL, Tenant: l.Tenant, Client: l.ClientConfig})
		out = append(out, probe{"loki", httpx.RedactURL(l.URL), func(ctx context.Context) (string, error) {
			if err != nil {
				return "", err
			}
			return "ready", c.Ready(ctx)
		}})
	}
	if j := cur.Jaeger; j.URL != "" || j.GRPC != "" {
		target := httpx.RedactURL(j.URL)
		if j.GRPC != "" {
			target = j.GRPC + " (grpc)"
		}
		out = append(out, probe{"jaeger", target, func(ctx context.Context) (string, error) {
			c, err := jaeger.New(jaeger.Config{URL: j.URL, GRPC: j.GRPC, Client: j.ClientConfig})
			if err != nil {
				return "", err
			}
			defer c.Close()
			return "ok", c.Ping(ctx)
		}})
	}
	return out
}
