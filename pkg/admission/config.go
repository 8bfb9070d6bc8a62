// Package admission is eksguard's admission webhook: a validating endpoint that runs the
// workload rules of "eksguard scan" on Pods and every kind with a pod template, with
// per-namespace modes (enforce, warn, audit) like Pod Security Admission, and an opt-in
// mutating endpoint that fills safe defaults the user did not set.
package admission

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	kyaml "sigs.k8s.io/yaml"

	"github.com/eksguard/eksguard/pkg/bounded"
	"github.com/eksguard/eksguard/pkg/config"
	"github.com/eksguard/eksguard/pkg/finding"
)

// Mode is what the webhook does with failed rules in a namespace.
type Mode string

// Modes, from the most to the least strict. Off skips evaluation.
const (
	ModeEnforce Mode = "enforce" // deny, listing each failed rule and its fix
	ModeWarn    Mode = "warn"    // admit, with warnings the client shows
	ModeAudit   Mode = "audit"   // admit, with audit annotations
	ModeOff     Mode = "off"     // admit without evaluating
)

// strictness orders modes: a higher number is stricter.
func (m Mode) strictness() int {
	switch m {
	case ModeEnforce:
		return 3
	case ModeWarn:
		return 2
	case ModeAudit:
		return 1
	}
	return 0
}

// ParseMode reads a mode name.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(strings.ToLower(strings.TrimSpace(s))); m {
	case ModeEnforce, ModeWarn, ModeAudit, ModeOff:
		return m, nil
	}
	return "", fmt.Errorf("unknown mode %q (want enforce, warn, audit or off)", s)
}

// ModeLabel is the namespace label that asks for a mode, honoured only as the config's
// labelOverrides allows. The generated webhook configuration routes namespaces carrying it
// to /validate/<mode> with a namespaceSelector, so the webhook never reads namespaces.
const ModeLabel = "eksguard.io/mode"

// Label override policies.
const (
	OverrideNone     = "none"     // the label is ignored
	OverrideStricter = "stricter" // the label may only make a namespace stricter
	OverrideAny      = "any"      // the label decides (whoever can label namespaces can opt out)
)

// Config is the webhook's config file (YAML or JSON), read strictly: an unknown field is
// an error.
type Config struct {
	// Config holds rule selection, pss, allowedRegistries, failOn and exemptions, with the
	// schema and meaning of .eksguard.yaml.
	config.Config `json:",inline"`
	// DefaultMode applies to namespaces with no entry in Namespaces (default enforce).
	DefaultMode Mode `json:"defaultMode,omitempty"`
	// Namespaces sets the mode of named namespaces.
	Namespaces map[string]Mode `json:"namespaces,omitempty"`
	// LabelOverrides says whether the eksguard.io/mode namespace label may change the
	// mode: none (default), stricter, any.
	LabelOverrides string `json:"labelOverrides,omitempty"`
	// ExcludedNamespaces are never evaluated. kube-system, kube-node-lease and the
	// webhook's own namespace are always added.
	ExcludedNamespaces []string `json:"excludedNamespaces,omitempty"`
	// OwnNamespace is the namespace the webhook runs in (default eksguard).
	OwnNamespace string `json:"ownNamespace,omitempty"`
	// FailOpen admits (with a warning) a request the webhook cannot parse or evaluate in
	// time; by default such a request is denied in enforce mode.
	FailOpen bool `json:"failOpen,omitempty"`
	// Timeout is the evaluation deadline per request (default 2s); keep it below the
	// webhook configuration's timeoutSeconds (3).
	Timeout Duration `json:"timeout,omitempty"`
	// MaxBodyBytes bounds an AdmissionReview body (default 8 MiB).
	MaxBodyBytes int64 `json:"maxBodyBytes,omitempty"`
	// Mutate lists the defaults the mutating endpoint fills in; all off by default.
	Mutate MutateConfig `json:"mutate,omitempty"`

	excluded map[string]bool
	failOn   finding.Severity
}

// MutateConfig opts into the defaults the mutating endpoint sets, only where the user left
// the field unset.
type MutateConfig struct {
	// AllowPrivilegeEscalation sets allowPrivilegeEscalation: false on containers that do
	// not set it (and are neither privileged nor add CAP_SYS_ADMIN, which the API forbids
	// with it).
	AllowPrivilegeEscalation bool `json:"allowPrivilegeEscalation,omitempty"`
	// DropAllCapabilities sets capabilities.drop: [ALL] on containers with no drop list.
	DropAllCapabilities bool `json:"dropAllCapabilities,omitempty"`
	// SeccompRuntimeDefault sets the pod's seccompProfile to RuntimeDefault when the pod
	// sets none (Linux pods only).
	SeccompRuntimeDefault bool `json:"seccompRuntimeDefault,omitempty"`
	// RunAsNonRoot sets runAsNonRoot: true on containers whose user is known to be
	// non-root: a non-zero runAsUser in the pod or container, or an image matching
	// NonRootImages. The webhook never fetches image configs on the admission path.
	RunAsNonRoot bool `json:"runAsNonRoot,omitempty"`
	// NonRootImages are image prefixes (registry/repository) whose images run as a
	// non-root numeric user, vouched for by the user.
	NonRootImages []string `json:"nonRootImages,omitempty"`
}

