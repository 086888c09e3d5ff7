// Command oncall is a terminal cockpit for on-call operators.
package main

import (
	"os"

	"oncall/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
