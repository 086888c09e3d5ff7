// Package slo is the pure arithmetic of service-level objectives and error
// budgets: definitions, burn rates, the multi-window multi-burn-rate alert
// state from the Google SRE workbook, time to exhaustion and a plain-words
// summary. It performs no I/O; package promslo feeds it from Prometheus.
package slo

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// DefaultWindow is the SLO period used when a Definition leaves Window zero.
const DefaultWindow = 30 * 24 * time.Hour

// WindowPlaceholder is replaced in query templates by a Prometheus duration
// such as "5m", "1h", "1d" or "30d". The form "${window}" is accepted too.
const WindowPlaceholder = "$window"

// Sources a Definition can come from.
const (
	SourceConfig = "config"
	SourceSloth  = "sloth"
	SourcePyrra  = "pyrra"
)

// Definition describes one SLO: its objective, its period and how to obtain
// its error ratio from Prometheus.
type Definition struct {
	// Name identifies the SLO, e.g. "api-availability".
	Name string
	// Objective is the target success percentage, e.g. 99.9.
	Objective float64
	// Window is the SLO period; zero means DefaultWindow (30 days).
	Window time.Duration
	// Errors and Total are PromQL templates containing $window, e.g.
	// sum(rate(http_requests_total{code=~"5.."}[$window])).
	Errors, Total string
	// Ratio is the alternative to Errors/Total: a template yielding the error
	// ratio (0..1) over $window.
	Ratio string
	// Alerts lists alert names or matcher strings like severity="critical"
	// whose firing alerts belong to this SLO.
	Alerts []string
	// Source is where the definition came from: "config", "sloth" or "pyrra".
	Source string
}

// Validate reports the first problem with the definition in one line.
func (d Definition) Validate() error {
	name := d.Name
	if strings.TrimSpace(name) == "" {
		return errors.New("slo: name is empty")
	}
	switch {
	case math.IsNaN(d.Objective) || d.Objective <= 0 || d.Objective >= 100:
		return fmt.Errorf("slo %s: objective must be in (0,100) percent, got %g", name, d.Objective)
	case d.Window < 0:
		return fmt.Errorf("slo %s: window must be positive, got %s", name, d.Window)
	case d.Window > 0 && d.Window < time.Minute:
		return fmt.Errorf("slo %s: window %s is shorter than one minute", name, d.Window)
	}
	hasRatio := strings.TrimSpace(d.Ratio) != ""
	hasErrors := strings.TrimSpace(d.Errors) != ""
	hasTotal := strings.TrimSpace(d.Total) != ""
	switch {
	case hasRatio && (hasErrors || hasTotal):
		return fmt.Errorf("slo %s: set either errors+total or ratio, not both", name)
	case hasErrors != hasTotal:
		return fmt.Errorf("slo %s: errors and total must be set together", name)
	case !hasRatio && !hasErrors:
		return fmt.Errorf("slo %s: need errors+total queries or a ratio query", name)
	}
	for _, tmpl := range []string{d.Errors, d.Total, d.Ratio} {
		if strings.TrimSpace(tmpl) != "" && !hasPlaceholder(tmpl) {
			return fmt.Errorf("slo %s: query %q has no %s placeholder", name, tmpl, WindowPlaceholder)
		}
	}
	for _, a := range d.Alerts {
		if strings.TrimSpace(a) == "" {
			return fmt.Errorf("slo %s: empty alert name or matcher", name)
		}
	}
	switch d.Source {
	case "", SourceConfig, SourceSloth, SourcePyrra:
	default:
		return fmt.Errorf("slo %s: unknown source %q (want config, sloth or pyrra)", name, d.Source)
	}
	return nil
}

// EffectiveWindow returns Window, or DefaultWindow when Window is zero.
func (d Definition) EffectiveWindow() time.Duration {
	if d.Window <= 0 {
		return DefaultWindow
	}
	return d.Window
}

// BudgetFraction is the allowed error ratio, 1 - objective/100 (0.001 for 99.9).
func (d Definition) BudgetFraction() float64 {
	return 1 - d.Objective/100
}

// UsesRatio reports whether the definition uses a ratio template rather than
// errors and total templates.
func (d Definition) UsesRatio() bool {
	return strings.TrimSpace(d.Ratio) != ""
}

// ExpandTemplate replaces every $window or ${window} in tmpl by the
// Prometheus duration for window (see FormatWindow).
func ExpandTemplate(tmpl string, window time.Duration) string {
	return ExpandTemplateString(tmpl, FormatWindow(window))
}

// ExpandTemplateString replaces every $window or ${window} in tmpl by the
// given text, e.g. "3600s".
func ExpandTemplateString(tmpl, window string) string {
	return strings.NewReplacer("${window}", window, WindowPlaceholder, window).Replace(tmpl)
}

func hasPlaceholder(tmpl string) bool {
	return strings.Contains(tmpl, WindowPlaceholder) || strings.Contains(tmpl, "${window}")
}
