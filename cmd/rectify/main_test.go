package main

import (
	"os"
	"testing"
)

// asMain is the environment variable that makes the test binary act as
// rectify itself, for tests that start rectify as a process (from a shell,
// for instance).
const asMain = "RECTIFY_TEST_AS_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(asMain) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}
