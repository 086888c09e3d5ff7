package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"oncall/internal/actions"
	"oncall/internal/alerts"
	"oncall/internal/wire"
)

// The rails as the command line meets them: where a write goes (one
// context, or each with --all-contexts), the refusals and confirmations of
// the action service turned into one-line errors that say what to do, and
// the dry run's report. The rails themselves are internal/actions'.

// target is one context a write goes to, with its action service.
type target struct {
	name string
	svc  *actions.Service
}

// writeTargets resolves where a write goes: the one context watched, or,
// with --all-contexts and spread true (a new silence or ack), each watched
// one. Several contexts watched ([view] contexts, --context a,b) without
// --all-contexts is an error: a write never goes to several clusters by
// accident, nor to the first of them silently.
func (a *App) writeTargets(spread bool) ([]target, error) {
	cfg, err := a.Config()
	if err != nil {
		return nil, err
	}
	names, err := cfg.Watched(nil, false)
	if err != nil {
		return nil, err
	}
	if len(names) > 1 && (!spread || !a.flags.AllContexts) {
		if !spread {
			return nil, fmt.Errorf("watching %d contexts (%s): a silence lives in one of them; name it with --context", len(names), strings.Join(names, ", "))
		}
		return nil, fmt.Errorf("watching %d contexts (%s): name the one to write to with --context, or write to each with --all-contexts", len(names), strings.Join(names, ", "))
	}
	out := make([]target, 0, len(names))
	for _, n := range names {
		svc, err := wire.Actions(wire.ForContext(cfg, n), a.wireEnv())
		if err != nil {
			if len(names) > 1 {
				err = fmt.Errorf("%s: %w", n, err)
			}
			return nil, err
		}
		out = append(out, target{name: n, svc: svc})
	}
	return out, nil
}

// railError is err as the command line says it: a confirmation names the
// flag that gives it (and, for someone else's silence, its author: "silence
// ID was created by bob, not by you: add --force to expire it"); a refusal
// that --force did not move says it cannot be forced.
func railError(err error, force bool, verb, what string) error {
	var ce *actions.ConfirmError
	var re *actions.RefusedError
	switch {
	case errors.As(err, &ce) && ce.Author != "" && len(ce.Findings) == 1:
		return fmt.Errorf("%s was created by %s, not by you: add --force to %s it", what, ce.Author, verb)
	case errors.As(err, &ce):
		return fmt.Errorf("%w; add --force to confirm", err)
	case errors.As(err, &re) && force:
		return fmt.Errorf("%w (a refusing rule cannot be forced)", err)
	}
	return err
}

// writeOut is what a silence or ack write prints with -o json.
type writeOut struct {
	Context   string    `json:"context,omitempty"`
	ID        string    `json:"id"`
	Extended  bool      `json:"extended,omitempty"`
	Unchanged bool      `json:"unchanged,omitempty"`
	Comment   string    `json:"comment,omitempty"`
	EndsAt    time.Time `json:"endsAt,omitzero"`
	Guard     string    `json:"guard,omitempty"`
}

// dryOut is a dry run's report with -o json: the Result (the body, the
// verdict with what it matches, the guard), and the error the write would
// meet.
type dryOut struct {
	Context string `json:"context"`
	actions.Result
	WouldFail string `json:"wouldFail,omitempty"`
}

// printDryRun reports what a write would do in one context: the body it
// would post, the firing alerts it matches, and what the guard says.
func (a *App) printDryRun(w io.Writer, name string, res actions.Result, err error) error {
	return a.printDryRunOf(w, name, "", res, err)
}

// printDryRunOf is printDryRun for a verb on an existing silence ("expire",
// "extend"; "" for a new silence or an ack): what it would send, and the
// firing alerts the silence mutes now.
func (a *App) printDryRunOf(w io.Writer, name, verb string, res actions.Result, err error) error {
	fmt.Fprintf(w, "dry run, context %s: nothing written\n", name)
	if p := res.Previous; p != nil && verb != "" {
		fmt.Fprintf(w, "silence %s by %s, ends %s: %s\n", a.scrub(p.ID), a.scrub(p.CreatedBy), p.EndsAt.Local().Format(time.RFC3339), a.scrub(p.Comment))
	}
	switch {
	case verb == "expire":
		fmt.Fprintf(w, "would expire it (DELETE /api/v2/silence/%s)\n", a.scrub(res.SilenceID))
	case verb == "extend" && res.Body != nil:
		fmt.Fprintf(w, "would extend it in place to %s (POST /api/v2/silences):\n", res.EndsAt.Local().Format(time.RFC3339))
	case res.Unchanged:
		fmt.Fprintf(w, "would write nothing: your ack %s already lasts until %s\n", res.SilenceID, res.EndsAt.Local().Format(time.RFC3339))
	case res.Body != nil && res.Extended:
		fmt.Fprintf(w, "would extend your ack %s in place (POST /api/v2/silences):\n", res.SilenceID)
	case res.Body != nil:
		fmt.Fprintln(w, "would create (POST /api/v2/silences):")
	}
	if res.Body != nil && !res.Unchanged {
		if werr := writeJSON(w, res.Body); werr != nil {
			return werr
		}
	}
	if v := res.Verdict; v.Matched != nil {
		if verb != "" {
			fmt.Fprintf(w, "it mutes %d of %d firing alert%s now\n", len(v.Matched), v.Firing, plural(v.Firing))
		} else {
			fmt.Fprintf(w, "matches %d of %d firing alert%s\n", len(v.Matched), v.Firing, plural(v.Firing))
		}
		if len(v.Matched) > 0 {
			t := newTable(w, "  SEVERITY", "STATE", "ALERT", "LABELS")
			for _, al := range v.Matched {
				t.row("  "+al.Severity(), string(al.State), al.Name(), labelText(al))
			}
			if werr := t.flush(); werr != nil {
				return werr
			}
		}
	}
	if err != nil {
		fmt.Fprintf(w, "would be stopped: %s\n", a.scrub(err.Error()))
		return nil
	}
	fmt.Fprintf(w, "guard: %s\n", res.Guard)
	return nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// labelText is an alert's labels but its name, sorted: "k=v k=v".
func labelText(al *alerts.Alert) string {
	keys := make([]string, 0, len(al.Labels))
	for k := range al.Labels {
		if k != "alertname" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+"="+al.Labels[k])
	}
	return strings.Join(parts, " ")
}

