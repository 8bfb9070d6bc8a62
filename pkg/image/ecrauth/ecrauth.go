// Package ecrauth supplies registry credentials for Amazon ECR from the AWS SDK's
// GetAuthorizationToken, for ECR hosts only: 123456789012.dkr.ecr.<region>.amazonaws.com
// (also -fips and the .amazonaws.com.cn partition). Any other host gets no credentials,
// so a hostile registry can never obtain an ECR token. It is its own package because the
// AWS SDK is the heaviest dependency of the image scan.
package ecrauth

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/google/go-containerregistry/pkg/authn"
)

// host matches private ECR registry hosts and captures the region.
var host = regexp.MustCompile(`^[0-9]{12}\.dkr\.ecr(?:-fips)?\.([a-z]{2}(?:-[a-z]+)+-[0-9])\.amazonaws\.com(?:\.cn)?$`)

// Region returns the region of an ECR registry host, or "" when host is not one.
func Region(registry string) string {
	m := host.FindStringSubmatch(strings.ToLower(registry))
	if m == nil {
		return ""
	}
	return m[1]
}

// Keychain resolves ECR hosts to the token GetAuthorizationToken returns (cached until
// shortly before it expires) and every other host to anonymous.
type Keychain struct {
	// Endpoint overrides the ECR API endpoint (tests).
	Endpoint string
	// Timeout bounds one GetAuthorizationToken call (default 30s).
	Timeout time.Duration

	mu    sync.Mutex
	cache map[string]cached
}

type cached struct {
	auth    authn.Authenticator
	expires time.Time
}

// Resolve implements authn.Keychain.
func (k *Keychain) Resolve(r authn.Resource) (authn.Authenticator, error) {
	reg := r.RegistryStr()
	region := Region(reg)
	if region == "" {
		return authn.Anonymous, nil
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if c, ok := k.cache[reg]; ok && time.Now().Before(c.expires) {
		return c.auth, nil
	}
	timeout := k.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(region))
	if err != nil {
		return nil, fmt.Errorf("ecr %s: aws config: %w", reg, err)
	}
	client := ecr.NewFromConfig(cfg, func(o *ecr.Options) {
		if k.Endpoint != "" {
			o.BaseEndpoint = aws.String(k.Endpoint)
		}
	})
	out, err := client.GetAuthorizationToken(ctx, &ecr.GetAuthorizationTokenInput{})
	if err != nil {
		return nil, fmt.Errorf("ecr %s: GetAuthorizationToken: %w", reg, err)
	}
	if len(out.AuthorizationData) == 0 || out.AuthorizationData[0].AuthorizationToken == nil {
		return nil, fmt.Errorf("ecr %s: GetAuthorizationToken returned no token", reg)
	}
	d := out.AuthorizationData[0]
	raw, err := base64.StdEncoding.DecodeString(*d.AuthorizationToken)
	if err != nil {
		return nil, fmt.Errorf("ecr %s: token is not base64: %w", reg, err)
	}
	user, pass, ok := strings.Cut(string(raw), ":")
	if !ok || user == "" || pass == "" {
		return nil, errors.New("ecr " + reg + ": token is not user:password")
	}
	auth := &authn.Basic{Username: user, Password: pass}
	exp := time.Now().Add(time.Hour)
	if d.ExpiresAt != nil {
		exp = d.ExpiresAt.Add(-5 * time.Minute)
	}
	if k.cache == nil {
		k.cache = map[string]cached{}
	}
	k.cache[reg] = cached{auth: auth, expires: exp}
	return auth, nil
}
