package proc

import (
	"testing"
)

func TestInside(t *testing.T) {
	for _, c := range [][3]string{
		{"/", "/etc/shadow", "/etc/shadow"},
		{"/run/c/rootfs", "/run/c/rootfs/etc/shadow", "/etc/shadow"},
		{"/run/c/rootfs", "/run/c/rootfs", "/"},
		{"/run/c/rootfs", "/run/c/rootfs2/x", "/run/c/rootfs2/x"},
	} {
		if got := Inside(c[0], c[1]); got != c[2] {
			t.Errorf("Inside(%q, %q) = %q, want %q", c[0], c[1], got, c[2])
		}
	}
}

func TestSplitArgsAndPasswd(t *testing.T) {
	if got := SplitArgs([]byte("cat\x00/etc/shadow\x00")); len(got) != 2 || got[1] != "/etc/shadow" {
		t.Errorf("SplitArgs: %q", got)
	}
	if got := SplitArgs(nil); got != nil {
		t.Errorf("SplitArgs(nil): %q", got)
	}
	pw := []byte("root:x:0:0::/root:/bin/sh\nwww-data:x:33:33::/var/www:/usr/sbin/nologin\nbroken\n")
	if passwdName(pw, 33) != "www-data" || passwdName(pw, 7) != "" {
		t.Error("passwdName")
	}
}
