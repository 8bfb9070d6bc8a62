// Package aws holds the checks of an AWS account around one EKS cluster: the cluster (CIS
// EKS 2.1.1, 4.1.7, 5.3.1, 5.4.1, 5.4.2, version support), its node groups (AMI, release,
// public subnets 5.4.3, SSH, IMDSv2), identity (IRSA trust policies, Pod Identity, node and
// pod role permissions), ECR (5.1.1, tags, KMS, lifecycle, repository and endpoint policies
// evaluated for meaning) and networking and logging (VPC endpoints, CloudTrail). A control
// whose API answer is missing or was denied is "unknown: <reason>", never a pass.
package aws

import (
	"context"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/target"
)

// awsRule adapts a check over the account into a Rule.
type awsRule struct {
	M  rule.Meta
	Fn func(c *check)
}

func (r *awsRule) Meta() *rule.Meta { r.M.Target = target.KindAWS; return &r.M }

func (r *awsRule) Check(_ context.Context, t target.Target) ([]finding.Finding, error) {
	a, ok := t.(*target.AWS)
	if !ok {
		return nil, rule.ErrNotApplicable
	}
	c := &check{m: r.Meta(), a: a}
	r.Fn(c)
	if c.skip {
		return nil, rule.ErrNotApplicable
	}
	return c.out, nil
}

// check collects one rule's findings on one account.
type check struct {
	m   *rule.Meta
	a   *target.AWS
	out []finding.Finding
	// skip: the rule does not apply (its input was not given), which is not a pass.
	skip bool
}

// subject names an AWS resource in findings.
type subject struct{ kind, name string }

func (c *check) fail(s subject, file, field, msg string, evidence map[string]string) {
	f := c.m.Fail(c.a, file+"#"+field, msg)
	if s.kind != "" {
		f.Subject = finding.Subject{Kind: s.kind, Name: s.name}
	}
	f.Evidence = evidence
	c.out = append(c.out, f)
}

func (c *check) unknown(s subject, file, reason string) {
	f := c.m.Unknown(c.a, file, reason)
	if s.kind != "" {
		f.Subject = finding.Subject{Kind: s.kind, Name: s.name}
	}
	c.out = append(c.out, f)
}

// need reports whether an answer is usable; when not, it records the control as unknown.
func (c *check) need(s subject, a *target.Answer, action string) bool {
	if e := target.Failed(a, action); e != nil {
		file := ""
		if a != nil {
			file = a.File
		}
		c.unknown(s, file, e.Reason())
		return false
	}
	return true
}

// cluster returns the described cluster, or records unknown.
func (c *check) cluster() *target.EKSCluster {
	ci := c.a.ClusterInfo
	var ans *target.Answer
	if ci != nil {
		ans = &ci.Answer
	}
	if !c.need(c.clusterSubject(), ans, "eks:DescribeCluster") {
		return nil
	}
	if ci.Cluster == nil {
		c.unknown(c.clusterSubject(), ci.File, "eks:DescribeCluster answered without a cluster")
		return nil
	}
	return ci.Cluster
}

// clusterWithVPC returns the described cluster when it has its resourcesVpcConfig, or
// records unknown.
func (c *check) clusterWithVPC() *target.EKSCluster {
	cl := c.cluster()
	if cl == nil {
		return nil
	}
	if cl.ResourcesVpcConfig == nil {
		c.unknown(c.clusterSubject(), c.a.ClusterInfo.File, "eks:DescribeCluster answered without resourcesVpcConfig")
		return nil
	}
	return cl
}

func (c *check) clusterSubject() subject { return subject{"EKSCluster", c.a.Cluster} }

// nodegroups returns the described node groups (those that could not be described are
// recorded as unknown), or nil with the list itself unknown.
func (c *check) nodegroups() []*target.Nodegroup {
	nl := c.a.NodegroupNames
	var ans *target.Answer
	if nl != nil {
		ans = &nl.Answer
	}
	if !c.need(c.clusterSubject(), ans, "eks:ListNodegroups") {
		return nil
	}
	var out []*target.Nodegroup
	for _, n := range nl.Nodegroups {
		d := c.a.Nodegroups[n]
		var da *target.Answer
		if d != nil {
			da = &d.Answer
		}
		if !c.need(subject{"Nodegroup", n}, da, "eks:DescribeNodegroup") {
			continue
		}
		if d.Nodegroup != nil {
			out = append(out, d.Nodegroup)
		}
	}
	return out
}

func fileOf(a *target.Answer) string {
	if a == nil {
		return ""
	}
	return a.File
}

// ans is the Answer of a saved answer of any type, nil when the answer is missing.
func ans[T any, P interface {
	*T
	Base() *target.Answer
}](p P) *target.Answer {
	if p == nil {
		return nil
	}
	return p.Base()
}

// Rules lists the AWS rules.
func Rules() []rule.Rule {
	return []rule.Rule{
		EndpointPublic(), EndpointPrivate(), ControlPlaneLogging(), SecretsEncryption(), VersionSupport(), AuthenticationMode(),
		NodegroupAMI(), NodegroupRelease(), NodegroupPublicSubnets(), NodegroupSSH(), NodegroupIMDS(),
		IRSATrust(), IRSAServiceAccounts(), PodIdentityRoles(), NodeRolePolicies(), PodRoleWildcards(),
		ECRScanning(), ECRMutableTags(), ECRKMS(), ECRLifecycle(), ECRRepositoryPolicy(), ECREndpointPolicy(),
		PrivateClusterEndpoints(), CloudTrail(),
	}
}
