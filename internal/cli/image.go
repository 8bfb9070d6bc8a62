package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/eksguard/eksguard/pkg/config"
	"github.com/eksguard/eksguard/pkg/engine"
	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/image"
	"github.com/eksguard/eksguard/pkg/image/secret"
	"github.com/eksguard/eksguard/pkg/imagefs"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/sbom"
	"github.com/eksguard/eksguard/pkg/scan"
	"github.com/eksguard/eksguard/pkg/target"
	"github.com/eksguard/eksguard/pkg/vuln"
	"github.com/eksguard/eksguard/rules/all"
)

// formatCycloneDX is the SBOM output of `scan image`; it is not a findings report.
const formatCycloneDX = "cyclonedx"

func newScanImage() *cobra.Command {
	var (
		out      outputFlags
		failOn   string
		cfgFile  string
		include  []string
		exclude  []string
		platform string
		timeout  time.Duration
		maxFile  int64
		vdb      vulnDBFlags
	)
	c := &cobra.Command{
		Use:   "image REF",
		Short: "Scan a container image: packages, setuid/setgid files, root user, secrets, layers",
		Long: `Scan image reads a container image without extracting it: each layer is streamed once into a
merged virtual filesystem. REF is a registry reference (tag or digest; credentials from the docker
config, and from ECR for *.dkr.ecr.<region>.amazonaws.com), oci:DIR (an OCI image layout),
docker-archive:FILE (docker save output) or dir:ROOTFS (a root filesystem on disk).

Vulnerabilities: the inventory is matched against the local vulnerability database (see 'eksguard
db'), and each finding names the layer that added the package. Without a database the report says
vulnerabilities were not checked (and so does stderr): run 'eksguard db update', or 'eksguard db
import' offline.

--format cyclonedx writes the package inventory as a CycloneDX 1.6 SBOM instead of the findings.

Exit status: 0 nothing at or above --fail-on, 1 findings at or above it, 2 usage or input errors
(an unreadable layer or entry is an input error; the report lists it).`,
		Example: "  eksguard scan image public.ecr.aws/docker/library/debian:12\n  eksguard scan image oci:./layout --platform linux/arm64 -f sarif\n  eksguard scan image docker-archive:app.tar -f cyclonedx > sbom.json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := config.Load(cfgFile, cmd.Flags().Changed("config"))
			if err != nil {
				return usageErr("%v", err)
			}
			if _, err := image.ParsePlatform(platform); err != nil {
				return usageErr("%v", err)
			}
			ref, err := image.ParseRef(args[0])
			if err != nil {
				return usageErr("%v", err)
			}
			pick := failOn
			if !cmd.Flags().Changed("fail-on") && cfg.FailOn != "" {
				pick = cfg.FailOn
			}
			threshold, err := finding.ParseSeverity(pick)
			if err != nil {
				return usageErr("--fail-on: %v", err)
			}
			// SBOM outputs are split off the findings outputs.
			sbomOut := ""
			var rest []string
			for _, o := range out.outputs {
				if f, file, ok := strings.Cut(o, "="); ok && f == formatCycloneDX {
					sbomOut = file
					continue
				}
				rest = append(rest, o)
			}
			out.outputs = rest
			sbomStdout := out.format == formatCycloneDX
			if sbomStdout {
				out.format = "json"
			}
			sel := rule.Selector{Include: append(cfg.Rules.Include, include...), Exclude: append(cfg.Rules.Exclude, exclude...)}
			rules, err := all.Registry().Select(sel)
			if err != nil {
				return usageErr("%v", err)
			}
			var imageRules []rule.Rule
			for _, r := range rules {
				if r.Meta().Target == target.KindImage {
					imageRules = append(imageRules, r)
				}
			}
			settings := rule.DefaultSettings()
			exempter := config.NewExempter(cfg, time.Now())
			stdout := cmd.OutOrStdout()
			reportTo := stdout
			if sbomStdout {
				reportTo = io.Discard
			}
			w, err := out.open(reportTo)
			if err != nil {
				return err
			}
			defer w.Close()
			vopts, err := vdb.options()
			if err != nil {
				return err
			}
			var vulns *vuln.Scanner
			noVulns := ""
			if !sbomStdout {
				vulns, err = vuln.Open(vopts)
				switch {
				case vuln.IsNoDatabase(err):
					noVulns = "not checked: " + err.Error()
					fmt.Fprintln(cmd.ErrOrStderr(), "eksguard: vulnerabilities not checked:", err)
				case err != nil:
					return &exitError{code: ExitUsage, err: err}
				default:
					defer vulns.Close()
					for _, w := range vulns.Warnings {
						fmt.Fprintln(cmd.ErrOrStderr(), "eksguard: warning:", w)
					}
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			run := &scan.Image{
				Ref:     args[0],
				Options: image.Options{Platform: platform, Progress: cmd.ErrOrStderr()},
				Limits:  imagefs.Limits{MaxFileBytes: maxFile},
				Secrets: secret.Default,
				Engine:  engine.New(imageRules, settings, exempter),
				Header:  header(args, imageRules, settings),
				Expired: exempter.Expired(),
				FailOn:  threshold,
				Vulns:   vulns,
				NoVulns: noVulns,
				Notes:   cmd.ErrOrStderr(),
			}
			delete(run.Header.Settings, "pss-level")
			delete(run.Header.Settings, "pss-version")
			delete(run.Header.Settings, "allowed-registries")
			sum, t, err := run.Run(ctx, w)
			if err != nil {
				return &exitError{code: ExitUsage, err: err}
			}
			if err := w.Close(); err != nil {
				return err
			}
			if t != nil && (sbomStdout || sbomOut != "") {
				doc := sbom.Image{Name: ref.String(), Digest: t.Digest, Platform: t.Platform, Inventory: t.Inventory}
				if sbomStdout {
					if err := sbom.WriteCycloneDX(stdout, doc); err != nil {
						return &exitError{code: ExitUsage, err: err}
					}
				}
				if sbomOut != "" {
					if err := writeFile(sbomOut, func(w io.Writer) error { return sbom.WriteCycloneDX(w, doc) }); err != nil {
						return &exitError{code: ExitUsage, err: err}
					}
				}
			}
			if sbomStdout {
				// The SBOM is the output: only errors decide the exit status.
				for _, e := range sum.Errors {
					printInputError(cmd.ErrOrStderr(), e)
				}
				return inputErrorsExit(sum.Stats.InputErrors, false)
			}
			return exitFor(sum)
		},
	}
	out.register(c)
	c.Flags().Lookup("format").Usage += ", " + formatCycloneDX + " (SBOM)"
	failOnFlag(c, &failOn, "a finding")
	c.Flags().StringVar(&cfgFile, "config", config.DefaultFile, "config file (exemptions, rule selection)")
	c.Flags().StringSliceVar(&include, "rules", nil, "run only these rules: IDs, areas (image) or tags")
	c.Flags().StringSliceVar(&exclude, "skip-rules", nil, "leave out these rules: IDs, areas or tags")
	c.Flags().StringVar(&platform, "platform", "linux/amd64", "platform to pick from a multi-platform index: os/arch[/variant]")
	c.Flags().DurationVar(&timeout, "timeout", 30*time.Minute, "give up on the image after this long")
	c.Flags().Int64Var(&maxFile, "max-file-bytes", 64<<20, "largest file whose content analysers read (larger ones are listed as skipped)")
	vdb.register(c)
	return c
}

func writeFile(name string, fn func(io.Writer) error) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	if err := fn(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func newImage() *cobra.Command {
	c := &cobra.Command{
		Use:   "image",
		Short: "Act on container images (defang)",
	}
	c.AddCommand(newDefang())
	return c
}

func newDefang() *cobra.Command {
	var (
		platform string
		force    bool
		asJSON   bool
	)
	c := &cobra.Command{
		Use:   "defang SRC DST",
		Short: "Write a copy of an image with every setuid/setgid bit cleared",
		Long: `Defang writes DST: the image SRC with one added layer that re-adds every setuid and setgid file of
the final filesystem with those bits cleared, keeping content, owner and times. The list of changed
files is printed, and recorded in the new layer's history entry and in its
` + image.DefangAnnotation + ` annotation. SRC and DST are registry references, oci:DIR or
docker-archive:FILE. Defang refuses to overwrite SRC unless --force is given.`,
		Example: "  eksguard image defang oci:./app oci:./app-defanged\n  eksguard image defang registry.example.com/app:1.2 registry.example.com/app:1.2-defanged",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			src, err := image.ParseRef(args[0])
			if err != nil {
				return usageErr("%v", err)
			}
			dst, err := image.ParseRef(args[1])
			if err != nil {
				return usageErr("%v", err)
			}
			if _, err := image.ParsePlatform(platform); err != nil {
				return usageErr("%v", err)
			}
			res, err := image.Defang(context.Background(), src, dst, image.Options{Platform: platform, Progress: cmd.ErrOrStderr()}, force, imagefs.Limits{})
			if errors.Is(err, image.ErrSameImage) {
				return usageErr("%v", err)
			}
			if err != nil {
				return &exitError{code: ExitUsage, err: err}
			}
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(res)
			}
			if len(res.Changes) == 0 {
				fmt.Fprintf(out, "%s has no setuid or setgid file; wrote it unchanged to %s (%s)\n", res.Source, res.Destination, res.Digest)
				return nil
			}
			fmt.Fprintf(out, "cleared setuid/setgid bits on %d files of %s:\n", len(res.Changes), res.Source)
			for _, ch := range res.Changes {
				fmt.Fprintf(out, "  %s  %s -> %s  owner %s  (set by layer %s)\n", ch.Path, ch.OldMode, ch.NewMode, ch.Owner, ch.Layer)
			}
			fmt.Fprintf(out, "wrote %s (%s)\n", res.Destination, res.Digest)
			return nil
		},
	}
	c.Flags().StringVar(&platform, "platform", "linux/amd64", "platform to pick from a multi-platform index: os/arch[/variant]")
	c.Flags().BoolVar(&force, "force", false, "allow DST to be SRC (overwrite the source image)")
	c.Flags().BoolVar(&asJSON, "json", false, "print the changes as JSON")
	return c
}
