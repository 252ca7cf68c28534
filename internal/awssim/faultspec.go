package awssim

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// FaultSpecHelp describes the form ParseFaultRule reads.
const FaultSpecHelp = `SERVICE[:OPERATION]=SETTING[,SETTING...], the settings being
  latency=DURATION         added before every call (200ms)
  error=P                  a 5xx error with probability P (0 to 1)
  throttle=P               throttled with probability P
  rate=N[,burst=B]         at most N calls a second, in bursts of B
  per-account-region       a rate for each caller account and region
  ignore-writes            mutating calls answer success and change nothing
  times=N                  only the next N calls it fails, throttles or ignores`

// ParseFaultRule reads a fault rule written as
// SERVICE[:OPERATION]=SETTING[,SETTING...] (see FaultSpecHelp), such as
// "iam:UpdateAccessKey=error=1,times=1" or "ec2=latency=200ms".
func ParseFaultRule(spec string) (FaultRule, error) {
	target, settings, ok := strings.Cut(spec, "=")
	if !ok || target == "" || settings == "" {
		return FaultRule{}, fmt.Errorf("fault %q: want SERVICE[:OPERATION]=SETTING[,SETTING...], such as iam:UpdateAccessKey=error=1,times=1", spec)
	}
	service, op, _ := strings.Cut(target, ":")
	r := FaultRule{Service: service, Op: op}
	f := &r.Fault
	for _, s := range strings.Split(settings, ",") {
		name, value, hasValue := strings.Cut(strings.TrimSpace(s), "=")
		bad := func(want string) error {
			return fmt.Errorf("fault %q: %s=%s: want %s", spec, name, value, want)
		}
		var err error
		switch name {
		case "latency":
			if f.Latency, err = time.ParseDuration(value); err != nil || f.Latency < 0 {
				return FaultRule{}, bad("a duration such as 200ms")
			}
		case "error", "throttle":
			p, err := strconv.ParseFloat(value, 64)
			if err != nil || p < 0 || p > 1 {
				return FaultRule{}, bad("a probability from 0 to 1")
			}
			if name == "error" {
				f.ErrorRate = p
			} else {
				f.ThrottleRate = p
			}
		case "rate":
			if f.RateLimit, err = strconv.ParseFloat(value, 64); err != nil || f.RateLimit <= 0 {
				return FaultRule{}, bad("calls a second, more than 0")
			}
		case "burst", "times":
			n, err := strconv.Atoi(value)
			if err != nil || n < 1 {
				return FaultRule{}, bad("a whole number, at least 1")
			}
			if name == "burst" {
				f.Burst = n
			} else {
				f.Times = n
			}
		case "per-account-region", "ignore-writes":
			if hasValue {
				return FaultRule{}, fmt.Errorf("fault %q: %s takes no value", spec, name)
			}
			if name == "ignore-writes" {
				f.IgnoreWrites = true
			} else {
				f.PerAccountRegion = true
			}
		default:
			return FaultRule{}, fmt.Errorf("fault %q: unknown setting %q (latency, error, throttle, rate, burst, per-account-region, ignore-writes, times)", spec, name)
		}
	}
	return r, nil
}
