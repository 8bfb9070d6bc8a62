package transit

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/ref"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/snapshot"
	"github.com/eksguard/eksguard/pkg/target"
)

// Service annotations read by both the AWS Load Balancer Controller and the in-tree
// (legacy cloud provider) controller.
const (
	annType     = "service.beta.kubernetes.io/aws-load-balancer-type"
	annSSLCert  = "service.beta.kubernetes.io/aws-load-balancer-ssl-cert"
	annSSLPorts = "service.beta.kubernetes.io/aws-load-balancer-ssl-ports"
	annScheme   = "service.beta.kubernetes.io/aws-load-balancer-scheme"
	annInternal = "service.beta.kubernetes.io/aws-load-balancer-internal"
)

// lbController says which controller provisions a LoadBalancer Service and so which
// annotation semantics apply.
type lbController int

const (
	notAWS        lbController = iota // a loadBalancerClass of another implementation
	lbcNLB                            // AWS Load Balancer Controller (or EKS Auto Mode): NLB
	inTreeNLB                         // legacy in-tree controller, aws-load-balancer-type: nlb
	inTreeClassic                     // legacy in-tree controller: Classic Load Balancer
)

func controllerOf(svc *corev1.Service) lbController {
	if c := svc.Spec.LoadBalancerClass; c != nil {
		switch *c {
		case "service.k8s.aws/nlb", "eks.amazonaws.com/nlb":
			return lbcNLB
		}
		return notAWS
	}
	switch svc.Annotations[annType] {
	case "external", "nlb-ip":
		return lbcNLB
	case "nlb":
		return inTreeNLB
	}
	return inTreeClassic
}

func (c lbController) String() string {
	switch c {
	case lbcNLB:
		return "the AWS Load Balancer Controller's NLB"
	case inTreeNLB:
		return "the in-tree controller's NLB"
	}
	return "the in-tree controller's Classic Load Balancer"
}

// tlsPort reports whether the controller makes a TLS listener of port.
//
// AWS Load Balancer Controller: TLS needs a certificate in ssl-cert; with ssl-ports absent
// or listing nothing every port gets TLS; otherwise ssl-ports lists port numbers or names
// (spaces trimmed, empty entries dropped) and "*" matches no port (recent controllers
// reject an entry that names no port of the Service and build no load balancer).
//
// In-tree controller: TLS needs ssl-cert; ssl-ports empty or "*" means every port;
// otherwise a comma-separated list (not trimmed) of numbers, or names compared with the
// lower-cased port name.
func tlsPort(c lbController, ann map[string]string, port corev1.ServicePort) bool {
	cert := strings.TrimSpace(ann[annSSLCert])
	if c == lbcNLB {
		has := false
		for _, a := range strings.Split(cert, ",") {
			if strings.TrimSpace(a) != "" {
				has = true
			}
		}
		if !has {
			return false
		}
		listed := 0
		for _, p := range strings.Split(ann[annSSLPorts], ",") {
			p = strings.TrimSpace(p)
			if p == "" {
				continue
			}
			listed++
			if p == strconv.Itoa(int(port.Port)) || p == port.Name {
				return true
			}
		}
		return listed == 0
	}
	if ann[annSSLCert] == "" {
		return false
	}
	raw := ann[annSSLPorts]
	if raw == "" || raw == "*" {
		return true
	}
	for _, p := range strings.Split(raw, ",") {
		if n, err := strconv.Atoi(p); err == nil {
			if n == int(port.Port) {
				return true
			}
		} else if p == strings.ToLower(port.Name) {
			return true
		}
	}
	return false
}

func scheme(c lbController, ann map[string]string) string {
	if c == lbcNLB {
		if s := ann[annScheme]; s != "" {
			return s
		}
		if ann[annInternal] == "true" {
			return "internal"
		}
		return "internal" // the controller's default
	}
	if v := ann[annInternal]; v != "" && v != "false" {
		return "internal"
	}
	return "internet-facing"
}

// LoadBalancerWithoutTLS flags TCP ports of LoadBalancer Services without a TLS listener.
func LoadBalancerWithoutTLS() rule.Rule {
	return &rule.Cluster{
		M: rule.Meta{
			ID:    "transit/load-balancer-without-tls",
			Title: "LoadBalancer Service port without TLS",
			Description: "A Service of type LoadBalancer gets an AWS load balancer whose listeners carry the traffic of its " +
				"ports. Without a certificate the listener is plain TCP, and clients' traffic crosses the network " +
				"unencrypted up to the pods. The annotation semantics depend on the controller: the AWS Load Balancer " +
				"Controller (loadBalancerClass service.k8s.aws/nlb, or aws-load-balancer-type external or nlb-ip) makes " +
				"TLS listeners when aws-load-balancer-ssl-cert names a certificate, on every port unless " +
				"aws-load-balancer-ssl-ports lists some (numbers or names; \"*\" matches none, and recent controllers " +
				"refuse the Service over it); the legacy in-tree " +
				"controller (Classic Load Balancer, or NLB with aws-load-balancer-type nlb) does the same except that an " +
				"empty or \"*\" ssl-ports means every port. Only TCP ports are checked: UDP and SCTP listeners cannot " +
				"terminate TLS. Services with a loadBalancerClass of another implementation are left out. A backend that " +
				"terminates TLS itself behind a plain TCP listener (passthrough) is reported too; exempt it with a reason.",
			Remediation: "Terminate TLS at the load balancer with an ACM certificate on the service's ports:\n\n" +
				"  metadata:\n    annotations:\n      service.beta.kubernetes.io/aws-load-balancer-ssl-cert: arn:aws:acm:REGION:ACCOUNT:certificate/ID\n" +
				"      service.beta.kubernetes.io/aws-load-balancer-ssl-ports: \"443\"",
			Severity:   finding.SeverityMedium,
			Category:   category,
			Tags:       []string{"cis", "tls"},
			References: []ref.Ref{ref.CIS("5.4.5"), guideLB, lbcDocs},
		},
		Inputs: []string{snapshot.KindService},
		Fn: func(_ context.Context, m *rule.Meta, s *snapshot.Snapshot) []finding.Finding {
			var out []finding.Finding
			for _, it := range s.Services() {
				svc := it.Obj
				if svc.Spec.Type != corev1.ServiceTypeLoadBalancer {
					continue
				}
				c := controllerOf(svc)
				if c == notAWS {
					continue
				}
				for i, p := range svc.Spec.Ports {
					if (p.Protocol != "" && p.Protocol != corev1.ProtocolTCP) || tlsPort(c, svc.Annotations, p) {
						continue
					}
					name := ""
					if p.Name != "" {
						name = " (" + p.Name + ")"
					}
					out = append(out, m.Fail(&it.Object, target.Index("spec.ports", i), fmt.Sprintf(
						"Service %s/%s: port %d%s of %s (%s) has no TLS listener: traffic to it is not encrypted",
						it.Namespace, it.Meta.Name, p.Port, name, c, scheme(c, svc.Annotations))))
				}
			}
			return out
		},
	}
}
