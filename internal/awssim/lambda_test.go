package awssim_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/rectify-dev/rectify/internal/awssim"
)

func TestLambdaFunctionRoundTrip(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cli := lambda.NewFromConfig(sim.Config(""))
	role := "arn:aws:iam::" + sim.Account() + ":role/fn"
	out, err := cli.CreateFunction(ctx, &lambda.CreateFunctionInput{
		FunctionName: aws.String("resizer"), Runtime: lambdatypes.RuntimeProvidedal2023, Role: &role, Handler: aws.String("bootstrap"),
		Code: &lambdatypes.FunctionCode{ZipFile: []byte("PK\x03\x04zip")}, Timeout: aws.Int32(30),
		Environment: &lambdatypes.Environment{Variables: map[string]string{"MODE": "prod"}}, Tags: map[string]string{"team": "media"},
	})
	if err != nil {
		t.Fatalf("CreateFunction: %v", err)
	}
	arn := "arn:aws:lambda:us-east-1:" + sim.Account() + ":function:resizer"
	if aws.ToString(out.FunctionArn) != arn || aws.ToInt32(out.Timeout) != 30 || aws.ToInt32(out.MemorySize) != 128 ||
		out.State != lambdatypes.StateActive || out.CodeSize != 7 || aws.ToString(out.CodeSha256) == "" {
		t.Errorf("CreateFunction = %+v", out)
	}
	if _, err := cli.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("resizer"), Runtime: lambdatypes.RuntimeProvidedal2023, Role: &role,
		Handler: aws.String("bootstrap"), Code: &lambdatypes.FunctionCode{ZipFile: []byte("x")}}); apiCode(err) != "ResourceConflictException" {
		t.Errorf("CreateFunction(existing) error = %v", err)
	}
	if _, err := cli.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("bad"), Runtime: lambdatypes.RuntimeProvidedal2023, Role: aws.String("fn"),
		Handler: aws.String("bootstrap"), Code: &lambdatypes.FunctionCode{ZipFile: []byte("x")}}); apiCode(err) != "InvalidParameterValueException" {
		t.Errorf("CreateFunction(bad role) error = %v", err)
	}

	got, err := cli.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(arn)})
	if err != nil || aws.ToString(got.Configuration.FunctionName) != "resizer" || got.Configuration.Environment.Variables["MODE"] != "prod" || got.Tags["team"] != "media" {
		t.Fatalf("GetFunction = %+v, %v", got, err)
	}
	for _, name := range []string{"b", "c"} {
		if _, err := cli.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String(name), Runtime: lambdatypes.RuntimePython312, Role: &role,
			Handler: aws.String("app.handler"), Code: &lambdatypes.FunctionCode{S3Bucket: aws.String("code"), S3Key: aws.String(name + ".zip")}}); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	p := lambda.NewListFunctionsPaginator(cli, &lambda.ListFunctionsInput{MaxItems: aws.Int32(2)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListFunctions: %v", err)
		}
		for _, f := range page.Functions {
			names = append(names, aws.ToString(f.FunctionName))
		}
	}
	if strings.Join(names, ",") != "b,c,resizer" {
		t.Errorf("ListFunctions = %v", names)
	}

	if _, err := cli.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String("resizer")}); err != nil {
		t.Fatalf("DeleteFunction: %v", err)
	}
	var rnf *lambdatypes.ResourceNotFoundException
	if _, err := cli.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("resizer")}); !errors.As(err, &rnf) {
		t.Errorf("GetFunction(deleted) error = %v, want ResourceNotFoundException", err)
	}
	if _, err := cli.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String("resizer")}); !errors.As(err, &rnf) {
		t.Errorf("DeleteFunction(deleted) error = %v, want ResourceNotFoundException", err)
	}
}

