// Package transit holds the encryption-in-transit rules: load balancers without TLS
// (Services of type LoadBalancer and ALB Ingresses, with the AWS Load Balancer
// Controller's and the legacy in-tree controller's annotation semantics) and Istio mesh
// namespaces without STRICT mutual TLS.
package transit

import (
	"github.com/eksguard/eksguard/pkg/ref"
	"github.com/eksguard/eksguard/pkg/rule"
)

// Rules lists the encryption-in-transit rules.
func Rules() []rule.Rule {
	return []rule.Rule{LoadBalancerWithoutTLS(), ALBWithoutTLS(), MeshNotStrict()}
}

const category = "Encryption in transit"

var (
	guideLB   = ref.Guide("network-security", "Use encryption with AWS load balancers")
	guideMesh = ref.Guide("network-security", "Service Mesh")
	lbcDocs   = ref.Link("https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/service/annotations/", "AWS Load Balancer Controller: Service annotations")
	albDocs   = ref.Link("https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/ingress/annotations/", "AWS Load Balancer Controller: Ingress annotations")
	istioDocs = ref.Link("https://istio.io/latest/docs/reference/config/security/peer_authentication/", "Istio: PeerAuthentication")
)
