package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/leakhound/leakhound/detect"
	"github.com/leakhound/leakhound/internal/scan"
)

func init() { commands = append(commands, newStdinCmd) }

func newStdinCmd() *cobra.Command {
	var label string
	cmd := &cobra.Command{
		Use:   "stdin",
		Short: "Scan standard input",
		Long:  `Scan what arrives on standard input, of any size (it is read in chunks).`,
		Example: `  cat .env | leakhound stdin
  kubectl get secret -o yaml | leakhound stdin --label k8s-secrets.yaml
  git diff | leakhound stdin -f json`,
		Args: cobra.NoArgs,
	}
	f := addScanFlags(cmd)
	cmd.Flags().StringVar(&label, "label", "stdin", "path to report for findings")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		return runScan(cmd, f, ".", func(ctx context.Context, sc *scan.Scanner) error {
			// stdin is never subject to --max-file-size: the user chose to pipe it.
			c := *sc
			c.Opts.MaxFileSize = 0
			err := c.ScanItem(ctx, detect.Location{Source: detect.SourceStdin, Path: label}, cmd.InOrStdin(), -1)
			if err != nil && ctx.Err() == nil {
				return fmt.Errorf("read stdin: %w", err)
			}
			return nil
		})
	}
	return cmd
}
