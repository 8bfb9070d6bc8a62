package netpol

import (
	"encoding/json"
	"net"
	"net/netip"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
)

// FuzzIPBlock checks ipBlock matching against the standard library's net.IPNet: for every
// CIDR both accept, an address is in the block exactly when net says it is in the CIDR and
// in no except.
func FuzzIPBlock(f *testing.F) {
	f.Add("172.17.0.0/16", "172.17.1.0/24", "172.17.1.5")
	f.Add("172.17.0.0/16", "172.17.1.0/24", "172.17.2.5")
	f.Add("0.0.0.0/0", "10.0.0.0/8", "10.1.1.1")
	f.Add("2001:db8::/32", "2001:db8:1::/48", "2001:db8:1::1")
	f.Add("::/0", "", "1.2.3.4")
	f.Add("::ffff:0:0/96", "", "::ffff:1.2.3.4")
	f.Add("10.0.0.1/8", "10.0.0.0/32", "10.0.0.0")
	f.Fuzz(func(t *testing.T, cidr, except, addr string) {
		var ex []string
		if except != "" {
			ex = []string{except}
		}
		b, err := CompileIPBlock(cidr, ex)
		ip, ipErr := ParseIP(addr)
		if err != nil || ipErr != nil {
			return
		}
		_ = b.String()
		_, n, err1 := net.ParseCIDR(cidr)
		stdIP := net.ParseIP(addr)
		if err1 != nil || stdIP == nil {
			return // legacy spellings only the sloppy parser reads
		}
		want := sameFamily(n, addr) && n.Contains(stdIP)
		if except != "" {
			_, e, err := net.ParseCIDR(except)
			if err != nil {
				return
			}
			if sameFamily(e, addr) && e.Contains(stdIP) {
				want = false
			}
		}
		if got := b.Contains(ip); got != want {
			t.Fatalf("%s except %q contains %s = %v, net says %v", cidr, except, addr, got, want)
		}
	})
}

// sameFamily reports whether net's network and the address text are the same family as
// the API sees them (net.IPNet.Contains matches IPv4 against IPv4-mapped IPv6 and the
// API does not).
func sameFamily(n *net.IPNet, addr string) bool {
	v6Net := len(n.Mask) == net.IPv6len
	v6Addr := false
	for i := 0; i < len(addr); i++ {
		if addr[i] == ':' {
			v6Addr = true
		}
	}
	return v6Net == v6Addr
}

// FuzzCompile feeds arbitrary NetworkPolicy JSON to the compiler and the evaluator: no
// panic, and Allowed agrees with Ports.
func FuzzCompile(f *testing.F) {
	f.Add([]byte(`{"metadata":{"name":"a","namespace":"default"},"spec":{"podSelector":{"matchLabels":{"role":"db"}},"policyTypes":["Ingress","Egress"],"ingress":[{"from":[{"ipBlock":{"cidr":"172.17.0.0/16","except":["172.17.1.0/24"]}},{"namespaceSelector":{"matchLabels":{"project":"myproject"}}},{"podSelector":{"matchLabels":{"role":"frontend"}}}],"ports":[{"protocol":"TCP","port":6379}]}],"egress":[{"to":[{"ipBlock":{"cidr":"10.0.0.0/24"}}],"ports":[{"protocol":"TCP","port":5978}]}]}}`))
	f.Add([]byte(`{"metadata":{"name":"a","namespace":"default"},"spec":{"podSelector":{},"egress":[{"ports":[{"port":32000,"endPort":32768}]}]}}`))
	f.Add([]byte(`{"metadata":{"name":"a","namespace":"default"},"spec":{"podSelector":{"matchExpressions":[{"key":"app","operator":"NotIn","values":["x"]}]},"ingress":[{"from":[{"namespaceSelector":{},"podSelector":{"matchExpressions":[{"key":"role","operator":"Exists"}]}}],"ports":[{"port":"http"},{"port":"dns","protocol":"UDP"}]}]}}`))
	f.Add([]byte(`{"metadata":{"name":"a","namespace":"default"},"spec":{"podSelector":{},"ingress":[{"from":[{}]}],"policyTypes":["Sideways"]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		np := &networkingv1.NetworkPolicy{}
		if json.Unmarshal(data, np) != nil {
			return
		}
		s, _ := NewSet([]*networkingv1.NetworkPolicy{np})
		s.SetNamespace("default", map[string]string{"project": "myproject"})
		s.SetNamespace("other", map[string]string{"user": "alice"})
		pods := []*Pod{
			withPort(pod("default", "role=db", "app=x"), "http", 8080, ""),
			withPort(pod("other", "role=frontend"), "dns", 53, corev1.ProtocolUDP),
			pod("default"),
		}
		pods[2].IPs = []netip.Addr{netip.MustParseAddr("172.17.0.9"), netip.MustParseAddr("2001:db8::9")}
		eps := []Endpoint{ipEP("172.17.1.1"), ipEP("10.0.0.1"), ipEP("::1")}
		for _, p := range pods {
			eps = append(eps, podEP(p))
		}
		for _, a := range eps {
			for _, b := range eps {
				ps := s.Ports(a, b)
				for _, proto := range Protocols {
					for _, port := range []int32{53, 6379, 8080, 32000, 65535} {
						if s.Allowed(a, b, proto, port) != ps.Has(proto, port) {
							t.Fatal("Allowed disagrees with Ports")
						}
					}
				}
				_ = ps.String()
			}
		}
	})
}
