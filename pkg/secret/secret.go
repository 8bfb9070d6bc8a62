// Package secret finds credentials in text and masks them. Every eksguard source that may
// echo input text back to a user (Dockerfile instructions today, image configuration and
// layers later) runs the same detectors, so a finding never prints the secret it reports.
//
// Two entry points:
//   - Find scans free text (a shell line, a label value) for known token shapes: AWS access
//     key IDs and the secret keys written beside them, private key blocks, GitHub, Slack
//     and Google tokens, credentials in URLs, and password=/token= style assignments.
//   - Assignment judges one name=value pair (ENV, ARG, LABEL): the value is a secret when
//     it has a known token shape, or when the name says secret and the value looks like
//     one (not empty, not a placeholder, not a variable reference, enough entropy).
//
// Redact masks everything Find reports. Detection uses Go's linear-time regexp only.
package secret

import (
	"bytes"
	"math"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// Kind names a class of secret.
type Kind string

// Secret kinds.
const (
	AWSAccessKeyID Kind = "AWS access key ID"
	AWSSecretKey   Kind = "AWS secret access key"
	PrivateKey     Kind = "private key"
	GitHubToken    Kind = "GitHub token"
	SlackToken     Kind = "Slack token"
	SlackWebhook   Kind = "Slack webhook URL"
	GCPAPIKey      Kind = "Google API key"
	GCPOAuthToken  Kind = "Google OAuth token"
	URLPassword    Kind = "password in a URL"
	Password       Kind = "password or token"
)

// Match is one secret found in a text: the byte range of the secret value itself (not of
// the name before it).
type Match struct {
	Kind       Kind
	Start, End int
}

// Mask replaces a secret value in output.
const Mask = "********"

type pattern struct {
	kind Kind
	re   *regexp.Regexp
	// group is the submatch holding the secret (0: the whole match).
	group int
	// hints are substrings of the lower-cased text one of which a match needs: a cheap
	// test that spares the regular expression on almost every line.
	hints []string
}

// patterns are compiled on first use: a run that reads no Dockerfile never pays for them.
var patterns = sync.OnceValue(func() []pattern {
	return []pattern{
		{AWSAccessKeyID, regexp.MustCompile(`\b(?:AKIA|ASIA|ABIA|ACCA|AROA|AIDA)[A-Z2-7]{16}\b`), 0, []string{"akia", "asia", "abia", "acca", "aroa", "aida"}},
		{PrivateKey, regexp.MustCompile(`-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----(?:[\s\S]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|[\s\S]*)`), 0, []string{"private key"}},
		{GitHubToken, regexp.MustCompile(`\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})\b`), 0, []string{"ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"}},
		{SlackToken, regexp.MustCompile(`\bxox[abposr]-[A-Za-z0-9-]{10,}`), 0, []string{"xox"}},
		{SlackWebhook, regexp.MustCompile(`https://hooks\.slack\.com/(?:services|workflows)/[A-Za-z0-9+/_-]{20,}`), 0, []string{"hooks.slack.com"}},
		{GCPAPIKey, regexp.MustCompile(`\bAIza[0-9A-Za-z_-]{35}\b`), 0, []string{"aiza"}},
		{GCPOAuthToken, regexp.MustCompile(`\bya29\.[0-9A-Za-z_-]{20,}`), 0, []string{"ya29."}},
		// AWS secret keys: 40 base64 characters written next to a name that says so.
		{AWSSecretKey, regexp.MustCompile(`(?i)aws.{0,20}?(?:secret|sk).{0,20}?['"]?\s*[:=\s]\s*['"]?([A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)`), 1, []string{"aws"}},
		// scheme://user:password@host
		{URLPassword, regexp.MustCompile(`\b[a-zA-Z][a-zA-Z0-9+.-]{1,20}://[^\s:/@'"]+:([^\s/@'"]+)@[^\s/'"]`), 1, []string{"://"}},
		// name=value, name: value, --name=value and --name value, where the name says secret.
		{Password, regexp.MustCompile(`(?i)(?:^|[^A-Za-z0-9_.-])(?:[A-Za-z0-9_.-]*` + secretWords + `[A-Za-z0-9_.-]*['"]?\s*[:=]\s*|--[A-Za-z0-9-]*` + secretWords + `[A-Za-z0-9-]*\s+)['"]?([^\s'"&|;]+)`), 1, secretHints},
	}
})

// awsSecretShape is a 40-character base64 token: an AWS secret access key when an access
// key ID is in the same text.
var awsSecretShape = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?:^|[^A-Za-z0-9/+])([A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)`)
})

// Find returns the secrets in text, in order, without overlaps.
func Find(text string) []Match {
	var out []Match
	hasKeyID := false
	lower := strings.ToLower(text)
	for _, p := range patterns() {
		hinted := false
		for _, h := range p.hints {
			if strings.Contains(lower, h) {
				hinted = true
				break
			}
		}
		if !hinted {
			continue
		}
		for _, loc := range p.re.FindAllStringSubmatchIndex(text, -1) {
			s, e := loc[2*p.group], loc[2*p.group+1]
			if s < 0 {
				continue
			}
			v := text[s:e]
			switch p.kind {
			case Password:
				if !LooksSecret(v) {
					continue
				}
			case URLPassword:
				if IsPlaceholder(v) {
					continue
				}
			case AWSAccessKeyID:
				hasKeyID = true
			}
			out = append(out, Match{Kind: p.kind, Start: s, End: e})
		}
	}
	if hasKeyID {
		for _, loc := range awsSecretShape().FindAllStringSubmatchIndex(text, -1) {
			v := text[loc[2]:loc[3]]
			if mixedClasses(v) >= 3 {
				out = append(out, Match{Kind: AWSSecretKey, Start: loc[2], End: loc[3]})
			}
		}
	}
	return merge(out)
}

// merge sorts matches and drops those inside an earlier one.
func merge(ms []Match) []Match {
	if len(ms) < 2 {
		return ms
	}
	sort.SliceStable(ms, func(i, j int) bool {
		if ms[i].Start != ms[j].Start {
			return ms[i].Start < ms[j].Start
		}
		return ms[i].End > ms[j].End
	})
	out := ms[:1]
	for _, m := range ms[1:] {
		last := &out[len(out)-1]
		if m.Start < last.End {
			if m.End > last.End {
				last.End = m.End
			}
			continue
		}
		out = append(out, m)
	}
	return out
}

// Redact returns text with every secret Find reports replaced by Mask.
func Redact(text string) string {
	ms := Find(text)
	if len(ms) == 0 {
		return text
	}
	var b strings.Builder
	last := 0
	for _, m := range ms {
		b.WriteString(text[last:m.Start])
		b.WriteString(Mask)
		last = m.End
	}
	b.WriteString(text[last:])
	return b.String()
}

// RedactValues returns text with every occurrence of the given values replaced by Mask,
// then anything else Find reports. Sources use it when they judged a value secret from
// its name (Assignment) and must mask it wherever the instruction repeats it.
func RedactValues(text string, values ...string) string {
	for _, v := range values {
		if len(v) >= 3 {
			text = strings.ReplaceAll(text, v, Mask)
		}
	}
	return Redact(text)
}

// secretHints are the lower-case stems of secretWords.
var secretHints = []string{"pass", "pwd", "secret", "token", "key", "credential"}

// secretWords are the words that make a name say it holds a secret.
const secretWords = `(?:password|passwd|passphrase|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credentials?|auth[_-]?key)`

// secretName matches names that say they hold a secret.
var secretName = lazyRegexp(`(?i)(password|passwd|passphrase|pwd|secret|token|api_?key|apikey|access_?key|private_?key|credentials?|auth_?key|client_?key)`)

// notSecretName matches names that mention a secret but hold something public: a file
// path, a key ID or fingerprint, a user name, a URL.
var notSecretName = lazyRegexp(`(?i)(_file|_path|_dir|_url|_uri|_host|_name|_user|username|_id$|_ids$|public|gpg|pgp|fingerprint|keyring|keyserver|_len|_length|_size|_version|_type|_mode|_enabled|_expir|_ttl|_timeout|_header|_endpoint|_policy|_env$)`)

// Assignment judges a name=value pair. It returns the kind of secret the value holds, and
// false when it holds none.
func Assignment(name, value string) (Kind, bool) {
	if ms := Find(value); len(ms) > 0 {
		return ms[0].Kind, true
	}
	if name == "" || !secretName().MatchString(name) || notSecretName().MatchString(name) {
		return "", false
	}
	if strings.EqualFold(name, "AWS_SECRET_ACCESS_KEY") || strings.HasSuffix(strings.ToUpper(name), "_SECRET_ACCESS_KEY") {
		if !IsPlaceholder(value) && len(value) >= 16 {
			return AWSSecretKey, true
		}
	}
	if LooksSecret(value) {
		return Password, true
	}
	return "", false
}

// SecretName reports whether a variable or label name says it holds a secret.
func SecretName(name string) bool {
	return secretName().MatchString(name) && !notSecretName().MatchString(name)
}

// placeholders are values that stand for a secret without being one.
var placeholders = []string{
	"changeme", "change_me", "change-me", "password", "passwd", "secret", "token", "example",
	"placeholder", "dummy", "redacted", "none", "null", "nil", "true", "false", "yes", "no",
	"test", "testing", "default", "empty", "unset", "todo", "fixme", "replace", "your",
	"xxx", "***", "...", "<", ">", "{{", "}}", "%s", "required", "optional",
}

// IsPlaceholder reports whether a value only stands for a secret: empty, a variable or
// command substitution, a template, a file path, or a well-known filler word.
func IsPlaceholder(v string) bool {
	v = strings.Trim(v, `'"`)
	if len(v) == 0 {
		return true
	}
	if strings.ContainsAny(v, "$`") || strings.HasPrefix(v, "/") || strings.HasPrefix(v, "./") ||
		strings.HasPrefix(v, "~/") || strings.HasPrefix(v, "@") || strings.HasPrefix(v, "-") {
		return true
	}
	low := strings.ToLower(v)
	for _, p := range placeholders {
		if strings.Contains(low, p) {
			return true
		}
	}
	// The same character repeated (xxxxxxxx, ********, 00000000).
	if strings.Count(v, v[:1]) == len(v) {
		return true
	}
	// A file name (--private-key matrix_key.pem, --password-file db.txt).
	if fileName().MatchString(v) {
		return true
	}
	return false
}

