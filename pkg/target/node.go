package target

import (
	"strings"

	"github.com/eksguard/eksguard/pkg/finding"
)

// KindNode is a worker node's host: its kubelet configuration, files and processes, as read
// from a host root (pkg/source/node).
const KindNode Kind = "node"

// HostFile is one file a node check looked for.
type HostFile struct {
	// Path is the path on the host (without the host root prefix); empty when not found.
	Path string `json:"path,omitempty"`
	// Tried lists the host paths looked at, in order, when the file was searched for.
	Tried []string `json:"tried,omitempty"`
	// Exists is true when the file was found and stat'ed.
	Exists bool `json:"exists"`
	// Mode holds the permission bits, setuid, setgid and sticky (mode & 07777).
	Mode uint32 `json:"mode,omitempty"`
	UID  int    `json:"uid"`
	GID  int    `json:"gid"`
	// Err says why the file could not be read, when it exists but could not be.
	Err string `json:"error,omitempty"`
}

// Where names the file for messages: its path, or the paths tried.
func (f *HostFile) Where() string {
	if f.Path != "" {
		return f.Path
	}
	if len(f.Tried) == 0 {
		return "(no path known)"
	}
	return strings.Join(f.Tried, ", ")
}

// OSRelease is the part of os-release(5) the checks read.
type OSRelease struct {
	ID         string `json:"id,omitempty"`
	VersionID  string `json:"versionId,omitempty"`
	PrettyName string `json:"prettyName,omitempty"`
	Variant    string `json:"variantId,omitempty"`
	// File is the host path read; Err says why none could be read.
	File string `json:"file,omitempty"`
	Err  string `json:"error,omitempty"`
}

// Kubelet is what was learnt about the node's kubelet: its command line and configuration.
type Kubelet struct {
	// Source says where the command line came from: "/proc/<pid>/cmdline" or the systemd
	// unit and drop-ins; empty when no kubelet process or unit was found.
	Source string `json:"source,omitempty"`
	// SearchNote says what was searched when Source is empty.
	SearchNote string `json:"searchNote,omitempty"`
	// Args is the kubelet command line, program name first.
	Args []string `json:"args,omitempty"`
	// Flags are the parsed command-line flags, by name without dashes; the last wins.
	Flags map[string]string `json:"flags,omitempty"`
	// FeatureGates are the --feature-gates flags, merged in order.
	FeatureGates map[string]string `json:"featureGates,omitempty"`
	// ConfigFile is the kubelet configuration file (--config or a known path).
	ConfigFile HostFile `json:"configFile"`
	// DropIns are the configuration drop-in files merged over the file, in order.
	DropIns []string `json:"dropIns,omitempty"`
	// Config is the merged configuration (file and drop-ins) as JSON values; nil when no
	// file could be read. ConfigErr says why.
	Config    map[string]any `json:"config,omitempty"`
	ConfigErr string         `json:"configError,omitempty"`
	// Kubeconfig is the kubelet's kubeconfig file (--kubeconfig or a known path).
	Kubeconfig HostFile `json:"kubeconfig"`
}

// Found reports whether a kubelet command line is known.
func (k *Kubelet) Found() bool { return k.Source != "" }

// ConfigLoaded reports whether a configuration file is in use and was read.
func (k *Kubelet) ConfigLoaded() bool { return k.Config != nil }

// ConfigValue returns the value at a dotted path of the merged configuration.
func (k *Kubelet) ConfigValue(path string) (any, bool) {
	var cur any = k.Config
	for _, seg := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		cur, ok = m[seg]
		if !ok {
			return nil, false
		}
	}
	return cur, cur != nil
}

// ProcessFacts says whether a daemon runs or listens on the node.
type ProcessFacts struct {
	// Running lists the PIDs of matching processes.
	Running []int `json:"running,omitempty"`
	// Listening lists local addresses of listening TCP sockets on its port.
	Listening []string `json:"listening,omitempty"`
	// Installed lists host paths where its program or unit was found.
	Installed []string `json:"installed,omitempty"`
	// Err says what could not be read (the facts may then be incomplete).
	Err string `json:"error,omitempty"`
}

// Node is one worker node as the node checks see it.
type Node struct {
	Name     string       `json:"name"`
	HostRoot string       `json:"hostRoot"`
	OS       OSRelease    `json:"os"`
	Kubelet  Kubelet      `json:"kubelet"`
	SSHD     ProcessFacts `json:"sshd"`
	SSM      ProcessFacts `json:"ssmAgent"`
	// ProcErr says why the process table could not be read (process facts are unknown).
	ProcErr string `json:"procError,omitempty"`
}

// TargetKind implements Target.
func (n *Node) TargetKind() Kind { return KindNode }

// Subject implements Target.
func (n *Node) Subject() finding.Subject { return finding.Subject{Node: n.Name} }

// Locate implements Target: a path is "file" or "file#field" (field path inside the file).
func (n *Node) Locate(path string) finding.Location {
	file, field, _ := strings.Cut(path, "#")
	return finding.Location{File: file, Path: field}
}
