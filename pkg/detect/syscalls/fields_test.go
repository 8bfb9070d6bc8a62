package syscalls

import (
	"testing"

	"golang.org/x/sys/unix"

	"github.com/eksguard/eksguard/pkg/detect"
)

func compile(t *testing.T, cond string) *detect.Rule {
	t.Helper()
	l := detect.NewLoader(Source())
	l.Load("t.yaml", []byte("- rule: r\n  desc: d\n  condition: "+cond+"\n  output: o\n  priority: INFO\n"))
	rs, err := l.Compile()
	if err != nil {
		t.Fatal(err)
	}
	return rs.Rules[0]
}

func TestFields(t *testing.T) {
	init := &Process{Pid: 1, Name: "systemd"}
	sshd := &Process{Pid: 10, Ppid: 1, Name: "sshd", Parent: init}
	bash := &Process{Pid: 20, Ppid: 10, Name: "bash", Parent: sshd, TTY: 34816, LoginUID: ^uint32(0), Args: []string{"-bash"}}
	cat := &Process{Pid: 30, Ppid: 20, Name: "cat", Parent: bash, Args: []string{"cat", "/etc/shadow"}, LoginUID: 1000,
		Container: &Container{ID: "3f4e5d6c7b8a99887766554433221100ffeeddccbbaa00112233445566778899", Image: "registry:5000/nginx:1.27"}}
	ev := &Event{Type: "openat", Res: 3, Proc: cat, Path: "/etc/shadow", Flags: unix.O_RDONLY | unix.O_CLOEXEC, HasFlags: true, FD: 3, UIDArg: -1, GIDArg: -1}
	for cond, want := range map[string]bool{
		"proc.aname in (sshd, nope)":                            true,  // some ancestor
		"proc.aname in (cat)":                                   false, // the process itself is not an ancestor
		"proc.aname[0] = cat and proc.aname[2] = sshd":          true,
		"proc.aname[9] exists":                                  false,
		"proc.pcmdline = bash":                                  true,
		"proc.cmdline = \"cat /etc/shadow\"":                    true,
		"evt.is_open_read = true and evt.is_open_write = false": true,
		"evt.arg.flags contains O_CLOEXEC":                      true,
		"fd.typechar = f and fd.num >= 0 and fd.directory = /etc and fd.filename = shadow": true,
		"evt.rawres >= 0 and evt.res = SUCCESS":                                            true,
		"user.loginuid = 1000":                                                             true,
		"container.id = 3f4e5d6c7b8a and container.image.repository = registry:5000/nginx and container.image.tag = \"1.27\"": true,
		"k8s.pod.name exists": false,
	} {
		if got := compile(t, cond).Match(ev); got != want {
			t.Errorf("%s: %v, want %v", cond, got, want)
		}
	}
	if OpenFlagString(unix.O_WRONLY|unix.O_CREAT|unix.O_TRUNC) != "O_WRONLY|O_CREAT|O_TRUNC" || ModeString(0o4755) != "S_ISUID|S_IRUSR|S_IWUSR|S_IXUSR|S_IRGRP|S_IXGRP|S_IROTH|S_IXOTH" {
		t.Error("flag rendering")
	}
	failed := &Event{Type: "openat", Res: -int64(unix.ENOENT), Proc: bash, Path: "/nope", FD: -1, UIDArg: -1, GIDArg: -1}
	if !compile(t, "fd.num = -1 and evt.res = ENOENT and user.loginuid = -1").Match(failed) {
		t.Error("failed open")
	}
}

func TestInactiveAndAppendOutput(t *testing.T) {
	yaml := "- rule: uses unknown\n  desc: d\n  condition: proc.nosuchfield = x\n  output: o\n  priority: INFO\n" +
		"- rule: fine\n  desc: d\n  condition: evt.type = openat\n  output: \"%fd.name\"\n  priority: INFO\n"
	l := detect.NewLoader(Source())
	l.Load("t.yaml", []byte(yaml))
	if _, err := l.Compile(); err == nil {
		t.Fatal("unknown field accepted without InactiveOnUnknownField")
	}
	l = detect.NewLoader(Source())
	l.InactiveOnUnknownField = true
	l.AppendOutput = map[string]string{SourceName: "c=%container.id"}
	l.Load("t.yaml", []byte(yaml))
	rs, err := l.Compile()
	if err != nil {
		t.Fatal(err)
	}
	if len(rs.Rules) != 1 || len(rs.Inactive) != 1 || rs.Inactive[0].Name != "uses unknown" || rs.Inactive[0].Reason == "" {
		t.Fatalf("rules %d, inactive %+v", len(rs.Rules), rs.Inactive)
	}
	out, _ := rs.Rules[0].Render(&Event{Type: "openat", Proc: &Process{}, Path: "/x"})
	if out != "/x c=host" {
		t.Fatalf("output %q", out)
	}
}
