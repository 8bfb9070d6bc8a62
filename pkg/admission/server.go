package admission

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Server serves the webhook over TLS, and the probes and metrics (also over plain HTTP on
// a second address when one is given).
type Server struct {
	Handler *Handler
	// Addr is the HTTPS address (default :8443).
	Addr string
	// ProbeAddr, when set, serves /healthz, /readyz and /metrics over plain HTTP too.
	ProbeAddr string
	// CertFile and KeyFile hold the serving certificate; they are read again when they
	// change on disk (a rotated Secret), checked at most every CertCheck.
	CertFile, KeyFile string
	CertCheck         time.Duration
	// Certificate is used instead of files when set (tests).
	Certificate *tls.Certificate
	// Log gets one line per server event; nil discards.
	Log func(format string, args ...any)

	ready    atomic.Bool
	certs    *certReloader
	listener net.Listener
}

// Mux returns the HTTPS routes.
func (s *Server) Mux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/validate", func(w http.ResponseWriter, r *http.Request) { s.Handler.ServeValidate(w, r, "") })
	for _, m := range []Mode{ModeEnforce, ModeWarn, ModeAudit} {
		mode := m
		mux.HandleFunc("/validate/"+string(m), func(w http.ResponseWriter, r *http.Request) { s.Handler.ServeValidate(w, r, mode) })
	}
	mux.HandleFunc("/mutate", s.Handler.ServeMutate)
	s.probes(mux)
	return mux
}

func (s *Server) probes(mux *http.ServeMux) {
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		if !s.ready.Load() {
			http.Error(w, "not ready", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	mux.Handle("/metrics", s.Handler.Metrics())
}

func (s *Server) logf(format string, args ...any) {
	if s.Log != nil {
		s.Log(format, args...)
	}
}

// Listen opens the HTTPS listener and loads the certificate, so that errors show before
// Serve; Addr then holds the bound address.
func (s *Server) Listen() error {
	if s.Addr == "" {
		s.Addr = ":8443"
	}
	if s.Certificate == nil {
		if s.CertFile == "" || s.KeyFile == "" {
			return errors.New("the webhook needs a TLS certificate and key (--tls-cert-file, --tls-key-file): the API server only calls webhooks over HTTPS")
		}
		if s.CertCheck == 0 {
			s.CertCheck = 10 * time.Second
		}
		s.certs = &certReloader{cert: s.CertFile, key: s.KeyFile, every: s.CertCheck, logf: s.logf}
		if err := s.certs.load(); err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", s.Addr)
	if err != nil {
		return err
	}
	s.listener = ln
	s.Addr = ln.Addr().String()
	return nil
}

func (s *Server) tlsConfig() *tls.Config {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, NextProtos: []string{"h2", "http/1.1"}}
	if s.Certificate != nil {
		cfg.Certificates = []tls.Certificate{*s.Certificate}
	} else {
		cfg.GetCertificate = s.certs.get
	}
	return cfg
}

// newHTTPServer has the timeouts and header bound every listener uses: a slow or silent
// client cannot hold a connection.
func newHTTPServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      15 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
}

// Serve serves until ctx ends, then shuts down gracefully (not ready first, so that the
// Service stops sending requests).
func (s *Server) Serve(ctx context.Context) error {
	if s.listener == nil {
		if err := s.Listen(); err != nil {
			return err
		}
	}
	srv := newHTTPServer(s.Mux())
	srv.TLSConfig = s.tlsConfig()
	srv.ErrorLog = nil
	var probe *http.Server
	errc := make(chan error, 2)
	if s.ProbeAddr != "" {
		mux := http.NewServeMux()
		s.probes(mux)
		probe = newHTTPServer(mux)
		pl, err := net.Listen("tcp", s.ProbeAddr)
		if err != nil {
			s.listener.Close()
			return err
		}
		s.logf("probes and metrics on http://%s", pl.Addr())
		go func() { errc <- probe.Serve(pl) }()
	}
	go func() { errc <- srv.ServeTLS(s.listener, "", "") }()
	s.ready.Store(true)
	s.logf("webhook serving on https://%s", s.Addr)
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	s.ready.Store(false)
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for _, x := range []*http.Server{srv, probe} {
		if x == nil {
			continue
		}
		wg.Add(1)
		go func(x *http.Server) { defer wg.Done(); _ = x.Shutdown(sctx) }(x)
	}
	wg.Wait()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// certReloader serves the certificate files, reading them again when their modification
// time or size changes. A failed reload keeps the certificate it had.
type certReloader struct {
	cert, key string
	every     time.Duration
	logf      func(string, ...any)

	mu      sync.Mutex
	current *tls.Certificate
	stamp   string
	checked time.Time
}

func (c *certReloader) fileStamp() (string, error) {
	var parts []string
	for _, f := range []string{c.cert, c.key} {
		st, err := os.Stat(f)
		if err != nil {
			return "", err
		}
		parts = append(parts, fmt.Sprintf("%d/%d", st.ModTime().UnixNano(), st.Size()))
	}
	return strings.Join(parts, ","), nil
}

func (c *certReloader) load() error {
	stamp, err := c.fileStamp()
	if err != nil {
		return fmt.Errorf("TLS certificate: %w", err)
	}
	pair, err := tls.LoadX509KeyPair(c.cert, c.key)
	if err != nil {
		return fmt.Errorf("TLS certificate %s / key %s: %w", c.cert, c.key, err)
	}
	c.mu.Lock()
	c.current, c.stamp, c.checked = &pair, stamp, time.Now()
	c.mu.Unlock()
	return nil
}

func (c *certReloader) get(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	c.mu.Lock()
	due := time.Since(c.checked) >= c.every
	if due {
		c.checked = time.Now()
	}
	cur, stamp := c.current, c.stamp
	c.mu.Unlock()
	if due {
		if now, err := c.fileStamp(); err == nil && now != stamp {
			if err := c.load(); err != nil {
				c.logf("keeping the current certificate: %v", err)
			} else {
				c.logf("TLS certificate reloaded from %s", c.cert)
				c.mu.Lock()
				cur = c.current
				c.mu.Unlock()
			}
		}
	}
	return cur, nil
}
