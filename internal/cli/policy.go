package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/eksguard/eksguard/pkg/admission"
	"github.com/eksguard/eksguard/pkg/policyexport"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/rules/all"
)

func newPolicy() *cobra.Command {
	c := &cobra.Command{
		Use:   "policy",
		Short: "Export the workload rules as policies for other admission engines",
	}
	c.AddCommand(newPolicyExport())
	return c
}

func newPolicyExport() *cobra.Command {
	var (
		format, action string
		include        []string
		exclude        []string
		excluded       []string
		list           bool
	)
	c := &cobra.Command{
		Use:   "export",
		Short: "Write the rules as ValidatingAdmissionPolicies, Kyverno ClusterPolicies or Gatekeeper ConstraintTemplates",
		Long: `Export writes the workload rules that translate to CEL as policies, one per rule, with the
same semantics as "eksguard scan":

  vap         ValidatingAdmissionPolicy and ValidatingAdmissionPolicyBinding (Kubernetes 1.30+)
  kyverno     Kyverno ClusterPolicy with a CEL rule (Kyverno 1.11+)
  gatekeeper  Gatekeeper ConstraintTemplate (CEL engine K8sNativeValidation, stable in Gatekeeper v3.18+) and its Constraint

Rules that do not translate are listed on stderr with the reason; --list prints them all.
See docs/admission.md.`,
		Example: "  eksguard policy export --format vap | kubectl apply -f -\n  eksguard policy export --format kyverno --action Audit --rules pod/privileged,pod/host-path",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			rules, err := all.Registry().Select(rule.Selector{Include: include, Exclude: exclude})
			if err != nil {
				return usageErr("%v", err)
			}
			policies, skipped := policyexport.Select(rules)
			if list {
				out := cmd.OutOrStdout()
				for _, p := range policies {
					fmt.Fprintf(out, "%-32s exported\n", p.Meta.ID)
				}
				for _, s := range skipped {
					fmt.Fprintf(out, "%-32s not exported: %s\n", s.ID, s.Reason)
				}
				return nil
			}
			if len(policies) == 0 {
				return usageErr("none of the selected rules translates to a policy (see --list)")
			}
			if len(include) > 0 {
				for _, s := range skipped {
					fmt.Fprintf(cmd.ErrOrStderr(), "eksguard: %s not exported: %s\n", s.ID, s.Reason)
				}
			} else if len(skipped) > 0 {
				fmt.Fprintf(cmd.ErrOrStderr(), "eksguard: exported %d rules; %d others do not translate (--list says why)\n", len(policies), len(skipped))
			}
			if len(excluded) == 0 {
				excluded = admission.DefaultConfig().Excluded()
			}
			out, err := policyexport.Render(strings.ToLower(format), policies, policyexport.Options{Action: action, Excluded: excluded})
			if err != nil {
				return usageErr("%v", err)
			}
			_, err = cmd.OutOrStdout().Write(out)
			return err
		},
	}
	c.Flags().StringVar(&format, "format", policyexport.FormatVAP, "vap, kyverno or gatekeeper")
	c.Flags().StringVar(&action, "action", "Deny", "on a failed rule: Deny, Warn or Audit")
	c.Flags().StringSliceVar(&include, "rules", nil, "export only these rules: IDs, areas (pod) or tags (tag:cis)")
	c.Flags().StringSliceVar(&exclude, "skip-rules", nil, "leave out these rules")
	c.Flags().StringSliceVar(&excluded, "exclude-namespaces", nil, "namespaces never checked (default: kube-system, kube-node-lease, eksguard, as the webhook)")
	c.Flags().BoolVar(&list, "list", false, "list every rule and whether it is exported, with the reason when not")
	return c
}
