package aws

import (
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/iampolicy"
	"github.com/eksguard/eksguard/pkg/ref"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/target"
)

var iamGuide = ref.Guide("identity-and-access-management", "Scope the IAM Role trust policy for IRSA Roles to the service account name, namespace, and cluster")

func roleSubject(r *target.Role) subject { return subject{"IAMRole", r.RoleName} }

// roles returns the account's roles, or records unknown.
func (c *check) roles() ([]target.Role, bool) {
	if !c.need(c.clusterSubject(), ans(c.a.Roles), "iam:ListRoles") {
		return nil, false
	}
	return c.a.Roles.Roles, true
}

// issuer is the cluster's OIDC issuer host/path ("" when the cluster has none).
func (c *check) issuer() (string, bool) {
	cl := c.cluster()
	if cl == nil {
		return "", false
	}
	if cl.Identity == nil || cl.Identity.Oidc == nil {
		return "", true
	}
	return strings.TrimPrefix(cl.Identity.Oidc.Issuer, "https://"), true
}

var saSubject = regexp.MustCompile(`^system:serviceaccount:[a-z0-9]([-a-z0-9]*[a-z0-9])?:[a-z0-9]([-.a-z0-9]*[a-z0-9])?$`)

// irsaStatements are the Allow statements of a trust policy that let the cluster's OIDC
// provider assume the role.
func irsaStatements(p *iampolicy.Policy, issuer string) []*iampolicy.Statement {
	var out []*iampolicy.Statement
	for i := range p.Statements {
		s := &p.Statements[i]
		if s.Effect != iampolicy.Allow {
			continue
		}
		fed := false
		for _, id := range s.Principal["Federated"] {
			if strings.HasSuffix(id, ":oidc-provider/"+issuer) {
				fed = true
			}
		}
		if !fed {
			continue
		}
		if s.Action != nil && !anyWild(s.Action, "sts:AssumeRoleWithWebIdentity") {
			continue
		}
		out = append(out, s)
	}
	return out
}

func anyWild(patterns []string, v string) bool {
	for _, p := range patterns {
		if iampolicy.Wildcard(strings.ToLower(p), strings.ToLower(v)) {
			return true
		}
	}
	return false
}

// conditionValues collects, for a condition key (any case), its values by operator.
func conditionValues(s *iampolicy.Statement, key string) map[string][]string {
	out := map[string][]string{}
	for op, keys := range s.Condition {
		for k, v := range keys {
			if strings.EqualFold(k, key) {
				out[op] = append(out[op], v...)
			}
		}
	}
	return out
}

// IRSATrust checks every role whose trust policy names the cluster's OIDC provider.
func IRSATrust() rule.Rule {
	return &awsRule{M: rule.Meta{
		ID:          "aws/irsa-trust-policy",
		Title:       "IRSA role trust policy does not pin one service account",
		Description: "A role trusted by the cluster's OIDC provider must name exactly one system:serviceaccount:<namespace>:<name> in a StringEquals condition on :sub (no wildcard, no StringLike pattern, not missing) and require :aud to be sts.amazonaws.com; otherwise other service accounts, or tokens for other audiences, can assume it.",
		Remediation: "Pin the subject and the audience in the trust policy.\n\n\"Condition\": {\"StringEquals\": {\"oidc.eks.REGION.amazonaws.com/id/ID:sub\": \"system:serviceaccount:NAMESPACE:NAME\", \"oidc.eks.REGION.amazonaws.com/id/ID:aud\": \"sts.amazonaws.com\"}}",
		Severity:    finding.SeverityHigh, Category: "Identity", Tags: []string{"aws", "irsa"},
		References: []ref.Ref{ref.CIS("5.2.1"), iamGuide},
	}, Fn: func(c *check) {
		issuer, ok := c.issuer()
		if !ok || issuer == "" {
			return
		}
		roles, ok := c.roles()
		if !ok {
			return
		}
		for i := range roles {
			r := &roles[i]
			if !strings.Contains(r.AssumeRolePolicyDocument, url(issuer)) && !strings.Contains(r.AssumeRolePolicyDocument, issuer) {
				continue
			}
			p, err := iampolicy.ParseEncoded(r.AssumeRolePolicyDocument)
			if err != nil {
				c.unknown(roleSubject(r), c.a.Roles.File, "trust policy of "+r.RoleName+" could not be evaluated: "+err.Error())
				continue
			}
			var why []string
			for _, s := range irsaStatements(p, issuer) {
				why = append(why, judgeIRSA(s, issuer)...)
			}
			// Meaning check: a made-up service account must not be able to assume the role.
			probe := iampolicy.Request{
				Principal: iampolicy.Principal{Type: "Federated", ID: "arn:" + target.Partition(c.a.Region) + ":iam::" + c.a.AccountID() + ":oidc-provider/" + issuer},
				Action:    "sts:AssumeRoleWithWebIdentity", Resource: r.Arn,
				Context: map[string][]string{issuer + ":sub": {"system:serviceaccount:eksguard-probe:not-a-real-sa"}, issuer + ":aud": {"sts.amazonaws.com"}},
			}
			if p.Evaluate(probe) == iampolicy.Allowed && len(why) == 0 {
				why = append(why, "any service account of the cluster can assume it")
			}
			if len(why) > 0 {
				sort.Strings(why)
				c.fail(roleSubject(r), c.a.Roles.File, "Roles[RoleName="+r.RoleName+"].AssumeRolePolicyDocument", strings.Join(dedupe(why), "; "), map[string]string{"role": r.Arn})
			}
		}
	}}
}

