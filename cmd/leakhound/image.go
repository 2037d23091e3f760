package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/leakhound/leakhound/internal/imagescan"
	"github.com/leakhound/leakhound/internal/scan"
)

func init() { commands = append(commands, newImageCmd) }

func newImageCmd() *cobra.Command {
	var (
		platform string
		insecure bool
	)
	cmd := &cobra.Command{
		Use:   "image REF [REF...]",
		Short: "Scan container images: every layer, the config and the history",
		Long: `Scan container images without a Docker daemon. REF is one of:
  - a docker save tarball (legacy or Docker 25+), or an OCI archive tarball;
  - an OCI image layout directory; PATH:NAME picks an image by tag or ref name;
  - a registry reference (registry/repo:tag or repo@sha256:...), pulled with your
    docker credentials (~/.docker/config.json, $DOCKER_CONFIG, credential helpers).
A REF that exists on disk is read from disk.

Every file of every layer is scanned, including files a later layer deletes or
overwrites; each finding says whether its file is present, deleted or overwritten
in the final image. The config's Env, Labels, Entrypoint, Cmd, OnBuild,
Healthcheck and every history step (where ARG and RUN secrets land) are scanned
too. Identical layers and files are scanned once.

Config discovery (.leakhound.toml, .gitleaks.toml), ignore files and the
baseline are looked up in the current directory. See docs/image.md.`,
		Example: `  leakhound image app.tar
  leakhound image ghcr.io/acme/api:1.4 --platform linux/arm64
  leakhound image oci-dir:api:1.4 --format sarif --report image.sarif
  leakhound image --insecure-registry localhost:5000/app:dev`,
		Args: cobra.MinimumNArgs(1),
	}
	f := addScanFlags(cmd)
	cmd.Flags().StringVar(&platform, "platform", imagescan.DefaultPlatform, "platform (os/arch[/variant]) to pick from multi-platform images")
	cmd.Flags().BoolVar(&insecure, "insecure-registry", false, "allow plain HTTP and unverified TLS registries")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		opts := imagescan.Options{Insecure: insecure, Workers: f.workers}
		if cmd.Flags().Changed("platform") {
			opts.Platform = platform // explicit: strict
		}
		bigScan(cmd, f)
		return runScan(cmd, f, ".", func(ctx context.Context, sc *scan.Scanner) error {
			return imagescan.Scan(ctx, args, opts, sc)
		})
	}
	return cmd
}
