package main

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/leakhound/leakhound/internal/gitscan"
	"github.com/leakhound/leakhound/internal/scan"
)

func init() { commands = append(commands, newGitCmd) }

func newGitCmd() *cobra.Command {
	var (
		o            gitscan.Options
		since, until string
		staged       bool
		preCommit    bool
		worktree     bool
	)
	cmd := &cobra.Command{
		Use:   "git [PATH]",
		Short: "Scan git history, a range of commits, or staged changes",
		Long: `Scan a git repository (default: the current directory; a working tree, a .git
directory, a bare repository or a linked worktree). git itself is not needed.

By default every commit reachable from any ref (branches, tags, remote-tracking
refs, the stash) is scanned. Each version of each file is scanned once, and a
secret that stays at one path through many commits is reported once, with the
commit that introduced it, the number of commits that carried it, and whether
HEAD still has it.

--staged (alias --pre-commit) scans only the lines the next commit would add
(the index against HEAD), for pre-commit hooks. --worktree also scans
uncommitted changes in the working tree (and untracked files not ignored).

See docs/git.md.`,
		Example: `  leakhound git
  leakhound git --commits origin/main..HEAD      # a pull request in CI
  leakhound git --since-commit 1a2b3c4 --format sarif --report leaks.sarif
  leakhound git --branch main --since 2024-01-01 /src/repo
  leakhound git --staged --redact                 # in a pre-commit hook`,
		Args: cobra.MaximumNArgs(1),
	}
	f := addScanFlags(cmd)
	fl := cmd.Flags()
	fl.StringArrayVar(&o.Branches, "branch", nil, "scan only commits reachable from this branch, tag or commit (repeatable)")
	fl.StringVar(&o.Commits, "commits", "", "scan only the commits in range A..B (reachable from B, not from A)")
	fl.StringVar(&o.SinceCommit, "since-commit", "", "scan only commits after this one (SHA..HEAD)")
	fl.StringVar(&since, "since", "", "scan only commits committed at or after this date (2024-01-31, RFC 3339, or '2 weeks ago')")
	fl.StringVar(&until, "until", "", "scan only commits committed at or before this date")
	fl.IntVar(&o.MaxCommits, "max-commits", 0, "scan only the newest N selected commits (0: all)")
	fl.BoolVar(&o.AllRefs, "all-refs", true, "scan commits reachable from every ref; false: HEAD (or --branch) only")
	fl.BoolVar(&staged, "staged", false, "scan only the lines staged for the next commit")
	fl.BoolVar(&preCommit, "pre-commit", false, "alias for --staged")
	fl.BoolVar(&worktree, "worktree", false, "also scan uncommitted working-tree changes and untracked files")

	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		path := "."
		if len(args) == 1 {
			path = args[0]
		}
		now := time.Now()
		var err error
		if o.Since, err = parseGitDate(since, now); err != nil {
			return usageErr(fmt.Errorf("--since: %w", err))
		}
		if o.Until, err = parseGitDate(until, now); err != nil {
			return usageErr(fmt.Errorf("--until: %w", err))
		}
		if o.MaxCommits < 0 {
			return usageErr(fmt.Errorf("--max-commits=%d: want 0 or more", o.MaxCommits))
		}
		staged = staged || preCommit
		if staged && (o.Commits != "" || o.SinceCommit != "" || len(o.Branches) > 0 || since != "" || until != "" || o.MaxCommits > 0) {
			return usageErr(fmt.Errorf("--staged scans the index, not history: it cannot be combined with --branch, --commits, --since-commit, --since, --until or --max-commits"))
		}
		if o.Commits != "" && o.SinceCommit != "" {
			return usageErr(fmt.Errorf("give --commits or --since-commit, not both"))
		}
		o.Workers = f.workers
		stderr := cmd.ErrOrStderr()
		note := func(s string) {
			if !f.quiet {
				fmt.Fprintln(stderr, "leakhound:", s)
			}
		}
		if !staged {
			bigScan(cmd, f)
		}
		return runScan(cmd, f, path, func(ctx context.Context, sc *scan.Scanner) error {
			if staged || worktree {
				// --worktree covers everything uncommitted: the staged
				// part (index against HEAD) and the rest (working tree
				// against the index).
				res, err := gitscan.ScanChanges(ctx, path, gitscan.ChangeOptions{Staged: true, Worktree: worktree}, sc)
				if err != nil {
					return err
				}
				for _, n := range res.Notes {
					note(n)
				}
				if staged {
					return nil
				}
			}
			res, err := gitscan.ScanHistory(ctx, path, o, sc)
			if err != nil {
				return err
			}
			for _, n := range res.Notes {
				note(n)
			}
			if len(res.Submodules) > 0 {
				note(fmt.Sprintf("submodules are not scanned (scan them separately): %s", strings.Join(res.Submodules, ", ")))
			}
			if f.verbose {
				note(fmt.Sprintf("%d commits, %d file versions", res.Commits, res.Blobs))
			}
			return nil
		})
	}
	return cmd
}

var relDate = regexp.MustCompile(`^(\d+)\s*(second|minute|hour|day|week|month|year)s?\s+ago$`)

// parseGitDate parses 2024-01-31, 2024-01-31 12:00:00, RFC 3339, or
// "N units ago". Empty is the zero time.
func parseGitDate(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, nil
		}
	}
	if m := relDate.FindStringSubmatch(strings.ToLower(s)); m != nil {
		n, _ := strconv.Atoi(m[1])
		switch m[2] {
		case "second":
			return now.Add(-time.Duration(n) * time.Second), nil
		case "minute":
			return now.Add(-time.Duration(n) * time.Minute), nil
		case "hour":
			return now.Add(-time.Duration(n) * time.Hour), nil
		case "day":
			return now.AddDate(0, 0, -n), nil
		case "week":
			return now.AddDate(0, 0, -7*n), nil
		case "month":
			return now.AddDate(0, -n, 0), nil
		case "year":
			return now.AddDate(-n, 0, 0), nil
		}
	}
	return time.Time{}, fmt.Errorf("invalid date %q (examples: 2024-01-31, 2024-01-31T12:00:00Z, '2 weeks ago')", s)
}
