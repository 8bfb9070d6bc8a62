// Package sarif writes a SARIF 2.1.0 log (OASIS, errata 01) that GitHub code scanning and
// other SARIF consumers accept. It streams: the tool and its rules are written at Begin,
// each result as its group arrives, and the invocation at End, so memory does not grow
// with the number of findings (only rule errors are held until End, as notifications).
//
// Mapping:
//   - fail and warn findings are results of kind "fail" whose level follows the severity:
//     critical and high are "error", medium "warning", low and info "note".
//   - suppressed findings are results too, with a suppression: kind "inSource" when an
//     annotation on the object exempted them, "external" when the config did.
//   - findings with status error (a rule could not evaluate an object) are not results:
//     they are toolExecutionNotifications of the invocation, with the rule associated.
//   - input errors are toolExecutionNotifications, expired exemptions
//     toolConfigurationNotifications; either kind of error makes executionSuccessful false.
//   - pass findings and skips without an exemption carry no alert and are left out.
//   - every result has a physical location (GitHub rejects a log where one has not): the
//     file as a relative URI reference, "stdin" for "-", a file:// URI for an absolute
//     path, and for a subject read from a live cluster the subject itself
//     (Deployment/shop/web, node/NAME).
package sarif

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/eksguard/eksguard/pkg/compliance"
	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/report"
	"github.com/eksguard/eksguard/pkg/rule"
)

func init() {
	report.Register(report.Format{Name: "sarif", Description: "SARIF 2.1.0 for GitHub code scanning and other SARIF tools", New: New})
}

const (
	// Version is the SARIF version written.
	Version = "2.1.0"
	// SchemaURI is the official JSON schema of SARIF 2.1.0 (errata 01) the output conforms to.
	SchemaURI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
	// InformationURI is the tool's home page.
	InformationURI = "https://github.com/eksguard/eksguard"
	// FingerprintKey names eksguard's partial fingerprint: a hash of the rule ID, the
	// subject (kind, namespace, name, image, node) and the field path, so that a finding
	// keeps its identity across runs and line moves.
	FingerprintKey = "eksguard/v1"
	// StdinURI names standard input ("-") in artifact locations.
	StdinURI = "stdin"
)

// Notification descriptors, declared in tool.driver.notifications in this order.
const (
	NoteInputError       = "eksguard/input-error"
	NoteRuleError        = "eksguard/rule-error"
	NoteExpiredExemption = "eksguard/expired-exemption"
)

const (
	inputErrorIndex = iota
	ruleErrorIndex
	expiredExemptionIndex
)

var notificationDescriptors = []reportingDescriptor{
	{
		ID:                   NoteInputError,
		Name:                 "InputError",
		ShortDescription:     &mfString{Text: "An input could not be read."},
		FullDescription:      &mfString{Text: "A file, YAML document or object was malformed, oversized or hostile and was not scanned. The rest of the run went on."},
		DefaultConfiguration: &reportingConfiguration{Level: "error"},
	},
	{
		ID:                   NoteRuleError,
		Name:                 "RuleError",
		ShortDescription:     &mfString{Text: "A rule could not evaluate an object."},
		FullDescription:      &mfString{Text: "The rule failed on the object, so the object was not checked by it. This is never reported as a pass."},
		DefaultConfiguration: &reportingConfiguration{Level: "error"},
	},
	{
		ID:                   NoteExpiredExemption,
		Name:                 "ExpiredExemption",
		ShortDescription:     &mfString{Text: "An exemption in the configuration has expired."},
		FullDescription:      &mfString{Text: "The exemption's expiry date has passed, so it no longer suppresses findings. Renew it or remove it."},
		DefaultConfiguration: &reportingConfiguration{Level: "warning"},
	},
}

// The SARIF objects eksguard writes, in the order the schema lists their properties where
// that reads well. Only what eksguard fills in is declared.

type mfString struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type message struct {
	Text string `json:"text"`
}

type reportingConfiguration struct {
	Level string `json:"level"`
}

type ruleProperties struct {
	Tags             []string `json:"tags,omitempty"`
	SecuritySeverity string   `json:"security-severity,omitempty"`
	Severity         string   `json:"severity,omitempty"`
	Category         string   `json:"category,omitempty"`
	References       []string `json:"references,omitempty"`
}

