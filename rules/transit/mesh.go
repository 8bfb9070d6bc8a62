package transit

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/ref"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/snapshot"
	"github.com/eksguard/eksguard/pkg/target"
)

// rootNamespace is Istio's default root namespace (meshConfig.rootNamespace): a
// PeerAuthentication there without a selector applies to the whole mesh.
const rootNamespace = "istio-system"

// meshLabel returns the label that puts a namespace in the Istio mesh, "" when none:
// istio-injection=enabled, istio.io/rev (a revision; istio-injection=disabled wins over
// it), or istio.io/dataplane-mode=ambient.
func meshLabel(l map[string]string) string {
	switch {
	case l["istio-injection"] == "enabled":
		return "istio-injection=enabled"
	case l["istio-injection"] == "disabled":
		return ""
	case l["istio.io/rev"] != "":
		return "istio.io/rev=" + l["istio.io/rev"]
	case l["istio.io/dataplane-mode"] == "ambient":
		return "istio.io/dataplane-mode=ambient"
	}
	return ""
}

// peerAuth is a decoded PeerAuthentication.
type peerAuth struct {
	item     *snapshot.Item[*unstructured.Unstructured]
	selector map[string]string // nil or empty: namespace-wide (mesh-wide in the root namespace)
	mode     string            // UNSET when absent
	ports    map[string]string // portLevelMtls: port -> mode
	created  string            // metadata.creationTimestamp (RFC 3339; empty in manifests)
}

func decodePA(it *snapshot.Item[*unstructured.Unstructured]) peerAuth {
	o := it.Obj.Object
	p := peerAuth{item: it, mode: "UNSET"}
	if ts := it.Obj.GetCreationTimestamp(); !ts.IsZero() {
		p.created = ts.UTC().Format("2006-01-02T15:04:05Z")
	}
	p.selector, _, _ = unstructured.NestedStringMap(o, "spec", "selector", "matchLabels")
	if m, ok, _ := unstructured.NestedString(o, "spec", "mtls", "mode"); ok && m != "" {
		p.mode = strings.ToUpper(m)
	}
	if pl, ok, _ := unstructured.NestedMap(o, "spec", "portLevelMtls"); ok {
		p.ports = map[string]string{}
		for port, v := range pl {
			mode := "UNSET"
			if vm, ok := v.(map[string]any); ok {
				if s, ok := vm["mode"].(string); ok && s != "" {
					mode = strings.ToUpper(s)
				}
			}
			p.ports[port] = mode
		}
	}
	return p
}

// oldest picks the policy Istio uses among several of the same scope: the oldest, by
// creation time and then name (manifests carry no creation time).
func oldest(ps []peerAuth) *peerAuth {
	if len(ps) == 0 {
		return nil
	}
	p := slices.MinFunc(ps, func(a, b peerAuth) int {
		return cmp.Or(cmp.Compare(unknown(a), unknown(b)), cmp.Compare(a.created, b.created), cmp.Compare(a.item.Meta.Name, b.item.Meta.Name))
	})
	return &p
}

