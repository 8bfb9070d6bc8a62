package cli

import (
	"context"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/eksguard/eksguard/pkg/engine"
	"github.com/eksguard/eksguard/pkg/scan"
	"github.com/eksguard/eksguard/pkg/source/cluster"
	"github.com/eksguard/eksguard/pkg/target"
)

func newScanCluster() *cobra.Command {
	var (
		out      outputFlags
		flags    ruleFlags
		kube     kubeFlags
		comp     complianceFlag
		pageSize int64
	)
	c := &cobra.Command{
		Use:   "cluster",
		Short: "Check a live cluster through the Kubernetes API",
		Long: `Scan cluster reads a live cluster with read-only requests: the workloads of every namespace
(Pods, Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs, CronJobs,
ReplicationControllers), ServiceAccounts, Roles, ClusterRoles and their bindings,
NetworkPolicies, Services, Ingresses, Namespaces, the kube-system/aws-auth ConfigMap, and
SecurityGroupPolicy (vpcresources.k8s.aws) and PeerAuthentication (security.istio.io)
objects when their CRDs are installed.

Workload rules run on every top-level workload as it is read; an object made by a controller
that was read too (a Pod of a ReplicaSet, a ReplicaSet of a Deployment, a Job of a CronJob)
is reported through that owner, not again. Cluster-wide rules (RBAC, network, identity) run
once everything is read.

The cluster is the current context of the kubeconfig (KUBECONFIG, ~/.kube/config,
--kubeconfig), or --context; inside a pod with no kubeconfig, the pod's service account.
deploy/scanner-rbac.yaml grants the read-only rights the scan needs. A kind the scanner may
not read, or could not read whole, is listed in the report and makes the run exit 2: an
incomplete scan is never shown as clean.

Exit status: 0 nothing at or above --fail-on, 1 findings at or above it, 2 usage errors, an
unreachable API server, or kinds not read whole.`,
		Example: "  eksguard scan cluster\n  eksguard scan cluster --context prod -f sarif -o json=cluster.json\n  eksguard scan cluster --kubeconfig ./kubeconfig --qps 20 --burst 40",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := flags.resolve(cmd, target.KindObject, target.KindWorkload, target.KindCluster)
			if err != nil {
				return err
			}
			bench, err := comp.benchmark()
			if err != nil {
				return err
			}
			cfg, name, err := kube.config()
			if err != nil {
				return err
			}
			opts := cluster.DefaultOptions()
			if pageSize > 0 {
				opts.PageSize = pageSize
			}
			opts.Logger = slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelWarn}))
			src, err := cluster.New(cfg, opts)
			if err != nil {
				return usageErr("%v", err)
			}
			w, err := out.open(cmd.OutOrStdout())
			if err != nil {
				return err
			}
			defer w.Close()
			h := header([]string{name}, r.rules, r.settings)
			h.Settings["cluster"] = cfg.Host
			run := &scan.Cluster{
				Source:     src,
				Name:       name,
				Engine:     engine.New(r.rules, r.settings, r.exempter),
				Header:     h,
				Expired:    r.exempter.Expired(),
				FailOn:     r.threshold,
				Compliance: bench,
			}
			sum, err := run.Run(context.Background(), w)
			return finish(sum, err, w)
		},
	}
	out.register(c)
	flags.register(c)
	kube.register(c)
	comp.register(c)
	c.Flags().Int64Var(&pageSize, "page-size", cluster.DefaultOptions().PageSize, "objects asked for per list request")
	return c
}
