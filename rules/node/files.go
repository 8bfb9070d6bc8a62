package node

import (
	"fmt"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/ref"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/target"
)

// fileRule is the family of CIS 3.1 checks: find one kubelet file, then judge its mode or
// owner. A file that is not found is unknown with the paths tried, never a pass.
func fileRule(m rule.Meta, pick func(k *target.Kubelet) *target.HostFile, what string, judge func(f *target.HostFile) (bool, string)) rule.Rule {
	return &nodeRule{M: m, Fn: func(m *rule.Meta, n *target.Node) []finding.Finding {
		f := pick(&n.Kubelet)
		switch {
		case f.Err != "":
			return []finding.Finding{m.Unknown(n, f.Path, what+" "+f.Path+" could not be read: "+f.Err)}
		case !f.Exists:
			return []finding.Finding{m.Unknown(n, "", what+" not found (tried "+f.Where()+")")}
		}
		ok, why := judge(f)
		if ok {
			return nil
		}
		out := m.Fail(n, f.Path, what+" "+f.Path+" "+why)
		out.Evidence = map[string]string{"mode": fmt.Sprintf("%04o", f.Mode), "owner": fmt.Sprintf("%d:%d", f.UID, f.GID)}
		return []finding.Finding{out}
	}}
}

// mode644 passes a mode with no permission bit outside 0644 (kube-bench's bitmask test).
func mode644(f *target.HostFile) (bool, string) {
	if f.Mode&^0o644 == 0 {
		return true, ""
	}
	return false, fmt.Sprintf("has mode %04o, more permissive than 0644", f.Mode)
}

// rootOwned passes uid 0 and gid 0 (root:root).
func rootOwned(f *target.HostFile) (bool, string) {
	if f.UID == 0 && f.GID == 0 {
		return true, ""
	}
	return false, fmt.Sprintf("is owned by %d:%d, not root:root (0:0)", f.UID, f.GID)
}

func kubeconfig(k *target.Kubelet) *target.HostFile { return &k.Kubeconfig }
func configFile(k *target.Kubelet) *target.HostFile { return &k.ConfigFile }

// KubeconfigPermissions is CIS 3.1.1.
func KubeconfigPermissions() rule.Rule {
	return fileRule(rule.Meta{
		ID:          "node/kubeconfig-permissions",
		Title:       "Kubelet kubeconfig is writable or readable beyond root",
		Description: "The kubelet's kubeconfig holds its credentials to the API server; anyone who can change it can point the kubelet elsewhere or take its identity.",
		Remediation: "Make the file 0644 or stricter (the path is in the finding).\n\nchmod 644 /var/lib/kubelet/kubeconfig",
		Severity:    finding.SeverityMedium, Category: "Node", Tags: []string{"cis", "kubelet"},
		References: []ref.Ref{ref.CIS("3.1.1")},
	}, kubeconfig, "kubelet kubeconfig", mode644)
}

// KubeconfigOwnership is CIS 3.1.2.
func KubeconfigOwnership() rule.Rule {
	return fileRule(rule.Meta{
		ID:          "node/kubeconfig-ownership",
		Title:       "Kubelet kubeconfig is not owned by root:root",
		Description: "A kubeconfig owned by another user can be rewritten by that user, who then controls the kubelet's credentials and API server.",
		Remediation: "Give the file to root (the path is in the finding).\n\nchown root:root /var/lib/kubelet/kubeconfig",
		Severity:    finding.SeverityMedium, Category: "Node", Tags: []string{"cis", "kubelet"},
		References: []ref.Ref{ref.CIS("3.1.2")},
	}, kubeconfig, "kubelet kubeconfig", rootOwned)
}

// ConfigPermissions is CIS 3.1.3.
func ConfigPermissions() rule.Rule {
	return fileRule(rule.Meta{
		ID:          "node/kubelet-config-permissions",
		Title:       "Kubelet config file is writable beyond root",
		Description: "The kubelet config file sets authentication, authorization and ports; whoever can write it can open the kubelet API.",
		Remediation: "Make the file 0644 or stricter (the path is in the finding).\n\nchmod 644 /etc/kubernetes/kubelet/config.json",
		Severity:    finding.SeverityMedium, Category: "Node", Tags: []string{"cis", "kubelet"},
		References: []ref.Ref{ref.CIS("3.1.3")},
	}, configFile, "kubelet config file", mode644)
}

// ConfigOwnership is CIS 3.1.4.
func ConfigOwnership() rule.Rule {
	return fileRule(rule.Meta{
		ID:          "node/kubelet-config-ownership",
		Title:       "Kubelet config file is not owned by root:root",
		Description: "A kubelet config file owned by another user can be rewritten by that user to turn off the kubelet's authentication and authorization.",
		Remediation: "Give the file to root (the path is in the finding).\n\nchown root:root /etc/kubernetes/kubelet/config.json",
		Severity:    finding.SeverityMedium, Category: "Node", Tags: []string{"cis", "kubelet"},
		References: []ref.Ref{ref.CIS("3.1.4")},
	}, configFile, "kubelet config file", rootOwned)
}
