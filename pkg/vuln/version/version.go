// Package version orders package versions the way each ecosystem does: dpkg (Debian,
// Ubuntu), apk (Alpine, Wolfi, Chainguard), rpm (Red Hat, Rocky, Alma, Amazon Linux,
// SUSE), semantic versioning (Go, npm, OSV SEMVER ranges), PEP 440 (PyPI) and Maven.
//
// The ordering itself is github.com/google/osv-scalibr/semantic, the library OSV's own
// scanner uses (a standard-library-only package). This package adds what eksguard needs
// on top: one entry point keyed by OSV ecosystem name, and strict validation where that
// library is lenient (semver), so that a version that does not parse is reported rather
// than guessed.
package version

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/google/osv-scalibr/semantic"
)

// ErrUnparseable is wrapped by every error for a version that does not parse.
var ErrUnparseable = errors.New("unparseable version")

// ErrUnsupported is returned for an ecosystem without a known version order.
var ErrUnsupported = errors.New("no version order for ecosystem")

// Version is a parsed version of one ecosystem.
type Version struct {
	raw string
	v   semantic.Version
}

// String is the version as given.
func (v Version) String() string { return v.raw }

// Compare orders v against w of the same ecosystem: -1, 0 or +1.
func (v Version) Compare(w Version) int {
	c, err := v.v.Compare(w.v)
	if err != nil { // versions of different orders: never produced by Parse callers
		return strings.Compare(v.raw, w.raw)
	}
	return c
}

// Base is the ecosystem name without its release suffix: "Debian:12" -> "Debian".
func Base(ecosystem string) string {
	b, _, _ := strings.Cut(ecosystem, ":")
	return b
}

// Order names the version order of an ecosystem ("dpkg", "apk", "rpm", "semver",
// "pep440", "maven"), or "" when eksguard has none for it.
func Order(ecosystem string) string {
	switch Base(ecosystem) {
	case "Debian", "Ubuntu":
		return "dpkg"
	case "Alpine", "Wolfi", "Chainguard", "Alpaquita", "MinimOS":
		return "apk"
	case "Red Hat", "Rocky Linux", "AlmaLinux", "Amazon Linux", "SUSE", "openSUSE", "Mageia", "openEuler":
		return "rpm"
	case "Go", "npm", "crates.io", "Hex", "Bitnami", "SEMVER":
		return "semver"
	case "PyPI":
		return "pep440"
	case "Maven":
		return "maven"
	}
	return ""
}

// semantic names for each order.
var semanticEcosystem = map[string]string{
	"dpkg": "Debian", "apk": "Alpine", "rpm": "Red Hat", "semver": "npm", "pep440": "PyPI", "maven": "Maven",
}

// semverPattern is https://semver.org's grammar (the "v" prefix is handled by callers).
var semverPattern = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)` +
	`(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?` +
	`(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$`)

// rpmPattern accepts what rpm accepts as [epoch:]version[-release]: anything printable
// without whitespace; its order is total over such strings.
var rpmPattern = regexp.MustCompile(`^(\d+:)?[^\s:]+$`)

// mavenPattern: Maven orders any string; reject only the empty and whitespace.
var mavenPattern = regexp.MustCompile(`^\S+$`)

// apkPattern is apk-tools' grammar: digits separated by dots, an optional letter, suffixes
// (_alpha, _beta, _pre, _rc, _cvs, _svn, _git, _hg, _p, each with an optional number), an
// optional ~commit hash and an optional -rN package release.
var apkPattern = regexp.MustCompile(`^\d+(\.\d+)*[a-z]?(_(alpha|beta|pre|rc|cvs|svn|git|hg|p)\d*)*(~[0-9a-f]+)?(-r\d+)?$`)

// pep440Pattern is PEP 440's public and local version grammar (case-insensitive, with
// the spelling variants the normalisation rules allow).
var pep440Pattern = regexp.MustCompile(`(?i)^v?(\d+!)?\d+(\.\d+)*` +
	`([-_.]?(a|b|c|rc|alpha|beta|pre|preview)[-_.]?\d*)?` +
	`((-\d+)|([-_.]?(post|rev|r)[-_.]?\d*))?` +
	`([-_.]?dev[-_.]?\d*)?` +
	`(\+[a-z0-9]+([-_.][a-z0-9]+)*)?$`)

// MaxLen bounds a version string.
const MaxLen = 256

// Parse reads s as a version of ecosystem (an OSV ecosystem name, with or without its
// release suffix, or "SEMVER" for OSV SEMVER ranges).
func Parse(ecosystem, s string) (Version, error) {
	order := Order(ecosystem)
	if order == "" {
		return Version{}, fmt.Errorf("%w %q", ErrUnsupported, ecosystem)
	}
	return parseOrder(order, s)
}

func parseOrder(order, s string) (Version, error) {
	bad := func(why string) (Version, error) {
		return Version{}, fmt.Errorf("%w: %.80q is not a valid %s version%s", ErrUnparseable, s, order, why)
	}
	if s == "" || len(s) > MaxLen {
		return bad("")
	}
	switch order {
	case "semver":
		if !semverPattern.MatchString(s) {
			return bad(" (semver: MAJOR.MINOR.PATCH[-PRE][+BUILD])")
		}
	case "rpm":
		if !rpmPattern.MatchString(s) {
			return bad("")
		}
	case "apk":
		if !apkPattern.MatchString(s) {
			return bad("")
		}
	case "pep440":
		if !pep440Pattern.MatchString(strings.TrimSpace(s)) {
			return bad(" (PEP 440)")
		}
	case "maven":
		if !mavenPattern.MatchString(s) {
			return bad("")
		}
	case "dpkg":
		// dpkg: the upstream part must start with a digit (deb-version(7)); the library
		// accepts some strings dpkg rejects.
		up := s
		if _, after, ok := strings.Cut(s, ":"); ok {
			up = after
		}
		if up == "" || up[0] < '0' || up[0] > '9' || strings.ContainsAny(s, " \t\n") {
			return bad(" (deb-version: [epoch:]upstream[-revision], upstream starting with a digit)")
		}
	}
	v, err := semantic.Parse(s, semanticEcosystem[order])
	if err != nil {
		return bad(": " + err.Error())
	}
	return Version{raw: s, v: v}, nil
}

// Compare parses and orders a and b in ecosystem.
func Compare(ecosystem, a, b string) (int, error) {
	va, err := Parse(ecosystem, a)
	if err != nil {
		return 0, err
	}
	vb, err := Parse(ecosystem, b)
	if err != nil {
		return 0, err
	}
	return va.Compare(vb), nil
}
