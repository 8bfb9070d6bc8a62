package netpol

import (
	"net/netip"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"sigs.k8s.io/yaml"
)

// policies parses a multi-document YAML stream of NetworkPolicies.
func policies(t testing.TB, docs string) []*networkingv1.NetworkPolicy {
	t.Helper()
	var out []*networkingv1.NetworkPolicy
	for _, d := range strings.Split(docs, "\n---\n") {
		if strings.TrimSpace(d) == "" {
			continue
		}
		np := &networkingv1.NetworkPolicy{}
		if err := yaml.UnmarshalStrict([]byte(d), np); err != nil {
			t.Fatalf("policy does not parse: %v\n%s", err, d)
		}
		if np.Namespace == "" {
			np.Namespace = "default"
		}
		out = append(out, np)
	}
	return out
}

func newSet(t testing.TB, docs string) *Set {
	t.Helper()
	s, errs := NewSet(policies(t, docs))
	for _, err := range errs {
		t.Fatal(err)
	}
	// The namespaces of the documentation's examples.
	s.SetNamespace("default", nil)
	s.SetNamespace("myproject", map[string]string{"project": "myproject"})
	s.SetNamespace("other", nil)
	s.SetNamespace("alice", map[string]string{"user": "alice"})
	return s
}

func pod(ns string, lbls ...string) *Pod {
	p := &Pod{Namespace: ns, Name: "p", Labels: map[string]string{}}
	for _, kv := range lbls {
		k, v, _ := strings.Cut(kv, "=")
		p.Labels[k] = v
	}
	return p
}

func withPort(p *Pod, name string, port int32, proto corev1.Protocol) *Pod {
	p.Ports = append(p.Ports, corev1.ContainerPort{Name: name, ContainerPort: port, Protocol: proto})
	return p
}

func podEP(p *Pod) Endpoint { return Endpoint{Pod: p} }

func ipEP(s string) Endpoint { return Endpoint{IP: netip.MustParseAddr(s)} }

type conn struct {
	name     string
	src, dst Endpoint
	proto    corev1.Protocol
	port     int32
	want     bool
}

func check(t *testing.T, s *Set, cases []conn) {
	t.Helper()
	for _, c := range cases {
		proto := c.proto
		if proto == "" {
			proto = corev1.ProtocolTCP
		}
		if got := s.Allowed(c.src, c.dst, proto, c.port); got != c.want {
			t.Errorf("%s: %s %d allowed = %v, want %v (ports %s)", c.name, proto, c.port, got, c.want, s.Ports(c.src, c.dst))
		}
	}
}

// The example NetworkPolicy of the Kubernetes documentation
// (kubernetes.io/docs/concepts/services-networking/network-policies, "The NetworkPolicy
// resource").
const docExample = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: test-network-policy
  namespace: default
spec:
  podSelector:
    matchLabels:
      role: db
  policyTypes:
  - Ingress
  - Egress
  ingress:
  - from:
    - ipBlock:
        cidr: 172.17.0.0/16
        except:
        - 172.17.1.0/24
    - namespaceSelector:
        matchLabels:
          project: myproject
    - podSelector:
        matchLabels:
          role: frontend
    ports:
    - protocol: TCP
      port: 6379
  egress:
  - to:
    - ipBlock:
        cidr: 10.0.0.0/24
    ports:
    - protocol: TCP
      port: 5978