type reportingDescriptor struct {
	ID                   string                  `json:"id"`
	Name                 string                  `json:"name,omitempty"`
	ShortDescription     *mfString               `json:"shortDescription,omitempty"`
	FullDescription      *mfString               `json:"fullDescription,omitempty"`
	Help                 *mfString               `json:"help,omitempty"`
	HelpURI              string                  `json:"helpUri,omitempty"`
	DefaultConfiguration *reportingConfiguration `json:"defaultConfiguration,omitempty"`
	Properties           *ruleProperties         `json:"properties,omitempty"`
}

type toolComponent struct {
	Name           string                `json:"name"`
	Version        string                `json:"version,omitempty"`
	InformationURI string                `json:"informationUri"`
	Rules          []reportingDescriptor `json:"rules"`
	Notifications  []reportingDescriptor `json:"notifications"`
}

type tool struct {
	Driver toolComponent `json:"driver"`
}

type descriptorRef struct {
	ID    string `json:"id"`
	Index *int   `json:"index,omitempty"`
}

type artifactLocation struct {
	URI string `json:"uri"`
}

type region struct {
	StartLine   int `json:"startLine,omitempty"`
	StartColumn int `json:"startColumn,omitempty"`
}

type physicalLocation struct {
	ArtifactLocation artifactLocation `json:"artifactLocation"`
	Region           *region          `json:"region,omitempty"`
}

type logicalLocation struct {
	Name               string `json:"name,omitempty"`
	FullyQualifiedName string `json:"fullyQualifiedName,omitempty"`
	Kind               string `json:"kind,omitempty"`
}

type location struct {
	PhysicalLocation *physicalLocation `json:"physicalLocation,omitempty"`
	LogicalLocations []logicalLocation `json:"logicalLocations,omitempty"`
}

type suppressionProperties struct {
	Source  string `json:"source,omitempty"`
	Expires string `json:"expires,omitempty"`
}

type suppression struct {
	Kind          string                 `json:"kind"`
	Status        string                 `json:"status"`
	Justification string                 `json:"justification,omitempty"`
	Properties    *suppressionProperties `json:"properties,omitempty"`
}

type resultProperties struct {
	Severity string            `json:"severity"`
	Status   string            `json:"status"`
	Subject  *finding.Subject  `json:"subject,omitempty"`
	Path     string            `json:"path,omitempty"`
	Document int               `json:"document,omitempty"`
	Template string            `json:"template,omitempty"`
	Evidence map[string]string `json:"evidence,omitempty"`
}

