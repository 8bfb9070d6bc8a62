package scan

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/eksguard/eksguard/pkg/engine"
	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/image"
	"github.com/eksguard/eksguard/pkg/image/secret"
	"github.com/eksguard/eksguard/pkg/imagefs"
	"github.com/eksguard/eksguard/pkg/report"
	"github.com/eksguard/eksguard/pkg/target"
	"github.com/eksguard/eksguard/pkg/vuln"
	"github.com/eksguard/eksguard/pkg/vuln/match"
)

// Image is a scan of one container image.
type Image struct {
	Ref     string
	Options image.Options
	Limits  imagefs.Limits
	Secrets secret.Detector
	Engine  *engine.Engine
	Header  *report.Header
	Expired []report.ExpiredExemption
	FailOn  finding.Severity
	// Vulns matches the image's inventory against the vulnerability database; when nil,
	// NoVulns says why vulnerabilities were not checked (it goes into the report's settings
	// as "vulnerabilities": a run without a database never looks like a clean one).
	Vulns   *vuln.Scanner
	NoVulns string
	// Notes receives the matcher's notes (packages not matched and why), one line each.
	Notes io.Writer
}

// Load opens and reads the image. A nil target comes with the error that prevented it.
func (s *Image) Load(ctx context.Context) (*target.Image, error) {
	ref, err := image.ParseRef(s.Ref)
	if err != nil {
		return nil, err
	}
	im, err := image.Open(ctx, ref, s.Options)
	if err != nil {
		return nil, err
	}
	return image.Scan(ctx, im, s.Limits, s.Secrets)
}

// Run loads the image, runs the rules and writes the report. An image that cannot be
// opened is an input error in the report, not a failure of the run.
func (s *Image) Run(ctx context.Context, w report.Writer) (*report.Summary, *target.Image, error) {
	start := time.Now()
	t, loadErr := s.Load(ctx)
	if t != nil {
		s.describe(t)
	}
	var vulnFindings []finding.Finding
	var vulnErr error
	if t != nil {
		vulnFindings, vulnErr = s.matchVulns(t)
	}
	if err := w.Begin(s.Header); err != nil {
		return nil, nil, err
	}
	sum := &report.Summary{Expired: s.Expired, FailOn: s.FailOn.String()}
	sum.Stats.Subject = report.SubjectImage
	if loadErr != nil {
		sum.Errors = append(sum.Errors, finding.InputError{Input: s.Ref, Message: loadErr.Error()})
	}
	if vulnErr != nil {
		sum.Errors = append(sum.Errors, finding.InputError{Input: s.Ref, Message: "vulnerability matching: " + vulnErr.Error()})
	}
	if t != nil {
		for _, p := range t.FS.Problems {
			sum.Errors = append(sum.Errors, finding.InputError{Input: s.Ref, Message: p.Error()})
		}
		fs := s.Engine.Check(ctx, t)
		fs = append(fs, vulnFindings...)
		r := engine.Result{Name: s.Ref, Findings: fs, Stats: engine.Stats{Files: 1, Objects: 1}}
		sum.Stats.Stats.Add(r.Stats)
		if t.Inventory != nil {
			sum.Inventory = t.Inventory
			sum.Stats.Packages = len(t.Inventory.Packages)
		}
		if err := emitGroups(r, w, sum, s.FailOn); err != nil {
			return nil, nil, err
		}
		// A vulnerability of unknown severity fails any threshold up to critical, as in
		// `eksguard scan binary`.
		for i := range vulnFindings {
			f := &vulnFindings[i]
			if f.Counts() && f.Status == finding.StatusFail && f.Severity == finding.SeverityUnknown && s.FailOn <= finding.SeverityCritical {
				sum.Failed = true
			}
		}
	}
	if err := End(w, sum, start); err != nil {
		return nil, nil, err
	}
	return sum, t, nil
}

// matchVulns matches the image's inventory and records in the header what was matched
// against, or why nothing was.
func (s *Image) matchVulns(t *target.Image) ([]finding.Finding, error) {
	set := s.settings()
	if s.Vulns == nil {
		if s.NoVulns != "" && set != nil {
			set["vulnerabilities"] = s.NoVulns
		}
		return nil, nil
	}
	if s.Header != nil && s.Header.Rule(match.RuleID) == nil {
		s.Header.Rules = append(s.Header.Rules, match.Meta)
	}
	if set != nil {
		info := s.Vulns.DB.Info()
		set["vulnerabilities"] = fmt.Sprintf("matched against %s (%d records, updated %s)", s.Vulns.DB.Path(), info.Records, info.Updated.Format(time.RFC3339))
		for _, w := range s.Vulns.Warnings {
			set["vulnerability-db-warning"] = w
		}
	}
	plat := match.Platform{GOOS: "linux"}
	if os, arch, ok := strings.Cut(t.Platform, "/"); ok && os != "" {
		plat.GOOS = os
		plat.GOARCH, _, _ = strings.Cut(arch, "/")
	}
	rep, err := s.Vulns.ScanPlatform(t.Inventory, t.Subject(), plat)
	if err != nil {
		return nil, err
	}
	if len(rep.Notes) > 0 {
		if set != nil {
			set["vulnerability-notes"] = strings.Join(rep.Notes, "; ")
		}
		if s.Notes != nil {
			for _, n := range rep.Notes {
				fmt.Fprintf(s.Notes, "eksguard: %s: %s\n", s.Ref, n)
			}
		}
	}
	return rep.Findings, nil
}

func (s *Image) settings() map[string]string {
	if s.Header == nil {
		return nil
	}
	if s.Header.Settings == nil {
		s.Header.Settings = map[string]string{}
	}
	return s.Header.Settings
}

// describe adds what was scanned to the header's settings.
func (s *Image) describe(t *target.Image) {
	if s.Header == nil {
		return
	}
	if s.Header.Settings == nil {
		s.Header.Settings = map[string]string{}
	}
	set := s.Header.Settings
	if t.Digest != "" {
		set["image-digest"] = t.Digest
	}
	if t.Platform != "" {
		set["image-platform"] = t.Platform
	}
	var files int64
	for _, l := range t.FS.Layers {
		files += l.FileBytes
	}
	set["image-layers"] = fmt.Sprint(len(t.FS.Layers))
	set["image-file-bytes"] = fmt.Sprint(files)
	set["image-wasted-bytes"] = fmt.Sprintf("%d (efficiency %.1f%%)", t.FS.Waste.WastedBytes, 100*t.FS.Waste.Efficiency())
	if os := t.Inventory.OS; os != nil {
		set["image-os"] = os.PrettyName
		if set["image-os"] == "" {
			set["image-os"] = os.ID + " " + os.VersionID
		}
	}
	set["image-packages"] = fmt.Sprint(len(t.Inventory.Packages))
	if t.FS.Incomplete {
		set["image-incomplete"] = "true: some layers could not be read to their end (see errors)"
	}
	if len(t.FS.Skipped) > 0 {
		set["image-skipped-contents"] = fmt.Sprintf("%d files over the per-file size cap were not analysed (first: %s)", len(t.FS.Skipped), t.FS.Skipped[0].Error())
	}
}
