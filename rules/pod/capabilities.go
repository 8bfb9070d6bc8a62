package pod

import (
	"context"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/ref"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/target"
)

// DropAll flags containers that do not drop ALL capabilities.
func DropAll() rule.Rule {
	return &rule.Workload{
		M: rule.Meta{
			ID:    "pod/capabilities-drop-all",
			Title: "Container does not drop all capabilities",
			Description: "Container runtimes grant a default set of Linux capabilities (NET_RAW, CHOWN, SETUID, ...) that most " +
				"applications never need; NET_RAW alone allows ARP and DNS spoofing on the node network.",
			Remediation: "Drop all capabilities and add back only what the process needs:\n\n  securityContext:\n    capabilities:\n      drop: [\"ALL\"]\n      add: [\"NET_BIND_SERVICE\"]  # only if needed",
			Severity:    finding.SeverityMedium,
			Category:    category,
			Tags:        []string{"pss-restricted"},
			References: []ref.Ref{ref.Guide(guidePods, "Linux capabilities"),
				ref.PodSecurity("restricted", "Capabilities"), ref.Weakness(250)},
		},
		Fn: func(_ context.Context, m *rule.Meta, w *target.Workload) []finding.Finding {
			if isWindows(w) {
				return nil
			}
			var out []finding.Finding
			for _, c := range w.Containers() {
				caps := sc(c).Capabilities
				if caps != nil && hasCap(caps.Drop, "ALL") {
					continue
				}
				out = append(out, m.Failf(w, target.Field(containerField(c, "capabilities"), "drop"),
					"container %q does not drop ALL capabilities", c.Name))
			}
			return out
		},
	}
}

// dangerousCaps are capabilities that give a container control over the node or its network.
// SYS_CHROOT is not one: it is in the runtime's default set and the baseline level of the
// Pod Security Standards allows adding it.
var dangerousCaps = map[string]bool{
	"ALL": true, "SYS_ADMIN": true, "NET_ADMIN": true, "SYS_PTRACE": true, "SYS_MODULE": true,
	"SYS_RAWIO": true, "SYS_BOOT": true, "SYS_TIME": true, "DAC_READ_SEARCH": true, "BPF": true,
	"PERFMON": true, "MAC_ADMIN": true, "MAC_OVERRIDE": true, "NET_RAW": true,
}

// DangerousCapabilities flags containers that add capabilities that lead to node compromise.
func DangerousCapabilities() rule.Rule {
	return &rule.Workload{
		M: rule.Meta{
			ID:    "pod/dangerous-capabilities",
			Title: "Container adds a dangerous capability",
			Description: "Capabilities such as SYS_ADMIN, NET_ADMIN, SYS_PTRACE, SYS_MODULE or BPF let a container escape to " +
				"the node, load kernel code or control the node's network.",
			Remediation: "Remove the capability from capabilities.add; if the workload needs node-level access, run it as a " +
				"reviewed system component instead:\n\n  securityContext:\n    capabilities:\n      drop: [\"ALL\"]",
			Severity:   finding.SeverityHigh,
			Category:   category,
			Tags:       []string{"pss-baseline"},
			References: []ref.Ref{ref.Guide(guidePods, "Linux capabilities"), ref.PodSecurity("baseline", "Capabilities"), ref.Weakness(250)},
		},
		Fn: func(_ context.Context, m *rule.Meta, w *target.Workload) []finding.Finding {
			var out []finding.Finding
			for _, c := range w.Containers() {
				caps := sc(c).Capabilities
				if caps == nil {
					continue
				}
				for i, a := range caps.Add {
					name := strings.TrimPrefix(strings.ToUpper(string(a)), "CAP_")
					if dangerousCaps[name] {
						out = append(out, m.Failf(w, target.Index(target.Field(containerField(c, "capabilities"), "add"), i),
							"container %q adds capability %s", c.Name, a))
					}
				}
			}
			return out
		},
	}
}

// hasCap reports an exact capability name, as the Pod Security Standards compare it.
func hasCap(list []corev1.Capability, want string) bool {
	for _, c := range list {
		if string(c) == want {
			return true
		}
	}
	return false
}

// DangerousCapabilityNames lists the capabilities pod/dangerous-capabilities flags (without
// the CAP_ prefix), sorted, for the policies "eksguard policy export" writes.
func DangerousCapabilityNames() []string {
	out := make([]string, 0, len(dangerousCaps))
	for c := range dangerousCaps {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}
