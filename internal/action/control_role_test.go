package action

import (
	"maps"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/rectify-dev/rectify/internal/awssim"
	"github.com/rectify-dev/rectify/internal/permission"
)

// TestControlActionsRunAsTheirRole runs each action of the Security Hub
// controls as an IAM role whose only policy allows the permissions the
// action declares, as rectify's remediation role would: the simulator,
// which enforces identity policies, must let every call through.
func TestControlActionsRunAsTheirRole(t *testing.T) {
	groups := mergeScenarios(s3ControlScenarios, rdsScenarios, dynamoDBScenarios, dataScenarios, messagingScenarios)
	reg, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range slices.Sorted(maps.Keys(groups)) {
		spec, ok := reg.Lookup(name)
		if !ok {
			t.Fatalf("no action %s", name)
		}
		t.Run(name, func(t *testing.T) {
			w := newWorld(t)
			in := checked(t, spec, groups[name].setup(w))
			policy, err := permission.Document(spec.Permissions())
			w.must(err)
			trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + awssim.DefaultAccount + `:root"},"Action":"sts:AssumeRole"}]}`
			role, err := w.iam.CreateRole(w.ctx, &iam.CreateRoleInput{RoleName: aws.String("actor"), AssumeRolePolicyDocument: aws.String(trust)})
			w.must(err)
			_, err = w.iam.PutRolePolicy(w.ctx, &iam.PutRolePolicyInput{RoleName: aws.String("actor"), PolicyName: aws.String("declared"), PolicyDocument: aws.String(policy.JSON())})
			w.must(err)
			creds, err := sts.NewFromConfig(w.cfg).AssumeRole(w.ctx, &sts.AssumeRoleInput{RoleArn: role.Role.Arn, RoleSessionName: aws.String("rectify-test")})
			w.must(err)
			c := creds.Credentials
			in.AWS = w.sim.ConfigFor(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
			res, err := execute(t, spec, in)
			if err != nil || res.Outcome != Changed {
				t.Fatalf("Run as a role with the declared permissions = %+v, %v", res, err)
			}
		})
	}
}
