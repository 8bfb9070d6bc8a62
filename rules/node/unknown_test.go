package node

import (
	"context"
	"strings"
	"testing"

	"github.com/eksguard/eksguard/internal/hosttree"
	"github.com/eksguard/eksguard/pkg/engine"
	"github.com/eksguard/eksguard/pkg/rule"
	"github.com/eksguard/eksguard/pkg/source/node"
)

// A config file the kubelet names but that is missing makes every setting it would decide
// unknown, with the path tried; a flag on the command line still decides its own control.
func TestMissingConfigIsUnknownNeverPass(t *testing.T) {
	s, err := hosttree.Parse([]byte(`
base: al2023
remove: [/etc/kubernetes/kubelet/config.json]
procs:
- pid: 812
  args: [/usr/bin/kubelet, --config, /etc/kubernetes/kubelet/config.json, --kubeconfig, /var/lib/kubelet/kubeconfig, --read-only-port=0]
`))
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	if err := s.Build(root); err != nil {
		t.Fatal(err)
	}
	n, err := node.Load(node.Options{HostRoot: root})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range engine.New(Rules(), rule.DefaultSettings(), nil).Check(context.Background(), n) {
		if rule.IsUnknown(&f) {
			got[f.RuleID] = f.Message
		} else {
			got[f.RuleID] = string(f.Status) + ": " + f.Message
		}
	}
	for _, id := range []string{"node/kubelet-anonymous-auth", "node/kubelet-authorization-mode", "node/kubelet-client-ca",
		"node/kubelet-streaming-idle-timeout", "node/kubelet-rotate-server-certificate", "node/kubelet-config-permissions", "node/kubelet-config-ownership"} {
		if !strings.HasPrefix(got[id], "unknown: ") || !strings.Contains(got[id], "/etc/kubernetes/kubelet/config.json") {
			t.Errorf("%s: %q, want unknown naming the path", id, got[id])
		}
	}
	if _, ok := got["node/kubelet-read-only-port"]; ok {
		t.Errorf("--read-only-port=0 on the command line decides 3.2.4 without the file: %q", got["node/kubelet-read-only-port"])
	}
	if _, ok := got["node/kubeconfig-permissions"]; ok {
		t.Errorf("kubeconfig is present: %q", got["node/kubeconfig-permissions"])
	}
}
