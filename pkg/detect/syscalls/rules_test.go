package syscalls

import (
	"context"
	"errors"
	"net/netip"
	"os"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/eksguard/eksguard/internal/testenv"
	"github.com/eksguard/eksguard/pkg/detect"
)

// talkRules are the four rules of the talk's runtime demo.
var talkRules = []string{"Terminal shell in container", "Write below etc", "Mkdir binary dirs", "Read sensitive file untrusted"}

func loadUpstream(t *testing.T, files ...string) *detect.Ruleset {
	t.Helper()
	l := detect.NewLoader(Source())
	l.InactiveOnUnknownField = true
	for _, f := range files {
		p := testenv.Reference(t, "falco-upstream-rules/"+f)
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		l.Load(f, data)
	}
	rs, err := l.Compile()
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func TestUpstreamRulesLoadUnchanged(t *testing.T) {
	rs := loadUpstream(t, "falco_rules.yaml", "falco-incubating_rules.yaml", "falco-sandbox_rules.yaml")
	active := map[string]bool{}
	for _, r := range rs.Rules {
		active[r.Name] = true
	}
	for _, n := range talkRules {
		if !active[n] {
			for _, in := range rs.Inactive {
				if in.Name == n {
					t.Errorf("%s is inactive: %s", n, in.Reason)
				}
			}
			t.Errorf("talk rule %q is not active", n)
		}
	}
	t.Logf("%d of %d rules active", len(rs.Rules), len(rs.Rules)+len(rs.Inactive))
	for _, in := range rs.Inactive {
		t.Logf("inactive: %s: %s", in.Name, in.Reason)
	}
}

// The rules the socket, capability, container.privileged and upper-layer fields activate fire on their events, and not on the
// near misses (a host process; the capability missing; a UNIX socket).
func TestSocketAndCapabilityRules(t *testing.T) {
	rs := loadUpstream(t, "falco_rules.yaml")
	byName := map[string]*detect.Rule{}
	for _, r := range rs.Rules {
		byName[r.Name] = r
	}
	ctr := &Container{ID: "3f4e5d6c7b8a99887766554433221100ffeeddccbbaa00112233445566778899", Image: "registry:5000/nginx:1.27", Pod: "p", Name: "c", PrivilegedKnown: true}
	sh := &Process{Pid: 20, Name: "sh", Args: []string{"sh"}, Container: ctr}
	privileged := &Container{ID: ctr.ID, Pod: "p", Name: "c", Privileged: true, PrivilegedKnown: true}
	unknownPod := &Container{ID: ctr.ID, Privileged: true} // not known: absent, never true
	host := &Process{Pid: 21, Name: "sh", Args: []string{"sh"}}
	root := uint64(1)<<21 | 1<<1 | 1<<16 // CAP_SYS_ADMIN, CAP_DAC_OVERRIDE, CAP_SYS_MODULE
	tcp := Socket{Family: unix.AF_INET, Proto: unix.IPPROTO_TCP, Type: unix.SOCK_STREAM, LPort: 40000, RPort: 4444,
		LAddr: netip.MustParseAddr("10.0.0.5"), RAddr: netip.MustParseAddr("203.0.113.9")}
	for _, c := range []struct {
		rule string
		ev   *Event
		want bool
	}{
		{"Packet socket created in container", &Event{Type: "socket", Res: 3, FD: 3, Proc: sh, Domain: unix.AF_PACKET, HasDomain: true,
			HasSocket: true, Socket: Socket{Family: unix.AF_PACKET, Type: unix.SOCK_RAW}}, true},
		{"Packet socket created in container", &Event{Type: "socket", Res: 3, FD: 3, Proc: host, Domain: unix.AF_PACKET, HasDomain: true}, false},
		{"Packet socket created in container", &Event{Type: "socket", Res: 3, FD: 3, Proc: sh, Domain: unix.AF_INET, HasDomain: true}, false},
		{"Redirect STDOUT/STDIN to Network Connection in Container", &Event{Type: "dup2", Res: 1, FD: 1, Proc: sh, HasSocket: true, Socket: tcp}, true},
		{"Redirect STDOUT/STDIN to Network Connection in Container", &Event{Type: "dup2", Res: 1, FD: 1, Proc: sh, HasSocket: true,
			Socket: Socket{Family: unix.AF_UNIX}}, false},
		{"Redirect STDOUT/STDIN to Network Connection in Container", &Event{Type: "dup2", Res: 7, FD: 7, Proc: sh, HasSocket: true, Socket: tcp}, false},
		{"Linux Kernel Module Injection Detected", &Event{Type: "finit_module", Proc: sh, Caps: root, HasCaps: true}, true},
		{"Linux Kernel Module Injection Detected", &Event{Type: "finit_module", Proc: sh, Caps: 1 << 21, HasCaps: true}, false},
		{"Detect release_agent File Container Escapes", &Event{Type: "openat", Res: 3, FD: 3, Proc: sh, Path: "/sys/fs/cgroup/x/release_agent",
			Flags: unix.O_WRONLY, HasFlags: true, Caps: root, HasCaps: true}, true},
		{"Detect release_agent File Container Escapes", &Event{Type: "openat", Res: 3, FD: 3, Proc: sh, Path: "/sys/fs/cgroup/x/release_agent",
			Flags: unix.O_WRONLY, HasFlags: true, Caps: 1 << 1, HasCaps: true}, false},
		{"Debugfs Launched in Privileged Container", &Event{Type: "execve", Proc: &Process{Pid: 30, Name: "debugfs", Args: []string{"debugfs"}, Container: privileged}}, true},
		{"Debugfs Launched in Privileged Container", &Event{Type: "execve", Proc: &Process{Pid: 31, Name: "debugfs", Args: []string{"debugfs"}, Container: ctr}}, false},
		{"Debugfs Launched in Privileged Container", &Event{Type: "execve", Proc: &Process{Pid: 32, Name: "debugfs", Args: []string{"debugfs"}, Container: unknownPod}}, false},
		{"Drop and execute new binary in container", &Event{Type: "execve", Proc: &Process{Pid: 33, Name: "xmrig", Args: []string{"./xmrig"}, Container: ctr, ExeUpperLayer: true}}, true},
		{"Drop and execute new binary in container", &Event{Type: "execve", Proc: &Process{Pid: 34, Name: "nginx", Args: []string{"nginx"}, Container: ctr}}, false},
		{"Drop and execute new binary in container", &Event{Type: "execve", Proc: &Process{Pid: 35, Name: "xmrig", Args: []string{"./xmrig"}, ExeUpperLayer: true}}, false},
	} {
		r := byName[c.rule]
		if r == nil {
			t.Fatalf("rule %q is not active", c.rule)
		}
		c.ev.UIDArg, c.ev.GIDArg, c.ev.Number = -1, -1, 1
		if got := r.Match(c.ev); got != c.want {
			t.Errorf("%s on %s: %v, want %v", c.rule, c.ev.Type, got, c.want)
		}
	}
	if got := capNames(1<<21 | 1); got != "CAP_CHOWN CAP_SYS_ADMIN" {
		t.Errorf("capNames: %q", got)
	}
}

// fd.sip.name: the name a rule compares it with is resolved (here by a stub resolver), and a
// connect to one of its addresses has it; Contact K8S API Server From Container fires.
func TestSipName(t *testing.T) {
	rs := loadUpstream(t, "falco_rules.yaml")
	var rule *detect.Rule
	for _, r := range rs.Rules {
		if r.Name == "Contact K8S API Server From Container" {
			rule = r
		}
	}
	if rule == nil {
		t.Fatal("Contact K8S API Server From Container is not active")
	}
	Names.Lookup = func(_ context.Context, name string) ([]netip.Addr, error) {
		if name == "kubernetes.default.svc.cluster.local" {
			return []netip.Addr{netip.MustParseAddr("10.96.0.1")}, nil
		}
		return nil, errors.New("no such host")
	}
	defer func() { Names.Lookup = nil }()
	Names.Refresh(context.Background(), time.Second)
	ctr := &Container{ID: "3f4e5d6c7b8a99887766554433221100ffeeddccbbaa00112233445566778899"}
	sh := &Process{Pid: 20, Name: "curl", Args: []string{"curl"}, Container: ctr}
	connect := func(ip string) *Event {
		a := netip.MustParseAddr(ip).As4()
		return &Event{Number: 1, Type: "connect", Proc: sh, FD: 3, UIDArg: -1, GIDArg: -1,
			Sockaddr: []byte{2, 0, 1, 187, a[0], a[1], a[2], a[3], 0, 0, 0, 0, 0, 0, 0, 0}}
	}
	if !rule.Match(connect("10.96.0.1")) {
		t.Error("connect to the API server's address: no alert")
	}
	if rule.Match(connect("10.96.0.2")) {
		t.Error("connect elsewhere: alert")
	}
	// The system resolver, on a name every machine has.
	Names.Lookup = nil
	Names.Add("localhost")
	Names.Refresh(context.Background(), 2*time.Second)
	if got := Names.For(netip.MustParseAddr("127.0.0.1")); len(got) != 1 || got[0] != "localhost" {
		t.Errorf("127.0.0.1 is known as %v, want localhost", got)
	}
}
