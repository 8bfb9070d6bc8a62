// Package object holds rules over any Kubernetes object, whatever its kind.
package object

import (
	"context"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/ref"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/target"
)

// clusterScoped lists the built-in cluster-scoped kinds by group/kind. The API server
// ignores a namespace on them (Helm often renders one), so they are never "in" default.
var clusterScoped = map[string]bool{
	"/Namespace":                            true,
	"/Node":                                 true,
	"/PersistentVolume":                     true,
	"/ComponentStatus":                      true,
	"rbac.authorization.k8s.io/ClusterRole": true,
	"rbac.authorization.k8s.io/ClusterRoleBinding":                  true,
	"apiextensions.k8s.io/CustomResourceDefinition":                 true,
	"apiregistration.k8s.io/APIService":                             true,
	"admissionregistration.k8s.io/ValidatingWebhookConfiguration":   true,
	"admissionregistration.k8s.io/MutatingWebhookConfiguration":     true,
	"admissionregistration.k8s.io/ValidatingAdmissionPolicy":        true,
	"admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding": true,
	"admissionregistration.k8s.io/MutatingAdmissionPolicy":          true,
	"admissionregistration.k8s.io/MutatingAdmissionPolicyBinding":   true,
	"storage.k8s.io/StorageClass":                                   true,
	"storage.k8s.io/CSIDriver":                                      true,
	"storage.k8s.io/CSINode":                                        true,
	"storage.k8s.io/VolumeAttachment":                               true,
	"storage.k8s.io/VolumeAttributesClass":                          true,
	"scheduling.k8s.io/PriorityClass":                               true,
	"node.k8s.io/RuntimeClass":                                      true,
	"networking.k8s.io/IngressClass":                                true,
	"networking.k8s.io/IPAddress":                                   true,
	"networking.k8s.io/ServiceCIDR":                                 true,
	"certificates.k8s.io/CertificateSigningRequest":                 true,
	"certificates.k8s.io/ClusterTrustBundle":                        true,
	"flowcontrol.apiserver.k8s.io/FlowSchema":                       true,
	"flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration":       true,
	"resource.k8s.io/DeviceClass":                                   true,
	"resource.k8s.io/ResourceSlice":                                 true,
	"policy/PodSecurityPolicy":                                      true,
}

// DefaultNamespace flags objects placed in the default namespace (CIS 4.5.2). Objects
// that name no namespace are not flagged: they land wherever they are applied. Neither are
// built-in cluster-scoped kinds, whatever namespace their manifest names.
func DefaultNamespace() rule.Rule {
	return &rule.Object{
		M: rule.Meta{
			ID:    "object/default-namespace",
			Title: "Object in the default namespace",
			Description: "The default namespace is where everything lands by accident; it carries no Pod Security labels, " +
				"NetworkPolicies or RBAC boundaries of its own. Put applications in their own namespaces. Objects that " +
				"name no namespace are not flagged, since they go wherever they are applied.",
			Remediation: "Set an application namespace:\n\n  metadata:\n    name: web\n    namespace: shop",
			Severity:    finding.SeverityLow,
			Category:    "Isolation",
			Tags:        []string{"cis"},
			References:  []ref.Ref{ref.CIS("4.5.2"), ref.Guide("multi-tenancy", "Soft multi-tenancy")},
		},
		Fn: func(_ context.Context, m *rule.Meta, t target.Target, o *target.Object) []finding.Finding {
			if o.Meta.Namespace != "default" || clusterScoped[o.Group()+"/"+o.Kind] {
				return nil
			}
			if o.Kind == "Service" && o.Meta.Name == "kubernetes" && o.APIVersion == "v1" {
				return nil // the API server's own service
			}
			return []finding.Finding{m.Failf(t, "metadata.namespace", "%s %q is in the default namespace", o.Kind, o.Meta.Name)}
		},
	}
}
