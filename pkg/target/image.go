package target

import (
	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/imagefs"
	"github.com/eksguard/eksguard/pkg/inventory"
)

// KindImage is a container image: its configuration, layers and merged filesystem.
const KindImage Kind = "image"

// ImageConfig is the part of an image configuration rules read.
type ImageConfig struct {
	User   string
	Env    []string
	Labels map[string]string
	// Healthcheck is the configured HEALTHCHECK test (nil when none is set; ["NONE"] when
	// explicitly disabled).
	Healthcheck []string
	History     []ImageHistory
	Entrypoint  []string
	Cmd         []string
}

// ImageHistory is one history entry of the configuration.
type ImageHistory struct {
	CreatedBy  string
	EmptyLayer bool
}

// ImageLayer is one layer with the digest findings name.
type ImageLayer struct {
	Digest    string
	Size      int64 // stored (compressed) size
	CreatedBy string
}

// SecretMatch is a secret found in a file's content, already redacted.
type SecretMatch struct {
	Kind     string // e.g. "AWS access key ID"
	Line     int
	Redacted string
}

// Image is a container image as rules see it.
type Image struct {
	Name     string // the reference as given
	Digest   string // manifest digest, when known
	Platform string
	// HasConfig is false for a plain root filesystem (dir:), which has no configuration.
	HasConfig bool
	Config    ImageConfig
	Layers    []ImageLayer
	FS        *imagefs.FS
	Inventory *inventory.Inventory
	// Users and Groups map names to ids from /etc/passwd and /etc/group (nil when absent).
	Users  map[string]int
	Groups map[string]int
	// Secrets maps a file path to the secrets found in its content.
	Secrets map[string][]SecretMatch
	// SecretLayer is the layer index of each file in Secrets.
	SecretLayer map[string]int
}

// TargetKind implements Target.
func (im *Image) TargetKind() Kind { return KindImage }

// Subject implements Target.
func (im *Image) Subject() finding.Subject { return finding.Subject{Image: im.Name} }

// Locate implements Target: path is a file path in the image or a config field.
func (im *Image) Locate(path string) finding.Location { return finding.Location{Path: path} }

// LayerDigest names layer i (its digest, or the source name for a plain filesystem).
func (im *Image) LayerDigest(i int) string {
	if i >= 0 && i < len(im.Layers) && im.Layers[i].Digest != "" {
		return im.Layers[i].Digest
	}
	if im.FS != nil && i >= 0 && i < len(im.FS.Layers) {
		return im.FS.Layers[i].ID
	}
	return ""
}
