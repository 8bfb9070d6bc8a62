package transit

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/ref"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/snapshot"
	"github.com/eksguard/eksguard/pkg/target"
)

// Ingress annotations of the AWS Load Balancer Controller (default prefix).
const (
	albPrefix       = "alb.ingress.kubernetes.io/"
	annCertARN      = albPrefix + "certificate-arn"
	annListenPorts  = albPrefix + "listen-ports"
	annSSLRedirect  = albPrefix + "ssl-redirect"
	annGroupName    = albPrefix + "group.name"
	annIngressClass = "kubernetes.io/ingress.class"
)

func isALB(ing *networkingv1.Ingress) bool {
	if c := ing.Spec.IngressClassName; c != nil && *c == "alb" {
		return true
	}
	return ing.Annotations[annIngressClass] == "alb"
}

// listeners returns the ALB listeners of an Ingress, port to protocol, as the controller
// builds them: listen-ports when set (a JSON list of {"HTTP": port} or {"HTTPS": port}),
// otherwise HTTPS 443 when certificate-arn names a certificate and HTTP 80 when not. ok is
// false when listen-ports does not parse: the controller then builds nothing.
func listeners(ann map[string]string) (map[int64]string, bool) {
	raw, set := ann[annListenPorts]
	if !set {
		for _, a := range strings.Split(ann[annCertARN], ",") {
			if strings.TrimSpace(a) != "" {
				return map[int64]string{443: "HTTPS"}, true
			}
		}
		return map[int64]string{80: "HTTP"}, true
	}
	var entries []map[string]int64
	if err := json.Unmarshal([]byte(raw), &entries); err != nil || len(entries) == 0 {
		return nil, false
	}
	out := map[int64]string{}
	for _, e := range entries {
		for proto, port := range e {
			if port < 1 || port > 65535 || (proto != "HTTP" && proto != "HTTPS") {
				return nil, false
			}
			out[port] = proto
		}
	}
	return out, true
}

// redirects reports whether ssl-redirect is set to a port number on the Ingress.
func redirects(ann map[string]string) bool {
	v, ok := ann[annSSLRedirect]
	if !ok {
		return false
	}
	_, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	return err == nil
}

// ALBWithoutTLS flags ALB Ingresses with HTTP listeners that do not redirect to HTTPS.
func ALBWithoutTLS() rule.Rule {
	return &rule.Cluster{
		M: rule.Meta{
			ID:    "transit/alb-without-tls",
			Title: "ALB Ingress serves plain HTTP",
			Description: "The AWS Load Balancer Controller builds an Application Load Balancer for Ingresses of class alb " +
				"(spec.ingressClassName alb, or the legacy kubernetes.io/ingress.class annotation). Its listeners come from " +
				"alb.ingress.kubernetes.io/listen-ports, which defaults to HTTPS 443 when certificate-arn names a " +
				"certificate and to HTTP 80 when it does not (TLS in spec.tls does not change the default). An HTTP " +
				"listener serves requests unencrypted unless alb.ingress.kubernetes.io/ssl-redirect is set: then every HTTP " +
				"listener only redirects to HTTPS. ssl-redirect set on any Ingress of the same IngressGroup (group.name) " +
				"applies to the whole group, and is counted so. HTTPS listeners without certificate-arn get certificates " +
				"by host discovery and are not reported. An IngressClassParams certificateArn is not visible to eksguard: " +
				"exempt such Ingresses with a reason. Ingresses of an IngressClass named otherwise (or of a default " +
				"IngressClass, with no class named) are not recognised as ALB Ingresses.",
			Remediation: "Listen on HTTPS with a certificate and redirect HTTP to it:\n\n" +
				"  metadata:\n    annotations:\n      alb.ingress.kubernetes.io/certificate-arn: arn:aws:acm:REGION:ACCOUNT:certificate/ID\n" +
				"      alb.ingress.kubernetes.io/listen-ports: '[{\"HTTP\": 80}, {\"HTTPS\": 443}]'\n" +
				"      alb.ingress.kubernetes.io/ssl-redirect: \"443\"",
			Severity:   finding.SeverityMedium,
			Category:   category,
			Tags:       []string{"cis", "tls"},
			References: []ref.Ref{ref.CIS("5.4.5"), guideLB, albDocs},
		},
		Inputs: []string{snapshot.KindIngress},
		Fn: func(_ context.Context, m *rule.Meta, s *snapshot.Snapshot) []finding.Finding {
			groupRedirect := map[string]bool{}
			for _, it := range s.Ingresses() {
				if g := it.Obj.Annotations[annGroupName]; g != "" && isALB(it.Obj) && redirects(it.Obj.Annotations) {
					groupRedirect[g] = true
				}
			}
			var out []finding.Finding
			for _, it := range s.Ingresses() {
				ing := it.Obj
				if !isALB(ing) {
					continue
				}
				ls, ok := listeners(ing.Annotations)
				if !ok {
					continue // the controller rejects the Ingress: no load balancer is built
				}
				if redirects(ing.Annotations) || groupRedirect[ing.Annotations[annGroupName]] {
					continue
				}
				var plain []int64
				for port, proto := range ls {
					if proto == "HTTP" {
						plain = append(plain, port)
					}
				}
				if len(plain) == 0 {
					continue
				}
				slices.Sort(plain)
				var ps []string
				for _, p := range plain {
					ps = append(ps, strconv.FormatInt(p, 10))
				}
				path := "metadata"
				why := "no listen-ports and no certificate-arn: the default listener is HTTP 80"
				if _, set := ing.Annotations[annListenPorts]; set {
					path = target.Key("metadata.annotations", annListenPorts)
					why = "listen-ports has HTTP listeners"
				}
				out = append(out, m.Fail(&it.Object, path, fmt.Sprintf(
					"Ingress %s/%s: the ALB serves plain HTTP on port %s without ssl-redirect (%s)", it.Namespace, it.Meta.Name, strings.Join(ps, ", "), why)))
			}
			return out
		},
	}
}
