package rule

import (
	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/target"
)

// UnknownPrefix starts the message of every finding whose control could not be decided.
const UnknownPrefix = "unknown: "

// Unknown builds the finding of a check that could not decide: an input it needs is
// missing, unreadable or forbidden. Its status is error (never a pass), its message
// "unknown: <reason>", and its evidence carries the reason under "unknown", so that a
// compliance view can show the control as unknown with the reason.
func (m *Meta) Unknown(t target.Target, path, reason string) finding.Finding {
	return finding.Finding{
		RuleID:   m.ID,
		Status:   finding.StatusError,
		Severity: m.Severity,
		Subject:  t.Subject(),
		Location: t.Locate(path),
		Message:  UnknownPrefix + reason,
		Evidence: map[string]string{"unknown": reason},
	}
}

// IsUnknown reports whether a finding is an undecided control built by Unknown.
func IsUnknown(f *finding.Finding) bool {
	return f.Status == finding.StatusError && f.Evidence["unknown"] != ""
}

// OfKinds keeps the rules that check one of the target kinds.
func OfKinds(rules []Rule, kinds ...target.Kind) []Rule {
	var out []Rule
	for _, r := range rules {
		for _, k := range kinds {
			if r.Meta().Target == k {
				out = append(out, r)
				break
			}
		}
	}
	return out
}
