package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/leakhound/leakhound/detect"
	"github.com/leakhound/leakhound/rules"
)

func init() { commands = append(commands, newRulesCmd) }

func newRulesCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "List and check detection rules",
		Example: `  leakhound rules list
  leakhound rules list --format json
  leakhound rules check .leakhound.toml`,
	}
	cmd.AddCommand(newRulesListCmd(), newRulesCheckCmd())
	return cmd
}

// ruleInfo is the JSON form of `rules list`.
type ruleInfo struct {
	ID          string   `json:"id"`
	Severity    string   `json:"severity"`
	Keywords    []string `json:"keywords"`
	Description string   `json:"description"`
	Tags        []string `json:"tags"`
	Source      string   `json:"source"`
}

func newRulesListCmd() *cobra.Command {
	var config, format string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the rules in effect",
		Long: `List the rules in effect: the built-in ruleset, or the configuration found by the
usual discovery (--config, $LEAKHOUND_CONFIG, .leakhound.toml, .gitleaks.toml in the
current directory).`,
		Example: `  leakhound rules list
  leakhound rules list --format json | jq length
  leakhound rules list -c my-rules.toml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, _, err := rules.Discover(config, ".", os.Getenv)
			if err != nil {
				return &exitErr{code: exitError, err: configErr(err)}
			}
			out := cmd.OutOrStdout()
			switch format {
			case "json":
				infos := make([]ruleInfo, 0, len(cfg.Rules))
				for _, r := range cfg.Rules {
					infos = append(infos, ruleInfo{ID: r.ID, Severity: r.Severity, Keywords: nonNil(r.Keywords), Description: r.Description, Tags: nonNil(r.Tags), Source: r.File})
				}
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(infos)
			case "human", "":
				tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tSEVERITY\tKEYWORDS\tDESCRIPTION")
				for _, r := range cfg.Rules {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.ID, r.Severity, strings.Join(r.Keywords, ","), r.Description)
				}
				if err := tw.Flush(); err != nil {
					return err
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "%d rules\n", len(cfg.Rules))
				return nil
			default:
				return usageErr(fmt.Errorf("unknown format %q (want human or json)", format))
			}
		},
	}
	cmd.Flags().StringVarP(&config, "config", "c", "", "config file")
	cmd.Flags().StringVarP(&format, "format", "f", "human", "output format: human or json")
	return cmd
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func newRulesCheckCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "check [CONFIG]",
		Short: "Validate a configuration and print every problem",
		Long: `Validate a configuration: TOML syntax, unknown keys, regexes (compiled with RE2),
secretGroup ranges, duplicate ids, allowlists. Every problem is printed with its file,
line and rule id. Without CONFIG the usual discovery applies. Exit code 2 when there
are problems.`,
		Example: `  leakhound rules check .leakhound.toml
  leakhound rules check`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := ""
			if len(args) == 1 {
				path = args[0]
			}
			cfg, src, err := rules.Discover(path, ".", os.Getenv)
			if err != nil {
				var probs rules.Problems
				if errors.As(err, &probs) {
					for _, p := range probs {
						fmt.Fprintln(cmd.OutOrStdout(), p.String())
					}
					return &exitErr{code: exitError, err: fmt.Errorf("%s: %d %s", src, len(probs), plural(len(probs), "problem", "problems"))}
				}
				return &exitErr{code: exitError, err: err}
			}
			eng, err := detect.New(cfg, detect.Options{})
			if err != nil {
				return &exitErr{code: exitError, err: err}
			}
			if errs := eng.CompileErrors(); len(errs) > 0 {
				for _, e := range errs {
					fmt.Fprintln(cmd.OutOrStdout(), e)
				}
				return &exitErr{code: exitError, err: fmt.Errorf("%s: %d %s", src, len(errs), plural(len(errs), "problem", "problems"))}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: ok, %d rules\n", src, len(cfg.Rules))
			return nil
		},
	}
	return cmd
}
