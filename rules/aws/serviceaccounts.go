package aws

import (
	"sort"
	"strings"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/iampolicy"
	"github.com/eksguard/eksguard/pkg/ref"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/target"
)

func saSubjectOf(ns, name string) subject { return subject{"ServiceAccount", ns + "/" + name} }

// pinnedSubjects are the service accounts a trust statement names under StringEquals.
func pinnedSubjects(s *iampolicy.Statement, issuer string) []string {
	var out []string
	for op, vals := range conditionValues(s, issuer+":sub") {
		if strings.TrimSuffix(op, "IfExists") == "StringEquals" || (op == "StringLike" && !anyHasWildcard(vals)) {
			out = append(out, vals...)
		}
	}
	return out
}

func anyHasWildcard(vals []string) bool {
	for _, v := range vals {
		if iampolicy.HasWildcard(v) {
			return true
		}
	}
	return false
}

// IRSAServiceAccounts matches IRSA roles, Pod Identity associations and the cluster's
// ServiceAccounts (given with --objects).
func IRSAServiceAccounts() rule.Rule {
	return &awsRule{M: rule.Meta{
		ID:          "aws/irsa-service-account",
		Title:       "IAM roles and service accounts do not match",
		Description: "Every service account annotated with eks.amazonaws.com/role-arn must name an existing role that trusts exactly that service account; every service account an IRSA role trusts must exist and carry that role's ARN (else a later service account of that name inherits the role); every Pod Identity association must name an existing service account. Runs when the cluster's ServiceAccounts are given (scan aws --objects, or in the snapshot); skipped otherwise.",
		Remediation: "Annotate the service account with the role that trusts it, or fix the trust policy, or delete the stale grant.\n\nkubectl -n NAMESPACE annotate serviceaccount NAME eks.amazonaws.com/role-arn=arn:aws:iam::ACCOUNT:role/ROLE --overwrite",
		Severity:    finding.SeverityMedium, Category: "Identity", Tags: []string{"aws", "irsa"},
		References: []ref.Ref{iamGuide, ref.Link("https://docs.aws.amazon.com/eks/latest/userguide/associate-service-account-role.html", "Assign IAM roles to Kubernetes service accounts")},
	}, Fn: func(c *check) {
		sas := c.a.ServiceAccounts
		if sas == nil {
			c.skip = true
			return
		}
		if !c.need(c.clusterSubject(), &sas.Answer, "kubectl get serviceaccounts") {
			return
		}
		issuer, ok := c.issuer()
		if !ok {
			return
		}
		roles, rolesOK := c.roles()
		provider := "arn:" + target.Partition(c.a.Region) + ":iam::" + c.a.AccountID() + ":oidc-provider/" + issuer
		// Service accounts that name a role.
		for _, sa := range sas.ServiceAccounts {
			if sa.RoleArn == "" || !rolesOK {
				continue
			}
			s := saSubjectOf(sa.Namespace, sa.Name)
			r := c.a.Role(sa.RoleArn)
			if r == nil {
				c.fail(s, sas.File, "metadata.annotations[\"eks.amazonaws.com/role-arn\"]", "annotated role "+sa.RoleArn+" does not exist", nil)
				continue
			}
			p, err := iampolicy.ParseEncoded(r.AssumeRolePolicyDocument)
			if err != nil {
				c.unknown(s, c.a.Roles.File, "trust policy of "+r.RoleName+" could not be evaluated: "+err.Error())
				continue
			}
			req := iampolicy.Request{Principal: iampolicy.Principal{Type: "Federated", ID: provider}, Action: "sts:AssumeRoleWithWebIdentity", Resource: r.Arn,
				Context: map[string][]string{issuer + ":sub": {"system:serviceaccount:" + sa.Namespace + ":" + sa.Name}, issuer + ":aud": {"sts.amazonaws.com"}}}
			if issuer == "" || p.Evaluate(req) != iampolicy.Allowed {
				c.fail(s, sas.File, "metadata.annotations[\"eks.amazonaws.com/role-arn\"]", "role "+r.RoleName+" does not trust this service account", nil)
			}
		}
		// Roles that name service accounts.
		if rolesOK && issuer != "" {
			for i := range roles {
				r := &roles[i]
				p, err := iampolicy.ParseEncoded(r.AssumeRolePolicyDocument)
				if err != nil {
					continue // reported by aws/irsa-trust-policy
				}
				var subs []string
				for _, st := range irsaStatements(p, issuer) {
					subs = append(subs, pinnedSubjects(st, issuer)...)
				}
				sort.Strings(subs)
				for _, sub := range subs {
					rest, ok := strings.CutPrefix(sub, "system:serviceaccount:")
					ns, name, ok2 := strings.Cut(rest, ":")
					if !ok || !ok2 {
						continue
					}
					sa := c.a.ServiceAccount(ns, name)
					switch {
					case sa == nil:
						c.fail(roleSubject(r), c.a.Roles.File, "Roles[RoleName="+r.RoleName+"].AssumeRolePolicyDocument", "trusts service account "+ns+"/"+name+", which does not exist", nil)
					case sa.RoleArn != r.Arn:
						c.fail(roleSubject(r), c.a.Roles.File, "Roles[RoleName="+r.RoleName+"].AssumeRolePolicyDocument", "trusts service account "+ns+"/"+name+", which is annotated with "+orNone(sa.RoleArn), nil)
					}
				}
			}
		}
		// Pod Identity associations.
		if pl := c.a.PodIdentities; pl != nil && pl.Error == nil {
			for _, as := range pl.Associations {
				if c.a.ServiceAccount(as.Namespace, as.ServiceAccount) == nil {
					c.fail(subject{"PodIdentityAssociation", as.Namespace + "/" + as.ServiceAccount}, pl.File, "Associations", "service account "+as.Namespace+"/"+as.ServiceAccount+" does not exist", nil)
				}
			}
		}
	}}
}

func orNone(s string) string {
	if s == "" {
		return "no role"
	}
	return s
}