`

func TestDocExample(t *testing.T) {
	s := newSet(t, docExample)
	db := pod("default", "role=db")
	frontend := pod("default", "role=frontend")
	check(t, s, []conn{
		// The policy isolates role=db pods in default for both directions. Its one ingress
		// rule ORs three peers and allows only TCP 6379.
		{"frontend pod of the same namespace", podEP(frontend), podEP(db), "", 6379, true},
		{"another port is not in the rule", podEP(frontend), podEP(db), "", 6380, false},
		{"UDP on the same number is another port", podEP(frontend), podEP(db), corev1.ProtocolUDP, 6379, false},
		// namespaceSelector alone: every pod of a namespace labelled project=myproject.
		{"any pod of a project=myproject namespace", podEP(pod("myproject", "app=x")), podEP(db), "", 6379, true},
		// podSelector alone only selects in the policy's own namespace.
		{"role=frontend in another namespace", podEP(pod("other", "role=frontend")), podEP(db), "", 6379, false},
		{"unlabelled pod of the same namespace", podEP(pod("default", "app=x")), podEP(db), "", 6379, false},
		// ipBlock: 172.17.0.0/16 except 172.17.1.0/24.
		{"address in the CIDR", ipEP("172.17.0.5"), podEP(db), "", 6379, true},
		{"address in the except", ipEP("172.17.1.5"), podEP(db), "", 6379, false},
		{"address outside the CIDR", ipEP("10.0.0.1"), podEP(db), "", 6379, false},
		// Egress: only 10.0.0.0/24 on TCP 5978.
		{"egress to the allowed CIDR and port", podEP(db), ipEP("10.0.0.7"), "", 5978, true},
		{"egress to the allowed CIDR, other port", podEP(db), ipEP("10.0.0.7"), "", 80, false},
		{"egress outside the CIDR", podEP(db), ipEP("10.0.1.1"), "", 5978, false},
		{"egress to a pod: no rule allows it", podEP(db), podEP(frontend), "", 5978, false},
		// role=frontend is selected by no policy: not isolated either way.
		{"frontend to the world", podEP(frontend), ipEP("8.8.8.8"), corev1.ProtocolUDP, 53, true},
		{"world to frontend", ipEP("8.8.8.8"), podEP(frontend), "", 22, true},
	})
	if !s.Isolated(db, Ingress) || !s.Isolated(db, Egress) || s.Isolated(frontend, Ingress) {
		t.Error("isolation of the example is wrong")
	}
}

// "Default policies" of the documentation.
func TestDefaultPolicies(t *testing.T) {
	a, b := pod("default", "app=a"), pod("default", "app=b")
	ext := pod("other", "app=c")
	tests := []struct {
		name   string
		policy string
		cases  []conn
	}{{
		// "Default deny all ingress traffic": every pod of the namespace is isolated for
		// ingress and no rule allows anything; egress is untouched.
		name: "default-deny-ingress",
		policy: `
metadata: {name: default-deny-ingress}
spec:
  podSelector: {}
  policyTypes: [Ingress]`,
		cases: []conn{
			{"a to b", podEP(a), podEP(b), "", 80, false},
			{"other namespace to b", podEP(ext), podEP(b), "", 80, false},
			{"world to a", ipEP("1.2.3.4"), podEP(a), "", 443, false},
			{"a egress to the other namespace", podEP(a), podEP(ext), "", 80, true},
			{"a egress to the world", podEP(a), ipEP("1.2.3.4"), "", 443, true},
		},
	}, {
		// "Allow all ingress traffic": one empty rule matches every peer and port.
		name: "allow-all-ingress",
		policy: `
metadata: {name: allow-all-ingress}
spec:
  podSelector: {}
  ingress:
  - {}
  policyTypes: [Ingress]`,
		cases: []conn{
			{"a to b", podEP(a), podEP(b), "", 80, true},
			{"world to a on SCTP", ipEP("1.2.3.4"), podEP(a), corev1.ProtocolSCTP, 9, true},
		},
	}, {
		// "Default deny all egress traffic".
		name: "default-deny-egress",
		policy: `
metadata: {name: default-deny-egress}
spec:
  podSelector: {}
  policyTypes: [Egress]`,
		cases: []conn{
			{"a to b", podEP(a), podEP(b), "", 80, false},
			{"a to the world", podEP(a), ipEP("1.2.3.4"), corev1.ProtocolUDP, 53, false},
			{"other namespace to a: ingress untouched", podEP(ext), podEP(a), "", 80, true},
		},
	}, {
		// "Allow all egress traffic".
		name: "allow-all-egress",
		policy: `
metadata: {name: allow-all-egress}
spec:
  podSelector: {}
  egress:
  - {}
  policyTypes: [Egress]`,
		cases: []conn{
			{"a to the world", podEP(a), ipEP("2001:db8::1"), "", 443, true},
			{"a to b", podEP(a), podEP(b), "", 80, true},
		},
	}, {
		// "Default deny all ingress and all egress traffic".
		name: "default-deny-all",
		policy: `
