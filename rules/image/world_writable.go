package image

import (
	"context"
	"fmt"
	"strings"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/imagefs"
	"github.com/eksguard/eksguard/pkg/ref"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/target"
)

// tmpLike are directories meant to be writable by everyone.
var tmpLike = []string{"/tmp", "/var/tmp", "/dev/shm", "/run/lock", "/var/lock"}

// WorldWritable flags files and directories any user can write, outside /tmp-like
// directories. Sticky directories (only owners may delete entries) are not flagged.
func WorldWritable() rule.Rule {
	return &imageRule{
		M: rule.Meta{
			ID:    "image/world-writable",
			Title: "World-writable file or directory in the image",
			Description: "Any process in the container, whatever its user, can change a world-writable file or replace the " +
				"entries of a world-writable directory (without the sticky bit): a way to tamper with programs and " +
				"configuration. /tmp-like directories (/tmp, /var/tmp, /dev/shm, /run/lock) are expected to be writable.",
			Remediation: "Remove write permission for others when building the image:\n\n" +
				"  RUN chmod o-w /path/to/file",
			Severity:   finding.SeverityMedium,
			Category:   category,
			References: []ref.Ref{ref.Guide(guideImage, "Remove special permissions from images"), ref.Weakness(732)},
		},
		Fn: func(_ context.Context, m *rule.Meta, im *target.Image) ([]finding.Finding, error) {
			var out []finding.Finding
			im.FS.Walk(func(e *imagefs.Entry) error {
				for _, t := range tmpLike {
					if e.Path == t || strings.HasPrefix(e.Path, t+"/") {
						return nil
					}
				}
				if e.Type != imagefs.TypeReg && e.Type != imagefs.TypeDir {
					return nil
				}
				if e.Mode&0002 == 0 || (e.Type == imagefs.TypeDir && e.Mode&imagefs.ModeSticky != 0) {
					return nil
				}
				mode := fmt.Sprintf("%04o", e.Mode)
				out = append(out, fail(m, im, e.Path, fmt.Sprintf("%s %s is world-writable (mode %s), set by layer %s", e.Type, e.Path, mode, layerOf(im, e.Layer)),
					map[string]string{"mode": mode, "layer": im.LayerDigest(e.Layer)}))
				return nil
			})
			return out, nil
		},
	}
}
