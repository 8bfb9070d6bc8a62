package image

import (
	"context"
	"fmt"
	"regexp"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/ref"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/target"
)

// remoteAdd matches an ADD instruction of a remote URL in a history line, as docker and
// BuildKit record it ("ADD https://... /dst # buildkit", "/bin/sh -c #(nop) ADD ...").
var remoteAdd = regexp.MustCompile(`(?:^|\s|\))ADD\s+(?:--[a-z-]+(?:=\S+)?\s+)*((?:https?|git)://\S+|git@\S+)`)

// RemoteAdd reports ADD of remote URLs seen in the build history.
func RemoteAdd() rule.Rule {
	return &imageRule{
		M: rule.Meta{
			ID:    "image/remote-add",
			Title: "ADD of a remote URL in the build history",
			Description: "The image was built with ADD of a remote URL: the content is fetched at build time without a " +
				"checksum (unless --checksum is given), so a compromised or changed server changes the image silently.",
			Remediation: "Download with a pinned checksum, or use ADD --checksum:\n\n" +
				"  ADD --checksum=sha256:<digest> https://example.com/tool.tar.gz /tmp/\n" +
				"  # or: RUN curl -fsSLo /tmp/t.tgz https://example.com/tool.tar.gz && echo \"<sha256>  /tmp/t.tgz\" | sha256sum -c",
			Severity:   finding.SeverityMedium,
			Category:   category,
			Tags:       []string{"dockle"},
			References: []ref.Ref{ref.Link("https://github.com/goodwithtech/dockle/blob/master/CHECKPOINT.md#cis-di-0009", "Dockle CIS-DI-0009: use COPY instead of ADD in Dockerfile"), ref.Weakness(494)},
		},
		Fn: func(_ context.Context, m *rule.Meta, im *target.Image) ([]finding.Finding, error) {
			if !im.HasConfig {
				return nil, rule.ErrNotApplicable
			}
			var out []finding.Finding
			for i, h := range im.Config.History {
				mm := remoteAdd.FindStringSubmatch(h.CreatedBy)
				if mm == nil || regexp.MustCompile(`--checksum=`).MatchString(h.CreatedBy) {
					continue
				}
				out = append(out, fail(m, im, fmt.Sprintf("history[%d]", i), "the image was built with ADD of "+mm[1]+" (no checksum)",
					map[string]string{"url": mm[1], "createdBy": truncate(h.CreatedBy, 200)}))
			}
			return out, nil
		},
	}
}
