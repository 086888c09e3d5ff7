//go:build !linux

package testenv

import "syscall"

// sysProcAttr returns no special attributes where Pdeathsig is unavailable;
// servers are still stopped by t.Cleanup.
func sysProcAttr() *syscall.SysProcAttr {
	return nil
}