// Enabled reports whether any default is opted into.
func (m MutateConfig) Enabled() bool {
	return m.AllowPrivilegeEscalation || m.DropAllCapabilities || m.SeccompRuntimeDefault || m.RunAsNonRoot
}

// Duration is a time.Duration read from "2s" or "500ms".
type Duration struct{ time.Duration }

// UnmarshalJSON reads a Go duration string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("duration %s: %w", b, err)
	}
	d.Duration = v
	return nil
}

// MarshalJSON writes the duration as a string.
func (d Duration) MarshalJSON() ([]byte, error) { return []byte(`"` + d.String() + `"`), nil }

// Defaults.
const (
	DefaultOwnNamespace = "eksguard"
	DefaultTimeout      = 2 * time.Second
	DefaultMaxBodyBytes = 8 << 20
	maxConfigBytes      = 1 << 20
)

// AlwaysExcluded are namespaces the webhook never evaluates, besides its own.
var AlwaysExcluded = []string{"kube-system", "kube-node-lease"}

// DefaultConfig is the config used without a file: enforce everywhere but the excluded
// namespaces, no label overrides, fail closed.
func DefaultConfig() *Config {
	c := &Config{}
	if err := c.Complete(); err != nil {
		panic(err)
	}
	return c
}

// LoadConfig reads a config file, bounded and strict.
func LoadConfig(file string) (*Config, error) {
	data, err := bounded.ReadFile(file, maxConfigBytes)
	if err != nil {
		var tl *bounded.TooLargeError
		if errors.As(err, &tl) {
			return nil, fmt.Errorf("webhook config %s: over the %d-byte limit", file, maxConfigBytes)
		}
		return nil, fmt.Errorf("webhook config: %w", err)
	}
	return ParseConfig(file, data)
}

// ParseConfig reads a config text; name names it in errors.
func ParseConfig(name string, data []byte) (*Config, error) {
	c := &Config{}
	if err := kyaml.UnmarshalStrict(data, c); err != nil {
		return nil, fmt.Errorf("webhook config %s: %w", name, err)
	}
	if err := c.Complete(); err != nil {
		return nil, fmt.Errorf("webhook config %s: %w", name, err)
	}
	return c, nil
}

// Complete checks the config and fills defaults.
func (c *Config) Complete() error {
	var errs []error
	if c.DefaultMode == "" {
		c.DefaultMode = ModeEnforce
	}
	if _, err := ParseMode(string(c.DefaultMode)); err != nil {
		errs = append(errs, fmt.Errorf("defaultMode: %w", err))
	}
	for ns, m := range c.Namespaces {
		if _, err := ParseMode(string(m)); err != nil {
			errs = append(errs, fmt.Errorf("namespaces[%s]: %w", ns, err))
		}
	}
	switch c.LabelOverrides {
	case "":
		c.LabelOverrides = OverrideNone
	case OverrideNone, OverrideStricter, OverrideAny:
	default:
		errs = append(errs, fmt.Errorf("labelOverrides %q: want none, stricter or any", c.LabelOverrides))
	}
	if c.OwnNamespace == "" {
		c.OwnNamespace = DefaultOwnNamespace
	}
	if c.Timeout.Duration == 0 {
		c.Timeout.Duration = DefaultTimeout
	}
	if c.Timeout.Duration < 0 || c.Timeout.Duration > 29*time.Second {
		errs = append(errs, fmt.Errorf("timeout %v: want between 0 and 29s, below the webhook's timeoutSeconds", c.Timeout.Duration))
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.MaxBodyBytes < 1024 {
		errs = append(errs, fmt.Errorf("maxBodyBytes %d: want at least 1024", c.MaxBodyBytes))
	}
	failOn := c.FailOn
	if failOn == "" {
		failOn = "low"
	}
	if err := c.Config.Compile(); err != nil {
		errs = append(errs, err)
	}
	sev, err := finding.ParseSeverity(failOn)
	if err != nil {
		errs = append(errs, fmt.Errorf("failOn: %w", err))
	}
	c.failOn = sev
	c.excluded = map[string]bool{c.OwnNamespace: true}
	for _, ns := range append(append([]string(nil), AlwaysExcluded...), c.ExcludedNamespaces...) {
		c.excluded[ns] = true
	}
	return errors.Join(errs...)
}

// Excluded lists every excluded namespace, sorted.
func (c *Config) Excluded() []string {
	out := make([]string, 0, len(c.excluded))
	for ns := range c.excluded {
		out = append(out, ns)
	}
	sort.Strings(out)
	return out
}

// IsExcluded reports whether namespace is never evaluated.
func (c *Config) IsExcluded(namespace string) bool { return c.excluded[namespace] }

// ModeFor is the mode of a namespace. label is the mode its eksguard.io/mode label asks
// for ("" when it has none), applied as LabelOverrides allows.
func (c *Config) ModeFor(namespace string, label Mode) Mode {
	if c.IsExcluded(namespace) {
		return ModeOff
	}
	m, ok := c.Namespaces[namespace]
	if !ok {
		m = c.DefaultMode
	}
	switch {
	case label == "":
	case c.LabelOverrides == OverrideAny:
		m = label
	case c.LabelOverrides == OverrideStricter && label.strictness() > m.strictness():
		m = label
	}
	return m
}