metadata: {name: default-deny-all}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]`,
		cases: []conn{
			{"a to b", podEP(a), podEP(b), "", 80, false},
			{"a to the world", podEP(a), ipEP("1.2.3.4"), "", 80, false},
			{"world to a", ipEP("1.2.3.4"), podEP(a), "", 80, false},
			{"other namespace to the other namespace", podEP(ext), podEP(ext), "", 80, true},
		},
	}, {
		// policyTypes omitted with egress rules: the API defaults to [Ingress, Egress], so
		// the policy isolates ingress too and, with no ingress rule, denies it.
		name: "policyTypes defaulted with egress rules",
		policy: `
metadata: {name: egress-only-rules}
spec:
  podSelector: {matchLabels: {app: a}}
  egress:
  - ports: [{port: 53, protocol: UDP}]`,
		cases: []conn{
			{"b to a: ingress isolated by the default", podEP(b), podEP(a), "", 80, false},
			{"a to the world on DNS", podEP(a), ipEP("1.2.3.4"), corev1.ProtocolUDP, 53, true},
			{"a to the world on TCP 53", podEP(a), ipEP("1.2.3.4"), "", 53, false},
		},
	}, {
		// policyTypes omitted without egress rules: only Ingress; egress stays open.
		name: "policyTypes defaulted without egress rules",
		policy: `
metadata: {name: ingress-only}
spec:
  podSelector: {matchLabels: {app: a}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: b}}}]`,
		cases: []conn{
			{"b to a", podEP(b), podEP(a), "", 80, true},
			{"other namespace to a", podEP(ext), podEP(a), "", 80, false},
			{"a to anything", podEP(a), ipEP("1.2.3.4"), "", 80, true},
		},
	}, {
		// policyTypes [Egress] with ingress rules: the ingress rules isolate nothing and
		// allow nothing; ingress is open.
		name: "ingress rules ignored when policyTypes is Egress",
		policy: `
metadata: {name: egress-typed}
spec:
  podSelector: {matchLabels: {app: a}}
  policyTypes: [Egress]
  ingress:
  - from: [{podSelector: {matchLabels: {app: b}}}]`,
		cases: []conn{
			{"other namespace to a", podEP(ext), podEP(a), "", 80, true},
			{"a to b: egress isolated, no rule", podEP(a), podEP(b), "", 80, false},
		},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			check(t, newSet(t, tc.policy), tc.cases)
		})
	}
}

// "Targeting a range of ports": the endPort example.
func TestEndPort(t *testing.T) {
	s := newSet(t, `
metadata: {name: multi-port-egress, namespace: default}
spec:
  podSelector: {matchLabels: {role: db}}
  policyTypes: [Egress]
  egress:
  - to:
    - ipBlock: {cidr: 10.0.0.0/24}
    ports:
    - protocol: TCP
      port: 32000
      endPort: 32768`)
	db := pod("default", "role=db")
	check(t, s, []conn{
		{"first port of the range", podEP(db), ipEP("10.0.0.1"), "", 32000, true},
		{"inside the range", podEP(db), ipEP("10.0.0.1"), "", 32500, true},
		{"last port (endPort is inclusive)", podEP(db), ipEP("10.0.0.1"), "", 32768, true},
		{"just below", podEP(db), ipEP("10.0.0.1"), "", 31999, false},
		{"just above", podEP(db), ipEP("10.0.0.1"), "", 32769, false},
		{"UDP in the range", podEP(db), ipEP("10.0.0.1"), corev1.ProtocolUDP, 32000, false},
	})
	if got := s.Ports(podEP(db), ipEP("10.0.0.1")).String(); got != "TCP 32000-32768" {
		t.Errorf("ports = %s", got)
	}
}

// "Behavior of to and from selectors": one element with both selectors (AND) against two
// elements (OR).
func TestSelectorAndOr(t *testing.T) {
	const and = `
