package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
)

// completion is `oncall completion SHELL`.
type completion struct {
	*App
	shell string
	root  *cobra.Command
}

func (a *App) completionCmd() *cobra.Command {
	v := &completion{App: a}
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
			v.shell, v.root = args[0], cmd.Root()
			return a.exec(cmd, v)
		},
	}
}

func (v *completion) run(context.Context) error {
	switch v.shell {
	case "bash":
		return v.root.GenBashCompletionV2(v.Stdout, true)
	case "zsh":
		return v.root.GenZshCompletion(v.Stdout)
	case "fish":
		return v.root.GenFishCompletion(v.Stdout, true)
	}
	return fmt.Errorf("unknown shell %q: use bash, zsh or fish", v.shell)
}
