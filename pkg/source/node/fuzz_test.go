package node

import (
	"strings"
	"testing"
)

// FuzzUnit: any systemd unit text gives a bounded command line and never panics.
func FuzzUnit(f *testing.F) {
	f.Add("[Service]\nEnvironment='KUBELET_ARGS=--node-ip=10.0.0.1 --anonymous-auth=true'\nExecStart=/usr/bin/kubelet $KUBELET_ARGS ${X} --y=${Y}\n")
	f.Add("[Service]\nExecStart=/usr/bin/kubelet \\\n --config /c \\\r\n --v=2\nExecStart=\n")
	f.Add("[Service]\nEnvironment=\"A=${A}${A}\" B='unterminated\nExecStart=$A$B ${ ${} $\n")
	h := &hostFS{root: f.TempDir()}
	f.Fuzz(func(t *testing.T, text string) {
		u := &unit{env: map[string]string{}}
		h.applyUnit(u, text)
		args := u.args()
		total := 0
		for _, a := range args {
			total += len(a)
		}
		// Expansion substitutes each variable once per reference: bounded by the text size
		// times the largest value.
		if total > len(text)*(len(text)+1) {
			t.Fatalf("expansion grew to %d bytes from %d", total, len(text))
		}
		parseFlags(args)
	})
}

// FuzzKubeletConfig: any config file bytes parse or fail cleanly.
func FuzzKubeletConfig(f *testing.F) {
	f.Add([]byte(`{"kind":"KubeletConfiguration","authentication":{"anonymous":{"enabled":false}}}`))
	f.Add([]byte("kind: KubeletConfiguration\nfeatureGates:\n  RotateKubeletServerCertificate: true\n"))
	f.Add([]byte("a: &a [*a, *a]\nb: &b [*a, *a]\nc: [*b, *b]\n"))
	f.Add([]byte(strings.Repeat("[", 5000)))
	f.Add([]byte("- not\n- a mapping\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := parseConfig("fuzz", data)
		if err == nil && m == nil {
			t.Fatal("nil config without error")
		}
	})
}

// FuzzProcNetTCP: any TCP table parses without panic.
func FuzzProcNetTCP(f *testing.F) {
	f.Add([]byte("  sl local rem st\n 0: 0100007F:0016 00000000:0000 0A x\n"))
	f.Add([]byte("h\n 0: 00000000000000000000000000000000:0016 0:0 0A\n 1: zz:zz 0:0 0A\n 2: 0:"))
	f.Fuzz(func(t *testing.T, data []byte) {
		parseListen(data, 22)
	})
}
