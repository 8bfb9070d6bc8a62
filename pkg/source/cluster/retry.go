package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"syscall"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	utilnet "k8s.io/apimachinery/pkg/util/net"
)

// errRetryNow asks retry for another attempt at once (the request changed).
var errRetryNow = errors.New("retry now")

// errTooLarge is a response body over Options.MaxResponseBytes.
var errTooLarge = errors.New("response too large")

// retry calls fn until it succeeds, fails with a permanent error, or the attempts run
// out, waiting with exponential backoff (or the server's Retry-After) in between.
func (s *Source) retry(ctx context.Context, what string, fn func(context.Context) error) error {
	b := s.opts.Retry
	delay := b.Initial
	var err error
	for attempt := 1; ; attempt++ {
		err = fn(ctx)
		if errors.Is(err, errRetryNow) {
			attempt--
			continue
		}
		if err == nil || !transient(err) || ctx.Err() != nil {
			return err
		}
		if attempt >= b.Attempts {
			return fmt.Errorf("%w (gave up after %d attempts)", err, attempt)
		}
		wait := delay + time.Duration(rand.Int64N(int64(delay)/4+1)) // up to 25% jitter
		if secs, ok := apierrors.SuggestsClientDelay(err); ok && secs > 0 {
			wait = min(time.Duration(secs)*time.Second, b.MaxRetryAfter)
		}
		s.log.Warn("transient error, retrying", "request", what, "attempt", attempt, "wait", wait, "error", err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		delay = min(delay*2, b.Max)
	}
}

// Transient reports whether an API request may succeed when tried again: overload (429),
// server errors (5xx), timeouts and dropped connections. The incident responder retries
// by it too.
func Transient(err error) bool { return transient(err) }

// transient reports whether a request may succeed when tried again.
func transient(err error) bool {
	var st apierrors.APIStatus
	if errors.As(err, &st) {
		// An answer from the server: only overload and server errors are worth another try
		// (a 404 or 403 answers the same way again).
		code := st.Status().Code
		return code == http.StatusTooManyRequests || code >= 500 ||
			apierrors.IsServerTimeout(err) || apierrors.IsTimeout(err) || apierrors.IsTooManyRequests(err)
	}
	if utilnet.IsConnectionReset(err) || utilnet.IsConnectionRefused(err) || utilnet.IsProbableEOF(err) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNABORTED) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	// A request that ran out of its own time (rest.Config.Timeout), not the caller's.
	return errors.Is(err, context.DeadlineExceeded)
}

// limitedTransport fails a response whose body is larger than limit, so that one page
// of hostile objects cannot take unbounded memory.
type limitedTransport struct {
	rt    http.RoundTripper
	limit int64
}

func (t *limitedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.rt.RoundTrip(req)
	if err != nil || resp.Body == nil {
		return resp, err
	}
	if resp.ContentLength > t.limit {
		resp.Body.Close()
		return nil, fmt.Errorf("%w: %d bytes, over the limit of %d", errTooLarge, resp.ContentLength, t.limit)
	}
	resp.Body = &limitedBody{rc: resp.Body, left: t.limit}
	return resp, nil
}

type limitedBody struct {
	rc   io.ReadCloser
	left int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	// Read at most one byte past the limit: it tells "exactly the limit" (EOF next) from
	// "over".
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	if b.left < 0 {
		return n, fmt.Errorf("%w: over the limit", errTooLarge)
	}
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
