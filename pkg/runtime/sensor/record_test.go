package sensor

import (
	"bytes"
	"testing"
)

func TestDecodeRoundTrip(t *testing.T) {
	in := Record{Kind: KindSyscall, Flags: FlagResolved | FlagTrunc2, BootNs: 7, Cgroup: 9, Pid: 10, Tid: 11, Ppid: 1, UID: 1000,
		GID: 1000, LoginUID: ^uint32(0), TTY: 34816, Nr: 257, Ret: -2, Num: [3]uint64{1, 2, 3}, Comm: "cat",
		Str1: []byte("shadow/etc/"), Str2: []byte("x"), FFlags: 0o100}
	var out Record
	if err := Decode(Encode(&in), &out); err != nil {
		t.Fatal(err)
	}
	if out.Pid != 10 || out.Ret != -2 || out.Comm != "cat" || !bytes.Equal(out.Str2, []byte("x")) || out.Path1() != "/etc/shadow" || out.Num[2] != 3 || out.TTY != 34816 {
		t.Fatalf("round trip: %+v", out)
	}
}

func TestDecodeRejects(t *testing.T) {
	good := Encode(&Record{Kind: KindExec, Str1: []byte("/bin/sh"), Str2: []byte("sh\x00-c\x00")})
	for name, raw := range map[string][]byte{
		"short":       good[:HeaderSize-1],
		"cut strings": good[:len(good)-1],
		"bad magic":   append([]byte{0}, good[1:]...),
		"bad kind":    append([]byte{magic, 9}, good[2:]...),
		"huge length": func() []byte { b := bytes.Clone(good); b[104], b[105] = 0xff, 0xff; return b }(),
	} {
		var r Record
		if err := Decode(raw, &r); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
}

func TestReversePath(t *testing.T) {
	for in, want := range map[string]string{"": "/", "shadow/etc/": "/etc/shadow", "etc/": "/etc", "a//": "/a"} {
		if got := ReversePath([]byte(in)); got != want {
			t.Errorf("ReversePath(%q) = %q, want %q", in, got, want)
		}
	}
}
