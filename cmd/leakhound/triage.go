package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/leakhound/leakhound/detect"
	"github.com/leakhound/leakhound/internal/triage"
)

// defaultBaseline is the baseline file name used when none is given.
const defaultBaseline = ".leakhound-baseline.json"

// triageSet filters findings through the ignore files and the baseline.
type triageSet struct {
	ignores  *triage.Ignores
	baseline *triage.Baseline
}

// loadTriage reads the ignore files (the --ignore-file, or .leakhoundignore
// and .gitleaksignore in the scan root) and the --baseline file.
func loadTriage(f *scanFlags, root string) (*triageSet, error) {
	t := &triageSet{ignores: triage.NewIgnores()}
	if f.ignoreFile != "" {
		if err := triage.LoadIgnoreFile(f.ignoreFile, false, t.ignores); err != nil {
			return nil, err
		}
	} else {
		dir := root
		if st, err := os.Stat(root); err == nil && !st.IsDir() {
			dir = filepath.Dir(root)
		}
		for _, n := range []string{".leakhoundignore", ".gitleaksignore"} {
			if err := triage.LoadIgnoreFile(filepath.Join(dir, n), true, t.ignores); err != nil {
				return nil, err
			}
		}
	}
	if f.baseline != "" {
		b, err := triage.LoadBaseline(f.baseline)
		if err != nil {
			return nil, err
		}
		t.baseline = b
	}
	return t, nil
}

// apply returns the findings to report and a note on what was suppressed.
// Inline markers were already applied by the engine.
func (t *triageSet) apply(fs []detect.Finding) ([]detect.Finding, string) {
	out := fs[:0]
	ignored, baselined := 0, 0
	for i := range fs {
		switch {
		case t.ignores.Match(&fs[i]):
			ignored++
		case t.baseline.Match(&fs[i]):
			baselined++
		default:
			out = append(out, fs[i])
		}
	}
	var notes []string
	if ignored > 0 {
		notes = append(notes, fmt.Sprintf("%d ignored", ignored))
	}
	if baselined > 0 {
		notes = append(notes, fmt.Sprintf("%d in baseline", baselined))
	}
	return out, strings.Join(notes, ", ")
}

// unused lists ignore entries that matched nothing.
func (t *triageSet) unused() []string { return t.ignores.Unused() }

// baselineOp asks runScan to maintain a baseline instead of reporting.
type baselineOp struct {
	mode string // create, update, prune, check
	file string
}

type baselineOpKey struct{}

func init() { commands = append(commands, newBaselineCmd, newFingerprintCmd) }

func newBaselineCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "baseline",
		Short: "Accept existing findings so that only new leaks fail a build",
		Long: `A baseline file lists accepted findings by fingerprint (rule id and secret, hashed;
never the secret) and path. Scans given --baseline FILE report only findings that are
not in it. The file is sorted and has no timestamps: re-creating it on an unchanged
tree gives the same bytes, so it diffs and merges cleanly.

Each subcommand runs a scan: give the scan command and its arguments after the
subcommand (default: dir .). -o/--output names the baseline file (default
` + defaultBaseline + `).`,
		Example: `  leakhound baseline create dir . -o .leakhound-baseline.json
  leakhound baseline create git .
  leakhound dir . --baseline .leakhound-baseline.json
  leakhound baseline update git .      # add new findings, keep reasons
  leakhound baseline prune dir .       # drop entries no longer found
  leakhound baseline check dir .       # list stale entries (exit 1 if any)`,
	}
	for _, m := range []struct{ mode, short string }{
		{"create", "Write a baseline of the current findings"},
		{"update", "Add new findings to a baseline, keeping existing entries and reasons"},
		{"prune", "Drop baseline entries that are no longer found"},
		{"check", "List baseline entries that are no longer found (exit 1 if any)"},
	} {
		mode := m.mode
		cmd.AddCommand(&cobra.Command{
			Use:                mode + " [COMMAND [ARGS...]] [-o FILE]",
			Short:              m.short,
			Example:            "  leakhound baseline " + mode + " dir . -o " + defaultBaseline + "\n  leakhound baseline " + mode + " git . -o " + defaultBaseline,
			DisableFlagParsing: true,
			RunE: func(c *cobra.Command, args []string) error {
				op := &baselineOp{mode: mode, file: defaultBaseline}
				var rest []string
				for i := 0; i < len(args); i++ {
					a := args[i]
					switch {
					case a == "-h" || a == "--help":
						return c.Help()
					case a == "-o" || a == "--output":
						if i+1 >= len(args) {
							return usageErr(fmt.Errorf("%s needs a file name", a))
						}
						op.file = args[i+1]
						i++
					case strings.HasPrefix(a, "--output="):
						op.file = strings.TrimPrefix(a, "--output=")
					default:
						rest = append(rest, a)
					}
				}
				if len(rest) == 0 {
					rest = []string{"dir", "."}
				}
				switch rest[0] {
				case "dir", "git", "image", "stdin":
				default:
					return usageErr(fmt.Errorf("baseline %s: %q is not a scan command (want dir, git, image or stdin)", mode, rest[0]))
				}
				root := newRootCmd()
				root.SetArgs(rest)
				root.SetOut(c.OutOrStdout())
				root.SetErr(c.ErrOrStderr())
				root.SetIn(c.InOrStdin())
				return root.ExecuteContext(context.WithValue(c.Context(), baselineOpKey{}, op))
			},
		})
	}
	return cmd
}