// guardedWrite is one silence or ack, written (or previewed) through a
// context's service with the given options.
type guardedWrite func(ctx context.Context, svc *actions.Service, o actions.Options) (actions.Result, error)

// writeEach runs a silence or an ack in each target context under
// --timeout: a dry run in each, or, with several contexts, a dry run of
// each first, so that none is written unless every context's guard lets
// it through; then the write, once in each.
func (w *silenceWrite) writeEach(ctx context.Context, targets []target, do guardedWrite) error {
	multi := len(targets) > 1
	run := func(t target, o actions.Options) (actions.Result, error) {
		cctx, cancel := w.ctx(ctx)
		defer cancel()
		res, err := do(cctx, t.svc, o)
		err = railError(err, w.force, "write", "the silence")
		if err != nil && multi {
			err = fmt.Errorf("%s: %w", t.name, err)
		}
		return res, err
	}
	dry := actions.Options{Force: w.force, DryRun: true}
	if w.dryRun {
		var outs []dryOut
		stopped := 0
		for _, t := range targets {
			res, err := run(t, dry)
			d := dryOut{Context: t.name, Result: res}
			if err != nil {
				stopped++
				d.WouldFail = w.scrub(err.Error())
			}
			outs = append(outs, d)
			if !w.json() {
				if perr := w.printDryRun(w.Stdout, t.name, res, err); perr != nil {
					return perr
				}
			}
		}
		if w.json() {
			var v any = outs
			if !multi {
				v = outs[0]
			}
			if err := writeJSON(w.Stdout, v); err != nil {
				return err
			}
		}
		if stopped > 0 {
			return exitError{code: 1, err: fmt.Errorf("dry run: the write would be stopped in %d of %d context%s", stopped, len(targets), plural(len(targets)))}
		}
		return nil
	}
	if multi {
		var errs []string
		for _, t := range targets {
			if _, err := run(t, dry); err != nil {
				errs = append(errs, err.Error())
			}
		}
		if len(errs) > 0 {
			for _, e := range errs[1:] {
				w.notef("%s", e)
			}
			return fmt.Errorf("nothing written: %s", errs[0])
		}
	}
	var outs []writeOut
	var failed []error
	for _, t := range targets {
		res, err := run(t, actions.Options{Force: w.force})
		if err == nil || res.JournalErr != nil {
			o := writeOut{ID: res.SilenceID, Extended: res.Extended, Unchanged: res.Unchanged, Guard: res.Guard}
			if multi {
				o.Context = t.name
			}
			if w.ack {
				o.Comment, o.EndsAt = res.Comment, res.EndsAt.UTC()
			}
			outs = append(outs, o)
		}
		if err != nil {
			failed = append(failed, err)
		}
	}
	if err := w.printWrites(outs, multi); err != nil {
		return err
	}
	switch {
	case len(failed) == 1:
		return failed[0]
	case len(failed) > 1:
		for _, e := range failed {
			w.notef("%s", e)
		}
		return exitError{code: 1, err: fmt.Errorf("%d of %d contexts failed", len(failed), len(targets))}
	}
	return nil
}

// printWrites prints what was written: JSON, or the IDs (one per line,
// "context id" with several contexts).
func (w *silenceWrite) printWrites(outs []writeOut, multi bool) error {
	if w.json() {
		switch {
		case multi:
			return writeJSON(w.Stdout, outs)
		case len(outs) == 1:
			return writeJSON(w.Stdout, outs[0])
		}
		return nil
	}
	for _, o := range outs {
		line := o.ID
		if multi {
			line = o.Context + " " + o.ID
		}
		if _, err := fmt.Fprintln(w.Stdout, line); err != nil {
			return err
		}
	}
	return nil
}