// MeshNotStrict flags Istio mesh namespaces whose peer authentication is not STRICT, and
// workload policies that weaken a STRICT namespace.
func MeshNotStrict() rule.Rule {
	return &rule.Cluster{
		M: rule.Meta{
			ID:    "transit/mesh-mtls-not-strict",
			Title: "Istio mesh namespace without STRICT mutual TLS",
			Description: "In an Istio mesh, PeerAuthentication decides whether workloads accept plain text next to mutual " +
				"TLS. The mode comes from the most specific policy: a workload policy (spec.selector) of the namespace, " +
				"else the namespace-wide policy (no selector), else the mesh-wide policy (no selector, in the root " +
				"namespace istio-system); among several of one scope Istio uses the oldest, and a mode of UNSET (or none) " +
				"inherits from the next scope up. With no policy at all the mesh is PERMISSIVE: workloads accept plain " +
				"text, so traffic that bypasses the sidecars is neither encrypted nor authenticated. A namespace is in the " +
				"mesh when labelled istio-injection=enabled, istio.io/rev=REVISION (unless istio-injection=disabled) or " +
				"istio.io/dataplane-mode=ambient. Findings: each such namespace whose effective mode is not STRICT, and " +
				"each workload policy whose mode or portLevelMtls entry makes a selected pod of such a namespace accept " +
				"plain text (selectors in the root namespace are ignored, as Istio ignores them). Pods labelled " +
				"sidecar.istio.io/inject=false are not in the mesh and are left out.",
			Remediation: "Require mutual TLS mesh-wide (or per namespace), and remove weaker workload exceptions:\n\n" +
				"  apiVersion: security.istio.io/v1\n  kind: PeerAuthentication\n  metadata:\n    name: default\n    namespace: istio-system\n" +
				"  spec:\n    mtls:\n      mode: STRICT",
			Severity:   finding.SeverityMedium,
			Category:   category,
			Tags:       []string{"tls", "service-mesh"},
			References: []ref.Ref{guideMesh, istioDocs},
		},
		Inputs: []string{snapshot.KindNamespace, snapshot.KindPeerAuthentication, snapshot.KindWorkload},
		Fn: func(_ context.Context, m *rule.Meta, s *snapshot.Snapshot) []finding.Finding {
			var mesh []peerAuth
			nsWide := map[string][]peerAuth{}
			workload := map[string][]peerAuth{}
			for _, it := range s.PeerAuthentications() {
				p := decodePA(it)
				switch {
				case len(p.selector) > 0 && it.Namespace == rootNamespace:
					// Istio ignores workload selectors in the root namespace.
				case len(p.selector) > 0:
					workload[it.Namespace] = append(workload[it.Namespace], p)
				case it.Namespace == rootNamespace:
					mesh = append(mesh, p)
				default:
					nsWide[it.Namespace] = append(nsWide[it.Namespace], p)
				}
			}
			meshMode, meshFrom := "PERMISSIVE", "no mesh-wide PeerAuthentication"
			if p := oldest(mesh); p != nil && p.mode != "UNSET" {
				meshMode, meshFrom = p.mode, "mesh-wide PeerAuthentication "+rootNamespace+"/"+p.item.Meta.Name
			}
			var out []finding.Finding
			for _, n := range s.Namespaces() {
				ns := n.Meta.Name
				why := meshLabel(n.Meta.Labels)
				if why == "" {
					continue
				}
				mode, from := meshMode, meshFrom
				if p := oldest(nsWide[ns]); p != nil && p.mode != "UNSET" {
					mode, from = p.mode, "PeerAuthentication "+ns+"/"+p.item.Meta.Name
				}
				if mode != "STRICT" {
					f := m.Fail(&n.Object, "metadata.labels", fmt.Sprintf("namespace %s is in the mesh (%s) but its peer authentication is %s (%s): workloads accept plain text",
						ns, why, mode, from))
					out = append(out, f)
					continue
				}
				// The namespace is STRICT: look for workload policies that weaken it.
				weak := map[*snapshot.Item[*unstructured.Unstructured]][]string{}
				var order []*snapshot.Item[*unstructured.Unstructured]
				reason := map[*snapshot.Item[*unstructured.Unstructured]]string{}
				for _, pod := range s.PodsIn(ns) {
					if pod.Labels["sidecar.istio.io/inject"] == "false" {
						continue
					}
					var matching []peerAuth
					for _, p := range workload[ns] {
						if labels.SelectorFromSet(p.selector).Matches(labels.Set(pod.Labels)) {
							matching = append(matching, p)
						}
					}
					p := oldest(matching)
					if p == nil {
						continue
					}
					var r []string
					if p.mode != "UNSET" && p.mode != "STRICT" {
						r = append(r, "mode "+p.mode)
					}
					ports := make([]string, 0, len(p.ports))
					for port := range p.ports {
						ports = append(ports, port)
					}
					slices.Sort(ports)
					for _, port := range ports {
						if pm := p.ports[port]; pm != "UNSET" && pm != "STRICT" {
							r = append(r, "port "+port+" "+pm)
						}
					}
					if len(r) == 0 {
						continue
					}
					if _, seen := weak[p.item]; !seen {
						order = append(order, p.item)
						reason[p.item] = strings.Join(r, ", ")
					}
					weak[p.item] = append(weak[p.item], pod.Kind+"/"+pod.Meta.Name)
				}
				for _, it := range order {
					out = append(out, m.Fail(&it.Object, target.Field("spec", "mtls"), fmt.Sprintf("PeerAuthentication %s/%s weakens the STRICT namespace %s (%s) for %s: they accept plain text",
						ns, it.Meta.Name, ns, reason[it], strings.Join(weak[it], ", "))))
				}
			}
			return out
		},
	}
}

// unknown sorts policies with a known creation time first.
func unknown(p peerAuth) int {
	if p.created == "" {
		return 1
	}
	return 0
}