// fileName matches values that name a key, certificate or configuration file.
var fileName = lazyRegexp(`(?i)^[\w.-]+\.(pem|key|crt|cer|cert|der|p8|p12|pfx|jks|keystore|pub|asc|gpg|json|ya?ml|toml|txt|conf|cfg|ini|env|properties|xml)$`)

// LooksSecret reports whether a value assigned to a secret-sounding name is a real
// credential: not a placeholder, at least 8 characters, and with enough entropy that it
// is not an ordinary word or setting.
func LooksSecret(v string) bool {
	v = strings.Trim(v, `'"`)
	if len(v) < 8 || IsPlaceholder(v) {
		return false
	}
	if entropy(v) < 2.8 {
		return false
	}
	// A plain lower-case word or identifier is a setting name, not a password.
	if mixedClasses(v) < 2 {
		return false
	}
	return true
}

// entropy is the Shannon entropy of s in bits per byte.
func entropy(s string) float64 {
	var n [256]int
	for i := 0; i < len(s); i++ {
		n[s[i]]++
	}
	var h float64
	l := float64(len(s))
	for _, c := range n {
		if c > 0 {
			p := float64(c) / l
			h -= p * math.Log2(p)
		}
	}
	return h
}

// mixedClasses counts the character classes in s: lower, upper, digit, other.
func mixedClasses(s string) int {
	var lo, up, di, ot int
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 'a' && c <= 'z':
			lo = 1
		case c >= 'A' && c <= 'Z':
			up = 1
		case c >= '0' && c <= '9':
			di = 1
		default:
			ot = 1
		}
	}
	return lo + up + di + ot
}

