package cluster

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"syscall"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

type bodyRT struct {
	body          []byte
	contentLength int64
}

func (b bodyRT) RoundTrip(*http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: 200, Body: io.NopCloser(bytes.NewReader(b.body)), ContentLength: b.contentLength}, nil
}

// FuzzLimitedTransport: whatever a server sends and claims, a response body reads whole
// when it is within the limit and fails with errTooLarge, after at most limit+1 bytes,
// when it is over.
func FuzzLimitedTransport(f *testing.F) {
	f.Add([]byte(`{"kind":"PodList"}`), int64(-1), uint16(64))
	f.Add(bytes.Repeat([]byte("x"), 100), int64(100), uint16(99))
	f.Add(bytes.Repeat([]byte("x"), 100), int64(10), uint16(100))
	f.Add([]byte{}, int64(0), uint16(0))
	f.Fuzz(func(t *testing.T, body []byte, claimed int64, limit uint16) {
		lt := &limitedTransport{rt: bodyRT{body: body, contentLength: claimed}, limit: int64(limit)}
		req, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1/", nil)
		resp, err := lt.RoundTrip(req)
		if err != nil {
			if !errors.Is(err, errTooLarge) || claimed <= int64(limit) {
				t.Fatalf("claimed %d, limit %d: %v", claimed, limit, err)
			}
			return
		}
		got, err := io.ReadAll(resp.Body)
		over := len(body) > int(limit)
		switch {
		case over && !errors.Is(err, errTooLarge):
			t.Fatalf("%d bytes over the limit %d read without error (%v)", len(body), limit, err)
		case over && len(got) > int(limit)+1:
			t.Fatalf("read %d bytes past the limit %d", len(got), limit)
		case !over && (err != nil || !bytes.Equal(got, body)):
			t.Fatalf("%d bytes within the limit %d: %v", len(body), limit, err)
		}
	})
}

func TestTransientErrors(t *testing.T) {
	gr := schema.GroupResource{Resource: "pods"}
	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"404 with a text body (discovery of a group not served)", apierrors.NewGenericServerResponse(404, "get", gr, "", "404 page not found", 0, true), false},
		{"404 status", apierrors.NewNotFound(gr, "x"), false},
		{"403", apierrors.NewForbidden(gr, "x", errors.New("no")), false},
		{"410 expired", apierrors.NewResourceExpired("too old"), false},
		{"429 with Retry-After", apierrors.NewGenericServerResponse(429, "list", gr, "", "Too many requests", 1, true), true},
		{"500", apierrors.NewInternalError(errors.New("boom")), true},
		{"502 text", apierrors.NewGenericServerResponse(502, "list", gr, "", "bad gateway", 0, true), true},
		{"503", apierrors.NewServiceUnavailable("later"), true},
		{"504 timeout", apierrors.NewTimeoutError("slow", 1), true},
		{"connection reset", &net.OpError{Op: "read", Err: syscall.ECONNRESET}, true},
		{"unexpected EOF", fmt.Errorf("reading body: %w", io.ErrUnexpectedEOF), true},
		{"other", errors.New("x509: certificate signed by unknown authority"), false},
	} {
		if got := transient(c.err); got != c.want {
			t.Errorf("%s: transient = %v, want %v", c.name, got, c.want)
		}
	}
}
