package transit

import (
	"encoding/json"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/eksguard/eksguard/pkg/snapshot"
)

// FuzzListeners feeds arbitrary listen-ports and certificate annotations to the ALB
// listener model: no panic, only HTTP or HTTPS on ports 1-65535, and without listen-ports
// exactly one default listener.
func FuzzListeners(f *testing.F) {
	f.Add(`[{"HTTP": 80}, {"HTTPS": 443}]`, "", true)
	f.Add(`[{"HTTPS": 8443}]`, "arn:aws:acm:us-east-1:1:certificate/x", true)
	f.Add(`[{"HTTP": 0}]`, "", true)
	f.Add(`[{"TCP": 80}]`, "", true)
	f.Add(`{"HTTP": 80}`, "", true)
	f.Add(``, " , ", false)
	f.Add(``, "arn:a,arn:b", false)
	f.Fuzz(func(t *testing.T, listen, cert string, set bool) {
		ann := map[string]string{annCertARN: cert}
		if set {
			ann[annListenPorts] = listen
		}
		ls, ok := listeners(ann)
		if !ok {
			if !set {
				t.Fatal("default listeners failed")
			}
			return
		}
		if !set && len(ls) != 1 {
			t.Fatalf("default listeners %v", ls)
		}
		for port, proto := range ls {
			if port < 1 || port > 65535 || (proto != "HTTP" && proto != "HTTPS") {
				t.Fatalf("listener %d %s", port, proto)
			}
		}
		_ = redirects(map[string]string{annSSLRedirect: listen})
	})
}

// FuzzTLSPort feeds arbitrary ssl-cert and ssl-ports annotations to both controllers'
// models: no panic, no TLS without a certificate, and every port TLS when a certificate is
// set and ssl-ports is not.
func FuzzTLSPort(f *testing.F) {
	f.Add("arn:aws:acm:us-east-1:1:certificate/x", "443, https", "https", int32(443), true)
	f.Add("arn", "*", "web", int32(80), true)
	f.Add("", "443", "", int32(443), true)
	f.Add(" , ", "", "HTTPS", int32(8443), false)
	f.Fuzz(func(t *testing.T, cert, ports, name string, port int32, set bool) {
		ann := map[string]string{annSSLCert: cert}
		if set {
			ann[annSSLPorts] = ports
		}
		p := corev1.ServicePort{Name: name, Port: port}
		for _, c := range []lbController{lbcNLB, inTreeNLB, inTreeClassic} {
			got := tlsPort(c, ann, p)
			if cert == "" && got {
				t.Fatalf("%v: TLS without a certificate", c)
			}
			if !set && got != (c != lbcNLB && cert != "" || c == lbcNLB && hasCert(cert)) {
				t.Fatalf("%v: cert %q without ssl-ports: TLS %v", c, cert, got)
			}
		}
	})
}

func hasCert(s string) bool {
	for _, a := range strings.Split(s, ",") {
		if strings.TrimSpace(a) != "" {
			return true
		}
	}
	return false
}

// FuzzPeerAuthentication decodes arbitrary PeerAuthentication JSON: no panic whatever the
// shape of spec.
func FuzzPeerAuthentication(f *testing.F) {
	f.Add([]byte(`{"apiVersion":"security.istio.io/v1","kind":"PeerAuthentication","metadata":{"name":"a","namespace":"shop"},"spec":{"selector":{"matchLabels":{"app":"web"}},"mtls":{"mode":"STRICT"},"portLevelMtls":{"8080":{"mode":"DISABLE"}}}}`))
	f.Add([]byte(`{"apiVersion":"security.istio.io/v1","kind":"PeerAuthentication","metadata":{"name":"a","creationTimestamp":"2024-01-01T00:00:00Z"},"spec":{"mtls":{},"portLevelMtls":{"1":"x","2":null}}}`))
	f.Add([]byte(`{"apiVersion":"security.istio.io/v1","kind":"PeerAuthentication","metadata":{"name":"a"},"spec":{"selector":"web","mtls":7}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		var m map[string]any
		if json.Unmarshal(data, &m) != nil {
			return
		}
		u := &unstructured.Unstructured{Object: m}
		p := decodePA(&snapshot.Item[*unstructured.Unstructured]{Obj: u})
		_ = oldest([]peerAuth{p, p})
	})
}