metadata: {name: and}
spec:
  podSelector: {matchLabels: {app: server}}
  ingress:
  - from:
    - namespaceSelector:
        matchLabels:
          user: alice
      podSelector:
        matchLabels:
          role: client`
	const or = `
metadata: {name: or}
spec:
  podSelector: {matchLabels: {app: server}}
  ingress:
  - from:
    - namespaceSelector:
        matchLabels:
          user: alice
    - podSelector:
        matchLabels:
          role: client`
	server := pod("default", "app=server")
	aliceClient := pod("alice", "role=client")
	aliceOther := pod("alice", "role=batch")
	localClient := pod("default", "role=client")
	otherClient := pod("other", "role=client")
	t.Run("AND", func(t *testing.T) {
		check(t, newSet(t, and), []conn{
			{"client in alice's namespace", podEP(aliceClient), podEP(server), "", 80, true},
			{"non-client in alice's namespace", podEP(aliceOther), podEP(server), "", 80, false},
			// With namespaceSelector present, podSelector is no longer limited to the
			// policy's namespace, so a client in default matches only if default is
			// alice's: it is not.
			{"client in the policy's namespace", podEP(localClient), podEP(server), "", 80, false},
			{"client elsewhere", podEP(otherClient), podEP(server), "", 80, false},
		})
	})
	t.Run("OR", func(t *testing.T) {
		check(t, newSet(t, or), []conn{
			{"client in alice's namespace", podEP(aliceClient), podEP(server), "", 80, true},
			{"non-client in alice's namespace", podEP(aliceOther), podEP(server), "", 80, true},
			{"client in the policy's namespace", podEP(localClient), podEP(server), "", 80, true},
			{"client elsewhere: podSelector alone is namespace-local", podEP(otherClient), podEP(server), "", 80, false},
		})
	})
}

// Empty and absent selectors, and "Targeting a Namespace by its name".
func TestEmptySelectors(t *testing.T) {
	server := pod("default", "app=server")
	cases := []struct {
		name, from string
		want       map[string]bool // namespace of a role=x pod -> allowed
	}{
		{"empty namespaceSelector: every namespace", `[{namespaceSelector: {}}]`, map[string]bool{"default": true, "other": true, "alice": true}},
		{"empty podSelector: every pod of the policy's namespace", `[{podSelector: {}}]`, map[string]bool{"default": true, "other": false}},
		{"both empty: every pod everywhere", `[{namespaceSelector: {}, podSelector: {}}]`, map[string]bool{"default": true, "other": true}},
		{"namespace by name", `[{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: other}}}]`, map[string]bool{"default": false, "other": true}},
		{"matchExpressions NotIn", `[{namespaceSelector: {matchExpressions: [{key: user, operator: NotIn, values: [alice]}]}}]`, map[string]bool{"default": true, "alice": false}},
		{"matchExpressions DoesNotExist", `[{namespaceSelector: {matchExpressions: [{key: user, operator: DoesNotExist}]}}]`, map[string]bool{"other": true, "alice": false}},
		{"empty from list: every source", `[]`, map[string]bool{"default": true, "other": true, "alice": true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newSet(t, `
metadata: {name: p}
spec:
  podSelector: {matchLabels: {app: server}}
  ingress:
  - from: `+c.from)
			for ns, want := range c.want {
				if got := s.Allowed(podEP(pod(ns, "role=x")), podEP(server), corev1.ProtocolTCP, 80); got != want {
					t.Errorf("from %s: %v, want %v", ns, got, want)
				}
			}
		})
	}
}

// Named ports resolve against the destination pod's container ports, with the protocol.
func TestNamedPorts(t *testing.T) {
	s := newSet(t, `
