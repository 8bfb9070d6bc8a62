// Package inventory is what an image or filesystem contains: its operating system and the
// software packages installed in it. Image analysers produce it; the vulnerability matcher
// and the SBOM writer consume it. Stdlib only.
package inventory

// Package types, named as package-URL types (https://github.com/package-url/purl-spec).
const (
	TypeDeb    = "deb"    // dpkg: Debian, Ubuntu, distroless
	TypeAPK    = "apk"    // Alpine, Wolfi
	TypeRPM    = "rpm"    // Red Hat, Amazon Linux, Fedora, Rocky, Alma
	TypeGolang = "golang" // Go modules found in a Go binary's build information
	TypeNPM    = "npm"
	TypePyPI   = "pypi"
	TypeMaven  = "maven"
)

// GoStdlib is the Name of the pseudo-package that stands for a Go binary's standard
// library; its Version is the Go version the binary was built with (without the "go").
const GoStdlib = "stdlib"

// OS is the operating system release, from /etc/os-release (or /usr/lib/os-release).
type OS struct {
	ID              string   `json:"id"`                        // ID=, e.g. debian, alpine, amzn, rhel
	VersionID       string   `json:"versionId,omitempty"`       // VERSION_ID=, e.g. 12, 3.20.1, 2023
	VersionCodename string   `json:"versionCodename,omitempty"` // VERSION_CODENAME=, e.g. bookworm
	PrettyName      string   `json:"prettyName,omitempty"`      // PRETTY_NAME=
	IDLike          []string `json:"idLike,omitempty"`          // ID_LIKE=
}

// Source is the source package a binary package was built from (dpkg Source:, rpm SRPM).
type Source struct {
	Name    string `json:"name"`
	Version string `json:"version,omitempty"` // empty when the same as the binary's
}

// Package is one installed package.
type Package struct {
	Type    string  `json:"type"` // one of the Type constants
	Name    string  `json:"name"` // for Maven, group:artifact
	Version string  `json:"version"`
	Source  *Source `json:"source,omitempty"`
	// Arch is the package architecture where the database records it.
	Arch string `json:"arch,omitempty"`
	// Path is where the package was found: the database file, manifest or binary.
	Path string `json:"path"`
	// Layer is the digest of the image layer that introduced the package; empty for a
	// plain filesystem.
	Layer string `json:"layer,omitempty"`
	// PURL is the package URL.
	PURL     string   `json:"purl,omitempty"`
	Licenses []string `json:"licenses,omitempty"`
	// Vendor is the package's vendor where the database records one (rpm).
	Vendor string `json:"vendor,omitempty"`
	// ModularityLabel is the module stream an rpm was built for (RHEL 8+ modules), e.g.
	// nodejs:18:8090020240101:a75119d5.
	ModularityLabel string `json:"modularityLabel,omitempty"`
}

// Inventory is everything found in one image or filesystem.
type Inventory struct {
	OS       *OS       `json:"os,omitempty"` // nil when no os-release was found
	Packages []Package `json:"packages"`
}
