package tui

import "time"

// steadyLatency is the latency the status bar shows after a reply: the new
// measurement only when it differs from the shown one by more than half (or
// double) and by at least 20ms. Jitter of a few milliseconds would otherwise
// rewrite the status bar on every refresh — bytes on every SSH session —
// while an operator only cares when a source gets markedly slower or faster.
func steadyLatency(shown, measured time.Duration) time.Duration {
	if shown <= 0 {
		return measured
	}
	diff := measured - shown
	if diff < 0 {
		diff = -diff
	}
	if diff >= 20*time.Millisecond && (measured > 2*shown || 2*measured < shown) {
		return measured
	}
	return shown
}
