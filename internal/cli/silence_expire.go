package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"oncall/internal/actions"
)

// silenceExpire is `oncall silence expire ID...`: each silence under its
// own --timeout; the ones that fail are reported and make the exit 1.
type silenceExpire struct {
	*App
	ids []string
	silenceRef
}

// silenceRef is what expire and extend share: --force, and --updated-at,
// the version of the silence the operator looked at.
type silenceRef struct {
	force     bool
	dryRun    bool
	updatedAt string
}

func (r *silenceRef) refFlags(cmd *cobra.Command, force string) {
	cmd.Flags().BoolVar(&r.force, "force", false, force)
	cmd.Flags().BoolVar(&r.dryRun, "dry-run", false, "print the silence, what it would send and the firing alerts the silence mutes now, and what the rails say; write nothing")
	cmd.Flags().StringVar(&r.updatedAt, "updated-at", "", "the silence's updatedAt as `silence ls -o json` printed it (RFC 3339): stop, writing nothing, if it changed since")
}

// ref is the silence id as of --updated-at (zero: no conflict check).
func (r *silenceRef) ref(id string) (actions.SilenceRef, error) {
	out := actions.SilenceRef{ID: id}
	if r.updatedAt == "" {
		return out, nil
	}
	t, err := time.Parse(time.RFC3339Nano, r.updatedAt)
	if err != nil {
		return out, fmt.Errorf("--updated-at %q: use RFC 3339, as `silence ls -o json` prints updatedAt", r.updatedAt)
	}
	out.UpdatedAt = t
	return out, nil
}

func (a *App) silenceExpireCmd() *cobra.Command {
	v := &silenceExpire{App: a}
	cmd := &cobra.Command{
		Use:     "expire ID...",
		Aliases: []string{"rm"},
		Short:   "Expire silences (someone else's only with --force)",
		Example: `  oncall silence expire 0b9ff3a5-a86e-4d07-a2a3-55f29a5ff2a3
  oncall silence expire --force ID                       # a silence someone else created
  oncall silence expire --dry-run ID                     # the alerts it would show again
  oncall silence expire --updated-at 2024-05-01T10:00:00.123Z ID   # only if unchanged since`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			v.ids = args
			return a.exec(cmd, v)
		},
	}
	v.refFlags(cmd, "expire silences created by someone else")
	a.addOutputFlag(cmd)
	return cmd
}

func (v *silenceExpire) run(ctx context.Context) error {
	if v.updatedAt != "" && len(v.ids) > 1 {
		return errors.New("--updated-at is one silence's version: give one ID with it")
	}
	targets, err := v.writeTargets(false)
	if err != nil {
		return err
	}
	svc := targets[0].svc
	if v.dryRun {
		return v.dry(ctx, v.App, targets[0].name, v.ids, func(ctx context.Context, ref actions.SilenceRef, o actions.Options) (actions.Result, error) {
			return svc.ExpireSilence(ctx, ref, o)
		}, "expire")
	}
	var failed int
	var results []map[string]string
	for _, id := range v.ids {
		r := map[string]string{"id": id, "result": "expired"}
		ref, err := v.ref(id)
		if err == nil {
			cctx, cancel := v.ctx(ctx)
			var res actions.Result
			res, err = svc.ExpireSilence(cctx, ref, actions.Options{Force: v.force})
			cancel()
			if res.Guard != "" {
				r["guard"] = res.Guard
			}
			if res.Previous != nil {
				r["createdBy"] = res.Previous.CreatedBy
			}
			if res.JournalErr != nil {
				r["journal"] = v.scrub(res.JournalErr.Error())
				v.notef("%s", res.JournalErr)
				err = nil
			}
		}
		if err != nil {
			err = railError(err, v.force, "expire", "silence "+id)
			failed++
			r["result"], r["error"] = "error", v.scrub(err.Error())
			v.notef("%s", err)
		}
		results = append(results, r)
	}
	if v.json() {
		if err := writeJSON(v.Stdout, results); err != nil {
			return err
		}
	} else {
		for _, r := range results {
			if r["result"] == "expired" {
				fmt.Fprintf(v.Stdout, "expired %s\n", r["id"])
			}
		}
	}
	if failed > 0 {
		return exitError{code: 1, err: fmt.Errorf("%d of %d silences not expired", failed, len(v.ids))}
	}
	for _, r := range results {
		if r["journal"] != "" {
			return exitError{code: 1, err: errors.New("expired, but not journaled")}
		}
	}
	return nil
}

// dry runs verb on each silence with DryRun: nothing is written or
// journaled. It prints what would be sent and the alerts each silence
// mutes (-o json: one dryOut per silence), and fails when the rails would
// stop one.
func (r *silenceRef) dry(ctx context.Context, a *App, name string, ids []string, do func(context.Context, actions.SilenceRef, actions.Options) (actions.Result, error), verb string) error {
	var outs []dryOut
	stopped := 0
	for _, id := range ids {
		ref, err := r.ref(id)
		if err != nil {
			return err
		}
		cctx, cancel := a.ctx(ctx)
		res, err := do(cctx, ref, actions.Options{Force: r.force, DryRun: true})
		cancel()
		d := dryOut{Context: name, Result: res}
		if err != nil {
			err = railError(err, r.force, verb, "silence "+id)
			stopped++
			d.WouldFail = a.scrub(err.Error())
		}
		outs = append(outs, d)
		if !a.json() {
			if perr := a.printDryRunOf(a.Stdout, name, verb, res, err); perr != nil {
				return perr
			}
		}
	}
	if a.json() {
		var out any = outs
		if len(outs) == 1 {
			out = outs[0]
		}
		if err := writeJSON(a.Stdout, out); err != nil {
			return err
		}
	}
	if stopped > 0 {
		return exitError{code: 1, err: fmt.Errorf("dry run: %s would be stopped for %d of %d silence%s", verb, stopped, len(ids), plural(len(ids)))}
	}
	return nil
}
