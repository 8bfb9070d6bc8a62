package image

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/imagefs"
	"github.com/eksguard/eksguard/pkg/ref"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/target"
)

// sensitive reports why a path is a credential file, or "".
func sensitive(e *imagefs.Entry) string {
	base := path.Base(e.Path)
	dir := path.Base(path.Dir(e.Path))
	if e.Type == imagefs.TypeDir {
		if base == ".git" {
			return "a git repository (history may hold secrets and source)"
		}
		return ""
	}
	if e.Type != imagefs.TypeReg {
		return ""
	}
	switch {
	case dir == ".aws" && (base == "credentials" || base == "config"):
		return "AWS CLI credentials"
	case base == "id_rsa" || base == "id_dsa" || base == "id_ecdsa" || base == "id_ed25519":
		return "an SSH private key"
	case base == ".env" || strings.HasPrefix(base, ".env."):
		return "an environment file"
	case dir == ".docker" && base == "config.json":
		return "Docker registry credentials"
	case base == ".git-credentials" || base == ".netrc" || base == ".pgpass":
		return "stored credentials"
	case dir == ".kube" && base == "config":
		return "a kubeconfig"
	}
	return ""
}

// packageData are directories whose files come from packages (documentation, test data).
var packageData = []string{"/usr/share/", "/usr/lib/", "/usr/include/"}

// SensitiveFiles reports credential files left in the image: .aws/credentials, SSH private
// keys, .env files, .git directories, Docker and kube configs, .netrc.
func SensitiveFiles() rule.Rule {
	return &imageRule{
		M: rule.Meta{
			ID:    "image/sensitive-file",
			Title: "Credential file in the image",
			Description: "A file that usually holds credentials (AWS CLI credentials, an SSH private key, a .env file, a git " +
				"repository, registry or cluster credentials) is in the image. Files under /usr/share, /usr/lib and " +
				"/usr/include, which packages own, are not checked.",
			Remediation: "Keep such files out of the build context with .dockerignore and use secret mounts for build-time " +
				"credentials:\n\n  # .dockerignore\n  .git\n  .env\n  **/.aws\n  **/id_rsa",
			Severity:   finding.SeverityHigh,
			Category:   category,
			References: []ref.Ref{ref.Guide(guideImage, "Lint your Dockerfiles"), ref.Weakness(538)},
		},
		Fn: func(_ context.Context, m *rule.Meta, im *target.Image) ([]finding.Finding, error) {
			var out []finding.Finding
			im.FS.Walk(func(e *imagefs.Entry) error {
				for _, d := range packageData {
					if e.Type == imagefs.TypeDir && e.Path+"/" == d {
						return fs.SkipDir
					}
				}
				if why := sensitive(e); why != "" {
					out = append(out, fail(m, im, e.Path, fmt.Sprintf("%s is %s, added by layer %s", e.Path, why, layerOf(im, e.Layer)),
						map[string]string{"layer": im.LayerDigest(e.Layer)}))
					if e.Type == imagefs.TypeDir {
						return fs.SkipDir
					}
				}
				return nil
			})
			return out, nil
		},
	}
}
