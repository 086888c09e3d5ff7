package cli

import (
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

func (a *App) manCmd() *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "man",
		Short: "Write the man pages (section 1) generated from the commands",
		Long: `man writes one man page per command (oncall.1, oncall-alerts.1, …) into a
directory. The date in the pages is $SOURCE_DATE_EPOCH when set (reproducible
packages), else the build date, else today.`,
		Example: "  oncall man --dir /usr/local/share/man/man1",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return fmt.Errorf("man: %w", err)
			}
			date := a.manDate()
			hdr := &doc.GenManHeader{Title: "ONCALL", Section: "1", Source: "oncall " + Version, Manual: "oncall manual", Date: &date}
			root := cmd.Root()
			root.DisableAutoGenTag = true
			if err := doc.GenManTree(root, hdr, dir); err != nil {
				return fmt.Errorf("man: %w", err)
			}
			fmt.Fprintf(a.Stderr, "man pages written to %s\n", dir)
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "man", "directory to write the pages into (created if missing)")
	return cmd
}

// manDate is the date printed in the man pages.
func (a *App) manDate() time.Time {
	if s := a.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return time.Unix(n, 0).UTC()
		}
	}
	if t, err := time.Parse(time.RFC3339, Date); err == nil {
		return t.UTC()
	}
	return time.Now().UTC()
}
