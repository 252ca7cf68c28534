//go:build unix

package sqlite

import (
	"runtime"
	"syscall"
)

// peakRSS returns the most memory the process has had resident, in bytes,
// or 0 if it is not known.
func peakRSS() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	if runtime.GOOS == "darwin" {
		return ru.Maxrss // bytes
	}
	return ru.Maxrss << 10 // kilobytes
}
