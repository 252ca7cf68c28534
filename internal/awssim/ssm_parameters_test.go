package awssim_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/rectify-dev/rectify/internal/awssim"
)

func TestSSMParameters(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cli := ssm.NewFromConfig(sim.Config(""))
	name := "/ci/build/AWS_SECRET_ACCESS_KEY"
	out, err := cli.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(name), Value: aws.String("s3cr3t-value"), Type: ssmtypes.ParameterTypeSecureString,
		Tags: []ssmtypes.Tag{{Key: aws.String("team"), Value: aws.String("ci")}}})
	if err != nil || out.Version != 1 {
		t.Fatalf("PutParameter = %+v, %v", out, err)
	}
	_, err = cli.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(name), Value: aws.String("other"), Type: ssmtypes.ParameterTypeSecureString})
	wantCode(t, "a second parameter of the name", err, "ParameterAlreadyExists")
	_, err = cli.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(name), Value: aws.String("other"), Overwrite: aws.Bool(true),
		Tags: []ssmtypes.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	wantCode(t, "overwrite with tags", err, "ValidationException")
	_, err = cli.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/aws/x"), Value: aws.String("v"), Type: ssmtypes.ParameterTypeString})
	wantCode(t, "a reserved name", err, "ValidationException")

	enc, err := cli.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name)})
	if err != nil || aws.ToString(enc.Parameter.Value) == "s3cr3t-value" {
		t.Fatalf("GetParameter without decryption = %+v, %v", enc, err)
	}
	dec, err := cli.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name), WithDecryption: aws.Bool(true)})
	if err != nil || aws.ToString(dec.Parameter.Value) != "s3cr3t-value" || aws.ToString(dec.Parameter.ARN) != "arn:aws:ssm:us-east-1:"+awssim.DefaultAccount+":parameter"+name {
		t.Fatalf("GetParameter = %+v, %v", dec, err)
	}
	if _, err := cli.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(name), Value: aws.String("rotated"), Overwrite: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	many, err := cli.GetParameters(ctx, &ssm.GetParametersInput{Names: []string{name, "/nope"}, WithDecryption: aws.Bool(true)})
	if err != nil || len(many.Parameters) != 1 || many.Parameters[0].Version != 2 || aws.ToString(many.Parameters[0].Value) != "rotated" || len(many.InvalidParameters) != 1 {
		t.Fatalf("GetParameters = %+v, %v", many, err)
	}
	tags, err := cli.ListTagsForResource(ctx, &ssm.ListTagsForResourceInput{ResourceType: ssmtypes.ResourceTypeForTaggingParameter, ResourceId: aws.String(name)})
	if err != nil || len(tags.TagList) != 1 || aws.ToString(tags.TagList[0].Value) != "ci" {
		t.Fatalf("ListTagsForResource = %+v, %v", tags, err)
	}
	_, err = cli.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/nope")})
	wantCode(t, "a missing parameter", err, "ParameterNotFound")
	// The activity log keeps no value.
	b, _ := json.Marshal(sim.Trail(awssim.DefaultAccount, awssim.DefaultRegion))
	if strings.Contains(string(b), "s3cr3t-value") || strings.Contains(string(b), "rotated") {
		t.Error("the activity log holds a parameter's value")
	}
}
