package image

import (
	"net/http"

	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/eksguard/eksguard/pkg/image/ecrauth"
)

// Keychain is the default credential source: docker config files (and the credential
// helpers they name), then ECR for *.dkr.ecr.<region>.amazonaws.com hosts only.
func Keychain() authn.Keychain {
	return authn.NewMultiKeychain(authn.DefaultKeychain, &ecrauth.Keychain{})
}

func defaultTransport() http.RoundTripper { return http.DefaultTransport }