func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}

// GitLabToken is a GitLab personal access token.
const GitLabToken Kind = "GitLab token"

// Found is a secret found in content, ready to report: its kind, the 1-based line it starts
// on, and a preview that hides all but its first four characters.
type Found struct {
	Kind     Kind
	Line     int
	Redacted string
}

// MaxFoundPerKind bounds what Scan reports of one kind in one text.
const MaxFoundPerKind = 20

// scanHints tell, in one cheap pass or a few, whether a text can hold a shape in Scan:
// case-sensitive substrings, without lower-casing the whole content.
var scanHints = map[Kind]func([]byte) bool{
	AWSAccessKeyID: anyOf("AKIA", "ASIA"),
	AWSSecretKey:   anyOf("aws", "AWS", "Aws"),
	PrivateKey:     anyOf("PRIVATE KEY"),
	GitHubToken:    hasGitHubPrefix,
	GitLabToken:    anyOf("glpat-"),
	SlackToken:     anyOf("xox"),
	SlackWebhook:   anyOf("hooks.slack.com"),
	GCPAPIKey:      anyOf("AIza"),
	GCPOAuthToken:  anyOf("ya29."),
}

func anyOf(subs ...string) func([]byte) bool {
	bs := make([][]byte, len(subs))
	for i, s := range subs {
		bs[i] = []byte(s)
	}
	return func(text []byte) bool {
		for _, b := range bs {
			if bytes.Contains(text, b) {
				return true
			}
		}
		return false
	}
}

