// Package policyexport writes eksguard's workload rules as policies for the admission
// engines users may already run: Kubernetes ValidatingAdmissionPolicy (CEL) with bindings,
// Kyverno ClusterPolicies (CEL rules) and Gatekeeper ConstraintTemplates (the CEL engine,
// K8sNativeValidation) with their Constraints. Every format carries the same CEL
// expressions, and the tests load the ValidatingAdmissionPolicies into a real API server
// and compare their decisions with the engine's on every fixture of the rules.
package policyexport

import (
	"fmt"
	"sort"
	"strings"

	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/rules/pod"
)

// Policy is one rule as a CEL validation.
type Policy struct {
	Meta *rule.Meta
	// Expression is true when the object passes.
	Expression string
}

// Message is the message a policy denies with: the rule, its title and its fix.
func (p Policy) Message() string {
	return fmt.Sprintf("eksguard %s: %s. Fix: %s", p.Meta.ID, p.Meta.Title, strings.Join(strings.Fields(p.Meta.Remediation), " "))
}

// Name is the Kubernetes name of the policy: eksguard-<area>-<name>.
func (p Policy) Name() string { return "eksguard-" + strings.ReplaceAll(p.Meta.ID, "/", "-") }

// Skipped is a rule that has no policy, and why.
type Skipped struct {
	ID, Reason string
}

// Variables every expression may use: the pod spec wherever the kind keeps it, every
// container (init, app and ephemeral) and whether the pod runs Linux.
var Variables = []struct{ Name, Expression string }{
	{"spec", "object.kind == 'Pod' ? object.spec : " +
		"(object.kind == 'CronJob' ? object.spec.jobTemplate.spec.template.spec : " +
		"(object.kind == 'PodTemplate' ? object.template.spec : object.spec.template.spec))"},
	{"containers", "(has(variables.spec.initContainers) ? variables.spec.initContainers : []) + " +
		"(has(variables.spec.containers) ? variables.spec.containers : []) + " +
		"(has(variables.spec.ephemeralContainers) ? variables.spec.ephemeralContainers : [])"},
	{"linux", "!(has(variables.spec.os) && variables.spec.os.name == 'windows')"},
}

// hostNS is the expression of a host namespace rule.
func hostNS(field string) string {
	return fmt.Sprintf("!(has(variables.spec.%[1]s) && variables.spec.%[1]s)", field)
}

// sc is a container security context field test: has(...) && <cond>.
const scHas = "has(c.securityContext) && has(c.securityContext.%s)"

// podField is the pod security context's field, or def when unset.
func podField(field, def string) string {
	return fmt.Sprintf("(has(variables.spec.securityContext) && has(variables.spec.securityContext.%[1]s) ? variables.spec.securityContext.%[1]s : %[2]s)", field, def)
}

