//go:build !amd64 && !arm64

package sensor

// Other architectures have no syscall table yet: the sensor loads but traces only process
// starts and exits.
var numbers = map[string]int{}