// hasGitHubPrefix finds gh[pousr]_ or github_pat_ in one pass over the "gh" pairs.
func hasGitHubPrefix(text []byte) bool {
	for i := 0; ; {
		j := bytes.Index(text[i:], []byte("gh"))
		if j < 0 {
			return false
		}
		at := text[i+j:]
		if len(at) >= 4 && at[3] == '_' && bytes.IndexByte([]byte("pousr"), at[2]) >= 0 || bytes.HasPrefix(at, []byte("github_pat_")) {
			return true
		}
		i += j + 2
	}
}

// scanPatterns are the shapes Scan looks for: the token shapes of Find, GitLab tokens, and
// private keys only with a key body after the header.
var scanPatterns = sync.OnceValue(func() []pattern {
	var out []pattern
	for _, p := range patterns() {
		switch p.kind {
		case Password, URLPassword:
			continue // name=value and URL heuristics: for instructions, not whole files
		case PrivateKey:
			p.re = regexp.MustCompile(`-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----\s*([A-Za-z0-9+/=]{16})`)
			p.group = 1
		}
		out = append(out, p)
	}
	return append(out, pattern{kind: GitLabToken, re: regexp.MustCompile(`\bglpat-[A-Za-z0-9_\-]{20,}`)})
})

// Scan finds secrets in content (a file, a configuration value) by their shape alone:
// AWS access key IDs (AKIA, ASIA), AWS secret keys written beside their name, private keys with a body,
// GitHub, GitLab, Slack and Google tokens, Slack webhooks. Unlike Find it makes no guess
// from a name=value pair or a URL, and it skips the AWS documentation's example keys, so
// large files of code and documentation give no false positives. At most MaxFoundPerKind
// secrets of each kind are reported, in the order they appear.
func Scan(text []byte) []Found {
	type at struct {
		off int
		f   Found
	}
	var found []at
	for _, p := range scanPatterns() {
		if !scanHints[p.kind](text) {
			continue
		}
		n := 0
		for _, loc := range p.re.FindAllSubmatchIndex(text, 50*MaxFoundPerKind) {
			s, e := loc[2*p.group], loc[2*p.group+1]
			if s < 0 {
				continue
			}
			v := string(text[s:e])
			if p.kind == AWSAccessKeyID && !strings.HasPrefix(v, "AKIA") && !strings.HasPrefix(v, "ASIA") {
				continue // unique IDs of users and roles (AIDA, AROA...) are not credentials
			}
			if strings.Contains(v, "EXAMPLE") {
				continue // AKIAIOSFODNN7EXAMPLE and its secret key, in AWS documentation
			}
			if p.kind == AWSSecretKey && mixedClasses(v) < 3 {
				continue // a hex digest, not a key
			}
			found = append(found, at{loc[0], Found{Kind: p.kind, Line: 1 + countNewlines(text[:loc[0]]), Redacted: Preview(v)}})
			if n++; n == MaxFoundPerKind {
				break
			}
		}
	}
	sort.SliceStable(found, func(i, j int) bool { return found[i].off < found[j].off })
	out := make([]Found, len(found))
	for i, a := range found {
		out[i] = a.f
	}
	return out
}

// Preview shows the first four characters of a secret value and hides the rest (all of it
// when the value has eight characters or fewer).
func Preview(v string) string {
	if len(v) <= 8 {
		return "****"
	}
	return v[:4] + strings.Repeat("*", 8)
}

func countNewlines(b []byte) int {
	return bytes.Count(b, []byte("\n"))
}