// expressions holds the rules that translate to CEL, with the engine's semantics (the
// tests check each against the rule's fixtures on a real API server).
var expressions = map[string]string{
	"pod/privileged":   "variables.containers.all(c, !(" + fmt.Sprintf(scHas, "privileged") + " && c.securityContext.privileged))",
	"pod/host-pid":     hostNS("hostPID"),
	"pod/host-ipc":     hostNS("hostIPC"),
	"pod/host-network": hostNS("hostNetwork"),
	"pod/host-path":    "!has(variables.spec.volumes) || variables.spec.volumes.all(v, !has(v.hostPath))",
	"pod/privilege-escalation": "!variables.linux || variables.containers.all(c, " + fmt.Sprintf(scHas, "allowPrivilegeEscalation") +
		" && c.securityContext.allowPrivilegeEscalation == false)",
	"pod/capabilities-drop-all": "!variables.linux || variables.containers.all(c, " + fmt.Sprintf(scHas, "capabilities") +
		" && has(c.securityContext.capabilities.drop) && 'ALL' in c.securityContext.capabilities.drop)",
	"pod/dangerous-capabilities": "variables.containers.all(c, !(" + fmt.Sprintf(scHas, "capabilities") +
		" && has(c.securityContext.capabilities.add)) || c.securityContext.capabilities.add.all(a, " +
		"!((a.upperAscii().startsWith('CAP_') ? a.upperAscii().substring(4) : a.upperAscii()) in " + quoted(pod.DangerousCapabilityNames()) + ")))",
	"pod/writable-root-fs": "!variables.linux || variables.containers.all(c, " + fmt.Sprintf(scHas, "readOnlyRootFilesystem") +
		" && c.securityContext.readOnlyRootFilesystem)",
	"pod/no-seccomp": "!variables.linux || variables.containers.all(c, " +
		"(" + fmt.Sprintf(scHas, "seccompProfile") + ") ? c.securityContext.seccompProfile.type in ['RuntimeDefault', 'Localhost'] : " +
		"(has(variables.spec.securityContext) && has(variables.spec.securityContext.seccompProfile) && " +
		"variables.spec.securityContext.seccompProfile.type in ['RuntimeDefault', 'Localhost']))",
	// A container passes with a non-zero user, or with runAsNonRoot: true and no user; the
	// container's fields win over the pod's. User namespaces (hostUsers: false) pass.
	"pod/run-as-root": "!variables.linux || (has(variables.spec.hostUsers) && !variables.spec.hostUsers) || variables.containers.all(c, " +
		"(" + fmt.Sprintf(scHas, "runAsUser") + " ? c.securityContext.runAsUser : " + podField("runAsUser", "-1") + ") > 0 || " +
		"((" + fmt.Sprintf(scHas, "runAsUser") + " ? c.securityContext.runAsUser : " + podField("runAsUser", "-1") + ") == -1 && " +
		"(" + fmt.Sprintf(scHas, "runAsNonRoot") + " ? c.securityContext.runAsNonRoot : " + podField("runAsNonRoot", "false") + ")))",
	// CPU and memory each need a limit on every init and app container, or on the pod
	// (spec.resources, which caps all containers together). Ephemeral containers cannot set
	// resources and are not checked. As in the rule, a limit counts when it is present.
	"pod/resource-limits": "['cpu', 'memory'].all(r, " +
		"(has(variables.spec.resources) && has(variables.spec.resources.limits) && r in variables.spec.resources.limits) || " +
		"((has(variables.spec.initContainers) ? variables.spec.initContainers : []) + (has(variables.spec.containers) ? variables.spec.containers : []))" +
		".all(c, has(c.resources) && has(c.resources.limits) && r in c.resources.limits))",
}

// reasons say why a rule has no policy.
var reasons = map[string]string{
	"pod/image-tag":               "parses image references (registry ports, digests) with the Go reference grammar; a CEL approximation would give false positives",
	"pod/image-digest":            "parses image references with the Go reference grammar; a CEL approximation would give false positives",
	"pod/image-registry":          "reads the allowedRegistries setting and parses image references; use the webhook",
	"pod/secret-env":              "matches secret-looking names and values with heuristics that CEL cannot express within the API server's cost limits",
	"pod/default-service-account": "depends on the pod's controller and on defaulting the admission chain does after validation; use the webhook or scan",
	"pod/service-account-token":   "reads the ServiceAccount's automount setting, another object; use scan",
}

// Select splits rules into policies and rules without one.
func Select(rules []rule.Rule) (policies []Policy, skipped []Skipped) {
	for _, r := range rules {
		m := r.Meta()
		if e, ok := expressions[m.ID]; ok {
			policies = append(policies, Policy{Meta: m, Expression: e})
			continue
		}
		reason := reasons[m.ID]
		switch {
		case reason != "":
		case m.Target != "workload":
			reason = "checks " + string(m.Target) + " targets, not one pod spec"
		case m.Area() == "pss":
			reason = "a Pod Security Standards check: enforce it with the built-in Pod Security Admission (pod-security.kubernetes.io/enforce labels)"
		default:
			reason = "not translated to CEL; it runs in eksguard scan and the webhook"
		}
		skipped = append(skipped, Skipped{ID: m.ID, Reason: reason})
	}
	sort.Slice(policies, func(i, j int) bool { return policies[i].Meta.ID < policies[j].Meta.ID })
	return policies, skipped
}

// ExportableIDs lists the rules with a policy, sorted.
func ExportableIDs() []string {
	out := make([]string, 0, len(expressions))
	for id := range expressions {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

func quoted(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = "'" + s + "'"
	}
	return "[" + strings.Join(q, ", ") + "]"
}
