package pkgdb

import (
	"io"
	"strings"

	"github.com/eksguard/eksguard/pkg/inventory"
)

// The yarn and pnpm lockfiles are read line by line (both formats are line-oriented: a
// package's key at one indentation, its fields one level deeper), which bounds memory by
// the line length and needs no YAML decoder for untrusted input. Only packages resolved
// from the npm registry are listed: workspace, file, link, portal, patch, git and tarball
// sources name code that has no registry version to match.

// YarnLock parses a yarn.lock of yarn 1 (its own format: `version "1.2.3"`) or of yarn 2
// and later ("berry", YAML with a __metadata entry: `resolution: "name@npm:1.2.3"`).
func YarnLock(r io.Reader, p string) ([]inventory.Package, error) {
	var out []inventory.Package
	var specs, version, resolution string
	inEntry, berry := false, false
	records := 0
	flush := func() {
		defer func() { specs, version, resolution, inEntry = "", "", "", false }()
		if !inEntry || version == "" {
			return
		}
		if berry {
			name, ref, ok := splitNameAt(unquoteYAML(resolution))
			if !ok || !strings.HasPrefix(ref, "npm:") {
				return
			}
			out = append(out, npmPkg(name, unquoteYAML(version), p))
			return
		}
		// Yarn 1: the first specifier names the package, "name@range" or, for an alias,
		// "alias@npm:real@range".
		first, _, _ := strings.Cut(specs, ",")
		name, rng, ok := splitNameAt(unquoteYAML(strings.TrimSpace(first)))
		if !ok {
			return
		}
		if real, found := strings.CutPrefix(rng, "npm:"); found {
			if n, _, ok := splitNameAt(real); ok {
				name = n
			} else {
				name = real
			}
		} else if !registryRange(rng) {
			return
		}
		v := unquoteYAML(version)
		if v == "" || !startsDigit(v) {
			return
		}
		out = append(out, npmPkg(name, v, p))
	}
	err := lines(r, func(l string) error {
		if strings.TrimSpace(l) == "" || strings.HasPrefix(l, "#") {
			return nil
		}
		if l[0] != ' ' {
			flush()
			if !strings.HasSuffix(l, ":") {
				return nil
			}
			key := strings.TrimSuffix(l, ":")
			if key == "__metadata" {
				berry = true
				return nil
			}
			records++
			if records > MaxRecords {
				return recordErr(records, "more than %d entries", MaxRecords)
			}
			specs, inEntry = key, true
			return nil
		}
		if !inEntry || strings.HasPrefix(l, "    ") {
			return nil // a nested map (dependencies)
		}
		f := strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(f, "version "): // yarn 1
			version = strings.TrimSpace(f[len("version "):])
		case strings.HasPrefix(f, "version:"):
			version = strings.TrimSpace(f[len("version:"):])
		case strings.HasPrefix(f, "resolution:"):
			resolution = strings.TrimSpace(f[len("resolution:"):])
		}
		return nil
	})
	flush()
	sortPkgs(out)
	return out, err
}

// PNPMLock parses a pnpm-lock.yaml: the keys of its packages map, "/name/1.2.3_peers"
// (lockfile 5), "/name@1.2.3(peers)" (lockfile 6) or "name@1.2.3" (lockfile 9).
func PNPMLock(r io.Reader, p string) ([]inventory.Package, error) {
	var out []inventory.Package
	section, lockVersion := "", ""
	records := 0
	err := lines(r, func(l string) error {
		if strings.TrimSpace(l) == "" || strings.HasPrefix(strings.TrimSpace(l), "#") {
			return nil
		}
		if l[0] != ' ' {
			k, v, _ := strings.Cut(l, ":")
			section = k
			if k == "lockfileVersion" {
				lockVersion = unquoteYAML(strings.TrimSpace(v))
			}
			return nil
		}
		if section != "packages" || !strings.HasPrefix(l, "  ") || l[2] == ' ' || !strings.HasSuffix(l, ":") {
			return nil
		}
		records++
		if records > MaxRecords {
			return recordErr(records, "more than %d packages", MaxRecords)
		}
		key := unquoteYAML(strings.TrimSuffix(strings.TrimSpace(l), ":"))
		var name, ver string
		if strings.HasPrefix(lockVersion, "5") || strings.HasPrefix(lockVersion, "4") || strings.HasPrefix(lockVersion, "3") {
			// Registry packages are "/name/version"; other keys (host/path/ref) are
			// tarball or git sources.
			k, ok := strings.CutPrefix(key, "/")
			if !ok {
				return nil
			}
			i := strings.LastIndexByte(k, '/')
			if i <= 0 {
				return nil
			}
			name, ver = k[:i], k[i+1:]
			ver, _, _ = strings.Cut(ver, "_")
		} else {
			k := strings.TrimPrefix(key, "/")
			if i := strings.IndexByte(k, '('); i >= 0 {
				k = k[:i]
			}
			var ok bool
			if name, ver, ok = splitNameAt(k); !ok {
				return nil
			}
		}
		if name == "" || !startsDigit(ver) || strings.ContainsAny(ver, ":/") {
			return nil // a tarball, git or directory source
		}
		out = append(out, npmPkg(name, ver, p))
		return nil
	})
	sortPkgs(out)
	return out, err
}

// splitNameAt splits "name@rest" or "@scope/name@rest" at the @ after the name.
func splitNameAt(s string) (name, rest string, ok bool) {
	from := 0
	if strings.HasPrefix(s, "@") {
		from = 1
	}
	i := strings.IndexByte(s[from:], '@')
	if i < 0 {
		return "", "", false
	}
	i += from
	if i == 0 {
		return "", "", false
	}
	return s[:i], s[i+1:], true
}

// registryRange says whether a yarn 1 specifier's range is resolved from the registry
// (a semver range, tag or version) rather than a protocol or URL.
func registryRange(r string) bool {
	if strings.Contains(r, "://") {
		return false
	}
	for _, proto := range []string{"file:", "link:", "portal:", "workspace:", "patch:", "git", "github:", "gitlab:", "bitbucket:", "exec:"} {
		if strings.HasPrefix(r, proto) {
			return false
		}
	}
	// user/repo shorthand for a GitHub repository.
	return !(strings.Contains(r, "/") && !strings.ContainsAny(r, " <>=^~"))
}

func startsDigit(s string) bool { return s != "" && s[0] >= '0' && s[0] <= '9' }

// unquoteYAML removes one level of double or single quotes.
func unquoteYAML(s string) string {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	return s
}
