package action

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/rectify-dev/rectify/internal/permission"
)

// gated returns in with its AWS configurations (the target's and
// rectify's own) wrapped by a gate that lets through only spec's declared
// reads, and its writes when writes is true, as the engine does.
func gated(spec *Spec, in Input, writes bool, why string) Input {
	rules := permission.Rules{Owner: spec.Name, Reads: spec.Reads, Writes: spec.Writes, WritesAllowed: writes, Why: why}
	in.AWS = permission.Gate(in.AWS, rules)
	if home := in.Home; home != nil {
		in.Home = func(ctx context.Context) (aws.Config, error) {
			cfg, err := home(ctx)
			if err != nil {
				return cfg, err
			}
			return permission.Gate(cfg, rules), nil
		}
	}
	return in
}

// execute runs spec as the engine does: Run through a gate admitting its
// reads and writes, then, if Run changed something, Verify through a gate
// admitting its reads alone; a verification that fails fails the test.
// in.Params must be checked already.
func execute(t *testing.T, spec *Spec, in Input) (Result, error) {
	t.Helper()
	ctx := context.Background()
	res, err := spec.Run(ctx, gated(spec, in, true, ""))
	if err != nil || res.Outcome != Changed || spec.Verify == nil {
		return res, err
	}
	if verr := spec.Verify(ctx, gated(spec, in, false, "verification"), res); verr != nil {
		t.Errorf("%s: %s changed, but verification failed: %v", spec.Name, res.Message, verr)
	}
	return res, nil
}
