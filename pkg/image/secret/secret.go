// Package secret adapts the shared detectors of pkg/secret to the image scan: the
// Detector interface the image analyser and the image rules call, and matches in the
// target model (kind, line, redacted preview).
package secret

import (
	"github.com/eksguard/eksguard/pkg/secret"
	"github.com/eksguard/eksguard/pkg/target"
)

// Detector finds secrets in text and returns them redacted.
type Detector interface {
	Detect(text []byte) []target.SecretMatch
}

// Default is pkg/secret's shape detector (secret.Scan): AWS access and secret keys,
// private keys, GitHub, GitLab, Slack and Google tokens, Slack webhooks.
var Default Detector = shapes{}

type shapes struct{}

// Detect implements Detector.
func (shapes) Detect(text []byte) []target.SecretMatch {
	found := secret.Scan(text)
	if len(found) == 0 {
		return nil
	}
	out := make([]target.SecretMatch, len(found))
	for i, f := range found {
		out[i] = target.SecretMatch{Kind: string(f.Kind), Line: f.Line, Redacted: f.Redacted}
	}
	return out
}
