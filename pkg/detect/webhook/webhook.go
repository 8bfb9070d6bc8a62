// Package webhook receives Kubernetes audit events from the API server's webhook backend:
// audit.k8s.io/v1 EventList POSTs, over TLS, authenticated by a bearer token.
package webhook

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/valyala/fastjson"
)

// Limits: one POST body, and all the bodies waiting in the queue together.
const (
	MaxBody   = 32 << 20
	MaxQueued = 256 << 20
)

// Handler accepts EventList (or single Event) POSTs. It checks the body is JSON, queues it
// without waiting and answers at once, so that a slow consumer never holds the API server
// back; when Queue is full the body is dropped, counted and answered 503. A non-empty
// Token is required as "Authorization: Bearer TOKEN".
type Handler struct {
	Token   string
	MaxBody int64
	Queue   chan<- []byte
	// MaxQueued bounds the bytes waiting in Queue (default MaxQueued); the consumer calls
	// Release with each body's length once it is done with it.
	MaxQueued int64
	// Dropped counts bodies refused because the queue was full.
	Dropped atomic.Int64
	queued  atomic.Int64
}

// Release returns a processed body's bytes to the queue budget.
func (h *Handler) Release(n int) { h.queued.Add(-int64(n)) }

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		http.Error(w, "POST an audit.k8s.io/v1 EventList", http.StatusMethodNotAllowed)
		return
	}
	if h.Token != "" {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(h.Token)) != 1 {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
	}
	limit := h.MaxBody
	if limit <= 0 {
		limit = MaxBody
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, fmt.Sprintf("body over %d bytes", limit), http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "reading body: "+err.Error(), http.StatusBadRequest)
		return
	}
	if err := fastjson.ValidateBytes(body); err != nil {
		http.Error(w, "the body is not JSON: "+err.Error(), http.StatusBadRequest)
		return
	}
	budget := h.MaxQueued
	if budget <= 0 {
		budget = MaxQueued
	}
	if h.queued.Add(int64(len(body))) > budget {
		h.queued.Add(-int64(len(body)))
		h.Dropped.Add(1)
		http.Error(w, "queue full, events dropped", http.StatusServiceUnavailable)
		return
	}
	select {
	case h.Queue <- body:
		w.WriteHeader(http.StatusOK)
	default:
		h.queued.Add(-int64(len(body)))
		h.Dropped.Add(1)
		http.Error(w, "queue full, events dropped", http.StatusServiceUnavailable)
	}
}
