// Package all is the explicit registry of every eksguard rule: one line per rule.
package all

import (
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/rules/aws"
	"github.com/eksguard/eksguard/rules/dockerfile"
	"github.com/eksguard/eksguard/rules/identity"
	"github.com/eksguard/eksguard/rules/image"
	"github.com/eksguard/eksguard/rules/network"
	"github.com/eksguard/eksguard/rules/node"
	"github.com/eksguard/eksguard/rules/object"
	"github.com/eksguard/eksguard/rules/pod"
	"github.com/eksguard/eksguard/rules/pss"
	"github.com/eksguard/eksguard/rules/rbac"
	"github.com/eksguard/eksguard/rules/sgp"
	"github.com/eksguard/eksguard/rules/transit"
)

// Rules lists every rule.
func Rules() []rule.Rule {
	known := map[string]bool{} // IDs and areas, for inline ignores in Dockerfiles
	rs := []rule.Rule{
		// The talk's pod checklist (rules/pod).
		pod.PrivilegeEscalation(),
		pod.RunAsRoot(),
		pod.DropAll(),
		pod.DangerousCapabilities(),
		pod.Privileged(),
		pod.HostPID(),
		pod.HostIPC(),
		pod.HostNetwork(),
		pod.HostPath(),
		pod.ReadOnlyRoot(),
		pod.Seccomp(),
		pod.DefaultServiceAccount(),
		pod.TokenMounted(),
		pod.SecretEnv(),
		pod.ImageTag(),
		pod.ImageDigest(),
		pod.ImageRegistry(),
		pod.ResourceLimits(),
		// Any object (rules/object).
		object.DefaultNamespace(),
		object.DuplicateKeys(),
	}
	// Worker nodes: CIS EKS section 3 and the node OS checks (rules/node).
	rs = append(rs, node.Rules()...)
	// The AWS account around the cluster: CIS EKS sections 2 and 5 and more (rules/aws).
	rs = append(rs, aws.Rules()...)
	// Dockerfiles (rules/dockerfile): image hardening, Hadolint and Dockle parity.
	rs = append(rs, dockerfile.Rules(func(id string) bool { return known[id] })...)
	// Container images (rules/image).
	rs = append(rs, image.Rules()...)
	// Cluster-wide RBAC rules over the snapshot (rules/rbac).
	rs = append(rs, rbac.Rules()...)
	// Cluster-wide identity rules over the snapshot (rules/identity).
	rs = append(rs, identity.Rules()...)
	// NetworkPolicy coverage, default deny, allow-all and invalid policies over the
	// snapshot, with pkg/netpol semantics (rules/network).
	rs = append(rs, network.Rules()...)
	// Security groups for pods: SecurityGroupPolicy matching (rules/sgp).
	rs = append(rs, sgp.Rules()...)
	// Encryption in transit: load balancers without TLS, Istio without STRICT mTLS
	// (rules/transit).
	rs = append(rs, transit.Rules()...)
	// Pod Security Standards: one rule per upstream check (rules/pss).
	rs = append(rs, pss.Rules()...)
	for _, r := range rs {
		known[r.Meta().ID], known[r.Meta().Area()] = true, true
	}
	return rs
}

// Registry returns the validated registry of every rule. It panics on invalid metadata,
// which the meta-test catches before any release.
func Registry() *rule.Registry {
	r, err := rule.NewRegistry(Rules()...)
	if err != nil {
		panic(err)
	}
	return r
}
