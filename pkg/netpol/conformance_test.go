package netpol

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// The model of the upstream NetworkPolicy e2e suite (test/e2e/network/netpol): namespaces x,
// y and z labelled ns=<name>; in each, pods a, b and c labelled pod=<name>, serving ports 80
// and 81 on TCP, UDP and SCTP through container ports named serve-<port>-<protocol>. Here
// pod x/a has address 10.0.0.1, y/b 10.0.1.2, and so on. Each case below is one of the
// suite's scenarios, with the reachability worked out by hand from the API's rules.
// (The namespace name y is quoted in YAML: unquoted, YAML 1.1 reads it as true.)

var modelNamespaces = []string{"x", "y", "z"}
var modelPods = []string{"a", "b", "c"}

func modelSet(t *testing.T, policies string) (*Set, []*Pod) {
	t.Helper()
	s := newSet(t, policies)
	var pods []*Pod
	for i, ns := range modelNamespaces {
		s.SetNamespace(ns, map[string]string{"ns": ns})
		for j, name := range modelPods {
			p := &Pod{Namespace: ns, Name: name, Labels: map[string]string{"pod": name},
				IPs: []netip.Addr{netip.AddrFrom4([4]byte{10, 0, byte(i), byte(j + 1)})}}
			for _, port := range []int32{80, 81} {
				for _, proto := range Protocols {
					p.Ports = append(p.Ports, corev1.ContainerPort{Name: fmt.Sprintf("serve-%d-%s", port, strings.ToLower(string(proto))), ContainerPort: port, Protocol: proto})
				}
			}
			pods = append(pods, p)
		}
	}
	return s, pods
}

// reach lists the ordered pairs "x/a->y/b" allowed on port/proto.
func reach(s *Set, pods []*Pod, proto corev1.Protocol, port int32) []string {
	var out []string
	for _, src := range pods {
		for _, dst := range pods {
			if s.Allowed(Endpoint{Pod: src}, Endpoint{Pod: dst}, proto, port) {
				out = append(out, src.Namespace+"/"+src.Name+"->"+dst.Namespace+"/"+dst.Name)
			}
		}
	}
	return out
}

// allPairs is every ordered pair of the model, as allowed with no policy.
func allPairs(pods []*Pod) []string {
	return reach(&Set{byNS: map[string][]*Policy{}}, pods, corev1.ProtocolTCP, 80)
}

// pairs returns the ordered pairs keep accepts.
func pairs(pods []*Pod, keep func(src, dst string) bool) []string {
	var out []string
	for _, p := range allPairs(pods) {
		src, dst, _ := strings.Cut(p, "->")
		if keep(src, dst) {
			out = append(out, p)
		}
	}
	return out
}

