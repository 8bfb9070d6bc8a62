package ecrauth

import (
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
)

func TestRegion(t *testing.T) {
	for h, want := range map[string]string{
		"123456789012.dkr.ecr.us-east-1.amazonaws.com":          "us-east-1",
		"123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com": "us-gov-west-1",
		"123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn":      "cn-north-1",
		"123456789012.dkr.ecr.us-east-1.amazonaws.com.evil.com": "",
		"evil.com/123456789012.dkr.ecr.us-east-1.amazonaws.com": "",
		"12345.dkr.ecr.us-east-1.amazonaws.com":                 "",
		"public.ecr.aws":                                        "",
		"123456789012.dkr.ecr.us-east-1.amazonaws.com:443":      "",
		"x123456789012.dkr.ecr.us-east-1.amazonaws.com":         "",
	} {
		if got := Region(h); got != want {
			t.Errorf("%s: got %q want %q", h, got, want)
		}
	}
}

// TestKeychain runs the real AWS SDK against a loopback endpoint that answers
// GetAuthorizationToken in the documented shape.
func TestKeychain(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		body, _ := io.ReadAll(r.Body)
		if r.Header.Get("X-Amz-Target") != "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken" || !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256") {
			t.Errorf("unexpected request %s %v %s", r.URL, r.Header, body)
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		tok := base64.StdEncoding.EncodeToString([]byte("AWS:sekret-password"))
		fmt.Fprintf(w, `{"authorizationData":[{"authorizationToken":%q,"expiresAt":%d,"proxyEndpoint":"https://123456789012.dkr.ecr.us-east-1.amazonaws.com"}]}`,
			tok, time.Now().Add(12*time.Hour).Unix())
	}))
	defer srv.Close()
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAZ7TESTTESTTEST22")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_CONFIG_FILE", "/nonexistent")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
	k := &Keychain{Endpoint: srv.URL}
	reg, _ := name.NewRegistry("123456789012.dkr.ecr.us-east-1.amazonaws.com")
	for i := 0; i < 2; i++ {
		a, err := k.Resolve(reg)
		if err != nil {
			t.Fatal(err)
		}
		cfg, _ := a.Authorization()
		if cfg.Username != "AWS" || cfg.Password != "sekret-password" {
			t.Fatalf("%+v", cfg)
		}
	}
	if calls.Load() != 1 {
		t.Errorf("token not cached: %d calls", calls.Load())
	}
	other, _ := name.NewRegistry("123456789012.dkr.ecr.us-east-1.amazonaws.com.evil.com")
	if a, err := k.Resolve(other); err != nil || a != authn.Anonymous {
		t.Fatalf("non-ECR host got %v %v", a, err)
	}
	if calls.Load() != 1 {
		t.Error("a non-ECR host caused a token request")
	}
}
