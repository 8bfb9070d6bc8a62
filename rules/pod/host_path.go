package pod

import (
	"context"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/ref"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/target"
)

// HostPath flags hostPath volumes.
func HostPath() rule.Rule {
	return &rule.Workload{
		M: rule.Meta{
			ID:    "pod/host-path",
			Title: "Pod mounts a hostPath volume",
			Description: "A hostPath volume exposes the node's filesystem to the container: the container runtime socket, " +
				"kubelet credentials or /etc can be read or written, which leads to node compromise.",
			Remediation: "Use an emptyDir, a PersistentVolumeClaim, a ConfigMap or a CSI volume instead:\n\n  volumes:\n  - name: scratch\n    emptyDir: {}",
			Severity:    finding.SeverityHigh,
			Category:    category,
			Tags:        []string{"pss-baseline"},
			References: []ref.Ref{ref.Guide(guidePods, "Restrict the use of hostPath or if hostPath is necessary restrict which prefixes can be used and configure the volume as read-only"),
				ref.PodSecurity("baseline", "HostPath Volumes"), ref.Weakness(668)},
		},
		Fn: func(_ context.Context, m *rule.Meta, w *target.Workload) []finding.Finding {
			var out []finding.Finding
			for i, v := range w.Spec.Volumes {
				if v.HostPath != nil {
					p := target.Field(target.Index(w.Spath("volumes"), i), "hostPath")
					out = append(out, m.Failf(w, p, "volume %q mounts host path %q", v.Name, v.HostPath.Path))
				}
			}
			return out
		},
	}
}
