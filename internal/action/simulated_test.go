package action_test

import (
	"testing"

	"github.com/rectify-dev/rectify/internal/action"
	"github.com/rectify-dev/rectify/internal/awssim"
)

// TestEveryOperationIsSimulated keeps the simulator in step with the
// actions: an action cannot call an AWS operation that the tests cannot
// exercise.
func TestEveryOperationIsSimulated(t *testing.T) {
	reg, err := action.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	sim := awssim.New(awssim.Options{})
	for _, spec := range reg.All() {
		for _, op := range append(append([]string(nil), spec.Reads...), spec.Writes...) {
			if !sim.Serves(op) {
				t.Errorf("action %s calls %s, which the simulator does not serve", spec.Name, op)
			}
		}
	}
}
