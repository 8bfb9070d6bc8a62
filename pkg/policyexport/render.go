package policyexport

import (
	"fmt"
	"strings"

	"github.com/eksguard/eksguard/internal/yamldocs"
)

// Formats.
const (
	FormatVAP        = "vap"
	FormatKyverno    = "kyverno"
	FormatGatekeeper = "gatekeeper"
)

// Options shape the exported policies.
type Options struct {
	// Action on a failed rule: Deny (default), Warn or Audit.
	Action string
	// Excluded namespaces are never checked (as the webhook excludes them).
	Excluded []string
}

// workloadResources are the resources with a pod spec, per API group.
var workloadResources = []struct {
	Group     string
	Resources []string
	Kinds     []string
}{
	{"", []string{"pods", "pods/ephemeralcontainers", "podtemplates", "replicationcontrollers"}, []string{"Pod", "PodTemplate", "ReplicationController"}},
	{"apps", []string{"deployments", "statefulsets", "daemonsets", "replicasets"}, []string{"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"}},
	{"batch", []string{"jobs", "cronjobs"}, []string{"Job", "CronJob"}},
}

// unchangedSpec skips updates that leave the spec as it was (labels, status, finalizers),
// so objects admitted before a policy existed stay manageable.
const changedCondition = "request.operation != 'UPDATE' || oldObject == null || " +
	"(has(object.spec) ? (!has(oldObject.spec) || object.spec != oldObject.spec) : object.template != oldObject.template)"

func variables() []any {
	out := make([]any, len(Variables))
	for i, v := range Variables {
		out[i] = map[string]any{"name": v.Name, "expression": v.Expression}
	}
	return out
}

func (o Options) action() (string, error) {
	switch o.Action {
	case "", "Deny":
		return "Deny", nil
	case "Warn", "Audit":
		return o.Action, nil
	}
	return "", fmt.Errorf("action %q: want Deny, Warn or Audit", o.Action)
}

func labels() map[string]any {
	return map[string]any{"app.kubernetes.io/part-of": "eksguard"}
}

func annotations(p Policy) map[string]any {
	return map[string]any{"eksguard.io/rule": p.Meta.ID, "eksguard.io/severity": p.Meta.Severity.String()}
}

// Render writes policies in format.
func Render(format string, policies []Policy, o Options) ([]byte, error) {
	action, err := o.action()
	if err != nil {
		return nil, err
	}
	var docs []any
	for _, p := range policies {
		switch format {
		case FormatVAP:
			docs = append(docs, vap(p), vapBinding(p, action, o.Excluded))
		case FormatKyverno:
			docs = append(docs, kyverno(p, action, o.Excluded))
		case FormatGatekeeper:
			docs = append(docs, gatekeeperTemplate(p), gatekeeperConstraint(p, action, o.Excluded))
		default:
			return nil, fmt.Errorf("format %q: want vap, kyverno or gatekeeper", format)
		}
	}
	return yamldocs.Marshal(docs)
}

func vap(p Policy) map[string]any {
	var rules []any
	for _, w := range workloadResources {
		rules = append(rules, map[string]any{
			"apiGroups": []string{w.Group}, "apiVersions": []string{"v1"}, "resources": w.Resources,
			"operations": []string{"CREATE", "UPDATE"},
		})
	}
	return map[string]any{
		"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingAdmissionPolicy",
		"metadata": map[string]any{"name": p.Name(), "labels": labels(), "annotations": annotations(p)},
		"spec": map[string]any{
			"failurePolicy":    "Fail",
			"matchConstraints": map[string]any{"resourceRules": rules, "matchPolicy": "Equivalent"},
			"matchConditions":  []any{map[string]any{"name": "spec-changed", "expression": changedCondition}},
			"variables":        variables(),
			"validations": []any{map[string]any{
				"expression": p.Expression, "message": p.Message(), "reason": "Forbidden",
			}},
		},
	}
}

