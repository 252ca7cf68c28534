package awssim

import (
	"sort"
	"time"
)

// FaultRule is a Fault installed on one operation of a service (Op "" for
// every operation), as SetFault installs it.
type FaultRule struct {
	Service string `json:"service"`
	Op      string `json:"op"`
	Fault   Fault  `json:"fault"`
}

// SetFaults installs every rule, each as SetFault does.
func (s *Server) SetFaults(rules []FaultRule) {
	for _, r := range rules {
		s.SetFault(r.Service, r.Op, r.Fault)
	}
}

// AWSLikeLimits returns a profile of AWS's API rate limits, each applied
// per caller account and region (per account for IAM), with latency added
// to every call of every service, for benchmarks that must meet throttling
// as rectify meets it in an organization. A rate of N/s with burst B is a
// token bucket of B tokens refilled at N a second.
//
//   - EC2, per operation: mutating operations 5/s, burst 50; Describe*
//     and Get* 20/s, burst 100. EC2 throttles each API per account and
//     Region with token buckets; its documentation ("Request throttling
//     for the Amazon EC2 API") gives non-mutating actions a bucket of 100
//     refilled at 20/s and mutating actions a refill of 5/s. The mutating
//     bucket of 50 is the smaller of the sizes that documentation has
//     given over time, an assumption.
//   - IAM, all operations together: 10/s, burst 20, per account. AWS
//     publishes no request rate for the IAM API; this is an assumption of
//     the order of what callers observe.
//   - Security Hub: BatchUpdateFindings and BatchImportFindings 10/s,
//     burst 30; GetFindings 3/s, burst 6; every other operation 10/s,
//     burst 30 — Security Hub's documented API quotas, per account and
//     Region.
//   - CloudTrail LookupEvents: 2/s, burst 2 — documented as 2 requests a
//     second per account and Region; the burst is an assumption.
//
// Other services and operations are not rate limited. Install the profile
// with SetAWSLikeLimits, or adjust the rules and use SetFaults.
func (s *Server) AWSLikeLimits(latency time.Duration) []FaultRule {
	limit := func(rate float64, burst int) Fault {
		return Fault{RateLimit: rate, Burst: burst, PerAccountRegion: true}
	}
	type opInfo struct {
		name  string
		reads bool
	}
	s.mu.Lock()
	var names []string
	var ec2Ops, hubOps []opInfo
	for name, def := range s.services {
		names = append(names, name)
		switch name {
		case "ec2":
			for op := range def.Query {
				ec2Ops = append(ec2Ops, opInfo{op, def.readOnly(op)})
			}
		case "securityhub":
			for _, rt := range def.REST {
				hubOps = append(hubOps, opInfo{rt.Op, def.readOnly(rt.Op)})
			}
		}
	}
	s.mu.Unlock()
	sort.Strings(names)
	byName := func(ops []opInfo) {
		sort.Slice(ops, func(i, j int) bool { return ops[i].name < ops[j].name })
	}
	byName(ec2Ops)
	byName(hubOps)

	var rules []FaultRule
	for _, name := range names {
		f := Fault{Latency: latency}
		if name == "iam" {
			f.RateLimit, f.Burst, f.PerAccountRegion = 10, 20, true
		}
		if f != (Fault{}) {
			rules = append(rules, FaultRule{Service: name, Fault: f})
		}
	}
	for _, op := range ec2Ops {
		f := limit(5, 50)
		if op.reads {
			f = limit(20, 100)
		}
		rules = append(rules, FaultRule{Service: "ec2", Op: op.name, Fault: f})
	}
	for _, op := range hubOps {
		f := limit(10, 30)
		if op.name == "GetFindings" {
			f = limit(3, 6)
		}
		rules = append(rules, FaultRule{Service: "securityhub", Op: op.name, Fault: f})
	}
	rules = append(rules, FaultRule{Service: "cloudtrail", Op: "LookupEvents", Fault: limit(2, 2)})
	return rules
}

// SetAWSLikeLimits installs the AWSLikeLimits profile, replacing faults
// set before on the same services and operations.
func (s *Server) SetAWSLikeLimits(latency time.Duration) {
	s.SetFaults(s.AWSLikeLimits(latency))
}
