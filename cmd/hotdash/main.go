// Command hotdash is the HotDash support-operations control center: the
// server (hotdash serve) and the tools around it. Run hotdash --help.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/hotdash/hotdash/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], cli.IO{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Environ: os.Environ()})
	stop()
	os.Exit(code)
}
