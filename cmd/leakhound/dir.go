package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/leakhound/leakhound/internal/dirscan"
	"github.com/leakhound/leakhound/internal/scan"
)

func init() { commands = append(commands, newDirCmd) }

func newDirCmd() *cobra.Command {
	var gitignore, follow bool
	cmd := &cobra.Command{
		Use:   "dir [PATH...]",
		Short: "Scan files and directories",
		Long: `Scan files and directories (default: the current directory). Archives (zip, jar, tar,
tar.gz, gz) are opened up to --max-archive-depth; binary files and files over
--max-file-size are skipped and counted; .git directories are skipped.`,
		Example: `  leakhound dir
  leakhound dir src/ config/app.env
  leakhound dir --gitignore --format sarif --report leaks.sarif .
  leakhound dir --redact --exit-code 3 .`,
		RunE: nil,
	}
	f := addScanFlags(cmd)
	cmd.Flags().BoolVar(&gitignore, "gitignore", false, "skip paths ignored by .gitignore files")
	cmd.Flags().BoolVar(&follow, "follow-symlinks", false, "follow symbolic links (loop-safe)")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 {
			args = []string{"."}
		}
		bigScan(cmd, f)
		return runScan(cmd, f, args[0], func(ctx context.Context, sc *scan.Scanner) error {
			return dirscan.Walk(ctx, args, dirscan.Options{Workers: f.workers, Gitignore: gitignore, FollowSymlinks: follow}, sc)
		})
	}
	return cmd
}