// runBaselineOp carries out a baseline operation on a scan's findings.
func runBaselineOp(op *baselineOp, fs []detect.Finding, stderr io.Writer, quiet bool) error {
	say := func(format string, a ...any) {
		if !quiet {
			fmt.Fprintf(stderr, "leakhound: "+format+"\n", a...)
		}
	}
	var b *triage.Baseline
	if op.mode == "create" {
		b = triage.NewBaseline()
	} else {
		var err error
		if b, err = triage.LoadBaseline(op.file); err != nil {
			return &exitErr{code: exitError, err: err}
		}
	}
	switch op.mode {
	case "create", "update":
		n := b.Add(fs)
		if err := b.Write(op.file); err != nil {
			return &exitErr{code: exitError, err: err}
		}
		say("baseline %s: %d entries (%d new)", op.file, len(b.Entries), n)
	case "prune":
		for i := range fs {
			b.Match(&fs[i])
		}
		n := b.Prune()
		if err := b.Write(op.file); err != nil {
			return &exitErr{code: exitError, err: err}
		}
		say("baseline %s: %d entries (%d pruned)", op.file, len(b.Entries), n)
	case "check":
		for i := range fs {
			b.Match(&fs[i])
		}
		stale := b.Stale()
		for _, e := range stale {
			fmt.Fprintf(stderr, "stale: %s %s %s\n", e.Fingerprint, e.Rule, e.Path)
		}
		say("baseline %s: %d entries, %d stale", op.file, len(b.Entries), len(stale))
		if len(stale) > 0 {
			return &exitErr{code: exitLeaks}
		}
	}
	return nil
}

func newFingerprintCmd() *cobra.Command {
	var rule, path string
	cmd := &cobra.Command{
		Use:   "fingerprint [SECRET] --rule ID",
		Short: "Print the fingerprint of a known secret",
		Long: `Print the content fingerprint of a secret as rule ID would report it, to ignore a
secret that must stay without pasting it into a file. Without SECRET (or with -) the
secret is read from stdin, which keeps it out of shell history. With --path the
location fingerprint (bound to that path) is printed as well.`,
		Example: `  leakhound fingerprint --rule aws-access-key-id < secret.txt >> .leakhoundignore
  printf %s "$TOKEN" | leakhound fingerprint --rule github-pat`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if rule == "" {
				return usageErr(fmt.Errorf("--rule is required"))
			}
			var secret string
			if len(args) == 1 && args[0] != "-" {
				secret = args[0]
			} else {
				data, err := io.ReadAll(io.LimitReader(cmd.InOrStdin(), 1<<20))
				if err != nil {
					return &exitErr{code: exitError, err: fmt.Errorf("read stdin: %w", err)}
				}
				secret = strings.TrimRight(string(data), "\r\n")
			}
			if secret == "" {
				return usageErr(fmt.Errorf("empty secret"))
			}
			out := cmd.OutOrStdout()
			fmt.Fprintln(out, detect.Fingerprint(rule, secret))
			if path != "" {
				fmt.Fprintln(out, detect.LocationFingerprint(rule, path, secret))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&rule, "rule", "", "rule id that reports the secret")
	cmd.Flags().StringVar(&path, "path", "", "also print the location fingerprint for this path")
	return cmd
}
