package match

import (
	"net/url"
	"strings"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/inventory"
	"github.com/eksguard/eksguard/pkg/ref"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/target"
	"github.com/eksguard/eksguard/pkg/vuln/osv"
	"github.com/eksguard/eksguard/pkg/vuln/vex"
)

// RuleID is the rule every vulnerability finding carries.
const RuleID = "vuln/osv-advisory"

// Meta describes vulnerability findings for reports.
var Meta = &rule.Meta{
	ID:    RuleID,
	Title: "Installed package has a published vulnerability",
	Description: "An OSV advisory (Go vulnerability database, Debian, Ubuntu, Alpine, Red Hat, GitHub " +
		"advisories for npm, PyPI and Maven) lists the installed version of a package as affected, " +
		"compared with the ecosystem's own version order. Go modules are matched from a binary's build " +
		"information: whether the vulnerable symbols are reachable is not analysed.",
	Remediation: "Upgrade the package to the fixed version (rebuild the image on an updated base, " +
		"`apt-get upgrade`, `apk upgrade`, `go get module@fixed` and rebuild). If the vulnerability " +
		"cannot affect the image, record why in an OpenVEX file passed with --vex.",
	Severity:   finding.SeverityHigh,
	Category:   "Image security",
	Target:     target.Kind("image"),
	References: []ref.Ref{ref.CIS("5.1.1"), ref.Guide("image-security", "Scan images for vulnerabilities regularly"), ref.Weakness(1395)},
}

// Options filter findings.
type Options struct {
	// Subject is what was scanned (image reference or binary path).
	Subject finding.Subject
	// Severities keeps only these severities (nil keeps all, unknown included).
	Severities map[finding.Severity]bool
	// IgnoreUnfixed drops matches with no fixed version published.
	IgnoreUnfixed bool
	// VEX suppresses findings its statements say do not apply.
	VEX *vex.Document
}

// Findings turns a result into findings: one per record and package, and one error
// finding per package whose version does not parse.
func Findings(res *Result, opts Options) []finding.Finding {
	out := make([]finding.Finding, 0, len(res.Matches)+len(res.Unparseable))
	texts := map[*osv.Vulnerability]*recordText{}
	for i := range res.Matches {
		m := &res.Matches[i]
		if opts.IgnoreUnfixed && m.Fixed == "" {
			continue
		}
		if opts.Severities != nil && !opts.Severities[m.Score.Severity] {
			continue
		}
		f := finding.Finding{
			RuleID:   RuleID,
			Status:   finding.StatusFail,
			Severity: m.Score.Severity,
			Subject:  opts.Subject,
			Location: finding.Location{File: m.Package.Path},
		}
		rt := texts[m.Vuln]
		if rt == nil {
			rt = textOf(m)
			texts[m.Vuln] = rt
		}
		f.Message, f.Evidence = message(m, rt), evidence(m, rt)
		if opts.VEX != nil {
			ids := append(append([]string{m.Vuln.ID}, m.Vuln.Aliases...), m.Vuln.Upstream...)
			if reason, ok := opts.VEX.Suppresses(ids, []string{PURL(m.Package), opts.Subject.String(), m.Package.Path}); ok {
				f.Status = finding.StatusSkip
				f.Suppressed = &finding.Suppression{Reason: reason, Source: "vex " + opts.VEX.Source()}
			}
		}
		out = append(out, f)
	}
	for _, p := range res.Unparseable {
		out = append(out, finding.Finding{
			RuleID:   RuleID,
			Status:   finding.StatusError,
			Severity: finding.SeverityUnknown,
			Subject:  opts.Subject,
			Location: finding.Location{File: p.Package.Path},
			Message:  "not matched: " + p.Message,
			Evidence: map[string]string{"package": p.Package.Name, "installedVersion": p.Package.Version},
		})
	}
	return out
}

// recordText is what every finding of one record shares, built once.
type recordText struct {
	cves, summary, aliases, upstream, links string
}