func vapBinding(p Policy, action string, excluded []string) map[string]any {
	actions := []string{action}
	if action == "Deny" {
		actions = []string{"Deny", "Audit"}
	}
	return map[string]any{
		"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingAdmissionPolicyBinding",
		"metadata": map[string]any{"name": p.Name(), "labels": labels()},
		"spec": map[string]any{
			"policyName":        p.Name(),
			"validationActions": actions,
			"matchResources": map[string]any{"namespaceSelector": map[string]any{"matchExpressions": []any{map[string]any{
				"key": "kubernetes.io/metadata.name", "operator": "NotIn", "values": excluded,
			}}}},
		},
	}
}

func kinds() []string {
	var out []string
	for _, w := range workloadResources {
		for _, k := range w.Kinds {
			if w.Group == "" {
				out = append(out, k)
			} else {
				out = append(out, w.Group+"/v1/"+k)
			}
		}
	}
	return out
}

// kyverno is a ClusterPolicy with one CEL rule; autogen is off because the expression
// already finds the pod spec in every kind it matches.
func kyverno(p Policy, action string, excluded []string) map[string]any {
	failure := "Enforce"
	if action != "Deny" {
		failure = "Audit"
	}
	ann := annotations(p)
	ann["pod-policies.kyverno.io/autogen-controllers"] = "none"
	ann["policies.kyverno.io/title"] = p.Meta.Title
	ann["policies.kyverno.io/severity"] = p.Meta.Severity.String()
	ann["policies.kyverno.io/description"] = p.Meta.Description
	return map[string]any{
		"apiVersion": "kyverno.io/v1", "kind": "ClusterPolicy",
		"metadata": map[string]any{"name": p.Name(), "labels": labels(), "annotations": ann},
		"spec": map[string]any{
			"background":              true,
			"validationFailureAction": failure, // before Kyverno 1.13; later versions read the rule's failureAction
			"rules": []any{map[string]any{
				"name": strings.ReplaceAll(p.Meta.ID, "/", "-"),
				"match": map[string]any{"any": []any{map[string]any{"resources": map[string]any{
					"kinds": kinds(), "operations": []string{"CREATE", "UPDATE"},
				}}}},
				"exclude": map[string]any{"any": []any{map[string]any{"resources": map[string]any{"namespaces": excluded}}}},
				"validate": map[string]any{
					"failureAction": failure,
					"cel": map[string]any{
						"variables":   variables(),
						"expressions": []any{map[string]any{"expression": p.Expression, "message": p.Message()}},
					},
				},
			}},
		},
	}
}

// gatekeeperKind is the Constraint kind of a policy: K8sEksguard + the rule in CamelCase.
func gatekeeperKind(p Policy) string {
	var b strings.Builder
	b.WriteString("K8sEksguard")
	for _, part := range strings.FieldsFunc(p.Meta.ID, func(r rune) bool { return r == '/' || r == '-' }) {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}

func gatekeeperTemplate(p Policy) map[string]any {
	kind := gatekeeperKind(p)
	return map[string]any{
		"apiVersion": "templates.gatekeeper.sh/v1", "kind": "ConstraintTemplate",
		"metadata": map[string]any{"name": strings.ToLower(kind), "labels": labels(), "annotations": annotations(p)},
		"spec": map[string]any{
			"crd": map[string]any{"spec": map[string]any{"names": map[string]any{"kind": kind}}},
			"targets": []any{map[string]any{
				"target": "admission.k8s.gatekeeper.sh",
				"code": []any{map[string]any{
					"engine": "K8sNativeValidation",
					"source": map[string]any{
						"variables":   variables(),
						"validations": []any{map[string]any{"expression": p.Expression, "message": p.Message()}},
					},
				}},
			}},
		},
	}
}

func gatekeeperConstraint(p Policy, action string, excluded []string) map[string]any {
	enforcement := "deny"
	switch action {
	case "Warn":
		enforcement = "warn"
	case "Audit":
		enforcement = "dryrun"
	}
	var match []any
	for _, w := range workloadResources {
		match = append(match, map[string]any{"apiGroups": []string{w.Group}, "kinds": w.Kinds})
	}
	kind := gatekeeperKind(p)
	return map[string]any{
		"apiVersion": "constraints.gatekeeper.sh/v1beta1", "kind": kind,
		"metadata": map[string]any{"name": p.Name(), "labels": labels()},
		"spec": map[string]any{
			"enforcementAction": enforcement,
			"match":             map[string]any{"kinds": match, "excludedNamespaces": excluded},
		},
	}
}
