package image

import (
	"context"
	"fmt"
	"strings"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/ref"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/target"
)

// Thresholds of dive's CI mode defaults.
const (
	minEfficiency   = 0.9
	maxWastedRatio  = 0.1
	minWastedToFlag = 1 << 20 // below 1 MiB nobody cares
)

// WastedSpace reports images whose layers carry bytes that later layers overwrite or
// delete: dive's efficiency figure (smallest copy of each path over all copies) below 90%,
// or wasted bytes over 10% of the image.
func WastedSpace() rule.Rule {
	return &imageRule{
		M: rule.Meta{
			ID:    "image/wasted-space",
			Title: "Image carries wasted bytes",
			Description: "Files written in one layer and overwritten or deleted in a later one still ship in the image: the " +
				"image is larger and slower to pull, and deleted files (keys, caches) remain readable in their layer. " +
				"Figures follow dive: efficiency is the smallest copy of each path over all copies; wasted bytes are all " +
				"copies of paths that more than one layer sets or deletes.",
			Remediation: "Create and delete temporary files in the same RUN, or build in a stage and copy the result:\n\n" +
				"  RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*",
			Severity:   finding.SeverityLow,
			Category:   category,
			Tags:       []string{"dive"},
			References: []ref.Ref{ref.Guide(guideImage, "Consider creating minimal images"), ref.Link("https://github.com/wagoodman/dive#ci-integration", "dive: CI integration (lowestEfficiency, highestUserWastedPercent)")},
		},
		Fn: func(_ context.Context, m *rule.Meta, im *target.Image) ([]finding.Finding, error) {
			w := im.FS.Waste
			var size int64
			for _, l := range im.FS.Layers {
				size += l.FileBytes
			}
			eff := w.Efficiency()
			if w.WastedBytes < minWastedToFlag || (eff >= minEfficiency && float64(w.WastedBytes) <= maxWastedRatio*float64(size)) {
				return nil, nil
			}
			var top []string
			for _, p := range w.Paths[:min(5, len(w.Paths))] {
				top = append(top, fmt.Sprintf("%s (%d copies, %s)", p.Path, p.Copies, human(p.Bytes)))
			}
			return []finding.Finding{fail(m, im, "layers", fmt.Sprintf("%s of %s in files is wasted (efficiency %.1f%%); largest: %s",
				human(w.WastedBytes), human(size), 100*eff, strings.Join(top, ", ")),
				map[string]string{"imageBytes": fmt.Sprint(size), "wastedBytes": fmt.Sprint(w.WastedBytes), "efficiency": fmt.Sprintf("%.4f", eff)})}, nil
		},
	}
}

func human(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