func textOf(m *Match) *recordText {
	rt := &recordText{summary: oneLine(m.Vuln.Summary), aliases: strings.Join(m.Vuln.Aliases, " "),
		upstream: strings.Join(m.Vuln.Upstream, " "), links: strings.Join(Links(m), " ")}
	if cves := cveAliases(m.Vuln.ID, append(append([]string(nil), m.Vuln.Aliases...), m.Vuln.Upstream...)); len(cves) > 0 {
		rt.cves = " (" + strings.Join(cves, ", ") + ")"
	}
	return rt
}

func message(m *Match, rt *recordText) string {
	var b strings.Builder
	b.Grow(len(m.Vuln.ID) + len(rt.cves) + len(m.Package.Name) + len(m.Package.Version) + len(m.Fixed) + len(rt.summary) + 160)
	b.WriteString(m.Vuln.ID)
	b.WriteString(rt.cves)
	b.WriteString(": " + m.Package.Name + " " + m.Package.Version)
	if m.Name != m.Package.Name {
		b.WriteString(" (source package " + m.Name + " " + m.Version + ")")
	}
	if m.Fixed != "" {
		b.WriteString(", fixed in " + m.Fixed)
	} else {
		b.WriteString(", no fix published")
	}
	if rt.summary != "" {
		b.WriteString(": ")
		b.WriteString(rt.summary)
	}
	if m.Package.Type == inventory.TypeGolang {
		b.WriteString(" (from build information; symbol reachability not analysed)")
	}
	return b.String()
}

func cveAliases(id string, aliases []string) []string {
	var out []string
	for _, a := range aliases {
		if strings.HasPrefix(a, "CVE-") && a != id {
			out = append(out, a)
		}
	}
	return out
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 200 {
		s = s[:197] + "..."
	}
	return s
}

func evidence(m *Match, rt *recordText) map[string]string {
	e := make(map[string]string, 16)
	e["advisory"] = m.Vuln.ID
	e["package"] = m.Package.Name
	e["installedVersion"] = m.Package.Version
	e["ecosystem"] = m.Ecosystem
	if m.Fixed != "" {
		e["fixedVersion"] = m.Fixed
	}
	if m.Name != m.Package.Name {
		e["sourcePackage"] = m.Name
	}
	if m.Package.Layer != "" {
		e["layer"] = m.Package.Layer
	}
	if rt.aliases != "" {
		e["aliases"] = rt.aliases
	}
	if rt.upstream != "" {
		e["upstream"] = rt.upstream
	}
	if m.Score.Source != "" {
		e["severitySource"] = m.Score.Source
	}
	if rt.summary != "" {
		e["summary"] = rt.summary
	}
	e["links"] = rt.links
	if m.Package.Type == inventory.TypeGolang {
		e["reachability"] = "not analysed: the module is in the binary's build information; whether its vulnerable symbols are called is not checked"
	}
	return e
}

// Links are the advisory's page and its ADVISORY/WEB references (at most five more).
func Links(m *Match) []string {
	links := []string{"https://osv.dev/vulnerability/" + url.PathEscape(m.Vuln.ID)}
	var rest []string
	for _, r := range m.Vuln.References {
		if (r.Type == "ADVISORY" || r.Type == "WEB" || r.Type == "REPORT") && strings.HasPrefix(r.URL, "https://") {
			rest = append(rest, r.URL)
		}
	}
	if len(rest) > 5 {
		rest = rest[:5]
	}
	return append(links, rest...)
}

// PURL is the package's package URL: the inventory's when set, else built from its type,
// name and version.
func PURL(p *inventory.Package) string {
	if p.PURL != "" {
		return p.PURL
	}
	name := p.Name
	ns := ""
	switch p.Type {
	case inventory.TypeMaven:
		if g, a, ok := strings.Cut(p.Name, ":"); ok {
			ns, name = g+"/", a
		}
	case inventory.TypeDeb:
		ns = "debian/"
	case inventory.TypeAPK:
		ns = "alpine/"
	}
	return "pkg:" + p.Type + "/" + ns + name + "@" + url.PathEscape(p.Version)
}
