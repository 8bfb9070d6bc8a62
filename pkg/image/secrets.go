package image

import (
	"bytes"
	"regexp"
	"strings"

	"github.com/eksguard/eksguard/pkg/target"
)

// SecretDetector finds secrets in text and returns them redacted. The image scan uses one
// for file contents and configuration values; a shared detector package can replace the
// default one without touching the scan.
type SecretDetector interface {
	Detect(text []byte) []target.SecretMatch
}

// DefaultSecrets is the built-in detector: AWS access keys and secret keys, private keys,
// GitHub, GitLab and Slack tokens.
var DefaultSecrets SecretDetector = regexSecrets{}

type secretPattern struct {
	kind    string
	keyword string // cheap pre-filter
	re      *regexp.Regexp
	group   int // submatch holding the secret
}

var secretPatterns = []secretPattern{
	{"AWS access key ID", "A", regexp.MustCompile(`\b((?:AKIA|ASIA)[A-Z2-7]{16})\b`), 1},
	{"AWS secret access key", "ws_secret_access_key", regexp.MustCompile(`(?i)aws_secret_access_key["']?\s*[:=]\s*["']?([A-Za-z0-9/+=]{40})\b`), 1},
	{"private key", "PRIVATE KEY-----", regexp.MustCompile(`-----BEGIN ((?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY)-----\s*([A-Za-z0-9+/=]{16})`), 2},
	{"GitHub token", "gh", regexp.MustCompile(`\b(gh[pousr]_[A-Za-z0-9]{36,255})\b`), 1},
	{"GitLab token", "glpat-", regexp.MustCompile(`\b(glpat-[A-Za-z0-9_\-]{20,})\b`), 1},
	{"Slack token", "xox", regexp.MustCompile(`\b(xox[baprs]-[0-9A-Za-z-]{10,})\b`), 1},
}

type regexSecrets struct{}

// Detect implements SecretDetector.
func (regexSecrets) Detect(text []byte) []target.SecretMatch {
	var out []target.SecretMatch
	for _, p := range secretPatterns {
		if !bytes.Contains(text, []byte(p.keyword)) {
			continue
		}
		for _, m := range p.re.FindAllSubmatchIndex(text, 20) {
			s := string(text[m[2*p.group]:m[2*p.group+1]])
			if p.kind == "AWS access key ID" && strings.HasSuffix(s, "EXAMPLE") {
				continue // the documentation's example key
			}
			out = append(out, target.SecretMatch{Kind: p.kind, Line: 1 + bytes.Count(text[:m[0]], []byte("\n")), Redacted: Redact(s)})
		}
	}
	return out
}

// Redact keeps the first four characters of a secret and hides the rest.
func Redact(s string) string {
	if len(s) <= 8 {
		return "****"
	}
	return s[:4] + strings.Repeat("*", 8)
}
