package stream

import (
	"testing"

	"github.com/eksguard/eksguard/pkg/detect/k8saudit"
)

// BenchmarkK8sEvent: decode one typical audit event (a kubelet reading a secret) and run
// the upstream k8s audit rules plus eksguard's over it; no alert fires.
func BenchmarkK8sEvent(b *testing.B) {
	rs := ruleset(b, true, []string{"k8s_audit_rules.yaml"})
	rec := kev(user("system:node:ip-10-0-1-23.ec2.internal", "system:nodes"), target("secrets", "", "shop", "db"))
	rules := rs.For("k8s_audit")
	var d k8saudit.Decoder
	b.SetBytes(int64(len(rec)))
	b.ReportAllocs()
	for b.Loop() {
		d.Decode(rec, func(e *k8saudit.Event) error {
			for _, r := range rules {
				r.Match(e)
			}
			return nil
		})
	}
}

func BenchmarkK8sDecodeOnly(b *testing.B) {
	rec := createPod("shop", obj{"containers": ctrs(ctr("nginx:1.25", obj{"runAsNonRoot": true}))})
	var d k8saudit.Decoder
	b.SetBytes(int64(len(rec)))
	b.ReportAllocs()
	for b.Loop() {
		d.Decode(rec, func(e *k8saudit.Event) error { return nil })
	}
}
