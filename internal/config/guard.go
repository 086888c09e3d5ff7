package config

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/prometheus/common/model"
)

// Guard holds the silence guards of one context, [contexts.NAME.guard]
// (internal/guard enforces them). Each rule has its own table; a rule whose
// limits are all unset is off, so a context without [guard] has no rules.
// Each rule's mode says what a violation does: "refuse" (cannot be forced)
// or "confirm" (the default: a second, explicit confirmation, or --force).
type Guard struct {
	Breadth  BreadthGuard  `toml:"breadth"`
	Matchers MatchersGuard `toml:"matchers"`
	Duration DurationGuard `toml:"duration"`
	Comment  CommentGuard  `toml:"comment"`
	Regex    RegexGuard    `toml:"regex"`
}

// Guard modes.
const (
	GuardRefuse  = "refuse"
	GuardConfirm = "confirm"
)

// DefaultMinAlerts is BreadthGuard.MinAlerts when unset.
const DefaultMinAlerts = 3

// BreadthGuard limits how many of the cluster's firing alerts one silence
// or ack may match.
type BreadthGuard struct {
	Mode string `toml:"mode"`
	// MaxAlerts: more than this many matched firing alerts violates (0: off).
	MaxAlerts int `toml:"max_alerts"`
	// MaxPercent: more than this percentage of the firing alerts (0: off).
	MaxPercent int `toml:"max_percent"`
	// WholeSeverity: matching every firing alert of a severity, or matchers
	// that select nothing but a severity, violates.
	WholeSeverity bool `toml:"whole_severity"`
	// MinAlerts: MaxPercent and the live whole-severity check only apply
	// when at least this many alerts are matched (0: DefaultMinAlerts).
	MinAlerts int `toml:"min_alerts"`
}

// MatchersGuard requires matchers that narrow the silence.
type MatchersGuard struct {
	Mode string `toml:"mode"`
	// BesidesAlertname requires a narrowing matcher (= or =~, not matching
	// every value) on some label other than alertname.
	BesidesAlertname bool `toml:"besides_alertname"`
	// Required labels each need an = or =~ matcher (whether a regex one
	// matches every value is RegexGuard's to judge).
	Required []string `toml:"required"`
}

// DurationGuard caps how long a silence or an ack lasts from now.
type DurationGuard struct {
	Mode   string   `toml:"mode"`
	Max    Duration `toml:"max"`     // silences and their extensions (0: off)
	MaxAck Duration `toml:"max_ack"` // acks and their extensions (0: off)
}

// CommentGuard requires silence comments to match a pattern.
type CommentGuard struct {
	Mode    string `toml:"mode"`
	Pattern string `toml:"pattern"` // Go regexp, searched in the comment ("": off)
}

// RegexGuard refuses regex matchers that match every value of these labels.
type RegexGuard struct {
	Mode   string   `toml:"mode"`
	Labels []string `toml:"labels"` // ([]: off)
}

// Validate checks the guard's values. Errors name the key relative to the
// context ("guard.comment.pattern: …"). silenceDefault and ackDefault are
// the configured default durations ([alerts]): a maximum below them would
// refuse or question every plain silence or ack.
func (g Guard) Validate(silenceDefault, ackDefault time.Duration) error {
	modes := []struct{ key, mode string }{
		{"breadth", g.Breadth.Mode}, {"matchers", g.Matchers.Mode}, {"duration", g.Duration.Mode},
		{"comment", g.Comment.Mode}, {"regex", g.Regex.Mode},
	}
	for _, m := range modes {
		switch m.mode {
		case "", GuardRefuse, GuardConfirm:
		default:
			return fmt.Errorf("guard.%s.mode must be %q or %q, got %q", m.key, GuardRefuse, GuardConfirm, m.mode)
		}
	}
	b := g.Breadth
	if b.MaxAlerts < 0 {
		return fmt.Errorf("guard.breadth.max_alerts must be 0 (off) or more, got %d", b.MaxAlerts)
	}
	if b.MaxPercent < 0 || b.MaxPercent >= 100 {
		return fmt.Errorf("guard.breadth.max_percent must be between 1 and 99 (0: off), got %d", b.MaxPercent)
	}
	if b.MinAlerts < 0 {
		return fmt.Errorf("guard.breadth.min_alerts must be 1 or more (0: %d), got %d", DefaultMinAlerts, b.MinAlerts)
	}
	for i, l := range g.Matchers.Required {
		if !labelName(l) {
			return fmt.Errorf("guard.matchers.required[%d]: %q is not a label name", i, l)
		}
	}
	for i, l := range g.Regex.Labels {
		if !labelName(l) {
			return fmt.Errorf("guard.regex.labels[%d]: %q is not a label name", i, l)
		}
	}
	if m := g.Duration.Max.D(); m > 0 && silenceDefault > m {
		return fmt.Errorf("guard.duration.max (%s) is shorter than alerts.silence_duration (%s): every default silence would break it", model.Duration(m), model.Duration(silenceDefault))
	}
	if m := g.Duration.MaxAck.D(); m > 0 && ackDefault > m {
		return fmt.Errorf("guard.duration.max_ack (%s) is shorter than alerts.ack_duration (%s): every ack would break it", model.Duration(m), model.Duration(ackDefault))
	}
	if g.Comment.Pattern != "" {
		re, err := regexp.Compile(g.Comment.Pattern)
		if err != nil {
			return fmt.Errorf("guard.comment.pattern: %s", oneLine(err.Error()))
		}
		if re.MatchString("") {
			return fmt.Errorf("guard.comment.pattern %q matches an empty comment, so it checks nothing", g.Comment.Pattern)
		}
	}
	return nil
}

// labelName accepts what Alertmanager does (any non-empty UTF-8 name)
// except surrounding blanks, which are surely a typo.
func labelName(l string) bool {
	return model.UTF8Validation.IsValidLabelName(l) && strings.TrimSpace(l) == l
}
