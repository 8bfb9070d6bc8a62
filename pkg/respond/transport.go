package respond

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/eksguard/eksguard/pkg/source/cluster"
)

// transientBackoff is how often and how long a request that failed transiently is retried.
var transientBackoff = wait.Backoff{Duration: 200 * time.Millisecond, Factor: 2, Jitter: 0.25, Steps: 6, Cap: 5 * time.Second}

// retryTransport retries a request (but a container log) that failed transiently: an answer of 429 or a 5xx
// (but 501), or an error cluster.Transient calls transient (timeouts, dropped or refused
// connections). Every write eksguard makes is an update guarded by the object's
// resourceVersion, a create whose AlreadyExists is checked, or a delete with a UID
// precondition, so a retried write that had in fact gone through does not apply twice: it
// comes back as a conflict, handled like any other.
type retryTransport struct {
	rt      http.RoundTripper
	backoff wait.Backoff
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if strings.HasSuffix(req.URL.Path, "/log") {
		// Logs go through the API server to the kubelet, whose failures come back as 5xx
		// and seldom pass: a log that cannot be read is a note in the bundle, not a wait.
		return t.rt.RoundTrip(req)
	}
	b := t.backoff
	for {
		resp, err := t.rt.RoundTrip(req)
		retry := false
		switch {
		case err != nil:
			retry = cluster.Transient(err)
		case resp.StatusCode == http.StatusTooManyRequests || (resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented):
			retry = true
		}
		if !retry || b.Steps <= 1 || req.Context().Err() != nil {
			return resp, err
		}
		if req.Body != nil && req.GetBody == nil {
			return resp, err // the body cannot be sent again
		}
		if resp != nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
		}
		timer := time.NewTimer(b.Step())
		select {
		case <-req.Context().Done():
			timer.Stop()
			return nil, fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, req.Context().Err())
		case <-timer.C:
		}
		if req.GetBody != nil {
			body, gerr := req.GetBody()
			if gerr != nil {
				return nil, gerr
			}
			req = req.Clone(req.Context())
			req.Body = body
		}
	}
}
