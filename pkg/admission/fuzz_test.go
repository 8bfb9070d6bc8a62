package admission_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	admissionv1 "k8s.io/api/admission/v1"
	sigsjson "sigs.k8s.io/json"

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

// FuzzDecodeReview compares DecodeReview with decoding the whole AdmissionReview strictly
// into its Go type (what the webhook did before): when both accept a body they read the
// same request, and a body the strict decoding accepts is accepted too, unless a key
// repeats in the envelope. Each body is decoded as it is (the parser for small bodies) and
// followed by 64 KiB of spaces (the decoder for large bodies).
func FuzzDecodeReview(f *testing.F) {
	f.Add(review("", "v1", "Pod", "shop", admissionv1.Create, privilegedPodJSON))
	f.Add([]byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","kind":{"group":"apps","version":"v1","kind":"Deployment"},"name":"a\u00e9","namespace":null,"operation":"UPDATE","subResource":"","object":{"spec": {"x": 1.50e3, "y": "\"q\""}},"oldObject":null,"userInfo":{"username":"u","groups":["a","b"]}}}`))
	f.Add([]byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","uid":"v"}}`))
	f.Add([]byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":5}}`))
	pad := bytes.Repeat([]byte(" "), 64<<10)
	f.Fuzz(func(t *testing.T, body []byte) {
		decodeLikeStrict(t, body)
		decodeLikeStrict(t, append(append([]byte{}, body...), pad...))
	})
}

func decodeLikeStrict(t *testing.T, body []byte) {
	{
		got, err := admission.DecodeReview(body)
		var ref admissionv1.AdmissionReview
		strict, refErr := sigsjson.UnmarshalStrict(body, &ref, sigsjson.DisallowDuplicateFields)
		refOK := refErr == nil && len(strict) == 0 && ref.APIVersion == admission.ReviewAPIVersion && ref.Kind == "AdmissionReview" &&
			ref.Request != nil && ref.Request.UID != ""
		if err != nil {
			if refOK && !strings.Contains(err.Error(), "duplicate field") {
				t.Fatalf("DecodeReview refuses what the strict decoding reads: %v", err)
			}
			return
		}
		if !refOK {
			return // a body with a wrong type in a field the webhook does not read
		}
		a, b := got.Request, ref.Request
		for _, s := range []string{string(b.UID), b.Name, b.Namespace, string(b.Operation), b.SubResource, b.Kind.Group, b.Kind.Version, b.Kind.Kind} {
			if !utf8.ValidString(s) || strings.ContainsRune(s, utf8.RuneError) {
				return // encoding/json replaces invalid UTF-8; DecodeReview keeps the bytes
			}
		}
		if a.UID != b.UID || a.Name != b.Name || a.Namespace != b.Namespace || a.Operation != b.Operation || a.SubResource != b.SubResource || a.Kind != b.Kind {
			t.Fatalf("DecodeReview read %+v, the strict decoding %+v", a, b)
		}
		for _, o := range [][2][]byte{{a.Object.Raw, b.Object.Raw}, {a.OldObject.Raw, b.OldObject.Raw}} {
			var have, want bytes.Buffer
			for i, out := range []*bytes.Buffer{&have, &want} {
				if len(o[i]) > 0 {
					if err := json.Compact(out, o[i]); err != nil {
						t.Fatalf("object %q: %v", o[i], err)
					}
				}
			}
			if !bytes.Equal(have.Bytes(), want.Bytes()) {
				t.Fatalf("object %q, want %q", o[0], want.Bytes())
			}
		}
	}
}