type result struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           *int              `json:"ruleIndex,omitempty"`
	Kind                string            `json:"kind"`
	Level               string            `json:"level"`
	Message             message           `json:"message"`
	Locations           []location        `json:"locations,omitempty"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Suppressions        []suppression     `json:"suppressions,omitempty"`
	Properties          resultProperties  `json:"properties"`
}

type notificationProperties struct {
	Document int    `json:"document,omitempty"`
	Expires  string `json:"expires,omitempty"`
	Source   string `json:"source,omitempty"`
}

type notification struct {
	Descriptor     *descriptorRef          `json:"descriptor,omitempty"`
	AssociatedRule *descriptorRef          `json:"associatedRule,omitempty"`
	Level          string                  `json:"level"`
	Message        message                 `json:"message"`
	Locations      []location              `json:"locations,omitempty"`
	Properties     *notificationProperties `json:"properties,omitempty"`
}

type invocationProperties struct {
	FailOn string       `json:"failOn,omitempty"`
	Failed bool         `json:"failed"`
	Stats  report.Stats `json:"stats"`
	// Compliance carries the benchmark views of the run (--compliance) as in the JSON report.
	Compliance []*compliance.Report `json:"compliance,omitempty"`
}

type invocation struct {
	ExecutionSuccessful            bool                 `json:"executionSuccessful"`
	StartTimeUTC                   string               `json:"startTimeUtc,omitempty"`
	EndTimeUTC                     string               `json:"endTimeUtc,omitempty"`
	ToolExecutionNotifications     []notification       `json:"toolExecutionNotifications,omitempty"`
	ToolConfigurationNotifications []notification       `json:"toolConfigurationNotifications,omitempty"`
	Properties                     invocationProperties `json:"properties"`
}

type runProperties struct {
	Inputs   []string          `json:"inputs,omitempty"`
	Settings map[string]string `json:"settings,omitempty"`
}

type writer struct {
	w       *bufio.Writer
	index   map[string]int // rule ID -> index in tool.driver.rules
	results int
	// ruleErrors are findings with status error, written at End as notifications.
	ruleErrors []notification
	started    time.Time
	begun      bool
}

// New returns a SARIF writer.
func New(w io.Writer, _ report.Options) report.Writer {
	return &writer{w: bufio.NewWriterSize(w, 64<<10), index: map[string]int{}}
}

// Indentation of the streamed parts: the run object sits at depth 2, its members at 3,
// the results at 4.
const (
	indent       = "  "
	runMember    = "      "
	resultIndent = "        "
)

func (s *writer) Begin(h *report.Header) error {
	if h == nil {
		h = &report.Header{}
	}
	s.begun = true
	s.started = h.Started
	version := h.Version
	if version == "" {
		version = report.Version
	}
	t := tool{Driver: toolComponent{
		Name:           report.Tool,
		Version:        version,
		InformationURI: InformationURI,
		Rules:          make([]reportingDescriptor, 0, len(h.Rules)),
		Notifications:  notificationDescriptors,
	}}
	for _, m := range h.Rules {
		if m == nil {
			continue
		}
		if _, dup := s.index[m.ID]; dup {
			continue
		}
		s.index[m.ID] = len(t.Driver.Rules)
		t.Driver.Rules = append(t.Driver.Rules, describe(m))
	}
	s.w.WriteString("{\n  \"version\": \"" + Version + "\",\n  \"$schema\": \"" + SchemaURI + "\",\n  \"runs\": [\n    {\n")
	if err := s.member("tool", t, true); err != nil {
		return err
	}
	s.w.WriteString(runMember + "\"columnKind\": \"unicodeCodePoints\",\n")
	if len(h.Inputs) > 0 || len(h.Settings) > 0 {
		if err := s.member("properties", runProperties{Inputs: h.Inputs, Settings: h.Settings}, true); err != nil {
			return err
		}
	}
	_, err := s.w.WriteString(runMember + "\"results\": [")
	return err
}

// member writes one member of the run object.
func (s *writer) member(name string, v any, comma bool) error {
	b, err := json.MarshalIndent(v, runMember, indent)
	if err != nil {
		return err
	}
	s.w.WriteString(runMember + `"` + name + `": `)
	s.w.Write(b)
	if comma {
		s.w.WriteByte(',')
	}
	_, err = s.w.WriteString("\n")
	return err
}

func (s *writer) Group(g *report.Group) error {
	for i := range g.Findings {
		f := &g.Findings[i]
		if f.Suppressed == nil && f.Status == finding.StatusError {
			s.ruleErrors = append(s.ruleErrors, notification{
				Descriptor:     &descriptorRef{ID: NoteRuleError, Index: intp(ruleErrorIndex)},
				AssociatedRule: s.ruleRef(f.RuleID),
				Level:          "error",
				Message:        message{Text: nonEmpty(clean(f.Message), "rule "+clean(f.RuleID)+" could not evaluate this object")},
				Locations:      locations(f, g.File),
			})
			continue
		}
		if f.Suppressed == nil && f.Status != finding.StatusFail && f.Status != finding.StatusWarn {
			continue // pass, or a skip no exemption explains: nothing to alert on
		}
		r := s.result(f, g.File)
		b, err := json.MarshalIndent(r, resultIndent, indent)
		if err != nil {
			return err
		}
		if s.results > 0 {
			s.w.WriteByte(',')
		}
		s.results++
		s.w.WriteString("\n" + resultIndent)
		if _, err := s.w.Write(b); err != nil {
			return err
		}
	}
	return nil
}

func (s *writer) result(f *finding.Finding, groupFile string) result {
	r := result{
		RuleID:              f.RuleID,
		Kind:                "fail",
		Level:               Level(f.Severity),
		Message:             message{Text: nonEmpty(clean(f.Message), clean(f.RuleID))},
		Locations:           locations(f, groupFile),
		PartialFingerprints: map[string]string{FingerprintKey: Fingerprint(f)},
		Properties: resultProperties{
			Severity: f.Severity.String(),
			Status:   string(f.Status),
			Path:     f.Location.Path,
			Document: f.Location.Document,
			Template: f.Location.Template,
			Evidence: f.Evidence,
		},
	}
	if i, ok := s.index[f.RuleID]; ok {
		r.RuleIndex = intp(i)
	}
	if f.Subject != (finding.Subject{}) {
		subj := f.Subject
		r.Properties.Subject = &subj
	}
	if sp := f.Suppressed; sp != nil {
		sup := suppression{Kind: "external", Status: "accepted", Justification: clean(sp.Reason)}
		if sp.Source == "annotation" {
			sup.Kind = "inSource" // the exemption is written on the object itself
		}
		if sp.Source != "" || sp.Expires != "" {
			sup.Properties = &suppressionProperties{Source: sp.Source, Expires: sp.Expires}
		}
		r.Suppressions = []suppression{sup}
	}
	return r
}

func (s *writer) ruleRef(id string) *descriptorRef {
	r := &descriptorRef{ID: id}
	if i, ok := s.index[id]; ok {
		r.Index = intp(i)
	}
	return r
}

func (s *writer) End(sum *report.Summary) error {
	if sum == nil {
		sum = &report.Summary{}
	}
	if !s.begun {
		if err := s.Begin(nil); err != nil {
			return err
		}
	}
	inv := invocation{
		ExecutionSuccessful: len(sum.Errors) == 0 && len(s.ruleErrors) == 0,
		Properties:          invocationProperties{FailOn: sum.FailOn, Failed: sum.Failed, Stats: sum.Stats, Compliance: sum.Compliance},
	}
	if !s.started.IsZero() {
		inv.StartTimeUTC = timestamp(s.started)
		inv.EndTimeUTC = timestamp(s.started.Add(sum.Duration))
	}
	for _, e := range sum.Errors {
		n := notification{
			Descriptor: &descriptorRef{ID: NoteInputError, Index: intp(inputErrorIndex)},
			Level:      "error",
			Message:    message{Text: nonEmpty(clean(e.Message), "input could not be read")},
		}
		if e.Input != "" {
			pl := &physicalLocation{ArtifactLocation: artifactLocation{URI: ArtifactURI(e.Input)}}
			if e.Line > 0 {
				pl.Region = &region{StartLine: e.Line}
			}
			n.Locations = []location{{PhysicalLocation: pl}}
		}
		if e.Document > 0 {
			n.Properties = &notificationProperties{Document: e.Document}
		}
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, n)
	}
	inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, s.ruleErrors...)
	for _, x := range sum.Expired {
		inv.ToolConfigurationNotifications = append(inv.ToolConfigurationNotifications, notification{
			Descriptor:     &descriptorRef{ID: NoteExpiredExemption, Index: intp(expiredExemptionIndex)},
			AssociatedRule: s.ruleRef(x.Rule),
			Level:          "warning",
			Message:        message{Text: "exemption for " + clean(x.Rule) + " expired on " + clean(x.Expires) + ": " + clean(x.Reason)},
			Properties:     &notificationProperties{Expires: x.Expires, Source: x.Source},
		})
	}
	if s.results > 0 {
		s.w.WriteString("\n" + runMember)
	}
	s.w.WriteString("],\n")
	if err := s.member("invocations", []invocation{inv}, false); err != nil {
		return err
	}
	s.w.WriteString("    }\n  ]\n}\n")
	return s.w.Flush()
}

// Level maps a severity to a SARIF result level.
func Level(sev finding.Severity) string {
	switch sev {
	case finding.SeverityCritical, finding.SeverityHigh:
		return "error"
	case finding.SeverityLow, finding.SeverityInfo:
		return "note"
	default:
		return "warning"
	}
}

// Fingerprint is a stable hash of the rule ID, the subject and the field path: it does not
// change when the object moves to another line or file.
func Fingerprint(f *finding.Finding) string {
	h := sha256.New()
	for _, part := range []string{f.RuleID, f.Subject.Kind, f.Subject.Namespace, f.Subject.Name, f.Subject.Image, f.Subject.Node, f.Location.Path} {
		io.WriteString(h, part)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// ArtifactURI turns a file name as the user gave it into a URI reference: relative paths
// stay relative (with forward slashes), absolute ones become file:// URIs, "-" is stdin,
// and every byte a URI may not hold is percent-encoded.
func ArtifactURI(file string) string {
	if file == "-" {
		return StdinURI
	}
	p := strings.ReplaceAll(file, `\`, "/")
	u := url.URL{Path: p}
	switch {
	case len(p) >= 3 && p[1] == ':' && p[2] == '/' && isLetter(p[0]): // C:/dir/file.yaml
		u.Scheme, u.Path = "file", "/"+p
	case strings.HasPrefix(p, "/"):
		u.Scheme = "file"
	}
	return u.String()
}

// SubjectURI is the relative URI reference that stands for a subject with no file, e.g.
// Deployment/shop/web, node/ip-10-0-0-1 or an image reference.
func SubjectURI(s finding.Subject) string {
	u := url.URL{Path: strings.ReplaceAll(s.String(), `\`, "/")}
	return u.String()
}

// ImageURI is the artifact URI of a finding about a container image (as `scan image` names
// it) and, optionally, a file inside it: for dir:ROOTFS the file under the root directory
// (or the root), for oci:DIR and docker-archive:FILE the layout or archive (a file inside
// it has no URI of its own), and for a registry reference the reference as a relative URI
// reference.
func ImageURI(ref, file string) string {
	if root, ok := strings.CutPrefix(ref, "dir:"); ok {
		if file != "" {
			root = strings.TrimSuffix(strings.ReplaceAll(root, `\`, "/"), "/") + "/" + strings.TrimPrefix(file, "/")
		}
		return ArtifactURI(root)
	}
	for _, prefix := range []string{"oci:", "docker-archive:"} {
		if p, ok := strings.CutPrefix(ref, prefix); ok {
			return ArtifactURI(p)
		}
	}
	return SubjectURI(finding.Subject{Image: ref})
}

func isLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

func locations(f *finding.Finding, groupFile string) []location {
	var loc location
	uri := ""
	switch {
	case f.Subject.Image != "" && f.Subject.Kind == "":
		// A container image's finding: its files are inside the image, not on this host.
		file := f.Location.File
		if file == "" && strings.HasPrefix(f.Location.Path, "/") {
			file = f.Location.Path
		}
		uri = ImageURI(f.Subject.Image, file)
	case f.Location.File != "":
		uri = ArtifactURI(f.Location.File)
	case groupFile != "":
		uri = ArtifactURI(groupFile)
	case f.Subject.String() != "":
		// Read from a live cluster, not a file: the subject stands in for the file, since
		// GitHub code scanning rejects the whole log if one result lacks a physical location.
		uri = SubjectURI(f.Subject)
	}
	if uri != "" {
		pl := &physicalLocation{ArtifactLocation: artifactLocation{URI: uri}}
		if f.Location.Line > 0 {
			pl.Region = &region{StartLine: f.Location.Line}
			if f.Location.Column > 0 {
				pl.Region.StartColumn = f.Location.Column
			}
		}
		loc.PhysicalLocation = pl
	}
	subject := clean(f.Subject.String())
	path := clean(f.Location.Path)
	if subject != "" || path != "" {
		ll := logicalLocation{Name: subject, FullyQualifiedName: subject, Kind: "resource"}
		switch {
		case subject == "":
			ll = logicalLocation{Name: path, FullyQualifiedName: path, Kind: "property"}
		case path != "":
			ll.FullyQualifiedName = subject + ":" + path
		}
		loc.LogicalLocations = []logicalLocation{ll}
	}
	if loc.PhysicalLocation == nil && loc.LogicalLocations == nil {
		return nil
	}
	return []location{loc}
}

func describe(m *rule.Meta) reportingDescriptor {
	d := reportingDescriptor{
		ID:                   m.ID,
		Name:                 pascal(m.ID),
		ShortDescription:     &mfString{Text: nonEmpty(m.Title, m.ID)},
		FullDescription:      &mfString{Text: nonEmpty(m.Description, nonEmpty(m.Title, m.ID))},
		DefaultConfiguration: &reportingConfiguration{Level: Level(m.Severity)},
		Properties: &ruleProperties{
			Tags:             tags(m),
			SecuritySeverity: m.Severity.Score(),
			Severity:         m.Severity.String(),
			Category:         m.Category,
		},
	}
	for _, r := range m.References {
		if u := r.URL(); u != "" {
			if d.HelpURI == "" {
				d.HelpURI = u
			}
			d.Properties.References = appendNew(d.Properties.References, u)
		}
	}
	if text, md := help(m); text != "" {
		d.Help = &mfString{Text: text, Markdown: md}
	}
	return d
}

// tags are the rule's own tags after "security" (GitHub code scanning files results with
// that tag under security alerts) and the category; the schema wants them unique.
func tags(m *rule.Meta) []string {
	out := []string{"security"}
	if m.Category != "" {
		out = appendNew(out, m.Category)
	}
	for _, t := range m.Tags {
		out = appendNew(out, t)
	}
	return out
}

func appendNew(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// help renders the remediation and the references as plain text and as Markdown. In the
// Markdown, indented blocks of the remediation (YAML snippets, commands) become code blocks.
func help(m *rule.Meta) (text, md string) {
	var t, b strings.Builder
	if rem := strings.TrimRight(strings.TrimLeft(m.Remediation, "\n"), " \t\n"); rem != "" {
		t.WriteString(rem)
		for i, para := range strings.Split(rem, "\n\n") {
			if i > 0 {
				b.WriteString("\n\n")
			}
			if indented(para) {
				b.WriteString("```\n" + rule.Dedent(para) + "\n```")
			} else {
				b.WriteString(strings.TrimSpace(para))
			}
		}
	}
	if len(m.References) > 0 {
		if t.Len() > 0 {
			t.WriteString("\n\n")
			b.WriteString("\n\n")
		}
		t.WriteString("References:")
		b.WriteString("**References**\n")
		for _, r := range m.References {
			s, u := r.String(), r.URL()
			t.WriteString("\n- " + s)
			if u != "" && !strings.Contains(s, u) {
				t.WriteString(" (" + u + ")")
			}
			if u != "" {
				b.WriteString("\n- [" + mdEscape(s) + "](" + strings.ReplaceAll(u, ")", "%29") + ")")
			} else {
				b.WriteString("\n- " + mdEscape(s))
			}
		}
	}
	return t.String(), b.String()
}

func indented(para string) bool {
	for _, l := range strings.Split(para, "\n") {
		if l != "" && !strings.HasPrefix(l, " ") && !strings.HasPrefix(l, "\t") {
			return false
		}
	}
	return true
}

var mdEscaper = strings.NewReplacer(`\`, `\\`, `[`, `\[`, `]`, `\]`, `*`, `\*`, `_`, `\_`, "`", "\\`", `<`, `&lt;`)

func mdEscape(s string) string { return mdEscaper.Replace(s) }

// pascal turns a rule ID such as pod/run-as-root into PodRunAsRoot, the form SARIF
// recommends for reportingDescriptor.name.
func pascal(id string) string {
	var b strings.Builder
	up := true
	for _, r := range id {
		switch {
		case r >= 'a' && r <= 'z':
			if up {
				r -= 'a' - 'A'
			}
			b.WriteRune(r)
			up = false
		case r >= 'A' && r <= 'Z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			up = false
		default:
			up = true
		}
	}
	return b.String()
}

// clean makes text from inputs safe to show, line by line, as the table does: control
// characters and invalid UTF-8 are written escaped; line breaks stay.
func clean(s string) string {
	if !strings.Contains(s, "\n") {
		return report.Sanitize(s)
	}
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	for i, l := range lines {
		lines[i] = report.Sanitize(l)
	}
	return strings.Join(lines, "\n")
}

func nonEmpty(s, fallback string) string {
	if strings.TrimSpace(s) == "" {
		return fallback
	}
	return s
}

func timestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func intp(i int) *int { return &i }
