package cli

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// man is `oncall man`: a page per command, generated from the tree.
type man struct {
	*App
	dir  string
	root *cobra.Command
}

func (a *App) manCmd() *cobra.Command {
	v := &man{App: a}
	cmd := &cobra.Command{
		Use:   "man",
		Short: "Write the man pages (section 1) generated from the commands",
		Long: `man writes one man page per command (oncall.1, oncall-alerts.1, …) into a
directory. The date in the pages is $SOURCE_DATE_EPOCH when set (reproducible
packages), else the build date, else today.`,
		Example: "  oncall man --dir /usr/local/share/man/man1",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v.root = cmd.Root()
			return a.exec(cmd, v)
		},
	}
	cmd.Flags().StringVar(&v.dir, "dir", "man", "directory to write the pages into (created if missing)")
	return cmd
}

func (v *man) run(context.Context) error {
	if err := os.MkdirAll(v.dir, 0o755); err != nil {
		return fmt.Errorf("man: %w", err)
	}
	date := v.date()
	hdr := &doc.GenManHeader{Title: "ONCALL", Section: "1", Source: "oncall " + Version, Manual: "oncall manual", Date: &date}
	v.root.DisableAutoGenTag = true
	if err := doc.GenManTree(v.root, hdr, v.dir); err != nil {
		return fmt.Errorf("man: %w", err)
	}
	fmt.Fprintf(v.Stderr, "man pages written to %s\n", v.dir)
	return nil
}

// date is the date printed in the man pages.
func (v *man) date() time.Time {
	if s := v.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return time.Unix(n, 0).UTC()
		}
	}
	if t, err := time.Parse(time.RFC3339, Date); err == nil {
		return t.UTC()
	}
	return time.Now().UTC()
}