metadata: {name: named}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
  ingress:
  - ports: [{port: http}, {port: dns, protocol: UDP}]
  egress:
  - ports: [{port: metrics}]`)
	web := withPort(withPort(pod("default", "app=web"), "http", 8080, ""), "dns", 53, corev1.ProtocolUDP)
	tcpDNS := withPort(pod("default", "app=dns"), "dns", 53, corev1.ProtocolTCP)
	bare := pod("default", "app=bare")
	client := pod("other", "app=client") // not isolated: egress open
	check(t, s, []conn{
		{"http resolves to 8080 on web", podEP(client), podEP(web), "", 8080, true},
		{"80 is not http", podEP(client), podEP(web), "", 80, false},
		{"dns/UDP resolves to 53", podEP(client), podEP(web), corev1.ProtocolUDP, 53, true},
		{"a TCP port named dns is not UDP dns", podEP(client), podEP(tcpDNS), corev1.ProtocolTCP, 53, false},
		{"no port named http on bare", podEP(client), podEP(bare), "", 8080, false},
		// Egress named ports also resolve against the destination: web has no metrics port.
		{"egress named port absent on the destination", podEP(bare), podEP(client), "", 9090, false},
	})
	metrics := withPort(pod("other", "app=m"), "metrics", 9090, "")
	check(t, s, []conn{
		{"egress named port present on the destination", podEP(bare), podEP(metrics), "", 9090, true},
		{"named ports never match an address", podEP(bare), ipEP("1.2.3.4"), "", 9090, false},
	})
}

// Several policies selecting a pod add up; a connection needs both ends.
func TestAdditiveAndBothEnds(t *testing.T) {
	s := newSet(t, `
metadata: {name: web-80}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress: [{ports: [{port: 80}]}]
---
metadata: {name: web-443}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress: [{ports: [{port: 443}]}]
---
metadata: {name: client-egress}
spec:
  podSelector: {matchLabels: {app: client}}
  policyTypes: [Egress]
  egress: [{ports: [{port: 443}, {port: 8443}]}]`)
	web, client := pod("default", "app=web"), pod("default", "app=client")
	if got := s.Ports(podEP(client), podEP(web)).String(); got != "TCP 443" {
		t.Errorf("client to web = %s, want TCP 443 (egress 443,8443 and ingress 80,443)", got)
	}
	if got := s.Ports(podEP(pod("default", "app=x")), podEP(web)).String(); got != "TCP 80, TCP 443" {
		t.Errorf("x to web = %s", got)
	}
}

// IPv6 ipBlocks and families.
func TestIPv6(t *testing.T) {
	s := newSet(t, `
metadata: {name: v6}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
  - to: [{ipBlock: {cidr: "2001:db8::/32", except: ["2001:db8:1::/48"]}}]`)
	a := pod("default", "app=a")
	check(t, s, []conn{
		{"inside", podEP(a), ipEP("2001:db8:2::1"), "", 443, true},
		{"in the except", podEP(a), ipEP("2001:db8:1::1"), "", 443, false},
		{"outside", podEP(a), ipEP("2001:db9::1"), "", 443, false},
		{"IPv4 is another family", podEP(a), ipEP("32.1.13.184"), "", 443, false},
	})
}

// ipBlock against pod addresses when they are known (live pods).
func TestIPBlockMatchesPodIPs(t *testing.T) {
	s := newSet(t, `
metadata: {name: cidr}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress:
  - from: [{ipBlock: {cidr: 10.1.0.0/16}}]`)
	db := pod("default", "app=db")
	in := pod("other", "app=x")
	in.IPs = []netip.Addr{netip.MustParseAddr("10.1.2.3")}
	out := pod("other", "app=x")
	out.IPs = []netip.Addr{netip.MustParseAddr("10.2.2.3")}
	check(t, s, []conn{
		{"pod inside the CIDR", podEP(in), podEP(db), "", 5432, true},
		{"pod outside the CIDR", podEP(out), podEP(db), "", 5432, false},
		{"pod with unknown address", podEP(pod("other", "app=x")), podEP(db), "", 5432, false},
	})
}

// hostNetwork pods are outside NetworkPolicy: not isolated, and not matched by selectors.
func TestHostNetwork(t *testing.T) {
	s := newSet(t, `
