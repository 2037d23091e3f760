// Command leakhound finds secrets (API keys, tokens, passwords, private keys)
// in directories, stdin, git history and container images.
//
// This package is only the command line: it parses flags, wires the
// packages together and sets the exit code. See README.md.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/pprof"

	"github.com/spf13/cobra"
)

// Exit codes.
const (
	exitOK    = 0
	exitLeaks = 1 // default; --exit-code changes it
	exitError = 2
)

// commands holds the constructors of the subcommands. Each command's file
// adds itself in an init function.
var commands []func() *cobra.Command

// exitErr carries an exit code up to main. A nil err exits silently.
type exitErr struct {
	code int
	err  error
}

func (e *exitErr) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func (e *exitErr) Unwrap() error { return e.err }

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "leakhound",
		Short: "Find leaked secrets in code, git history and container images",
		Long: `leakhound finds credentials (API keys, tokens, passwords, private keys, connection
strings) in directories, stdin, the full history of git repositories, staged changes
and container images.

Exit codes: 0 no leaks, 1 leaks found (--exit-code), 2 usage or fatal error.`,
		Example: `  leakhound dir .
  leakhound dir --format json --report leaks.json src/
  cat app.env | leakhound stdin
  leakhound rules list`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.CompletionOptions.HiddenDefaultCmd = true
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &exitErr{code: exitError, err: fmt.Errorf("%w (see '%s --help')", err, c.CommandPath())}
	})
	for _, c := range commands {
		root.AddCommand(c())
	}
	return root
}

func main() {
	os.Exit(profiled(func() int { return run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr) }))
}

// profiled runs f with a CPU profile written to $LEAKHOUND_CPUPROFILE when
// that is set: a development aid for whole-process runs (go tool pprof).
func profiled(f func() int) int {
	path := os.Getenv("LEAKHOUND_CPUPROFILE")
	if path == "" {
		return f()
	}
	out, err := os.Create(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "leakhound: cpu profile:", err)
		return f()
	}
	defer out.Close()
	if err := pprof.StartCPUProfile(out); err != nil {
		fmt.Fprintln(os.Stderr, "leakhound: cpu profile:", err)
		return f()
	}
	defer pprof.StopCPUProfile()
	return f()
}

// run executes the CLI and returns the exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRootCmd()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	var ee *exitErr
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintf(stderr, "leakhound: %v\n", ee.err)
		}
		return ee.code
	}
	fmt.Fprintf(stderr, "leakhound: %v\n", err)
	return exitError
}