func url(issuer string) string { return strings.ReplaceAll(issuer, "/", "%2F") }

func dedupe(s []string) []string {
	var out []string
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

func judgeIRSA(s *iampolicy.Statement, issuer string) []string {
	var why []string
	sub := conditionValues(s, issuer+":sub")
	aud := conditionValues(s, issuer+":aud")
	var pinned []string
	for op, vals := range sub {
		base := strings.TrimSuffix(op, "IfExists")
		switch {
		case base == "StringEquals":
			pinned = append(pinned, vals...)
		case base == "StringLike":
			for _, v := range vals {
				if iampolicy.HasWildcard(v) {
					why = append(why, "StringLike pattern "+strconv.Quote(v)+" on :sub matches many service accounts")
				} else {
					pinned = append(pinned, v)
				}
			}
		default:
			why = append(why, op+" on :sub does not pin a service account")
		}
		if strings.HasSuffix(op, "IfExists") {
			why = append(why, op+" on :sub passes when the claim is absent")
		}
	}
	switch {
	case len(sub) == 0:
		why = append(why, "no :sub condition: any service account of the cluster can assume it")
	case len(pinned) > 1:
		why = append(why, strconv.Itoa(len(pinned))+" service accounts in one statement, not exactly one")
	}
	for _, v := range pinned {
		if !saSubject.MatchString(v) {
			why = append(why, ":sub "+strconv.Quote(v)+" is not system:serviceaccount:<namespace>:<name>")
		}
	}
	audOK := false
	for op, vals := range aud {
		if op == "StringEquals" && len(vals) > 0 {
			audOK = true
			for _, v := range vals {
				if v != "sts.amazonaws.com" {
					audOK = false
				}
			}
		}
	}
	if !audOK {
		why = append(why, ":aud is not required to be sts.amazonaws.com")
	}
	return why
}

// PodIdentityRoles checks the roles of EKS Pod Identity associations.
func PodIdentityRoles() rule.Rule {
	return &awsRule{M: rule.Meta{
		ID:          "aws/pod-identity-role",
		Title:       "Pod Identity association names a role that is missing or does not trust EKS Pod Identity",
		Description: "An association whose role does not exist, or whose trust policy does not let pods.eks.amazonaws.com assume it (sts:AssumeRole and sts:TagSession), gives its pods no credentials: a broken or stale grant that someone will widen to make work.",
		Remediation: "Point the association at a role that trusts EKS Pod Identity, or delete it.\n\n{\"Effect\": \"Allow\", \"Principal\": {\"Service\": \"pods.eks.amazonaws.com\"}, \"Action\": [\"sts:AssumeRole\", \"sts:TagSession\"]}",
		Severity:    finding.SeverityLow, Category: "Identity", Tags: []string{"aws", "pod-identity"},
		References: []ref.Ref{ref.CIS("5.2.1"), ref.Guide("identity-and-access-management", "EKS Pod Identities")},
	}, Fn: func(c *check) {
		pl := c.a.PodIdentities
		if !c.need(c.clusterSubject(), ans(pl), "eks:ListPodIdentityAssociations") {
			return
		}
		if len(pl.Associations) == 0 {
			return
		}
		if _, ok := c.roles(); !ok {
			return
		}
		for _, as := range pl.Associations {
			s := subject{"PodIdentityAssociation", as.Namespace + "/" + as.ServiceAccount}
			d := c.a.PodIdentity[as.AssociationId]
			if !c.need(s, ans(d), "eks:DescribePodIdentityAssociation") || d.Association == nil {
				continue
			}
			r := c.a.Role(d.Association.RoleArn)
			if r == nil {
				c.fail(s, d.File, "Association.RoleArn", "role "+d.Association.RoleArn+" does not exist", nil)
				continue
			}
			p, err := iampolicy.ParseEncoded(r.AssumeRolePolicyDocument)
			if err != nil {
				c.unknown(s, c.a.Roles.File, "trust policy of "+r.RoleName+" could not be evaluated: "+err.Error())
				continue
			}
			req := iampolicy.Request{Principal: iampolicy.Principal{Type: "Service", ID: "pods.eks.amazonaws.com"}, Resource: r.Arn,
				Context: map[string][]string{"aws:SourceAccount": {c.a.AccountID()}}}
			for _, act := range []string{"sts:AssumeRole", "sts:TagSession"} {
				req.Action = act
				if p.Evaluate(req) != iampolicy.Allowed {
					c.fail(s, d.File, "Association.RoleArn", "role "+r.RoleName+" does not let pods.eks.amazonaws.com "+act, nil)
					break
				}
			}
		}
	}}
}

// workerPolicies are the AWS managed policies a node role may carry.
var workerPolicies = map[string]bool{
	"AmazonEKSWorkerNodePolicy": true, "AmazonEKSWorkerNodeMinimalPolicy": true, "AmazonEC2ContainerRegistryReadOnly": true,
	"AmazonEC2ContainerRegistryPullOnly": true, "AmazonEKS_CNI_Policy": true, "AmazonSSMManagedInstanceCore": true,
}

// NodeRolePolicies flags node roles with more than the managed worker policies.
func NodeRolePolicies() rule.Rule {
	return &awsRule{M: rule.Meta{
		ID:          "aws/node-role-extra-policies",
		Title:       "Node instance role has more than the worker node policies",
		Description: "Every pod that reaches instance metadata can use the node role, so it should carry only AmazonEKSWorkerNodePolicy (or the minimal one), the ECR read policy, the CNI policy and SSM core; give applications their own roles through IRSA or Pod Identity.",
		Remediation: "Detach the extra policies and grant them to pod roles instead.\n\naws iam detach-role-policy --role-name NODE_ROLE --policy-arn arn:aws:iam::ACCOUNT:policy/EXTRA",
		Severity:    finding.SeverityMedium, Category: "Identity", Tags: []string{"aws"},
		References: []ref.Ref{ref.Guide("identity-and-access-management", "Restrict access to the instance profile assigned to the worker node")},
	}, Fn: func(c *check) {
		seen := map[string]bool{}
		for _, n := range c.nodegroups() {
			name := lastPart(n.NodeRole)
			if name == "" || seen[name] {
				continue
			}
			seen[name] = true
			s := subject{"IAMRole", name}
			rp := c.rolePolicies(s, name)
			if rp == nil {
				continue
			}
			var extra []string
			for _, p := range rp.Attached.AttachedPolicies {
				if !(strings.Contains(p.PolicyArn, ":iam::aws:policy/") && workerPolicies[p.PolicyName]) {
					extra = append(extra, p.PolicyName)
				}
			}
			for _, p := range rp.Inline.PolicyNames {
				extra = append(extra, p+" (inline)")
			}
			if len(extra) > 0 {
				c.fail(s, rp.Attached.File, "AttachedPolicies", "node role also has "+strings.Join(extra, ", "), map[string]string{"nodegroup": n.NodegroupName})
			}
		}
	}}
}

func lastPart(arn string) string { return arn[strings.LastIndexByte(arn, '/')+1:] }

// adminPolicies are AWS managed policies that grant everything or near it.
var adminPolicies = map[string]bool{"AdministratorAccess": true, "PowerUserAccess": true, "IAMFullAccess": true}

// wildcardGrant returns a description of the first Allow statement that grants every
// action of a service (or all) on every resource.
func wildcardGrant(p *iampolicy.Policy) string {
	for _, s := range p.Statements {
		if s.Effect != iampolicy.Allow {
			continue
		}
		allActs := s.NotAction != nil
		for _, a := range s.Action {
			if a == "*" || strings.HasSuffix(a, ":*") {
				allActs = true
			}
		}
		allRes := s.NotResource != nil
		for _, r := range s.Resource {
			if r == "*" {
				allRes = true
			}
		}
		if allActs && allRes {
			acts := strings.Join(s.Action, ",")
			if s.NotAction != nil {
				acts = "NotAction " + strings.Join(s.NotAction, ",")
			}
			return acts + " on every resource"
		}
	}
	return ""
}

// PodRoleWildcards flags roles reachable from pods that grant whole services on all resources.
func PodRoleWildcards() rule.Rule {
	return &awsRule{M: rule.Meta{
		ID:          "aws/pod-role-wildcard",
		Title:       "A role reachable from pods grants * actions on * resources",
		Description: "Roles that pods can assume (IRSA roles trusted by the cluster's OIDC provider, Pod Identity roles, node roles) should be least privilege; a statement allowing \"*\" or \"service:*\" on \"*\" (or an administrator policy) hands the whole service to any compromised pod.",
		Remediation: "Replace the wildcard statement with the actions and resources the application uses.\n\n{\"Effect\": \"Allow\", \"Action\": [\"s3:GetObject\"], \"Resource\": \"arn:aws:s3:::BUCKET/prefix/*\"}",
		Severity:    finding.SeverityHigh, Category: "Identity", Tags: []string{"aws"},
		References: []ref.Ref{ref.CIS("5.2.1"), ref.Guide("identity-and-access-management", "Employ least privileged access when creating RoleBindings and ClusterRoleBindings")},
	}, Fn: func(c *check) {
		reach := map[string]string{} // role name -> how pods reach it
		issuer, _ := c.issuer()
		if roles, ok := c.roles(); ok && issuer != "" {
			for i := range roles {
				r := &roles[i]
				if p, err := iampolicy.ParseEncoded(r.AssumeRolePolicyDocument); err == nil && len(irsaStatements(p, issuer)) > 0 {
					reach[r.RoleName] = "IRSA"
				}
			}
		}
		for _, d := range c.a.PodIdentity {
			// A role that does not exist is reported by aws/pod-identity-role.
			if d.Association != nil && c.a.Role(d.Association.RoleArn) != nil {
				reach[lastPart(d.Association.RoleArn)] = "Pod Identity"
			}
		}
		for _, n := range c.nodegroups() {
			if name := lastPart(n.NodeRole); name != "" {
				if _, ok := reach[name]; !ok {
					reach[name] = "node"
				}
			}
		}
		names := make([]string, 0, len(reach))
		for n := range reach {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, name := range names {
			s := subject{"IAMRole", name}
			rp := c.rolePolicies(s, name)
			if rp == nil {
				continue
			}
			var grants []string
			var unknown []string
			for _, ap := range rp.Attached.AttachedPolicies {
				if strings.Contains(ap.PolicyArn, ":iam::aws:policy/") {
					if adminPolicies[ap.PolicyName] || strings.HasSuffix(ap.PolicyName, "FullAccess") {
						grants = append(grants, ap.PolicyName+" (AWS managed)")
					}
					continue
				}
				d := rp.ManagedDocs[ap.PolicyArn]
				if e := target.Failed(ans(d), "iam:GetPolicyVersion"); e != nil {
					unknown = append(unknown, ap.PolicyName+": "+e.Reason())
					continue
				}
				if d.PolicyVersion == nil {
					continue
				}
				p, err := iampolicy.ParseEncoded(d.PolicyVersion.Document)
				if err != nil {
					unknown = append(unknown, ap.PolicyName+": "+err.Error())
					continue
				}
				if g := wildcardGrant(p); g != "" {
					grants = append(grants, ap.PolicyName+": "+g)
				}
			}
			for _, pn := range rp.Inline.PolicyNames {
				d := rp.InlineDocs[pn]
				if e := target.Failed(ans(d), "iam:GetRolePolicy"); e != nil {
					unknown = append(unknown, pn+": "+e.Reason())
					continue
				}
				p, err := iampolicy.ParseEncoded(d.PolicyDocument)
				if err != nil {
					unknown = append(unknown, pn+": "+err.Error())
					continue
				}
				if g := wildcardGrant(p); g != "" {
					grants = append(grants, pn+" (inline): "+g)
				}
			}
			switch {
			case len(grants) > 0:
				c.fail(s, rp.Attached.File, "AttachedPolicies", reach[name]+" role grants "+strings.Join(grants, "; "), nil)
			case len(unknown) > 0:
				c.unknown(s, rp.Attached.File, strings.Join(unknown, "; "))
			}
		}
	}}
}

// rolePolicies returns a role's attached and inline policy lists, or records unknown.
func (c *check) rolePolicies(s subject, name string) *target.RolePolicies {
	rp := c.a.RolePolicies[name]
	if rp == nil {
		rp = &target.RolePolicies{}
	}
	if !c.need(s, ans(rp.Attached), "iam:ListAttachedRolePolicies") ||
		!c.need(s, ans(rp.Inline), "iam:ListRolePolicies") {
		return nil
	}
	return rp
}
