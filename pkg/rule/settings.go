package rule

import (
	"context"
	"strings"
)

// Settings are the run-wide knobs some rules read. Each field names the rules that use it
// in their Meta.Settings.
type Settings struct {
	// PSSLevel is the Pod Security Standards level: privileged, baseline or restricted.
	PSSLevel string
	// PSSVersion is the Pod Security Standards version, "latest" or "v1.N".
	PSSVersion string
	// AllowedRegistries lists image registry hosts (and optional path prefixes) that
	// images may come from. Empty means any registry is accepted.
	AllowedRegistries []string
}

// DefaultSettings are used when a run sets nothing.
func DefaultSettings() Settings {
	return Settings{PSSLevel: "baseline", PSSVersion: "latest"}
}

type settingsKey struct{}

// WithSettings returns a context carrying s.
func WithSettings(ctx context.Context, s Settings) context.Context {
	return context.WithValue(ctx, settingsKey{}, s)
}

// SettingsFrom returns the settings of the run, or the defaults.
func SettingsFrom(ctx context.Context) Settings {
	if s, ok := ctx.Value(settingsKey{}).(Settings); ok {
		return s
	}
	return DefaultSettings()
}

// RegistryAllowed reports whether image host/path matches the allow-list entry set.
// Entries are hosts ("123456789012.dkr.ecr.us-east-1.amazonaws.com") or host/path prefixes
// ("ghcr.io/acme"); a prefix matches at a path boundary only.
func (s Settings) RegistryAllowed(repo string) bool {
	if len(s.AllowedRegistries) == 0 {
		return true
	}
	for _, a := range s.AllowedRegistries {
		a = strings.TrimSuffix(a, "/")
		if repo == a || strings.HasPrefix(repo, a+"/") {
			return true
		}
	}
	return false
}
