package pod

import (
	"context"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/ref"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/target"
)

// ReadOnlyRoot flags containers whose root filesystem is writable.
func ReadOnlyRoot() rule.Rule {
	return &rule.Workload{
		M: rule.Meta{
			ID:    "pod/writable-root-fs",
			Title: "Container root filesystem is writable",
			Description: "A writable root filesystem lets an intruder drop tools and change binaries or configuration inside " +
				"the container. A read-only root with emptyDir mounts for scratch space prevents it.",
			Remediation: "Make the root filesystem read-only and mount writable scratch space where needed:\n\n  securityContext:\n    readOnlyRootFilesystem: true\n  volumeMounts:\n  - name: tmp\n    mountPath: /tmp",
			Severity:    finding.SeverityMedium,
			Category:    category,
			References:  []ref.Ref{ref.Guide(guidePods, "Configure your images with read-only root file system"), ref.Weakness(732)},
		},
		Fn: func(_ context.Context, m *rule.Meta, w *target.Workload) []finding.Finding {
			if isWindows(w) {
				return nil
			}
			var out []finding.Finding
			for _, c := range w.Containers() {
				if ro := sc(c).ReadOnlyRootFilesystem; ro == nil || !*ro {
					out = append(out, m.Failf(w, containerField(c, "readOnlyRootFilesystem"),
						"container %q has a writable root filesystem (readOnlyRootFilesystem is not true)", c.Name))
				}
			}
			return out
		},
	}
}
