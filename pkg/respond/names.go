package respond

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/util/validation"
)

// MaxIncidentLen bounds an incident ID, so that the quarantine NetworkPolicy's name
// (PolicyPrefix + ID) and the label value stay within the API's limits.
const MaxIncidentLen = 40

// PolicyPrefix starts the name of every quarantine NetworkPolicy.
const PolicyPrefix = "eksguard-quarantine-"

// ValidIncident checks an incident ID: lower-case letters, digits and '-', starting and
// ending with a letter or digit, at most MaxIncidentLen characters.
func ValidIncident(id string) error {
	if id == "" {
		return fmt.Errorf("incident ID is empty")
	}
	if len(id) > MaxIncidentLen {
		return fmt.Errorf("incident ID %.50q is longer than %d characters", id, MaxIncidentLen)
	}
	if errs := validation.IsDNS1123Label(id); len(errs) > 0 {
		return fmt.Errorf("incident ID %q: %s", id, errs[0])
	}
	return nil
}

// NewIncident returns a fresh incident ID: the UTC time and a random suffix, such as
// inc-20261126-044200-3f9a1c.
func NewIncident(now time.Time) string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return "inc-" + now.UTC().Format("20060102-150405") + "-" + hex.EncodeToString(b[:])
}

// PolicyName is the name of an incident's quarantine NetworkPolicy (one per namespace).
func PolicyName(incident string) string { return PolicyPrefix + incident }

// validName checks a pod, namespace or node name as the API does.
func validName(what, name string, subdomain bool) error {
	var errs []string
	if subdomain {
		errs = validation.IsDNS1123Subdomain(name)
	} else {
		errs = validation.IsDNS1123Label(name)
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s name %.80q is not valid: %s", what, name, errs[0])
	}
	return nil
}
