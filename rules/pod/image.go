package pod

import (
	"context"
	"strings"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/ref"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/target"
)

// imageRef is a container image reference split the way container runtimes read it.
type imageRef struct {
	Registry   string // docker.io when the reference names none
	Repository string // path below the registry, library/ added for Docker Hub short names
	Tag        string
	Digest     string
}

// parseImage splits an image reference (registry/path:tag@digest).
func parseImage(s string) imageRef {
	var r imageRef
	name := s
	if i := strings.IndexByte(name, '@'); i >= 0 {
		name, r.Digest = name[:i], name[i+1:]
	}
	if i := strings.LastIndexByte(name, ':'); i > strings.LastIndexByte(name, '/') {
		name, r.Tag = name[:i], name[i+1:]
	}
	first, rest, hasSlash := strings.Cut(name, "/")
	if hasSlash && (strings.ContainsAny(first, ".:") || first == "localhost") {
		r.Registry, r.Repository = first, rest
	} else {
		r.Registry, r.Repository = "docker.io", name
	}
	// Docker Hub has other names, and its official images live below library/, however
	// the reference is spelled ("nginx", "docker.io/nginx", "index.docker.io/library/nginx").
	if r.Registry == "index.docker.io" || r.Registry == "registry-1.docker.io" {
		r.Registry = "docker.io"
	}
	if r.Registry == "docker.io" && !strings.Contains(r.Repository, "/") {
		r.Repository = "library/" + r.Repository
	}
	return r
}

// Repo is registry/repository, what an allow-list entry matches against.
func (r imageRef) Repo() string { return r.Registry + "/" + r.Repository }

func imagePath(c target.Container) string { return target.Field(c.Path, "image") }

// ImageTag flags images without a tag or tagged latest.
func ImageTag() rule.Rule {
	return &rule.Workload{
		M: rule.Meta{
			ID:    "pod/image-tag",
			Title: "Image without a tag or tagged latest",
			Description: "An image without a tag means latest, and latest moves: the code that runs changes without a change " +
				"to the manifest, rollbacks are impossible, and what was scanned is not what runs.",
			Remediation: "Name a version tag, or better a digest:\n\n  image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.4.2",
			Severity:    finding.SeverityMedium,
			Category:    "Images",
			References:  []ref.Ref{ref.Guide(guideImage, "Use immutable tags with ECR"), ref.Weakness(1357)},
		},
		Fn: func(_ context.Context, m *rule.Meta, w *target.Workload) []finding.Finding {
			var out []finding.Finding
			for _, c := range w.Containers() {
				r := parseImage(c.Image)
				switch {
				case r.Digest != "":
				case r.Tag == "":
					out = append(out, m.Failf(w, imagePath(c), "container %q image %q has no tag (it means latest)", c.Name, c.Image))
				case r.Tag == "latest":
					out = append(out, m.Failf(w, imagePath(c), "container %q image %q uses the latest tag", c.Name, c.Image))
				}
			}
			return out
		},
	}
}

// ImageDigest flags images not pinned by digest.
func ImageDigest() rule.Rule {
	return &rule.Workload{
		M: rule.Meta{
			ID:    "pod/image-digest",
			Title: "Image not pinned by digest",
			Description: "Tags can be moved to other content, even immutable-looking ones outside a registry that enforces " +
				"tag immutability. A digest names exactly the bytes that were built, scanned and signed.",
			Remediation: "Pin the image by digest (keep the tag for readers):\n\n  image: public.ecr.aws/nginx/nginx:1.27@sha256:<digest>",
			Severity:    finding.SeverityInfo,
			Category:    "Images",
			References:  []ref.Ref{ref.Guide(guideImage, "Use immutable tags with ECR"), ref.Weakness(1357)},
		},
		Fn: func(_ context.Context, m *rule.Meta, w *target.Workload) []finding.Finding {
			var out []finding.Finding
			for _, c := range w.Containers() {
				if parseImage(c.Image).Digest == "" {
					out = append(out, m.Failf(w, imagePath(c), "container %q image %q is not pinned by digest", c.Name, c.Image))
				}
			}
			return out
		},
	}
}

// ImageRegistry flags images from registries outside the allow-list (CIS 5.1.4).
func ImageRegistry() rule.Rule {
	return &rule.Workload{
		M: rule.Meta{
			ID:    "pod/image-registry",
			Title: "Image from a registry outside the allow-list",
			Description: "Images should come only from approved registries (your ECR, a vetted mirror). The allow-list is " +
				"`allowedRegistries` in .eksguard.yaml; while it is empty every registry is accepted, and the report says so.",
			Remediation: "Copy the image into an approved registry and reference it there, or add the registry to the allow-list:\n\n  # .eksguard.yaml\n  allowedRegistries:\n  - 123456789012.dkr.ecr.us-east-1.amazonaws.com\n  - public.ecr.aws/eks-distro",
			Severity:    finding.SeverityMedium,
			Category:    "Images",
			Tags:        []string{"cis"},
			Settings:    []string{"AllowedRegistries"},
			References:  []ref.Ref{ref.CIS("5.1.4"), ref.Guide(guideImage, "Consider using a registry allow-list")},
		},
		Fn: func(ctx context.Context, m *rule.Meta, w *target.Workload) []finding.Finding {
			s := rule.SettingsFrom(ctx)
			if len(s.AllowedRegistries) == 0 {
				return nil
			}
			var out []finding.Finding
			for _, c := range w.Containers() {
				r := parseImage(c.Image)
				if !s.RegistryAllowed(r.Repo()) {
					out = append(out, m.Failf(w, imagePath(c), "container %q image %q comes from %s, which is not in allowedRegistries",
						c.Name, c.Image, r.Registry))
				}
			}
			return out
		},
	}
}