func TestLambdaResourcePolicy(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	var mu = make(chan []byte, 16)
	sim.Subscribe(func(ev []byte) { mu <- ev })
	cli := lambda.NewFromConfig(sim.Config(""))
	if _, err := cli.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("api"), Runtime: lambdatypes.RuntimeNodejs22x,
		Role: aws.String("arn:aws:iam::" + sim.Account() + ":role/fn"), Handler: aws.String("index.handler"), Code: &lambdatypes.FunctionCode{ZipFile: []byte("x")}}); err != nil {
		t.Fatal(err)
	}
	var rnf *lambdatypes.ResourceNotFoundException
	if _, err := cli.GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: aws.String("api")}); !errors.As(err, &rnf) {
		t.Fatalf("GetPolicy(no policy) error = %v, want ResourceNotFoundException", err)
	}
	add, err := cli.AddPermission(ctx, &lambda.AddPermissionInput{FunctionName: aws.String("api"), StatementId: aws.String("public"),
		Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("*")})
	if err != nil {
		t.Fatalf("AddPermission: %v", err)
	}
	if !strings.Contains(aws.ToString(add.Statement), `"Principal":"*"`) {
		t.Errorf("AddPermission statement = %s", aws.ToString(add.Statement))
	}
	if _, err := cli.AddPermission(ctx, &lambda.AddPermissionInput{FunctionName: aws.String("api"), StatementId: aws.String("s3"),
		Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("s3.amazonaws.com"), SourceArn: aws.String("arn:aws:s3:::uploads"), SourceAccount: aws.String(sim.Account())}); err != nil {
		t.Fatalf("AddPermission(s3): %v", err)
	}
	if _, err := cli.AddPermission(ctx, &lambda.AddPermissionInput{FunctionName: aws.String("api"), StatementId: aws.String("public"),
		Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("*")}); apiCode(err) != "ResourceConflictException" {
		t.Errorf("AddPermission(duplicate sid) error = %v", err)
	}
	pol, err := cli.GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: aws.String("api")})
	if err != nil {
		t.Fatalf("GetPolicy: %v", err)
	}
	var doc struct {
		Statement []struct {
			Sid       string
			Principal any
			Resource  string
			Condition map[string]map[string]string
		}
	}
	if err := json.Unmarshal([]byte(aws.ToString(pol.Policy)), &doc); err != nil {
		t.Fatalf("policy %s: %v", aws.ToString(pol.Policy), err)
	}
	if len(doc.Statement) != 2 || doc.Statement[0].Principal != "*" || doc.Statement[1].Condition["ArnLike"]["AWS:SourceArn"] != "arn:aws:s3:::uploads" ||
		!strings.HasSuffix(doc.Statement[0].Resource, ":function:api") {
		t.Errorf("policy = %+v", doc)
	}
	if _, err := cli.RemovePermission(ctx, &lambda.RemovePermissionInput{FunctionName: aws.String("api"), StatementId: aws.String("public")}); err != nil {
		t.Fatalf("RemovePermission: %v", err)
	}
	if _, err := cli.RemovePermission(ctx, &lambda.RemovePermissionInput{FunctionName: aws.String("api"), StatementId: aws.String("public")}); !errors.As(err, &rnf) {
		t.Errorf("RemovePermission(gone) error = %v, want ResourceNotFoundException", err)
	}
	pol, err = cli.GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: aws.String("api")})
	if err != nil || strings.Contains(aws.ToString(pol.Policy), `"public"`) || !strings.Contains(aws.ToString(pol.Policy), `"s3"`) {
		t.Errorf("GetPolicy after remove = %s, %v", aws.ToString(pol.Policy), err)
	}

	// AddPermission is recorded and published as a CloudTrail event under
	// the versioned name CloudTrail uses for it.
	var found bool
	for len(mu) > 0 {
		ev := <-mu
		d := eventDetailMap(t, ev)
		if d["eventName"] == "AddPermission20150331v2" {
			found = true
			rp, _ := d["requestParameters"].(map[string]any)
			if rp["functionName"] != "api" || rp["principal"] != "*" {
				t.Errorf("AddPermission requestParameters = %v", rp)
			}
			break
		}
	}
	if !found {
		t.Error("no AddPermission event published")
	}
}

// eventDetailMap reads an EventBridge event's detail.
func eventDetailMap(t *testing.T, raw []byte) map[string]any {
	t.Helper()
	var ev struct {
		Detail map[string]any `json:"detail"`
	}
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatalf("event: %v", err)
	}
	return ev.Detail
}
