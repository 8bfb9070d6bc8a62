// Package secret finds secrets (AWS keys, private keys, tokens) in text and redacts them.
// It sits behind the Detector interface so that the image scan and the image rules can
// use another detector without change. Standard library only.
package secret

import (
	"bytes"
	"regexp"
	"strings"

	"github.com/eksguard/eksguard/pkg/target"
)

// Detector finds secrets in text and returns them redacted.
type Detector interface {
	Detect(text []byte) []target.SecretMatch
}

// Default is the built-in detector: AWS access keys and secret keys, private keys,
// GitHub, GitLab and Slack tokens.
var Default Detector = regexDetector{}

type pattern struct {
	kind     string
	keywords []string // cheap pre-filter: one must occur
	re       *regexp.Regexp
	group    int // submatch holding the secret
}

var patterns = []pattern{
	{"AWS access key ID", []string{"AKIA", "ASIA"}, regexp.MustCompile(`\b((?:AKIA|ASIA)[A-Z2-7]{16})\b`), 1},
	{"AWS secret access key", []string{"ws_secret_access_key", "WS_SECRET_ACCESS_KEY"}, regexp.MustCompile(`(?i)aws_secret_access_key["']?\s*[:=]\s*["']?([A-Za-z0-9/+=]{40})\b`), 1},
	{"private key", []string{"PRIVATE KEY-----"}, regexp.MustCompile(`-----BEGIN ((?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY)-----\s*([A-Za-z0-9+/=]{16})`), 2},
	{"GitHub token", []string{"ghp_", "gho_", "ghu_", "ghs_", "ghr_"}, regexp.MustCompile(`\b(gh[pousr]_[A-Za-z0-9]{36,255})\b`), 1},
	{"GitLab token", []string{"glpat-"}, regexp.MustCompile(`\b(glpat-[A-Za-z0-9_\-]{20,})\b`), 1},
	{"Slack token", []string{"xox"}, regexp.MustCompile(`\b(xox[baprs]-[0-9A-Za-z-]{10,})\b`), 1},
}

type regexDetector struct{}

// Detect implements Detector.
func (regexDetector) Detect(text []byte) []target.SecretMatch {
	var out []target.SecretMatch
	for _, p := range patterns {
		found := false
		for _, k := range p.keywords {
			if bytes.Contains(text, []byte(k)) {
				found = true
				break
			}
		}
		if !found {
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
