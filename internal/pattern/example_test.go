package pattern_test

import (
	"errors"
	"fmt"

	"github.com/rectify-dev/rectify/internal/pattern"
)

func ExampleSet() {
	s := pattern.NewSet()
	_ = s.Add("world-open-ssh", []byte(`{
		"source": ["aws.ec2"],
		"detail-type": ["AWS API Call via CloudTrail"],
		"detail": {
			"eventName": ["AuthorizeSecurityGroupIngress"],
			"requestParameters": {"ipPermissions": {"items": {"ipRanges": {"items": {"cidrIp": ["0.0.0.0/0"]}}}}}
		}
	}`))
	_ = s.Add("any-ec2-write", []byte(`{"source": ["aws.ec2"], "detail": {"readOnly": [false]}}`))

	ids, err := s.Match([]byte(`{
		"source": "aws.ec2",
		"detail-type": "AWS API Call via CloudTrail",
		"detail": {
			"eventName": "AuthorizeSecurityGroupIngress",
			"readOnly": false,
			"requestParameters": {"ipPermissions": {"items": [
				{"fromPort": 22, "ipRanges": {"items": [{"cidrIp": "0.0.0.0/0"}]}}
			]}}
		}
	}`))
	fmt.Println(ids, err)
	// Output: [any-ec2-write world-open-ssh] <nil>
}

func ExampleCompile_error() {
	_, err := pattern.Compile([]byte(`{"detail": {"severity": [{"numeric": [">", "7"]}]}}`))
	var pe *pattern.Error
	if errors.As(err, &pe) {
		fmt.Println(pe.Path)
		fmt.Println(pe.Reason)
	}
	// Output:
	// detail.severity[0].numeric[1]
	// value of ">" must be a number, not a string
}
