package main

import (
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=1.2.3";
// otherwise it comes from the module's build info.
var version = ""

func init() { commands = append(commands, newVersionCmd) }

// buildVersion returns the semantic version without a leading "v".
func buildVersion() string {
	v := version
	if v == "" {
		if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
	}
	if v == "" {
		v = "0.1.0-dev"
	}
	return strings.TrimPrefix(v, "v")
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print the version",
		Example: "  leakhound version",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintln(cmd.OutOrStdout(), "leakhound", buildVersion())
			return nil
		},
	}
}
