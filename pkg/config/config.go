// Package config reads .eksguard.yaml: rule selection, settings, and exemptions.
package config

import (
	"errors"
	"fmt"
	"os"
	"path"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/labels"
	kyaml "sigs.k8s.io/yaml"

	"github.com/eksguard/eksguard/pkg/bounded"
	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/report"
	"github.com/eksguard/eksguard/pkg/target"
)

// DefaultFile is the config file looked for in the working directory.
const DefaultFile = ".eksguard.yaml"

// maxConfigBytes bounds the config file.
const maxConfigBytes = 1 << 20

// Config is the file's schema.
type Config struct {
	// AllowedRegistries lists image registries (host or host/path prefix) images may come from.
	AllowedRegistries []string `json:"allowedRegistries,omitempty"`
	PSS               struct {
		Level   string `json:"level,omitempty"`
		Version string `json:"version,omitempty"`
	} `json:"pss,omitempty"`
	Rules struct {
		Include []string `json:"include,omitempty"`
		Exclude []string `json:"exclude,omitempty"`
	} `json:"rules,omitempty"`
	FailOn     string      `json:"failOn,omitempty"`
	Exemptions []Exemption `json:"exemptions,omitempty"`
	// AnnotationExemptions lets objects exempt themselves with
	// exempt.eksguard.io/<area>.<name>: "<reason>" annotations. Off by default: whoever writes
	// a manifest could otherwise waive its own checks.
	AnnotationExemptions bool `json:"annotationExemptions,omitempty"`
}

// Exemption waives a rule for matching objects.
type Exemption struct {
	// Rule is a rule ID, an area ("pod") or "*".
	Rule      string `json:"rule"`
	Namespace string `json:"namespace,omitempty"`
	Kind      string `json:"kind,omitempty"`
	// Name matches the object name; shell patterns (path.Match) are allowed.
	Name string `json:"name,omitempty"`
	// Selector is a label selector ("app=web,tier!=db").
	Selector string `json:"selector,omitempty"`
	Reason   string `json:"reason"`
	// Expires is a date (2006-01-02); after it the exemption no longer applies and is reported.
	Expires string `json:"expires,omitempty"`

	selector labels.Selector
	expires  time.Time
}

// Load reads a config file. A missing file at the default path is not an error.
func Load(file string, explicit bool) (*Config, error) {
	c := &Config{}
	// Bounded while reading, not by a prior Stat: a FIFO or device reports no size.
	data, err := bounded.ReadFile(file, maxConfigBytes)
	if err != nil {
		if !explicit && errors.Is(err, os.ErrNotExist) {
			return c, nil
		}
		var tl *bounded.TooLargeError
		if errors.As(err, &tl) {
			return nil, fmt.Errorf("config %s: over the %d-byte limit", file, maxConfigBytes)
		}
		return nil, fmt.Errorf("config: %w", err)
	}
	if err := kyaml.UnmarshalStrict(data, c); err != nil {
		return nil, fmt.Errorf("config %s: %w", file, err)
	}
	if err := c.compile(); err != nil {
		return nil, fmt.Errorf("config %s: %w", file, err)
	}
	return c, nil
}

// Compile checks a config decoded by another reader (the webhook's config embeds this
// one) and prepares its exemptions, as Load does.
func (c *Config) Compile() error { return c.compile() }

func (c *Config) compile() error {
	var errs []error
	for i := range c.Exemptions {
		e := &c.Exemptions[i]
		where := fmt.Sprintf("exemptions[%d]", i)
		if e.Rule == "" {
			errs = append(errs, fmt.Errorf("%s: rule is required", where))
		}
		if strings.TrimSpace(e.Reason) == "" {
			errs = append(errs, fmt.Errorf("%s: reason is required", where))
		}
		if e.Selector != "" {
			s, err := labels.Parse(e.Selector)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: selector: %w", where, err))
			}
			e.selector = s
		}
		if e.Name != "" {
			if _, err := path.Match(e.Name, ""); err != nil {
				errs = append(errs, fmt.Errorf("%s: name pattern: %w", where, err))
			}
		}
		if e.Expires != "" {
			t, err := time.Parse("2006-01-02", e.Expires)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: expires %q is not a date (YYYY-MM-DD)", where, e.Expires))
			}
			e.expires = t.Add(24 * time.Hour) // valid through the whole day
		}
	}
	return errors.Join(errs...)
}

// Exempter applies a config's exemptions at a given time.
type Exempter struct {
	cfg *Config
	now time.Time
}

// NewExempter returns the exempter of c at now.
func NewExempter(c *Config, now time.Time) *Exempter { return &Exempter{cfg: c, now: now} }

// Expired lists exemptions whose date has passed.
func (x *Exempter) Expired() []report.ExpiredExemption {
	var out []report.ExpiredExemption
	for _, e := range x.cfg.Exemptions {
		if !e.expires.IsZero() && !x.now.Before(e.expires) {
			out = append(out, report.ExpiredExemption{Rule: e.Rule, Reason: e.Reason, Expires: e.Expires, Source: DefaultFile})
		}
	}
	return out
}

func ruleMatches(pattern, id string) bool {
	if pattern == "*" || pattern == id {
		return true
	}
	area, _, _ := strings.Cut(id, "/")
	return pattern == area || pattern == area+"/*"
}

// AnnotationPrefix is the prefix of exemption annotations.
const AnnotationPrefix = "exempt.eksguard.io/"

// AnnotationKey is the annotation that exempts an object from rule id.
func AnnotationKey(id string) string { return AnnotationPrefix + strings.ReplaceAll(id, "/", ".") }

// Exempt implements engine.Exempter.
func (x *Exempter) Exempt(f *finding.Finding, t target.Target) *finding.Suppression {
	var obj *target.Object
	if o, ok := t.(target.Objecter); ok {
		obj = o.AsObject()
	}
	for _, e := range x.cfg.Exemptions {
		if !ruleMatches(e.Rule, f.RuleID) {
			continue
		}
		if !e.expires.IsZero() && !x.now.Before(e.expires) {
			continue
		}
		if e.Namespace != "" && f.Subject.Namespace != e.Namespace {
			continue
		}
		if e.Kind != "" && f.Subject.Kind != e.Kind {
			continue
		}
		if e.Name != "" {
			if ok, _ := path.Match(e.Name, f.Subject.Name); !ok {
				continue
			}
		}
		if e.selector != nil && (obj == nil || !e.selector.Matches(labels.Set(obj.Meta.Labels))) {
			continue
		}
		return &finding.Suppression{Reason: e.Reason, Source: "config", Expires: e.Expires}
	}
	if x.cfg.AnnotationExemptions && obj != nil {
		if reason, ok := obj.Meta.Annotations[AnnotationKey(f.RuleID)]; ok {
			if strings.TrimSpace(reason) == "" {
				reason = "(no reason given)"
			}
			return &finding.Suppression{Reason: reason, Source: "annotation"}
		}
	}
	return nil
}

// NeedsLabels reports whether exemptions read labels or annotations of objects, so the
// manifest source must read every object's full metadata.
func (c *Config) NeedsLabels() bool {
	if c.AnnotationExemptions {
		return true
	}
	for _, e := range c.Exemptions {
		if e.Selector != "" {
			return true
		}
	}
	return false
}
