// Command hesemcom is the command-line interface of the hesemcom toolkit:
// link-level simulation of secure semantic communication with homomorphic
// encryption. Run "hesemcom --help" for the subcommands.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the CLI with args and returns the process exit code: 0 on
// success, 1 on a failed command, 2 on bad usage (unknown flag or command).
func run(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintf(stderr, "hesemcom: %v\n", err)
		var ue usageError
		if errors.As(err, &ue) {
			return 2
		}
		return 1
	}
	return 0
}

// usageError marks errors in how the command was called.
type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }

// globalFlags are the flags every subcommand understands.
type globalFlags struct {
	dataDir string
}

func newRootCmd() *cobra.Command {
	g := &globalFlags{}
	root := &cobra.Command{
		Use:   "hesemcom",
		Short: "Link-level simulation of secure semantic communication with homomorphic encryption",
		Long: `hesemcom simulates the secure semantic communication system of Meng et al.
("Secure Semantic Communication With Homomorphic Encryption"): images are encrypted
with CKKS, an HE-friendly deep JSCC encoder runs on the ciphertext, the features
cross a modem and channel, and only the receiver decrypts the class.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVar(&g.dataDir, "data", "", "data directory holding the training sets (default $HESEMCOM_DATA, then /usr/share/datasets)")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(
		newDataCmd(g),
		newHECmd(g),
		newTrainCmd(g), newEvalCmd(g),
		newTrainClassifierCmd(g), newClassicalCmd(g),
		newBenchCmd(g),
		newRunCmd(g),
		newSweepCmd(g),
		newTable3Cmd(g),
		newMergeCmd(g),
		newLDPCCmd(g),
		newModemCmd(g),
		newIQCmd(g),
		newCodecCmd(g), newAvalancheCmd(g),
		newSiftCmd(g),
		newTransportCmd(g),
	)
	// Unknown subcommands and bad positional arguments are usage errors too.
	for _, c := range root.Commands() {
		wrapArgs(c)
	}
	return root
}

// wrapArgs marks argument-validation failures of c and its children as usage errors.
func wrapArgs(c *cobra.Command) {
	if c.Args != nil {
		orig := c.Args
		c.Args = func(cmd *cobra.Command, args []string) error {
			if err := orig(cmd, args); err != nil {
				return usageError{err}
			}
			return nil
		}
	}
	for _, sub := range c.Commands() {
		wrapArgs(sub)
	}
}
