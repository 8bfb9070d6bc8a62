package image

import (
	"context"
	"strconv"
	"strings"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/ref"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/target"
)

// RunAsRoot flags images whose configuration runs the container as root: User empty,
// "root", "0", or a name that the image's /etc/passwd maps to uid 0.
func RunAsRoot() rule.Rule {
	return &imageRule{
		M: rule.Meta{
			ID:    "image/run-as-root",
			Title: "Image runs as root",
			Description: "The image configuration's User is empty, root, 0 or a name /etc/passwd maps to uid 0, so its containers " +
				"run as root unless the pod overrides it. Root in a container is root on the node after an escape.",
			Remediation: "Create an unprivileged user in the Dockerfile and switch to it by number:\n\n" +
				"  RUN useradd --uid 10001 --no-create-home app\n  USER 10001",
			Severity: finding.SeverityHigh,
			Category: category,
			Tags:     []string{"dockle"},
			References: []ref.Ref{ref.Guide(guideImage, "Add the USER directive to your Dockerfiles to run as a non-root user"),
				ref.Link("https://github.com/goodwithtech/dockle/blob/master/CHECKPOINT.md#cis-di-0001", "Dockle CIS-DI-0001: create a user for the container"),
				ref.Weakness(250)},
		},
		Fn: func(_ context.Context, m *rule.Meta, im *target.Image) ([]finding.Finding, error) {
			if !im.HasConfig {
				return nil, rule.ErrNotApplicable
			}
			user, _, _ := strings.Cut(im.Config.User, ":")
			switch {
			case user == "":
				return []finding.Finding{fail(m, im, "config.User", "the image sets no User, so it runs as root", nil)}, nil
			case user == "root" || user == "0":
				return []finding.Finding{fail(m, im, "config.User", "the image runs as "+user, map[string]string{"user": im.Config.User})}, nil
			}
			if n, err := strconv.Atoi(user); err == nil {
				if n == 0 {
					return []finding.Finding{fail(m, im, "config.User", "the image runs as uid 0", map[string]string{"user": im.Config.User})}, nil
				}
				return nil, nil
			}
			if uid, ok := im.Users[user]; ok && uid == 0 {
				return []finding.Finding{fail(m, im, "config.User", "the image runs as "+user+", which /etc/passwd maps to uid 0",
					map[string]string{"user": im.Config.User, "uid": "0"})}, nil
			}
			return nil, nil
		},
	}
}