func TestUpstreamModel(t *testing.T) {
	to := func(dst string, from ...string) func(s, d string) bool {
		return func(s, d string) bool { return d != dst || slices.Contains(from, s) }
	}
	notTo := func(dst string) func(s, d string) bool { return func(s, d string) bool { return d != dst } }
	cases := []struct {
		name   string
		policy string
		proto  corev1.Protocol
		port   int32
		keep   func(src, dst string) bool // the allowed pairs
	}{{
		name: "default-deny-ingress",
		policy: `
metadata: {name: deny, namespace: x}
spec: {podSelector: {}, policyTypes: [Ingress]}`,
		port: 80,
		keep: func(s, d string) bool { return !strings.HasPrefix(d, "x/") },
	}, {
		name: "allow traffic only from a different namespace, NamespaceSelector NotIn",
		policy: `
metadata: {name: p, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress: [{from: [{namespaceSelector: {matchExpressions: [{key: ns, operator: NotIn, values: [x]}]}}]}]`,
		port: 80,
		keep: to("x/a", "y/a", "y/b", "y/c", "z/a", "z/b", "z/c"),
	}, {
		name: "PodSelector with MatchExpressions",
		policy: `
metadata: {name: p, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress: [{from: [{podSelector: {matchExpressions: [{key: pod, operator: In, values: [b]}]}}]}]`,
		port: 80,
		keep: to("x/a", "x/b"),
	}, {
		name: "PodSelector or NamespaceSelector",
		policy: `
metadata: {name: p, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress:
  - from:
    - namespaceSelector: {matchExpressions: [{key: ns, operator: NotIn, values: [x]}]}
    - podSelector: {matchLabels: {pod: b}}`,
		port: 80,
		keep: to("x/a", "x/b", "y/a", "y/b", "y/c", "z/a", "z/b", "z/c"),
	}, {
		name: "PodSelector and NamespaceSelector",
		policy: `
metadata: {name: p, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress:
  - from:
    - namespaceSelector: {matchExpressions: [{key: ns, operator: NotIn, values: [x]}]}
      podSelector: {matchExpressions: [{key: pod, operator: In, values: [b, c]}]}`,
		port: 80,
		keep: to("x/a", "y/b", "y/c", "z/b", "z/c"),
	}, {
		name: "Ports: only 81 allowed, probed on 80",
		policy: `
metadata: {name: p, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress: [{from: [{podSelector: {matchLabels: {pod: b}}}], ports: [{port: 81}]}]`,
		port: 80,
		keep: notTo("x/a"),
	}, {
		name: "Ports: only 81 allowed, probed on 81",
		policy: `
metadata: {name: p, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress: [{from: [{podSelector: {matchLabels: {pod: b}}}], ports: [{port: 81}]}]`,
		port: 81,
		keep: to("x/a", "x/b"),
	}, {
		name: "multiple stacked policies with overlapping podSelectors",
		policy: `
metadata: {name: p80, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress: [{ports: [{port: 80}]}]
---
metadata: {name: p81, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress: [{ports: [{port: 81}]}]`,
		port: 81,
		keep: func(s, d string) bool { return true },
	}, {
		name: "ingress access on one named port, probed on the other port",
		policy: `
metadata: {name: p, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress: [{ports: [{port: serve-81-tcp}]}]`,
		port: 80,
		keep: notTo("x/a"),
	}, {
		name: "ingress access on one named port",
		policy: `
metadata: {name: p, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress: [{ports: [{port: serve-81-tcp}]}]`,
		port: 81,
		keep: func(s, d string) bool { return true },
	}, {
		name: "egress access on one named port (UDP), probed on UDP 80",
		policy: `
metadata: {name: p, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  policyTypes: [Egress]
  egress: [{ports: [{port: serve-80-udp, protocol: UDP}]}]`,
		proto: corev1.ProtocolUDP,
		port:  80,
		keep:  func(s, d string) bool { return true },
	}, {
		name: "egress access on one named port (UDP), probed on UDP 81",
		policy: `
metadata: {name: p, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  policyTypes: [Egress]
  egress: [{ports: [{port: serve-80-udp, protocol: UDP}]}]`,
		proto: corev1.ProtocolUDP,
		port:  81,
		keep:  func(s, d string) bool { return s != "x/a" },
	}, {
		name: "egress to a CIDR block with except",
		policy: `
metadata: {name: p, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  policyTypes: [Egress]
  egress: [{to: [{ipBlock: {cidr: 10.0.0.0/16, except: [10.0.1.0/24]}}]}]`,
		port: 80,
		keep: func(s, d string) bool { return s != "x/a" || !strings.HasPrefix(d, "y/") },
	}, {
		name: "an IP in one policy's except and another policy's CIDR is allowed",
		policy: `
metadata: {name: p, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  policyTypes: [Egress]
  egress: [{to: [{ipBlock: {cidr: 10.0.0.0/16, except: [10.0.1.0/24]}}]}]
---
metadata: {name: q, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  policyTypes: [Egress]
  egress: [{to: [{ipBlock: {cidr: 10.0.1.0/24}}]}]`,
		port: 80,
		keep: func(s, d string) bool { return true },
	}, {
		name: "protocol SCTP is not UDP",
		policy: `
metadata: {name: p, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress: [{ports: [{port: 80, protocol: SCTP}]}]`,
		proto: corev1.ProtocolUDP,
		port:  80,
		keep:  notTo("x/a"),
	}, {
		name: "no TCP when the policy names only UDP",
		policy: `
metadata: {name: p, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress: [{ports: [{port: 81, protocol: UDP}]}]`,
		port: 81,
		keep: notTo("x/a"),
	}, {
		name: "NamespaceSelector on the default namespace label",
		policy: `
metadata: {name: p, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress: [{from: [{namespaceSelector: {matchExpressions: [{key: kubernetes.io/metadata.name, operator: In, values: ["y"]}]}}]}]`,
		port: 80,
		keep: to("x/a", "y/a", "y/b", "y/c"),
	}, {
		name: "any port on one protocol",
		policy: `
metadata: {name: p, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress: [{ports: [{protocol: TCP}]}]`,
		port: 81,
		keep: func(s, d string) bool { return true },
	}, {
		name: "egress denied on the client side although the server allows it",
		policy: `
metadata: {name: deny-egress, namespace: x}
spec: {podSelector: {matchLabels: {pod: a}}, policyTypes: [Egress]}
---
metadata: {name: allow-all, namespace: y}
spec: {podSelector: {}, ingress: [{}]}`,
		port: 80,
		keep: func(s, d string) bool { return s != "x/a" },
	}, {
		name: "Ingress and Egress together",
		policy: `
metadata: {name: p, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  policyTypes: [Ingress, Egress]
  ingress: [{}]`,
		port: 80,
		keep: func(s, d string) bool { return s != "x/a" },
	}, {
		name: "egress to another namespace based on PodSelector and NamespaceSelector",
		policy: `
metadata: {name: p, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  policyTypes: [Egress]
  egress: [{to: [{namespaceSelector: {matchLabels: {ns: "y"}}, podSelector: {matchLabels: {pod: b}}}]}]`,
		port: 80,
		keep: func(s, d string) bool { return s != "x/a" || d == "y/b" },
	}, {
		name: "endPort",
		policy: `
metadata: {name: p, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress: [{ports: [{port: 80, endPort: 81}]}]`,
		port: 81,
		keep: func(s, d string) bool { return true },
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, pods := modelSet(t, c.policy)
			proto := c.proto
			if proto == "" {
				proto = corev1.ProtocolTCP
			}
			got, want := reach(s, pods, proto, c.port), pairs(pods, c.keep)
			for _, p := range want {
				if !slices.Contains(got, p) {
					t.Errorf("%s should be allowed on %s %d", p, proto, c.port)
				}
			}
			for _, p := range got {
				if !slices.Contains(want, p) {
					t.Errorf("%s should be denied on %s %d", p, proto, c.port)
				}
			}
		})
	}
}
