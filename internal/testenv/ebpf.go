package testenv

import (
	"os"
	"testing"
)

// EBPF reports whether the machine can load eBPF programs (root and kernel BTF). When it
// cannot, the test skips with the reason; under EKSGUARD_REQUIRE_SETUP=1 (CI, which runs as
// root on a kernel with BTF) it fails instead, unless EKSGUARD_NO_EBPF=1 says the machine
// has no eBPF on purpose, in which case it skips with that reason.
func EBPF(t testing.TB) {
	t.Helper()
	var why string
	switch {
	case os.Geteuid() != 0:
		why = "not root: loading eBPF programs needs root (or CAP_BPF, CAP_PERFMON, CAP_SYS_RESOURCE)"
	default:
		if _, err := os.Stat("/sys/kernel/btf/vmlinux"); err != nil {
			why = "the kernel has no BTF (/sys/kernel/btf/vmlinux): the CO-RE sensor cannot load"
		}
	}
	if why == "" {
		return
	}
	msg := "SKIPPING eBPF TEST: " + why
	if os.Getenv("EKSGUARD_NO_EBPF") == "1" {
		t.Skip(msg + " (EKSGUARD_NO_EBPF=1)")
	}
	if os.Getenv("EKSGUARD_REQUIRE_SETUP") == "1" {
		t.Fatal(msg + "; set EKSGUARD_NO_EBPF=1 to skip eBPF tests on a machine without it")
	}
	t.Skip(msg)
}
