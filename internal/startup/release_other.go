//go:build !linux

package startup

// ReleaseExecutablePages does nothing outside Linux.
func ReleaseExecutablePages() {}
