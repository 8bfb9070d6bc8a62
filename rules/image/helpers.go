// Package image holds the rules over container images: the user an image runs as,
// setuid/setgid and world-writable files, shells and package managers, secrets and
// sensitive files, HEALTHCHECK, remote ADD and wasted space. Rules read the merged
// filesystem and configuration of target.Image; they never pull or read layers themselves.
package image

import (
	"context"
	"fmt"
	"strconv"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/target"
)

const (
	category   = "Image security"
	guideImage = "image-security"
)

// imageRule adapts a check over images into a Rule.
type imageRule struct {
	M  rule.Meta
	Fn func(ctx context.Context, m *rule.Meta, im *target.Image) ([]finding.Finding, error)
}

func (r *imageRule) Meta() *rule.Meta { r.M.Target = target.KindImage; return &r.M }

func (r *imageRule) Check(ctx context.Context, t target.Target) ([]finding.Finding, error) {
	im, ok := t.(*target.Image)
	if !ok {
		return nil, rule.ErrNotApplicable
	}
	return r.Fn(ctx, r.Meta(), im)
}

// fail builds a finding with evidence.
func fail(m *rule.Meta, im *target.Image, path, msg string, ev map[string]string) finding.Finding {
	f := m.Fail(im, path, msg)
	f.Evidence = ev
	return f
}

// owner renders uid:gid with the names /etc/passwd and /etc/group give them.
func owner(im *target.Image, uid, gid int) string {
	name := func(m map[string]int, id int) string {
		for n, v := range m {
			if v == id {
				return n
			}
		}
		return strconv.Itoa(id)
	}
	return fmt.Sprintf("%s:%s (%d:%d)", name(im.Users, uid), name(im.Groups, gid), uid, gid)
}

// layerOf names the layer that set an entry, with the instruction that made it.
func layerOf(im *target.Image, i int) string {
	d := im.LayerDigest(i)
	if i >= 0 && i < len(im.Layers) && im.Layers[i].CreatedBy != "" {
		return d + " (" + truncate(im.Layers[i].CreatedBy, 120) + ")"
	}
	return d
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
