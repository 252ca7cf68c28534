package action

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/accessanalyzer"
	aatypes "github.com/aws/aws-sdk-go-v2/service/accessanalyzer/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/rectify-dev/rectify/internal/awssim"
)

// Tests of the Glue, session revocation, instance response and Access
// Analyzer actions against the simulator.

// runAction checks params against the named action and runs it, and
// verifies it if it changed something, with the simulator's admin
// credentials of its default account behind the action's permission gate.
func runAction(t *testing.T, sim *awssim.Server, name string, params map[string]any) (Result, error) {
	t.Helper()
	reg, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	spec, ok := reg.Lookup(name)
	if !ok {
		t.Fatalf("no action %s", name)
	}
	p, err := spec.Check(params)
	if err != nil {
		t.Fatal(err)
	}
	return execute(t, spec, Input{Params: p, AWS: sim.Config(""), Now: sim.Now(),
		Target: Target{Account: awssim.DefaultAccount, Region: "us-east-1"}})
}

func TestRevokedBefore(t *testing.T) {
	at := "2026-11-20T12:30:00Z"
	tests := []struct {
		name, doc string
		want      string
	}{
		{"console policy", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["*"],"Resource":["*"],"Condition":{"DateLessThan":{"aws:TokenIssueTime":"` + at + `"}}}]}`, at},
		{"single statement, action string", `{"Statement":{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:tokenissuetime":"` + at + `"}}}}`, at},
		{"latest of two", `{"Statement":[{"Effect":"Deny","Action":"*","Condition":{"DateLessThan":{"aws:TokenIssueTime":"2026-01-01T00:00:00Z"}}},{"Effect":"Deny","Action":"*","Condition":{"DateLessThan":{"aws:TokenIssueTime":"` + at + `"}}}]}`, at},
		{"allow", `{"Statement":[{"Effect":"Allow","Action":"*","Condition":{"DateLessThan":{"aws:TokenIssueTime":"` + at + `"}}}]}`, ""},
		{"denies only s3", `{"Statement":[{"Effect":"Deny","Action":"s3:*","Condition":{"DateLessThan":{"aws:TokenIssueTime":"` + at + `"}}}]}`, ""},
		{"other operator", `{"Statement":[{"Effect":"Deny","Action":"*","Condition":{"DateGreaterThan":{"aws:TokenIssueTime":"` + at + `"}}}]}`, ""},
		{"not a date", `{"Statement":[{"Effect":"Deny","Action":"*","Condition":{"DateLessThan":{"aws:TokenIssueTime":"yesterday"}}}]}`, ""},
		{"not JSON", `{"Statement":`, ""},
		{"empty", ``, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := revokedBefore(tt.doc)
			if tt.want == "" {
				if !got.IsZero() {
					t.Errorf("revokedBefore = %v, want none", got)
				}
				return
			}
			if got.Format(time.RFC3339) != tt.want {
				t.Errorf("revokedBefore = %v, want %s", got, tt.want)
			}
		})
	}
	// What revokePolicy writes, revokedBefore reads.
	ts := time.Date(2026, 11, 20, 12, 30, 1, 0, time.UTC)
	if got := revokedBefore(revokePolicy(ts)); !got.Equal(ts) {
		t.Errorf("round trip = %v, want %v", got, ts)
	}
}

func TestRevokeTime(t *testing.T) {
	whole := time.Date(2026, 11, 20, 12, 30, 0, 0, time.UTC)
	if got := revokeTime(whole); !got.Equal(whole) {
		t.Errorf("revokeTime(%v) = %v", whole, got)
	}
	if got := revokeTime(whole.Add(time.Millisecond)); !got.Equal(whole.Add(time.Second)) {
		t.Errorf("revokeTime rounds %v to %v, want the next second", whole.Add(time.Millisecond), got)
	}
}

