package node

import (
	"fmt"
	"strings"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/ref"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/target"
)

// containerOS are os-release IDs of operating systems built to run containers.
var containerOS = map[string]string{
	"bottlerocket": "Bottlerocket",
	"flatcar":      "Flatcar Container Linux",
	"talos":        "Talos Linux",
	"cos":          "Container-Optimized OS",
}

// ContainerOptimizedOS flags nodes that do not run a container-optimized OS.
func ContainerOptimizedOS() rule.Rule {
	return &nodeRule{M: rule.Meta{
		ID:          "node/container-optimized-os",
		Title:       "Node does not run a container-optimized OS",
		Description: "A minimal, container-optimized OS (Bottlerocket, or the EKS-optimized Amazon Linux 2023) has a smaller attack surface and is patched as a whole image. Amazon Linux 2 is flagged: its EKS-optimized AMIs reached end of support on 2025-11-26 (no AMIs for Kubernetes 1.33 and later).",
		Remediation: "Move the node group to Bottlerocket or Amazon Linux 2023 AMIs.\n\naws eks update-nodegroup-version --cluster-name CLUSTER --nodegroup-name NG   # after creating a node group with --ami-type BOTTLEROCKET_x86_64 or AL2023_x86_64_STANDARD",
		Severity:    finding.SeverityMedium, Category: "Node", Tags: []string{"node-os"},
		References: []ref.Ref{hardeningGuide},
	}, Fn: func(m *rule.Meta, n *target.Node) []finding.Finding {
		os := n.OS
		if os.Err != "" {
			return []finding.Finding{m.Unknown(n, "", os.Err)}
		}
		name := os.PrettyName
		if name == "" {
			name = os.ID + " " + os.VersionID
		}
		if _, ok := containerOS[os.ID]; ok {
			return nil
		}
		if os.ID == "amzn" {
			switch {
			case os.VersionID == "2023":
				return nil
			case os.VersionID == "2":
				return []finding.Finding{m.Fail(n, os.File+"#VERSION_ID", "node runs Amazon Linux 2 ("+name+"), whose EKS-optimized AMIs reached end of support; move to AL2023 or Bottlerocket")}
			}
		}
		return []finding.Finding{m.Fail(n, os.File+"#ID", "node runs "+strings.TrimSpace(name)+", not a container-optimized OS")}
	}}
}

// SSHD flags nodes where an SSH server runs or listens.
func SSHD() rule.Rule {
	return &nodeRule{M: rule.Meta{
		ID:          "node/sshd",
		Title:       "An SSH server runs or listens on the node",
		Description: "Worker nodes should be reached through SSM Session Manager, which is audited and needs no open port or key, rather than SSH.",
		Remediation: "Stop and disable sshd, and create node groups without remote access.\n\nsystemctl disable --now sshd.service sshd.socket",
		Severity:    finding.SeverityMedium, Category: "Node", Tags: []string{"node-os"},
		References: []ref.Ref{ref.Guide("protecting-the-infrastructure", "Minimize access to worker nodes")},
	}, Fn: func(m *rule.Meta, n *target.Node) []finding.Finding {
		s := n.SSHD
		if n.ProcErr != "" {
			return []finding.Finding{m.Unknown(n, "", "process table unreadable: "+n.ProcErr)}
		}
		if len(s.Running) > 0 || len(s.Listening) > 0 {
			var parts []string
			if len(s.Running) > 0 {
				parts = append(parts, fmt.Sprintf("sshd processes %v", s.Running))
			}
			if len(s.Listening) > 0 {
				parts = append(parts, "listening on "+strings.Join(s.Listening, ", "))
			}
			return []finding.Finding{m.Fail(n, "", "an SSH server is active: "+strings.Join(parts, "; "))}
		}
		if s.Err != "" {
			return []finding.Finding{m.Unknown(n, "", "no sshd process, but the TCP tables could not be read to rule out a listener on port 22: "+s.Err)}
		}
		return nil
	}}
}

// SSMAgent flags nodes without a running SSM agent.
func SSMAgent() rule.Rule {
	return &nodeRule{M: rule.Meta{
		ID:          "node/ssm-agent",
		Title:       "The SSM agent is not running on the node",
		Description: "Without the SSM agent, nodes cannot be reached through Session Manager (audited, keyless) or patched by Systems Manager, and operators fall back to SSH.",
		Remediation: "Run the SSM agent (preinstalled on EKS-optimized AL2023 AMIs; the control container on Bottlerocket) and give the node role AmazonSSMManagedInstanceCore.\n\nsystemctl enable --now amazon-ssm-agent",
		Severity:    finding.SeverityLow, Category: "Node", Tags: []string{"node-os"},
		References: []ref.Ref{ref.Guide("protecting-the-infrastructure", "Minimize access to worker nodes")},
	}, Fn: func(m *rule.Meta, n *target.Node) []finding.Finding {
		s := n.SSM
		if n.ProcErr != "" {
			return []finding.Finding{m.Unknown(n, "", "process table unreadable: "+n.ProcErr)}
		}
		if len(s.Running) > 0 {
			return nil
		}
		if len(s.Installed) > 0 {
			return []finding.Finding{m.Fail(n, s.Installed[0], "the SSM agent is installed ("+strings.Join(s.Installed, ", ")+") but not running")}
		}
		return []finding.Finding{m.Fail(n, "", "no SSM agent is installed or running")}
	}}
}

// Rules lists the node rules.
func Rules() []rule.Rule {
	return []rule.Rule{
		KubeconfigPermissions(), KubeconfigOwnership(), ConfigPermissions(), ConfigOwnership(),
		AnonymousAuth(), AuthorizationMode(), ClientCA(), ReadOnlyPort(), StreamingIdleTimeout(),
		IPTablesUtilChains(), EventQPS(), RotateCertificates(), RotateServerCertificate(),
		ContainerOptimizedOS(), SSHD(), SSMAgent(),
	}
}
