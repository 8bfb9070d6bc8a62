package pod

import (
	"context"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/ref"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/target"
)

// hostNamespace is the template of the three host namespace rules (CIS 4.2.2-4.2.4).
func hostNamespace(id, field, what, cis, why string, get func(w *target.Workload) bool) rule.Rule {
	return &rule.Workload{
		M: rule.Meta{
			ID:          id,
			Title:       "Pod shares the host " + what + " namespace",
			Description: "With " + field + ": true the pod shares the node's " + what + " namespace: " + why,
			Remediation: "Remove " + field + " from the pod spec, or set it to false:\n\n  spec:\n    " + field + ": false",
			Severity:    finding.SeverityHigh,
			Category:    category,
			Tags:        []string{"cis", "pss-baseline"},
			References: []ref.Ref{ref.CIS(cis), ref.Guide(guidePods, "Restrict the use of host namespaces"),
				ref.PodSecurity("baseline", "Host Namespaces")},
		},
		Fn: func(_ context.Context, m *rule.Meta, w *target.Workload) []finding.Finding {
			if !get(w) {
				return nil
			}
			return []finding.Finding{m.Failf(w, w.Spath(field), "pod sets %s: true", field)}
		},
	}
}

// HostPID flags pods in the host PID namespace.
func HostPID() rule.Rule {
	return hostNamespace("pod/host-pid", "hostPID", "process ID", "4.2.2",
		"its processes see and can signal every process on the node, and read their environment through /proc.",
		func(w *target.Workload) bool { return w.Spec.HostPID })
}

// HostIPC flags pods in the host IPC namespace.
func HostIPC() rule.Rule {
	return hostNamespace("pod/host-ipc", "hostIPC", "IPC", "4.2.3",
		"its processes can read and write the shared memory of every process on the node.",
		func(w *target.Workload) bool { return w.Spec.HostIPC })
}

// HostNetwork flags pods in the host network namespace.
func HostNetwork() rule.Rule {
	return hostNamespace("pod/host-network", "hostNetwork", "network", "4.2.4",
		"it can sniff node traffic, reach services bound to localhost (including the instance metadata service) and bypasses NetworkPolicies.",
		func(w *target.Workload) bool { return w.Spec.HostNetwork })
}
