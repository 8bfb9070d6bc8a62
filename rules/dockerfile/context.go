package dockerfile

import (
	"context"
	"strings"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/ref"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/target"
)

// alwaysIgnored must be kept out of any context copied whole: a checkout has .git, and
// .env files appear on developers' machines whether or not the scanned tree has one.
var alwaysIgnored = []string{".git", ".env"}

// credentialEntries must be kept out when they exist at the top of the context.
var credentialEntries = []string{
	".aws", ".ssh", ".docker", ".kube", ".gnupg", ".npmrc", ".pypirc", ".netrc", ".git-credentials",
	".env.local", ".env.production", "id_rsa", "id_dsa", "id_ecdsa", "id_ed25519",
}

// wholeContext reports whether a COPY/ADD source names the whole build context.
func wholeContext(src string) bool {
	switch strings.TrimRight(src, "/") {
	case ".", "", "*", "./*", ".//*":
		return true
	}
	return false
}

// CopyContext flags COPY . / ADD . into the image when no .dockerignore keeps .git, .env
// and credential files out of the build context.
func CopyContext() rule.Rule {
	return &rule.Dockerfile{
		M: rule.Meta{
			ID:    "dockerfile/copy-context",
			Title: "Whole build context copied without a .dockerignore that keeps secrets out",
			Description: "COPY . (or ADD ., COPY *) in the image's final stage copies the whole build context: without a " +
				".dockerignore, .git (with its history and any credentials in its config), .env files and credential " +
				"files end up in a layer. The .dockerignore that applies is <Dockerfile>.dockerignore beside the file, " +
				"else the context's .dockerignore; the context is taken to be the nearest directory at or above the " +
				"Dockerfile's that holds one (up to the repository root), else the Dockerfile's own directory. It must " +
				"exclude .git and .env, and the credential files present at the context's top (.aws, .ssh, .npmrc, " +
				".netrc, id_rsa and the like). Build stages that only compile are not checked, nor Dockerfiles read from stdin.",
			Remediation: "Add a .dockerignore beside the Dockerfile, or better an allow-list, and copy only what the image needs:\n\n" +
				"  # .dockerignore\n  .git\n  .env*\n  **/.aws\n  **/id_rsa*\n  node_modules\n\n" +
				"  # or allow-list: ignore everything, then re-include\n  *\n  !src\n  !go.mod\n  !go.sum",
			Severity:   finding.SeverityMedium,
			Category:   "Secrets",
			Tags:       []string{"cis-docker"},
			References: []ref.Ref{ref.CISDocker("4.10"), ref.Link("https://docs.docker.com/build/concepts/context/#dockerignore-files", "Docker build context: .dockerignore files"), ref.Weakness(538)},
			Extra:      equivalents("", "CIS-DI-0010"),
		},
		Fn: func(_ context.Context, m *rule.Meta, d *target.Dockerfile) []finding.Finding {
			f := d.Final()
			if f == nil || d.Context == nil {
				return nil
			}
			var out []finding.Finding
			for _, in := range chainInstructions(f) {
				if (in.Cmd != "COPY" && in.Cmd != "ADD") || in.Copy == nil || in.Copy.From != "" || in.Copy.Inline {
					continue
				}
				src := ""
				for _, s := range in.Copy.Sources {
					if wholeContext(s) {
						src = s
						break
					}
				}
				if src == "" {
					continue
				}
				bc := d.Context()
				if bc == nil {
					return out
				}
				what := in.Cmd + " " + src + " copies the whole build context (" + bc.Dir + ")"
				var leaks []string
				for _, e := range alwaysIgnored {
					if !bc.Excluded(e) {
						leaks = append(leaks, e)
					}
				}
				for _, e := range credentialEntries {
					if bc.Exists(e) && !bc.Excluded(e) {
						leaks = append(leaks, e)
					}
				}
				switch {
				case len(leaks) == 0:
					continue
				case bc.IgnoreFile == "":
					out = append(out, fail(m, d, in, 0, what+" and no .dockerignore applies: "+strings.Join(leaks, ", ")+" would go into the image"))
				case bc.IgnoreErr != "":
					out = append(out, fail(m, d, in, 0, what+" and its .dockerignore cannot be read ("+bc.IgnoreErr+")"))
				default:
					out = append(out, fail(m, d, in, 0, what+" and "+bc.IgnoreFile+" does not exclude "+strings.Join(leaks, ", ")))
				}
			}
			return out
		},
	}
}
