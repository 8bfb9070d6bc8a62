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

// SetuidFiles lists every file with the setuid or setgid bit in the final image, with its
// mode, owner and the layer that last set it. No path is skipped. Directories are not
// files: their setgid bit only makes new entries inherit the group.
func SetuidFiles() rule.Rule {
	return &imageRule{
		M: rule.Meta{
			ID:    "image/setuid-files",
			Title: "Setuid or setgid file in the image",
			Description: "A setuid or setgid executable runs with its owner's or group's privileges whoever starts it: a " +
				"way to root inside the container for any process that can run it. The EKS Best Practices Guide asks to " +
				"remove these special permissions from images; `eksguard image defang` writes an image without them.",
			Remediation: "Clear the bits in the last stage of the Dockerfile, or let eksguard write a defanged copy:\n\n" +
				"  RUN find / -xdev -perm /6000 -type f -exec chmod a-s {} \\; || true\n\n" +
				"  eksguard image defang SRC DST",
			Severity:   finding.SeverityMedium,
			Category:   category,
			Tags:       []string{"dockle", "defang"},
			References: []ref.Ref{ref.Guide(guideImage, "Remove special permissions from images"), ref.Link("https://github.com/goodwithtech/dockle/blob/master/CHECKPOINT.md#cis-di-0008", "Dockle CIS-DI-0008: confirm safety of setuid and setgid files"), ref.Weakness(250)},
		},
		Fn: func(_ context.Context, m *rule.Meta, im *target.Image) ([]finding.Finding, error) {
			var out []finding.Finding
			for _, e := range SpecialFiles(im.FS) {
				var bits []string
				if e.Mode&imagefs.ModeSetuid != 0 {
					bits = append(bits, "setuid")
				}
				if e.Mode&imagefs.ModeSetgid != 0 {
					bits = append(bits, "setgid")
				}
				mode := fmt.Sprintf("%04o", e.Mode)
				out = append(out, fail(m, im, e.Path, fmt.Sprintf("%s is %s (mode %s, owner %s), set by layer %s",
					e.Path, strings.Join(bits, " and "), mode, owner(im, e.UID, e.GID), layerOf(im, e.Layer)),
					map[string]string{"mode": mode, "owner": owner(im, e.UID, e.GID), "layer": im.LayerDigest(e.Layer), "bits": strings.Join(bits, ",")}))
			}
			return out, nil
		},
	}
}

// SpecialFiles returns every non-directory entry of fs with the setuid or setgid bit.
func SpecialFiles(fs *imagefs.FS) []*imagefs.Entry {
	var out []*imagefs.Entry
	fs.Walk(func(e *imagefs.Entry) error {
		if e.Type != imagefs.TypeDir && e.Type != imagefs.TypeSymlink && e.Mode&(imagefs.ModeSetuid|imagefs.ModeSetgid) != 0 {
			out = append(out, e)
		}
		return nil
	})
	return out
}
