package action

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/rectify-dev/rectify/internal/awssim"
	"github.com/rectify-dev/rectify/internal/permission"
)

// TestCatalogActionsNeedNoMoreThanTheyDeclare runs each catalog action's
// scenario as a role whose only policy is the one derived from the
// action's declared permissions, as a deployment's remediation role is:
// the simulator enforces it, so a call the declarations leave out, or
// name under another IAM action, fails the test.
func TestCatalogActionsNeedNoMoreThanTheyDeclare(t *testing.T) {
	reg, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	groups := mergeScenarios(iamCatalogScenarios, cloudtrailTrailScenarios, cloudwatchScenarios, configScenarios, guarddutyScenarios, kmsScenarios, ssmScenarios,
		s3ControlScenarios, rdsScenarios, dynamoDBScenarios, dataScenarios, messagingScenarios,
		ec2ControlScenarios, autoscalingScenarios, serviceScenarios, cloudfrontScenarios, apigatewayScenarios, cloudformationScenarios, flowLogScenarios, credentialScenarios)
	for name, sc := range groups {
		spec, ok := reg.Lookup(name)
		if !ok {
			t.Fatalf("no action %s", name)
		}
		t.Run(name, func(t *testing.T) {
			w := newWorld(t)
			in := checked(t, spec, sc.setup(w))
			policy, err := permission.Document(spec.Permissions())
			if err != nil {
				t.Fatal(err)
			}
			_, err = w.iam.CreateRole(w.ctx, &iam.CreateRoleInput{RoleName: aws.String("remediation"),
				AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + awssim.DefaultAccount + `:root"},"Action":"sts:AssumeRole"}]}`)})
			w.must(err)
			_, err = w.iam.PutRolePolicy(w.ctx, &iam.PutRolePolicyInput{RoleName: aws.String("remediation"), PolicyName: aws.String("rectify"), PolicyDocument: aws.String(policy.JSON())})
			w.must(err)
			creds, err := sts.NewFromConfig(w.cfg).AssumeRole(w.ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + awssim.DefaultAccount + ":role/remediation"),
				RoleSessionName: aws.String("rectify-test")})
			w.must(err)
			c := creds.Credentials
			in.AWS = w.sim.ConfigFor(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
			res, err := execute(t, spec, in)
			if err != nil || res.Outcome != Changed {
				t.Fatalf("Run as the remediation role = %+v, %v", res, err)
			}
		})
	}
}