func TestRevokeRoleSessions(t *testing.T) {
	sim := awssim.Start(t)
	ctx := context.Background()
	if _, err := iam.NewFromConfig(sim.Config("")).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("web"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)}); err != nil {
		t.Fatal(err)
	}
	event := sim.Now().Add(-time.Minute).Format(time.RFC3339)
	steps := []struct {
		name    string
		params  map[string]any
		advance time.Duration
		want    Outcome
		wantErr string
	}{
		{"first revocation", map[string]any{"role_name": "web", "event_time": event}, 0, Changed, ""},
		{"same event again", map[string]any{"role_name": "web", "event_time": event}, time.Minute, AlreadyDone, ""},
		{"a later misuse", map[string]any{"role_name": "web", "event_time": sim.Now().Add(30 * time.Second).Format(time.RFC3339)}, time.Minute, Changed, ""},
		{"role gone", map[string]any{"role_name": "nobody", "event_time": event}, 0, NotFound, ""},
		{"bad time", map[string]any{"role_name": "web", "event_time": "last week"}, 0, 0, `param event_time: "last week" is not an RFC 3339 time`},
	}
	for _, st := range steps {
		sim.Advance(st.advance)
		res, err := runAction(t, sim, "iam.revoke-role-sessions", st.params)
		if st.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), st.wantErr) {
				t.Errorf("%s: err = %v, want %q", st.name, err, st.wantErr)
			}
			continue
		}
		if err != nil || res.Outcome != st.want {
			t.Errorf("%s: %v (%s), %v; want %v", st.name, res.Outcome, res.Message, err, st.want)
		}
	}
}

func TestGlueDevEndpointActions(t *testing.T) {
	sim := awssim.Start(t, func(o *awssim.Options) { o.GlueReadyDelay = 5 * time.Minute })
	ctx := context.Background()
	if _, err := glue.NewFromConfig(sim.Config("")).CreateDevEndpoint(ctx, &glue.CreateDevEndpointInput{EndpointName: aws.String("nb"),
		RoleArn: aws.String("arn:aws:iam::" + awssim.DefaultAccount + ":role/glue")}); err != nil {
		t.Fatal(err)
	}
	wait := map[string]any{"endpoint_name": "nb", "recheck_after": "45s"}
	res, err := runAction(t, sim, "glue.wait-dev-endpoint-ready", wait)
	if err != nil || res.Outcome != Pending || res.RecheckAfter != 45*time.Second || res.Output["status"] != "PROVISIONING" {
		t.Fatalf("wait while provisioning = %+v, %v; want pending, recheck after 45s", res, err)
	}
	if _, err := runAction(t, sim, "glue.delete-dev-endpoint", map[string]any{"endpoint_name": "nb"}); err == nil {
		t.Error("delete while provisioning succeeded; the simulator refuses it")
	}
	sim.Advance(5 * time.Minute)
	res, err = runAction(t, sim, "glue.wait-dev-endpoint-ready", map[string]any{"endpoint_name": "nb"})
	if err != nil || res.Outcome != NoOp || res.Output["status"] != "READY" || res.Output["role_arn"] == "" {
		t.Fatalf("wait when ready = %+v, %v", res, err)
	}
	for _, want := range []Outcome{Changed, NotFound} {
		if res, err := runAction(t, sim, "glue.delete-dev-endpoint", map[string]any{"endpoint_name": "nb"}); err != nil || res.Outcome != want {
			t.Errorf("delete = %+v, %v; want %v", res, err, want)
		}
	}
	if res, err := runAction(t, sim, "glue.wait-dev-endpoint-ready", wait); err != nil || res.Outcome != NotFound || !strings.Contains(res.Message, "nb does not exist") {
		t.Errorf("wait for a deleted endpoint = %+v, %v; want not found", res, err)
	}
}

