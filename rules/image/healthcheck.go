package image

import (
	"context"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/ref"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/target"
)

// HealthcheckMissing reports images without a HEALTHCHECK (info): Kubernetes ignores it
// (probes replace it), but other runtimes use it.
func HealthcheckMissing() rule.Rule {
	return &imageRule{
		M: rule.Meta{
			ID:    "image/healthcheck-missing",
			Title: "Image has no HEALTHCHECK",
			Description: "The image configuration has no HEALTHCHECK (or disables it with NONE). Kubernetes uses liveness and " +
				"readiness probes instead, so this is informational; Docker and ECS use the image's HEALTHCHECK.",
			Remediation: "Add a HEALTHCHECK to the Dockerfile, or define probes in the pod spec:\n\n" +
				"  HEALTHCHECK --interval=30s --timeout=3s CMD [\"/app\", \"healthz\"]",
			Severity: finding.SeverityInfo,
			Category: category,
			Tags:     []string{"dockle"},
			References: []ref.Ref{ref.Link("https://github.com/goodwithtech/dockle/blob/master/CHECKPOINT.md#cis-di-0006", "Dockle CIS-DI-0006: add HEALTHCHECK instruction to the container image"),
				ref.Link("https://docs.docker.com/reference/dockerfile/#healthcheck", "Dockerfile reference: HEALTHCHECK")},
		},
		Fn: func(_ context.Context, m *rule.Meta, im *target.Image) ([]finding.Finding, error) {
			if !im.HasConfig {
				return nil, rule.ErrNotApplicable
			}
			hc := im.Config.Healthcheck
			switch {
			case len(hc) == 0:
				return []finding.Finding{fail(m, im, "config.Healthcheck", "the image defines no HEALTHCHECK", nil)}, nil
			case hc[0] == "NONE":
				return []finding.Finding{fail(m, im, "config.Healthcheck", "the image disables its HEALTHCHECK (NONE)", nil)}, nil
			}
			return nil, nil
		},
	}
}
