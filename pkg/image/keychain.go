package image

import (
	"net/http"

	"github.com/google/go-containerregistry/pkg/authn"
)

// Keychain is the default credential source: docker config files (and the credential
// helpers they name), then ECR for *.dkr.ecr.<region>.amazonaws.com hosts only.
func Keychain() authn.Keychain {
	return authn.NewMultiKeychain(authn.DefaultKeychain, ecrKeychain)
}

// ecrKeychain is set by the ECR helper (ecr.go); anonymous otherwise.
var ecrKeychain authn.Keychain = anonymous{}

type anonymous struct{}

func (anonymous) Resolve(authn.Resource) (authn.Authenticator, error) { return authn.Anonymous, nil }

func defaultTransport() http.RoundTripper { return http.DefaultTransport }