metadata: {name: deny}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
  ingress: [{from: [{podSelector: {}}]}]`)
	host := pod("default", "app=h")
	host.HostNetwork = true
	a := pod("default", "app=a")
	if s.Isolated(host, Ingress) || len(s.Selecting(host, Egress)) != 0 {
		t.Error("a hostNetwork pod is selected")
	}
	check(t, s, []conn{
		{"host pod is not matched by podSelector {}", podEP(host), podEP(a), "", 80, false},
		{"host pod itself is open", podEP(a), podEP(host), "", 80, false}, // a's egress is denied
		{"world to host pod", ipEP("1.1.1.1"), podEP(host), "", 80, true},
	})
}

// Compile rejects what API validation rejects, naming the field.
func TestCompileErrors(t *testing.T) {
	cases := map[string]string{
		"must specify a peer":               `ingress: [{from: [{}]}]`,
		"ipBlock and another peer":          `ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8}, podSelector: {}}]}]`,
		"invalid CIDR":                      `ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/33}}]}]`,
		"endPort: 10 must be between":       `ingress: [{ports: [{port: 20, endPort: 10}]}]`,
		"when port is a name":               `ingress: [{ports: [{port: http, endPort: 10}]}]`,
		"when port is not":                  `ingress: [{ports: [{endPort: 10}]}]`,
		"unsupported value \"ICMP\"":        `ingress: [{ports: [{protocol: ICMP}]}]`,
		"spec.policyTypes[0]":               `policyTypes: [Both]`,
		"spec.ingress[0].from[0].podSelect": `ingress: [{from: [{podSelector: {matchExpressions: [{key: a, operator: In}]}}]}]`,
		"port: 0 is not between":            `egress: [{ports: [{port: 0}]}]`,
		"must contain at least one letter":  `egress: [{ports: [{port: "8080"}]}]`,
		"more than two policyTypes":         `policyTypes: [Ingress, Egress, Ingress]`,
	}
	for want, spec := range cases {
		_, errs := NewSet(policies(t, "metadata: {name: bad}\nspec:\n  podSelector: {}\n  "+spec))
		if len(errs) != 1 || !strings.Contains(errs[0].Error(), want) || !strings.Contains(errs[0].Error(), "default/bad") {
			t.Errorf("%s: errors %v, want one containing %q", spec, errs, want)
		}
	}
}

func TestParseCIDR(t *testing.T) {
	for in, want := range map[string]string{
		"10.0.0.0/8":    "10.0.0.0/8",
		"10.1.2.3/8":    "10.0.0.0/8", // host bits masked, as the API's parser does
		"010.000.0.0/8": "10.0.0.0/8", // leading zeros read as decimal (legacy values)
		"0.0.0.0/0":     "0.0.0.0/0",
		"::/0":          "::/0",
		"2001:DB8::/32": "2001:db8::/32",
		"::ffff:0:0/96": "::ffff:0.0.0.0/96",
	} {
		p, err := ParseCIDR(in)
		if err != nil || p.String() != want {
			t.Errorf("ParseCIDR(%q) = %v, %v; want %s", in, p, err, want)
		}
	}
	for _, bad := range []string{"", "10.0.0.0", "10.0.0.0/33", "x/8", "10.0.0.0/-1", "::/129"} {
		if _, err := ParseCIDR(bad); err == nil {
			t.Errorf("ParseCIDR(%q) accepted", bad)
		}
	}
}

func TestPortSet(t *testing.T) {
	var s PortSet
	s.Add(corev1.ProtocolTCP, 80, 80)
	s.Add(corev1.ProtocolTCP, 81, 90)
	s.Add(corev1.ProtocolTCP, 100, 200)
	s.Add(corev1.ProtocolTCP, 150, 300)
	s.Add(corev1.ProtocolUDP, 53, 53)
	if got := s.String(); got != "TCP 80-90, TCP 100-300, UDP 53" {
		t.Errorf("merge: %s", got)
	}
	var o PortSet
	o.Add(corev1.ProtocolTCP, 85, 120)
	o.Add(corev1.ProtocolUDP, 1, 65535)
	if got := s.Intersect(o).String(); got != "TCP 85-90, TCP 100-120, UDP 53" {
		t.Errorf("intersect: %s", got)
	}
	if !AllPorts().All() || AllPorts().String() != "*" || (PortSet{}).String() != "none" {
		t.Error("all/none")
	}
}
