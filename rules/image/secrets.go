package image

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/image/secret"
	"github.com/eksguard/eksguard/pkg/ref"
	"github.com/eksguard/eksguard/pkg/rule"
	shared "github.com/eksguard/eksguard/pkg/secret"
	"github.com/eksguard/eksguard/pkg/target"
)

var secretRefs = []ref.Ref{ref.Guide("data-encryption-and-secrets-management", "Use an external secrets provider"), ref.Weakness(798),
	ref.Link("https://github.com/goodwithtech/dockle/blob/master/CHECKPOINT.md#cis-di-0010", "Dockle CIS-DI-0010: do not store credential in environment variables/files")}

// SecretInFile reports secrets found in the content of files of the final image. The
// secret is always redacted.
func SecretInFile() rule.Rule {
	return &imageRule{
		M: rule.Meta{
			ID:    "image/secret-in-file",
			Title: "Secret in an image file",
			Description: "A file in the image holds a credential (AWS key, private key, token). Anyone who can pull the image " +
				"can read it, and it stays in the layer even if a later layer deletes the file. Values are redacted in reports.",
			Remediation: "Revoke the credential, remove it from the build context and pass secrets at build time with BuildKit " +
				"secret mounts:\n\n  RUN --mount=type=secret,id=aws,target=/root/.aws/credentials make deploy",
			Severity:   finding.SeverityCritical,
			Category:   category,
			References: secretRefs,
		},
		Fn: func(_ context.Context, m *rule.Meta, im *target.Image) ([]finding.Finding, error) {
			paths := make([]string, 0, len(im.Secrets))
			for p := range im.Secrets {
				paths = append(paths, p)
			}
			sort.Strings(paths)
			var out []finding.Finding
			for _, p := range paths {
				for _, s := range im.Secrets[p] {
					out = append(out, fail(m, im, p, fmt.Sprintf("%s at line %d of %s (%s), in layer %s", s.Kind, s.Line, p, s.Redacted, layerOf(im, im.SecretLayer[p])),
						map[string]string{"kind": s.Kind, "line": fmt.Sprint(s.Line), "value": s.Redacted, "layer": im.LayerDigest(im.SecretLayer[p])}))
				}
			}
			return out, nil
		},
	}
}

// SecretInConfig reports credentials in the image configuration: environment variables,
// labels and the build history (ENV, ARG and RUN lines). Always redacted.
func SecretInConfig() rule.Rule {
	return &imageRule{
		M: rule.Meta{
			ID:    "image/secret-in-config",
			Title: "Secret in the image configuration",
			Description: "An environment variable, label or build-history line holds a credential. The configuration is " +
				"readable by anyone who can pull the image (docker inspect, docker history). Values are redacted in reports.",
			Remediation: "Revoke the credential and inject it at run time from a Kubernetes Secret or AWS Secrets Manager, or " +
				"at build time with a secret mount:\n\n  RUN --mount=type=secret,id=token TOKEN=$(cat /run/secrets/token) ./fetch",
			Severity:   finding.SeverityCritical,
			Category:   category,
			References: secretRefs,
		},
		Fn: func(_ context.Context, m *rule.Meta, im *target.Image) ([]finding.Finding, error) {
			if !im.HasConfig {
				return nil, rule.ErrNotApplicable
			}
			var out []finding.Finding
			report := func(path, where, text string) {
				for _, s := range secret.Default.Detect([]byte(text)) {
					out = append(out, fail(m, im, path, fmt.Sprintf("%s in %s (%s)", s.Kind, where, s.Redacted),
						map[string]string{"kind": s.Kind, "value": s.Redacted}))
				}
			}
			for i, kv := range im.Config.Env {
				k, v, _ := strings.Cut(kv, "=")
				path := fmt.Sprintf("config.Env[%d]", i)
				before := len(out)
				report(path, "environment variable "+k, v)
				if len(out) == before && v != "" && shared.SecretName(k) && !strings.HasSuffix(strings.ToUpper(k), "_FILE") &&
					!strings.HasPrefix(v, "/") && !strings.HasPrefix(v, "$") {
					out = append(out, fail(m, im, path, fmt.Sprintf("environment variable %s holds a value (%s)", k, shared.Preview(v)),
						map[string]string{"kind": "credential-named variable", "value": shared.Preview(v)}))
				}
			}
			keys := make([]string, 0, len(im.Config.Labels))
			for k := range im.Config.Labels {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				report(target.Key("config.Labels", k), "label "+k, im.Config.Labels[k])
			}
			for i, h := range im.Config.History {
				report(fmt.Sprintf("history[%d]", i), "build history", h.CreatedBy)
			}
			return out, nil
		},
	}
}
