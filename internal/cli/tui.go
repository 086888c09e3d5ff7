package cli

import "context"

func (a *App) runTUI(ctx context.Context) error { return nil }
