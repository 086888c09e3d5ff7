package actions

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"oncall/internal/alerts"
	"oncall/internal/guard"
	"oncall/internal/sanitize"
)

// ReadOnlyError refuses a write in a read-only context or process. Nothing
// was sent.
type ReadOnlyError struct {
	Context string
	Reason  string // "readonly = true in the config", "--readonly", "viewer"
}

func (e *ReadOnlyError) Error() string {
	return fmt.Sprintf("read-only: context %s is read-only (%s)", e.Context, e.Reason)
}

// RefusedError is a guard rule in "refuse" mode: the write cannot be
// forced. Nothing was sent.
type RefusedError struct {
	Finding guard.Finding
	Verdict guard.Verdict
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("refused by guard %s: %s", e.Finding.Rule, e.Finding.Reason)
}

// ConfirmError is one or more rules in "confirm" mode that the call did not
// confirm. Calling again with Options.Confirmed = Rules() (the TUI's second
// dialog) or Options.Force (the CLI's --force) goes ahead. Nothing was sent.
type ConfirmError struct {
	Findings []guard.Finding
	// Author is the creator of the silence being expired when the author
	// rule is among the findings.
	Author  string
	Verdict guard.Verdict
}

// Rules lists the rules to confirm.
func (e *ConfirmError) Rules() []string {
	out := make([]string, 0, len(e.Findings))
	for _, f := range e.Findings {
		out = append(out, f.Rule)
	}
	return out
}

func (e *ConfirmError) Error() string {
	parts := make([]string, 0, len(e.Findings))
	for _, f := range e.Findings {
		parts = append(parts, f.String())
	}
	return "needs confirmation: " + strings.Join(parts, "; ")
}

// ConflictError stops an extend or an expire of a silence that changed in
// Alertmanager since the caller loaded it (its updatedAt differs). Nothing
// was sent. Current is the silence as Alertmanager now holds it.
type ConflictError struct {
	ID      string
	Loaded  time.Time
	Current *alerts.Silence
}

func (e *ConflictError) Error() string {
	c := e.Current
	return fmt.Sprintf("conflict: silence %s changed since it was loaded (updated %s, now %s until %s, by %s); nothing written, reload it",
		e.ID, c.UpdatedAt.UTC().Format(time.RFC3339), sanitize.Text(c.State), c.EndsAt.UTC().Format(time.RFC3339), sanitize.Text(c.CreatedBy))
}

// JournalError is a journal append that failed. Done says what was written
// to Alertmanager all the same ("" when the write failed or was stopped).
type JournalError struct {
	Done string
	Err  error
}

func (e *JournalError) Error() string {
	if e.Done != "" {
		return e.Done + ", but not journaled: " + e.Err.Error()
	}
	return "not journaled: " + e.Err.Error()
}

func (e *JournalError) Unwrap() error { return e.Err }

// stopped reports the errors of a rail (nothing was sent), journaled with
// result "refused".
func stopped(err error) bool {
	var ro *ReadOnlyError
	var re *RefusedError
	var ce *ConfirmError
	var co *ConflictError
	return errors.As(err, &ro) || errors.As(err, &re) || errors.As(err, &ce) || errors.As(err, &co)
}
