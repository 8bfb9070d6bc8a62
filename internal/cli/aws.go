package cli

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/eksguard/eksguard/pkg/finding"
	awssrc "github.com/eksguard/eksguard/pkg/source/aws"
	"github.com/eksguard/eksguard/pkg/target"
)

// awsFlags name the cluster and how to reach AWS.
type awsFlags struct {
	cluster  string
	region   string
	endpoint string
	objects  []string
}

func (a *awsFlags) register(c *cobra.Command) {
	c.Flags().StringVar(&a.cluster, "cluster", "", "EKS cluster name")
	c.Flags().StringVar(&a.region, "region", "", "AWS region (default: from the AWS configuration, AWS_REGION)")
	c.Flags().StringVar(&a.endpoint, "endpoint-url", "", "send every AWS call to this base URL (a proxy or a test server)")
	_ = c.Flags().MarkHidden("endpoint-url")
	c.Flags().StringArrayVar(&a.objects, "objects", nil, "manifests or kubectl output holding the cluster's ServiceAccounts (kubectl get serviceaccounts -A -o yaml), to match IRSA and Pod Identity roles with them (repeatable)")
}

// addObjects stores the cluster's ServiceAccounts from --objects in the snapshot.
func (a *awsFlags) addObjects(s awssrc.Store) []finding.InputError {
	if len(a.objects) == 0 {
		return nil
	}
	return s.AddServiceAccounts(a.objects)
}

func (a *awsFlags) fetch(ctx context.Context) (awssrc.Store, error) {
	if a.cluster == "" {
		return nil, usageErr("--cluster is required")
	}
	s, err := awssrc.Fetch(ctx, awssrc.Options{Cluster: a.cluster, Region: a.region, Endpoint: a.endpoint})
	if err != nil {
		return nil, usageErr("%v", err)
	}
	return s, nil
}

func newScanAWS() *cobra.Command {
	var (
		f        targetFlags
		a        awsFlags
		snapshot string
	)
	c := &cobra.Command{
		Use:   "aws",
		Short: "Check the AWS account around an EKS cluster (live, read-only, or from a snapshot)",
		Long: `Scan aws reads the cluster, its node groups, IAM roles, ECR repositories, VPC endpoints and
CloudTrail trails with read-only calls (credentials from the standard chain: environment,
profiles, SSO, IRSA, Pod Identity, instance role; the policy it needs is
deploy/aws-readonly-policy.json), or reads a snapshot saved by "eksguard aws snapshot".
A control whose call was denied is reported as "unknown: permission denied for <action>".

To scan a manifest directory that is named "aws", write it as ./aws.

Exit status: 0 nothing at or above --fail-on, 1 findings at or above it (unknown controls
count at their rule's severity), 2 usage or input errors.`,
		Example: "  eksguard scan aws --cluster prod --region eu-west-1\n  eksguard scan aws --snapshot prod-snapshot/ -f sarif",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := f.prepare(cmd, target.KindAWS)
			if err != nil {
				return err
			}
			var store awssrc.Store
			input := snapshot
			switch {
			case snapshot != "" && a.cluster != "":
				return usageErr("--snapshot and --cluster exclude each other")
			case snapshot != "":
				if store, err = awssrc.ReadDir(snapshot); err != nil {
					return usageErr("%v", err)
				}
			default:
				if store, err = a.fetch(cmd.Context()); err != nil {
					return err
				}
				input = "aws:" + a.cluster
			}
			objErrs := a.addObjects(store)
			t, errs := awssrc.Build(store, input)
			if t == nil {
				msgs := make([]string, len(errs))
				for i, e := range errs {
					msgs[i] = e.Error()
				}
				return usageErr("%s cannot be used: %s", input, strings.Join(msgs, "; "))
			}
			errs = append(errs, objErrs...)
			settings := map[string]string{"cluster": t.Cluster, "region": t.Region, "scan-date": t.Taken.Format("2006-01-02")}
			return f.run(cmd.OutOrStdout(), p, input, []target.Target{t}, errs, settings)
		},
	}
	f.register(c)
	a.register(c)
	c.Flags().StringVar(&snapshot, "snapshot", "", "read a snapshot directory instead of calling AWS")
	return c
}

func newAWS() *cobra.Command {
	c := &cobra.Command{Use: "aws", Short: "Work with AWS accounts: save snapshots for offline review"}
	var (
		a   awsFlags
		out string
	)
	snap := &cobra.Command{
		Use:   "snapshot",
		Short: "Save every AWS API answer the AWS checks use, as JSON files in a directory",
		Long: `Snapshot makes the same read-only calls as "scan aws" and saves each answer (or the error
that replaced it) as one JSON file under DIR, so that a reviewer without access can run
"eksguard scan aws --snapshot DIR" offline. The files hold configuration (role trust and
permission policies, repository policies, network layout), not secrets.`,
		Example: "  eksguard aws snapshot --cluster prod --region eu-west-1 --dir prod-snapshot",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usageErr("--dir DIR is required")
			}
			if entries, err := os.ReadDir(out); err == nil && len(entries) > 0 {
				return usageErr("--dir %s: directory is not empty", out)
			}
			s, err := a.fetch(cmd.Context())
			if err != nil {
				return err
			}
			if errs := a.addObjects(s); len(errs) > 0 {
				return usageErr("--objects: %v", errs[0])
			}
			if err := s.Save(out); err != nil {
				return usageErr("%v", err)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "saved %d API answers to %s\n", len(s), out)
			return nil
		},
	}
	a.register(snap)
	snap.Flags().StringVarP(&out, "dir", "d", "", "directory to write (created; must be empty)")
	// -o/--output names report files (FORMAT=FILE) everywhere else; kept hidden here for
	// the command lines written before --dir.
	snap.Flags().StringVarP(&out, "output", "o", "", "same as --dir")
	snap.Flags().MarkHidden("output")
	c.AddCommand(snap)
	return c
}
