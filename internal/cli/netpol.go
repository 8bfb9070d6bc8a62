package cli

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/netpol"
	"github.com/eksguard/eksguard/pkg/scan"
	"github.com/eksguard/eksguard/pkg/snapshot"
	"github.com/eksguard/eksguard/pkg/source/cluster"
	"github.com/eksguard/eksguard/pkg/source/manifest"
)

func newNetpol() *cobra.Command {
	var (
		format string
		live   bool
		kube   kubeFlags
	)
	c := &cobra.Command{
		Use:   "netpol [PATH|-]... | --cluster",
		Short: "Show who can reach whom under the NetworkPolicies of manifests or a cluster",
		Long: `Netpol evaluates NetworkPolicies with Kubernetes semantics and prints who can reach whom:
pods grouped by namespace and labels, the ports and protocols each group may open to each
other group, and the address blocks (ipBlock) each group may reach or be reached from. See
docs/netpol.md for the semantics and the grouping.

With --cluster it reads a live cluster (kubeconfig, --context, or the pod's service account)
and shows the running Pods; otherwise it reads manifests (files, directories, "-" for stdin)
and shows the pod templates of their workloads.

Exit status: 0 done, 2 for usage or input errors (including policies that do not compile and
kinds the cluster read could not read whole).`,
		Example: "  eksguard netpol deploy/\n  helm template ./chart | eksguard netpol - --format json\n  eksguard netpol --cluster --context prod",
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "table" && format != "json" {
				return usageErr("--format %q: want table or json", format)
			}
			var (
				snap   *snapshot.Snapshot
				inErrs []finding.InputError
				keep   func(*snapshot.Pod) bool
			)
			if live {
				if len(args) > 0 {
					return usageErr("--cluster reads no paths")
				}
				cfg, name, err := kube.config()
				if err != nil {
					return err
				}
				opts := cluster.DefaultOptions()
				opts.Logger = slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelWarn}))
				src, err := cluster.New(cfg, opts)
				if err != nil {
					return usageErr("%v", err)
				}
				snap, inErrs, err = scan.LoadClusterSnapshot(context.Background(), src, name)
				if err != nil {
					return &exitError{code: ExitUsage, err: err}
				}
				keep = netpol.LivePods
			} else {
				if len(args) == 0 {
					args = []string{"."}
				}
				snap, inErrs = scan.LoadSnapshot(args, cmd.InOrStdin(), manifest.Options{Limits: manifest.DefaultLimits(), FullMetadata: true})
			}
			set, pods, errs := netpol.FromSnapshotPods(snap, keep)
			v := netpol.BuildView(set, pods, errs)
			for _, e := range inErrs {
				v.Errors = append(v.Errors, e.Input+": "+e.Message)
			}
			var err error
			if format == "json" {
				err = netpol.WriteJSON(cmd.OutOrStdout(), v)
			} else {
				err = netpol.WriteTable(cmd.OutOrStdout(), v)
			}
			if err != nil {
				return err
			}
			if len(v.Errors) > 0 {
				return &exitError{code: ExitUsage, err: fmt.Errorf("%d inputs or policies could not be read (listed in the output)", len(v.Errors))}
			}
			return nil
		},
	}
	c.Flags().StringVarP(&format, "format", "f", "table", "output format: table or json")
	c.Flags().BoolVar(&live, "cluster", false, "read a live cluster instead of manifests")
	kube.register(c)
	return c
}
