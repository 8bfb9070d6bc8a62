package image

import (
	"context"
	"strings"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/imagefs"
	"github.com/eksguard/eksguard/pkg/ref"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/target"
)

var shells = []string{"sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", "csh", "tcsh", "fish", "busybox"}

var packageManagers = []string{"apt", "apt-get", "dpkg", "apk", "yum", "dnf", "microdnf", "rpm", "zypper", "tdnf", "pacman"}

var binDirs = []string{"/bin", "/sbin", "/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin"}

// present returns the paths under the usual bin directories where one of names is an
// executable file (symlinks followed inside the image).
func present(fs *imagefs.FS, names []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, d := range binDirs {
		for _, n := range names {
			p := d + "/" + n
			e, err := fs.Stat(p)
			if err != nil || e.Type != imagefs.TypeReg || e.Mode&0111 == 0 {
				continue
			}
			if rp, err := fs.Resolve(p); err == nil && !seen[rp] {
				seen[rp] = true
				out = append(out, rp)
			}
		}
	}
	return out
}

func toolRule(id, title, what, remediation string, names []string) rule.Rule {
	return &imageRule{
		M: rule.Meta{
			ID:    id,
			Title: title,
			Description: "The final image contains " + what + ". An attacker who gets code execution in the container can use " +
				"them to explore, download and install tools; minimal images (distroless, scratch) leave them out.",
			Remediation: remediation,
			Severity:    finding.SeverityInfo,
			Category:    category,
			References:  []ref.Ref{ref.Guide(guideImage, "Consider creating minimal images"), ref.Guide(guideImage, "Use multi-stage builds")},
		},
		Fn: func(_ context.Context, m *rule.Meta, im *target.Image) ([]finding.Finding, error) {
			found := present(im.FS, names)
			if len(found) == 0 {
				return nil, nil
			}
			return []finding.Finding{fail(m, im, found[0], "the image contains "+strings.Join(found, ", "),
				map[string]string{"paths": strings.Join(found, ",")})}, nil
		},
	}
}

// ShellPresent reports shells in the final image (info).
func ShellPresent() rule.Rule {
	return toolRule("image/shell-present", "Shell present in the image", "a shell",
		"Build the final stage from a distroless or scratch base and copy only the application in:\n\n"+
			"  FROM gcr.io/distroless/static-debian12\n  COPY --from=build /out/app /app", shells)
}

// PackageManagerPresent reports OS package managers in the final image (info).
func PackageManagerPresent() rule.Rule {
	return toolRule("image/package-manager-present", "Package manager present in the image", "an OS package manager",
		"Install packages in a build stage and copy the result into a minimal final stage:\n\n"+
			"  FROM debian:12 AS build\n  RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates\n"+
			"  FROM gcr.io/distroless/base-debian12\n  COPY --from=build /etc/ssl/certs /etc/ssl/certs", packageManagers)
}
