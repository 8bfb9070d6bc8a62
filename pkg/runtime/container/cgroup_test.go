package container

import (
	"strings"
	"testing"
)

const id = "3f4e5d6c7b8a99887766554433221100ffeeddccbbaa00112233445566778899"

func TestParse(t *testing.T) {
	for path, want := range map[string]Info{
		"/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod0b6f3c2e_5d4a_4e1f_9a7b_2c8d1e0f3a4b.slice/cri-containerd-" + id + ".scope": {Containerd, id, "0b6f3c2e-5d4a-4e1f-9a7b-2c8d1e0f3a4b"},
		"/kubepods/burstable/pod0b6f3c2e-5d4a-4e1f-9a7b-2c8d1e0f3a4b/" + id:                                                                           {Containerd, id, "0b6f3c2e-5d4a-4e1f-9a7b-2c8d1e0f3a4b"},
		"/kubepods.slice/kubepods-pod0b6f3c2e_5d4a_4e1f_9a7b_2c8d1e0f3a4b.slice/crio-" + id + ".scope":                                                {CRIO, id, "0b6f3c2e-5d4a-4e1f-9a7b-2c8d1e0f3a4b"},
		"/system.slice/docker-" + id + ".scope":                                                                                                       {Docker, id, ""},
		"/docker/" + id:                                                                                                                               {Containerd, id, ""}, // cgroupfs: the runtime is not in the path
		"/machine.slice/libpod-" + id + ".scope":                                                                                                      {Podman, id, ""},
		"/kubepods.slice/kubepods-pod0b6f3c2e_5d4a_4e1f_9a7b_2c8d1e0f3a4b.slice/crio-conmon-" + id + ".scope":                                         {},
		"/user.slice/user-1000.slice/session-2.scope":                                                                                                 {},
		"/":                                 {},
		"/docker-" + id[:63] + ".scope":     {},
		"/kubepods/podnot-a-uid/" + id[:10]: {},
	} {
		if got := Parse(path); got != want {
			t.Errorf("Parse(%q) = %+v, want %+v", path, got, want)
		}
	}
	if got := Parse(strings.Repeat("/a", MaxPath)); got.ID != "" {
		t.Errorf("long path: %+v", got)
	}
}

func TestFromProcCgroup(t *testing.T) {
	v1 := "12:pids:/docker/" + id + "\n1:name=systemd:/docker/" + id + "\n"
	if got := FromProcCgroup(v1); got != "/docker/"+id {
		t.Errorf("v1: %q", got)
	}
	hybrid := v1 + "0::/kubepods/besteffort/pod0b6f3c2e-5d4a-4e1f-9a7b-2c8d1e0f3a4b/" + id + "\n"
	if got := FromProcCgroup(hybrid); !strings.HasPrefix(got, "/kubepods/") {
		t.Errorf("hybrid: %q", got)
	}
}

// FuzzParse: any cgroup file content parses without panicking, and an ID found is 64 hex
// digits.
func FuzzParse(f *testing.F) {
	f.Add("0::/kubepods/besteffort/pod0b6f3c2e-5d4a-4e1f-9a7b-2c8d1e0f3a4b/" + id + "\n")
	f.Add("0::/system.slice/docker-" + id + ".scope\n")
	f.Add("12:pids:/kubepods.slice/kubepods-pod0b6f3c2e_5d4a_4e1f_9a7b_2c8d1e0f3a4b.slice/crio-" + id + ".scope")
	f.Add("::\n:::\n0::")
	f.Fuzz(func(t *testing.T, content string) {
		info := Parse(FromProcCgroup(content))
		if info.ID != "" && !isID(info.ID) {
			t.Fatalf("ID %q", info.ID)
		}
		if info.ID == "" && (info.Runtime != "" || info.PodUID != "") {
			t.Fatalf("no ID but %+v", info)
		}
	})
}
