package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

func (a *App) completionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "completion bash|zsh|fish",
		Short: "Print the shell completion script",
		Long: `completion prints a completion script for bash, zsh or fish.

  bash:  oncall completion bash > /etc/bash_completion.d/oncall
  zsh:   oncall completion zsh > "${fpath[1]}/_oncall"
  fish:  oncall completion fish > ~/.config/fish/completions/oncall.fish`,
		Args:                  cobra.ExactArgs(1),
		ValidArgs:             []string{"bash", "zsh", "fish"},
		DisableFlagsInUseLine: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			root := cmd.Root()
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(a.Stdout, true)
			case "zsh":
				return root.GenZshCompletion(a.Stdout)
			case "fish":
				return root.GenFishCompletion(a.Stdout, true)
			}
			return fmt.Errorf("unknown shell %q: use bash, zsh or fish", args[0])
		},
	}
}
