//go:build !amd64 && !arm64

package sensor

// Other architectures have no syscall table yet: the sensor loads but traces only process
// starts and exits.
var numbers = map[string]int{}

// No syscall exit is traced here; the program's defaults stay.
var (
	regsWords uint32 = 16
	nrWord    uint32 = 15
	argWords         = [6]uint32{14, 13, 12, 7, 9, 8}
)
