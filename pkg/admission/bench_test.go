package admission_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"

	"github.com/eksguard/eksguard/pkg/admission"
	"github.com/eksguard/eksguard/rules/all"
)

// BenchmarkValidate measures one request through the handler with every rule the webhook
// runs by default (no timing assertion: figures go to docs/benchmarks.md).
func BenchmarkValidate(b *testing.B) {
	cfg := admission.DefaultConfig()
	rules, err := admission.SelectRules(cfg, all.Registry())
	if err != nil {
		b.Fatal(err)
	}
	h, err := admission.NewHandler(cfg, rules, nil)
	if err != nil {
		b.Fatal(err)
	}
	body := review("", "v1", "Pod", "shop", admissionv1.Create, privilegedPodJSON)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeValidate(rec, httptest.NewRequest(http.MethodPost, "/validate", bytes.NewReader(body)), "")
		if rec.Code != 200 {
			b.Fatal(rec.Code)
		}
	}
}