func TestQuarantineReusesAndEmptiesTheGroup(t *testing.T) {
	sim := awssim.Start(t)
	ctx := context.Background()
	cli := ec2.NewFromConfig(sim.Config(""))
	vpc, err := cli.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.1.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	sn, err := cli.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.Vpc.VpcId, CidrBlock: aws.String("10.1.1.0/24")})
	if err != nil {
		t.Fatal(err)
	}
	// A group of the quarantine's name that someone opened up.
	q, err := cli.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("rectify-quarantine"), Description: aws.String("q"), VpcId: vpc.Vpc.VpcId})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cli.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: q.GroupId, IpPermissions: []ec2types.IpPermission{{
		IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}}); err != nil {
		t.Fatal(err)
	}
	run, err := cli.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String("ami-12345678"), MinCount: aws.Int32(1), MaxCount: aws.Int32(1), SubnetId: sn.Subnet.SubnetId})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(run.Instances[0].InstanceId)
	res, err := runAction(t, sim, "ec2.quarantine-instance", map[string]any{"instance_id": id})
	if err != nil || res.Outcome != Changed || res.Output["quarantine_group_id"] != aws.ToString(q.GroupId) {
		t.Fatalf("quarantine = %+v, %v; want the existing group %s reused", res, err, aws.ToString(q.GroupId))
	}
	g, err := cli.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{aws.ToString(q.GroupId)}})
	if err != nil || len(g.SecurityGroups[0].IpPermissions) != 0 || len(g.SecurityGroups[0].IpPermissionsEgress) != 0 {
		t.Fatalf("quarantine group = %+v, %v; want no rules", g, err)
	}
	if res, err := runAction(t, sim, "ec2.quarantine-instance", map[string]any{"instance_id": id}); err != nil || res.Outcome != AlreadyDone {
		t.Errorf("second quarantine = %+v, %v; want already done", res, err)
	}
	for _, name := range []string{"ec2.quarantine-instance", "ec2.tag-instance", "ec2.snapshot-instance-volumes", "ec2.stop-instance"} {
		params := map[string]any{"instance_id": "i-0000000000000dead"}
		switch name {
		case "ec2.tag-instance":
			params["tags"] = map[string]any{"k": "v"}
		case "ec2.snapshot-instance-volumes":
			params["finding_id"] = "f"
		}
		if res, err := runAction(t, sim, name, params); err != nil || res.Outcome != NotFound || !strings.Contains(res.Message, "i-0000000000000dead does not exist") {
			t.Errorf("%s of a missing instance = %+v, %v; want not found", name, res, err)
		}
	}
}

func TestArchiveFinding(t *testing.T) {
	sim := awssim.Start(t)
	ctx := context.Background()
	out, err := accessanalyzer.NewFromConfig(sim.Config("")).CreateAnalyzer(ctx, &accessanalyzer.CreateAnalyzerInput{AnalyzerName: aws.String("a"), Type: aatypes.TypeAccount})
	if err != nil {
		t.Fatal(err)
	}
	f, err := sim.AddAccessAnalyzerFinding(awssim.DefaultAccount, "us-east-1", "a", awssim.AccessAnalyzerFinding{
		Resource: "arn:aws:s3:::reports", ResourceType: "AWS::S3::Bucket", Principal: map[string]string{"AWS": "*"}, Action: []string{"s3:GetObject"}, IsPublic: true})
	if err != nil {
		t.Fatal(err)
	}
	params := map[string]any{"analyzer_arn": aws.ToString(out.Arn), "finding_id": f.ID}
	for _, want := range []Outcome{Changed, AlreadyDone} {
		if res, err := runAction(t, sim, "accessanalyzer.archive-finding", params); err != nil || res.Outcome != want {
			t.Errorf("archive = %+v, %v; want %v", res, err, want)
		}
	}
	params["finding_id"] = "no-such-finding"
	if res, err := runAction(t, sim, "accessanalyzer.archive-finding", params); err != nil || res.Outcome != NotFound || !strings.Contains(res.Message, "no-such-finding does not exist") {
		t.Errorf("archive of a missing finding = %+v, %v; want not found", res, err)
	}
}
