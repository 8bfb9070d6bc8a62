package pod

import (
	"context"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/ref"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/target"
)

// ResourceLimits flags containers without CPU and memory limits, unless the pod sets that
// limit for all its containers. Ephemeral containers cannot set resources and are not checked.
func ResourceLimits() rule.Rule {
	return &rule.Workload{
		M: rule.Meta{
			ID:    "pod/resource-limits",
			Title: "Missing CPU or memory limits",
			Description: "A container without limits can take all of a node's CPU or memory, starving its neighbours: a " +
				"denial of service one compromised or buggy pod can cause.",
			Remediation: "Set requests and limits on every container:\n\n  resources:\n    requests:\n      cpu: 100m\n      memory: 128Mi\n    limits:\n      cpu: 500m\n      memory: 256Mi",
			Severity:    finding.SeverityLow,
			Category:    "Resources",
			References:  []ref.Ref{ref.Guide("pod-security", "Set requests and limits for each container to avoid resource contention and DoS attacks"), ref.Weakness(770)},
		},
		Fn: func(_ context.Context, m *rule.Meta, w *target.Workload) []finding.Finding {
			// A pod-level limit (spec.resources, PodLevelResources) caps all containers
			// together, which is what the rule asks for.
			var podLimits corev1.ResourceList
			if w.Spec.Resources != nil {
				podLimits = w.Spec.Resources.Limits
			}
			var out []finding.Finding
			for _, c := range w.Containers() {
				if c.List == "ephemeralContainers" {
					continue
				}
				var missing []string
				for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
					_, pod := podLimits[r]
					if _, ok := c.Resources.Limits[r]; !ok && !pod {
						missing = append(missing, string(r))
					}
				}
				if len(missing) > 0 {
					out = append(out, m.Failf(w, target.Field(target.Field(c.Path, "resources"), "limits"),
						"container %q sets no %s limit", c.Name, strings.Join(missing, " or ")))
				}
			}
			return out
		},
	}
}
