package admission_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"

	"github.com/eksguard/eksguard/pkg/admission"
)

// FuzzServeValidate feeds arbitrary bodies to the validating endpoint in enforce mode: it
// never panics, answers one of the documented statuses with a bounded body, and never
// admits a workload object it could not decode.
func FuzzServeValidate(f *testing.F) {
	f.Add(review("", "v1", "Pod", "shop", admissionv1.Create, privilegedPodJSON))
	f.Add(review("apps", "v1", "Deployment", "shop", admissionv1.Create, `{"spec":{"template":{"spec":{"containers":[{"name":"a","securityContext":{"privileged":true}}]}}}}`))
	f.Add(review("batch", "v1", "CronJob", "shop", admissionv1.Update, `{"spec":{"jobTemplate":{"spec":{"template":{"spec":{"hostPID":true}}}}}}`))
	f.Add(review("", "v1", "Pod", "shop", admissionv1.Create, `{"spec":{"containers":"x"}}`))
	f.Add([]byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","kind":{"version":"v1","kind":"Pod"},"object":{"spec":{"hostPID":true,"hostPID":false}}}}`))
	f.Add([]byte(`[]`))
	h := newTestHandler(f, "maxBodyBytes: 1048576\n")
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/validate", bytes.NewReader(body))
		rec := httptest.NewRecorder()
		h.ServeValidate(rec, req, "")
		switch rec.Code {
		case http.StatusOK:
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge:
			return
		default:
			t.Fatalf("status %d", rec.Code)
		}
		if rec.Body.Len() > 64<<10 {
			t.Fatalf("%d-byte answer", rec.Body.Len())
		}
		var out admissionv1.AdmissionReview
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || out.Response == nil || out.Response.UID == "" {
			t.Fatalf("answer is no AdmissionReview with a uid: %s", rec.Body.Bytes())
		}
		in, err := admissionDecode(body)
		if err != nil {
			t.Fatalf("answered 200 to a body DecodeReview refuses: %v", err)
		}
		if out.Response.Allowed && len(out.Response.Warnings) > 0 && bytes.Contains([]byte(out.Response.Warnings[0]), []byte("admitted unchecked")) {
			t.Fatalf("enforce mode failed open on %s", in.Request.Kind)
		}
	})
}

func admissionDecode(b []byte) (*admissionv1.AdmissionReview, error) {
	return admission.DecodeReview(b)
}
