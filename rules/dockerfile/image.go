package dockerfile

import (
	"context"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/ref"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/target"
)

// baseImages calls fn for every stage that builds on an image reference eksguard can
// read (not an earlier stage, not scratch, no unresolved build argument).
func baseImages(d *target.Dockerfile, fn func(s *target.Stage, r *target.ImageRef)) {
	for _, s := range d.Stages {
		r := s.Base
		if r == nil || r.Scratch || r.Unresolved || r.Err != "" {
			continue
		}
		fn(s, r)
	}
}

// ImageTag flags FROM without a tag or with latest.
func ImageTag() rule.Rule {
	return &rule.Dockerfile{
		M: rule.Meta{
			ID:    "dockerfile/image-tag",
			Title: "Base image without a tag or tagged latest",
			Description: "FROM without a tag means latest, and latest moves: each build may start from a different base, " +
				"so what was reviewed and scanned is not what ships, and builds are not reproducible.",
			Remediation: "Name a specific version of the base image (better: also its digest):\n\n" +
				"  FROM public.ecr.aws/docker/library/python:3.12.7-slim-bookworm",
			Severity:   finding.SeverityMedium,
			Category:   "Base images",
			References: []ref.Ref{guide("Use immutable tags with ECR"), ref.CISDocker("4.2")},
			Extra:      equivalents("DL3006, DL3007", ""),
		},
		Fn: func(_ context.Context, m *rule.Meta, d *target.Dockerfile) []finding.Finding {
			var out []finding.Finding
			baseImages(d, func(s *target.Stage, r *target.ImageRef) {
				switch {
				case r.Digest != "":
				case r.Tag == "":
					out = append(out, fail(m, d, s.From, 0, "base image "+r.Raw+" has no tag (it means latest)"))
				case r.Tag == "latest":
					out = append(out, fail(m, d, s.From, 0, "base image "+r.Raw+" is tagged latest"))
				}
			})
			return out
		},
	}
}

// ImageDigest flags FROM without a digest (info).
func ImageDigest() rule.Rule {
	return &rule.Dockerfile{
		M: rule.Meta{
			ID:    "dockerfile/image-digest",
			Title: "Base image not pinned by digest",
			Description: "A tag can be moved to other content by whoever controls the repository; only a digest names " +
				"exact content. Pinning by digest makes builds reproducible and a swapped base visible in review.",
			Remediation: "Add the digest of the tag you reviewed (docker buildx imagetools inspect IMAGE:TAG shows it):\n\n" +
				"  FROM public.ecr.aws/docker/library/python:3.12.7-slim-bookworm@sha256:<digest>",
			Severity:   finding.SeverityInfo,
			Category:   "Base images",
			References: []ref.Ref{guide("Use immutable tags with ECR"), ref.CISDocker("4.2")},
			Extra:      equivalents("", ""),
		},
		Fn: func(_ context.Context, m *rule.Meta, d *target.Dockerfile) []finding.Finding {
			var out []finding.Finding
			baseImages(d, func(s *target.Stage, r *target.ImageRef) {
				if r.Digest == "" {
					out = append(out, fail(m, d, s.From, 0, "base image "+r.Raw+" is not pinned by digest"))
				}
			})
			return out
		},
	}
}

// ImageRegistry flags base images from registries outside the allow-list.
func ImageRegistry() rule.Rule {
	return &rule.Dockerfile{
		M: rule.Meta{
			ID:    "dockerfile/image-registry",
			Title: "Base image from a registry outside the allow-list",
			Description: "Base images should come from registries the organisation trusts and scans (allowedRegistries in " +
				".eksguard.yaml). The rule is silent when no allow-list is configured.",
			Remediation: "Mirror the base image into an allowed registry and build from there:\n\n" +
				"  FROM 111122223333.dkr.ecr.us-east-1.amazonaws.com/base/python:3.12.7-slim-bookworm",
			Severity:   finding.SeverityMedium,
			Category:   "Base images",
			Settings:   []string{"AllowedRegistries"},
			References: []ref.Ref{guide("Create a set of curated images"), ref.CISDocker("4.2"), ref.CIS("5.1.4")},
			Extra:      equivalents("DL3026", ""),
		},
		Fn: func(ctx context.Context, m *rule.Meta, d *target.Dockerfile) []finding.Finding {
			s := rule.SettingsFrom(ctx)
			var out []finding.Finding
			baseImages(d, func(st *target.Stage, r *target.ImageRef) {
				if !s.RegistryAllowed(r.Repo()) {
					out = append(out, fail(m, d, st.From, 0, "base image "+r.Raw+" comes from "+r.Registry+", which is not in allowedRegistries"))
				}
			})
			return out
		},
	}
}
