package sensor

// The BPF object and its Go loader are generated and committed, so building eksguard needs
// no clang. To regenerate after changing bpf/: apt-get install clang llvm libbpf-dev, then
// go generate ./pkg/runtime/sensor
//go:generate go run github.com/cilium/ebpf/cmd/bpf2go -cc clang -target bpfel -type hdr -type conf sensor bpf/sensor.c -- -I/usr/include -O2 -g -Wall -Werror
