//go:build linux

package testenv

import "syscall"

// sysProcAttr makes the kernel kill the server when the test process dies,
// so a crashed test run leaves no orphans.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
