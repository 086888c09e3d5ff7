package tui

import (
	"net/url"
	"sort"
	"strings"
	"time"

	"oncall/internal/alerts"
	"oncall/internal/config"
	"oncall/internal/sanitize"
	"oncall/internal/timefmt"
	"oncall/tui/kit"
)

// The detail's Rule section and source link: where the alert's rule
// lives (Prometheus or Loki's ruler), its expression (PromQL or LogQL),
// `for`, its own labels, its last evaluation, health and last error; the
// generator URL as a short OSC 8 link (a relative Grafana link from Loki's
// ruler made absolute on [contexts.X] grafana_url), never a wrapped URL.

// grafanaBases maps each context to its grafana_url ("" key: the current
// context, for alerts without a cluster).
func grafanaBases(cfg *config.Config) map[string]string {
	out := map[string]string{}
	if cfg == nil {
		return out
	}
	for name, c := range cfg.Contexts {
		if c != nil && c.GrafanaURL != "" {
			out[name] = c.GrafanaURL
		}
	}
	if b, ok := out[cfg.CurrentContext]; ok {
		out[""] = b
	}
	return out
}

// sourceLink is the generator URL as a label and a target: a relative
// link resolved on base ("" when none is configured: no target), a
// Prometheus graph?g0.expr= link named as such.
func sourceLink(raw, base string) (label, target string) {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil || raw == "" {
		return "", ""
	}
	if !u.IsAbs() {
		b, berr := url.Parse(strings.TrimRight(base, "/") + "/")
		if base == "" || berr != nil {
			return "", ""
		}
		u = b.ResolveReference(&url.URL{Path: strings.TrimPrefix(u.Path, "/"), RawQuery: u.RawQuery, Fragment: u.Fragment})
	}
	switch alerts.GeneratedBy(u.String()) {
	case alerts.SourcePrometheus:
		label = "Prometheus graph"
	case alerts.SourceLoki:
		label = "Grafana Explore"
	default:
		label = strings.TrimSuffix(u.Path, "/")
		if label == "" {
			label = "link"
		}
	}
	return label + " (" + u.Host + ")", u.String()
}

// sourceLine is the detail's source line: a short OSC 8 link, or for a
// relative link without a grafana_url, what to configure.
func sourceLine(a *alerts.Alert, base string, st *kit.Styles) string {
	label, target := sourceLink(a.GeneratorURL, base)
	head := st.Label.Render("source: ")
	if target == "" && !strings.HasPrefix(strings.TrimSpace(a.GeneratorURL), "/") {
		return head + st.Muted.Render(sanitize.Truncate(a.GeneratorURL, 60))
	}
	if target == "" {
		ctx := a.Cluster
		if ctx == "" {
			ctx = "<name>"
		}
		return head + st.Muted.Render(sanitize.Truncate(a.GeneratorURL, 40)+" (relative: set [contexts."+sanitize.Text(ctx)+"] grafana_url)")
	}
	return head + kit.Hyperlink(target, st.Accent.Render(sanitize.Text(label)))
}

// ruleLines is the Rule section of an alert whose rule source knows it.
func ruleLines(a *alerts.Alert, logsKey string, st *kit.Styles, now time.Time) []string {
	r := a.Rule
	if r == nil || r.Expr == "" && r.Source == "" {
		return nil
	}
	where := "Prometheus"
	lang := "PromQL"
	if r.Source == alerts.SourceLoki {
		where, lang = "Loki ruler", "LogQL"
	}
	head := st.Header.Render("Rule") + st.Muted.Render(" · "+where)
	if r.Group != "" {
		head += st.Muted.Render(" · group " + sanitize.Text(r.Group))
	}
	l := []string{"", head}
	if r.Expr == "" {
		return append(l, st.Muted.Render("  ("+where+" has not sent the rule yet)"))
	}
	l = append(l, st.Label.Render("  "+lang+":"))
	for _, el := range strings.Split(sanitize.Block(r.Expr), "\n") {
		l = append(l, "    "+st.Accent.Render(el))
	}
	if r.For > 0 {
		l = append(l, st.Label.Render("  for: ")+r.For.String())
	}
	if len(r.Labels) > 0 {
		keys := make([]string, 0, len(r.Labels))
		for k := range r.Labels {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = sanitize.Text(k) + "=" + sanitize.Text(r.Labels[k])
		}
		l = append(l, st.Label.Render("  labels: ")+strings.Join(parts, " "))
	}
	var eval []string
	if !r.LastEval.IsZero() {
		eval = append(eval, "evaluated "+timefmt.Ago(r.LastEval, now)+" ago")
	}
	if r.Health != "" {
		h := st.StatusOK.Render("health " + sanitize.Text(r.Health))
		if r.Health != "ok" {
			h = st.Error.Render("health " + sanitize.Text(r.Health))
		}
		eval = append(eval, h)
	}
	if len(eval) > 0 {
		l = append(l, "  "+strings.Join(eval, st.Muted.Render(" · ")))
	}
	if r.LastError != "" {
		l = append(l, st.Error.Render("  last error: "+sanitize.Line(r.LastError)))
	}
	if r.Source == alerts.SourceLoki && logsKey != "" {
		l = append(l, st.Muted.Render("  "+logsKey+" opens the lines that fired it"))
	}
	return l
}
