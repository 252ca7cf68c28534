//go:build !unix

package storetest

// processCPU is not measured on this platform: it returns 0, and the
// benchmarks report no CPU time.
func processCPU() int64 { return 0 }
