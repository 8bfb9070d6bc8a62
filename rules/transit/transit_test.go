package transit

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// TestTLSPort works the annotation semantics of both controllers port by port.
func TestTLSPort(t *testing.T) {
	const cert = "arn:aws:acm:us-east-1:123456789012:certificate/abc"
	https := corev1.ServicePort{Name: "https", Port: 443}
	upper := corev1.ServicePort{Name: "HTTPS", Port: 443}
	http := corev1.ServicePort{Name: "http", Port: 80}
	cases := []struct {
		name string
		c    lbController
		ann  map[string]string
		port corev1.ServicePort
		want bool
	}{
		{"LBC: no certificate", lbcNLB, map[string]string{annSSLPorts: "443"}, https, false},
		{"LBC: certificate, no ssl-ports: every port", lbcNLB, map[string]string{annSSLCert: cert}, http, true},
		{"LBC: ssl-ports by number, spaces trimmed", lbcNLB, map[string]string{annSSLCert: cert, annSSLPorts: "8443, 443"}, https, true},
		{"LBC: ssl-ports by name", lbcNLB, map[string]string{annSSLCert: cert, annSSLPorts: "https"}, https, true},
		{"LBC: port not listed", lbcNLB, map[string]string{annSSLCert: cert, annSSLPorts: "443"}, http, false},
		{"LBC: * matches no port", lbcNLB, map[string]string{annSSLCert: cert, annSSLPorts: "*"}, https, false},
		{"LBC: ssl-ports listing nothing is every port", lbcNLB, map[string]string{annSSLCert: cert, annSSLPorts: " , "}, http, true},
		{"in-tree: no certificate", inTreeClassic, map[string]string{annSSLPorts: "*"}, https, false},
		{"in-tree: * is every port", inTreeClassic, map[string]string{annSSLCert: cert, annSSLPorts: "*"}, http, true},
		{"in-tree: empty ssl-ports is every port", inTreeNLB, map[string]string{annSSLCert: cert, annSSLPorts: ""}, http, true},
		{"in-tree: names compared lower-cased", inTreeClassic, map[string]string{annSSLCert: cert, annSSLPorts: "https"}, upper, true},
		{"in-tree: list items are not trimmed", inTreeClassic, map[string]string{annSSLCert: cert, annSSLPorts: "80, 443"}, https, false},
	}
	for _, c := range cases {
		if got := tlsPort(c.c, c.ann, c.port); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

func TestControllerOf(t *testing.T) {
	class := func(s string) *string { return &s }
	for _, c := range []struct {
		svc  corev1.Service
		want lbController
	}{
		{corev1.Service{}, inTreeClassic},
		{corev1.Service{Spec: corev1.ServiceSpec{LoadBalancerClass: class("service.k8s.aws/nlb")}}, lbcNLB},
		{corev1.Service{Spec: corev1.ServiceSpec{LoadBalancerClass: class("eks.amazonaws.com/nlb")}}, lbcNLB},
		{corev1.Service{Spec: corev1.ServiceSpec{LoadBalancerClass: class("example.com/lb")}}, notAWS},
	} {
		if got := controllerOf(&c.svc); got != c.want {
			t.Errorf("%+v: %v, want %v", c.svc.Spec, got, c.want)
		}
	}
	for typ, want := range map[string]lbController{"external": lbcNLB, "nlb-ip": lbcNLB, "nlb": inTreeNLB, "clb": inTreeClassic} {
		svc := corev1.Service{}
		svc.Annotations = map[string]string{annType: typ}
		if got := controllerOf(&svc); got != want {
			t.Errorf("type %s: %v, want %v", typ, got, want)
		}
	}
}

func TestListeners(t *testing.T) {
	for _, c := range []struct {
		ann  map[string]string
		want map[int64]string
		ok   bool
	}{
		{map[string]string{}, map[int64]string{80: "HTTP"}, true},
		{map[string]string{annCertARN: "arn:x"}, map[int64]string{443: "HTTPS"}, true},
		{map[string]string{annCertARN: " , "}, map[int64]string{80: "HTTP"}, true},
		{map[string]string{annListenPorts: `[{"HTTP": 80}, {"HTTPS": 443}, {"HTTP": 8080}]`}, map[int64]string{80: "HTTP", 443: "HTTPS", 8080: "HTTP"}, true},
		{map[string]string{annListenPorts: `[{"HTTPS": 443}]`}, map[int64]string{443: "HTTPS"}, true},
		{map[string]string{annListenPorts: `[]`}, nil, false},
		{map[string]string{annListenPorts: `[{"TCP": 80}]`}, nil, false},
		{map[string]string{annListenPorts: `[{"HTTP": 70000}]`}, nil, false},
		{map[string]string{annListenPorts: `HTTP:80`}, nil, false},
	} {
		got, ok := listeners(c.ann)
		if ok != c.ok || len(got) != len(c.want) {
			t.Errorf("%v: %v %v, want %v %v", c.ann, got, ok, c.want, c.ok)
			continue
		}
		for p, proto := range c.want {
			if got[p] != proto {
				t.Errorf("%v: port %d %s, want %s", c.ann, p, got[p], proto)
			}
		}
	}
}
