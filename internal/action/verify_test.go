package action

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/accessanalyzer"
	aatypes "github.com/aws/aws-sdk-go-v2/service/accessanalyzer/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	tagging "github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/rectify-dev/rectify/internal/awssim"
	"github.com/rectify-dev/rectify/internal/permission"
)

// Every built-in action that writes, run against the simulator through the
// real SDK behind its permission gate: Run changes the resource, Verify
// (reads only) finds the change held; a change undone behind the action's
// back fails verification; and under a read-only gate Run changes nothing.

// world is a simulated account for the scenarios, with an admin's clients.
type world struct {
	t   *testing.T
	sim *awssim.Server
	cfg aws.Config
	ctx context.Context
	ec2 *ec2.Client
	iam *iam.Client
	s3  *s3.Client
}

func newWorld(t *testing.T) *world {
	t.Helper()
	return newWorldWith(t)
}

// newWorldWith is newWorld with the simulator's options changed by opts.
func newWorldWith(t *testing.T, opts ...func(*awssim.Options)) *world {
	t.Helper()
	sim := awssim.Start(t, append([]func(*awssim.Options){func(o *awssim.Options) { o.GlueReadyDelay = time.Second }}, opts...)...)
	cfg := sim.Config("")
	return &world{t: t, sim: sim, cfg: cfg, ctx: context.Background(),
		ec2: ec2.NewFromConfig(cfg), iam: iam.NewFromConfig(cfg), s3: s3.NewFromConfig(cfg)}
}

// must fails the test on err.
func (w *world) must(err error) {
	w.t.Helper()
	if err != nil {
		w.t.Fatal(err)
	}
}

// input is an input in the world's account and region.
func (w *world) input(params map[string]any) Input {
	return Input{Params: params, AWS: w.cfg, Now: w.sim.Now(), RunID: "run-1",
		Target: Target{Account: awssim.DefaultAccount, Region: awssim.DefaultRegion}}
}

// network makes a VPC with a subnet and a security group open to SSH from
// anywhere.
func (w *world) network() (vpc, subnet, group string) {
	v, err := w.ec2.CreateVpc(w.ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.9.0.0/16")})
	w.must(err)
	sn, err := w.ec2.CreateSubnet(w.ctx, &ec2.CreateSubnetInput{VpcId: v.Vpc.VpcId, CidrBlock: aws.String("10.9.1.0/24")})
	w.must(err)
	g, err := w.ec2.CreateSecurityGroup(w.ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("web"), Description: aws.String("web"), VpcId: v.Vpc.VpcId})
	w.must(err)
	w.openSSH(aws.ToString(g.GroupId))
	return aws.ToString(v.Vpc.VpcId), aws.ToString(sn.Subnet.SubnetId), aws.ToString(g.GroupId)
}

func (w *world) openSSH(group string) {
	_, err := w.ec2.AuthorizeSecurityGroupIngress(w.ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(group),
		IpPermissions: []ec2types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22),
			IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}})
	w.must(err)
}

// instance runs an instance in a new network and returns its ID and its
// security group.
func (w *world) instance() (id, group string) {
	_, subnet, group := w.network()
	run, err := w.ec2.RunInstances(w.ctx, &ec2.RunInstancesInput{ImageId: aws.String("ami-12345678"), MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
		SubnetId: aws.String(subnet), SecurityGroupIds: []string{group}})
	w.must(err)
	return aws.ToString(run.Instances[0].InstanceId), group
}

// user makes an IAM user with an active access key.
func (w *world) user() (name, key string) {
	_, err := w.iam.CreateUser(w.ctx, &iam.CreateUserInput{UserName: aws.String("ci-deployer")})
	w.must(err)
	k, err := w.iam.CreateAccessKey(w.ctx, &iam.CreateAccessKeyInput{UserName: aws.String("ci-deployer")})
	w.must(err)
	return "ci-deployer", aws.ToString(k.AccessKey.AccessKeyId)
}

const publicRead = `{"Version":"2012-10-17","Statement":[{"Sid":"Public","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::exports/*"}]}`

// bucket makes the bucket "exports" with Block Public Access off.
func (w *world) bucket() string {
	_, err := w.s3.CreateBucket(w.ctx, &s3.CreateBucketInput{Bucket: aws.String("exports")})
	w.must(err)
	_, err = w.s3.DeletePublicAccessBlock(w.ctx, &s3.DeletePublicAccessBlockInput{Bucket: aws.String("exports")})
	w.must(err)
	return "exports"
}

// publicACL enables the bucket's ACLs, as an owner of a bucket made
// before April 2023 would have them, and makes its ACL public-read.
func (w *world) publicACL(bucket string) {
	_, err := w.s3.PutBucketOwnershipControls(w.ctx, &s3.PutBucketOwnershipControlsInput{Bucket: aws.String(bucket), OwnershipControls: &s3types.OwnershipControls{
		Rules: []s3types.OwnershipControlsRule{{ObjectOwnership: s3types.ObjectOwnershipObjectWriter}}}})
	w.must(err)
	_, err = w.s3.PutBucketAcl(w.ctx, &s3.PutBucketAclInput{Bucket: aws.String(bucket), ACL: s3types.BucketCannedACLPublicRead})
	w.must(err)
}

// scenario is one action's case: setup makes what Run changes and returns
// its input (parameters not yet checked); undo reverts Run's change as an
// administrator would, so that verification must fail.
type scenario struct {
	setup func(w *world) Input
	undo  func(w *world, in Input, res Result)
}

// scenarios holds every writing action's scenario. Each group of actions
// keeps its scenarios in a map of its own, in a test file beside it.
var scenarios = mergeScenarios(
	coreScenarios,
	iamCatalogScenarios,
	cloudtrailTrailScenarios,
	cloudwatchScenarios,
	configScenarios,
	guarddutyScenarios,
	kmsScenarios,
	ssmScenarios,
	s3ControlScenarios,
	rdsScenarios,
	dynamoDBScenarios,
	dataScenarios,
	messagingScenarios,
	ec2ControlScenarios,
	autoscalingScenarios,
	serviceScenarios,
	cloudfrontScenarios,
	apigatewayScenarios,
	cloudformationScenarios,
	flowLogScenarios,
	credentialScenarios,
)

func mergeScenarios(groups ...map[string]scenario) map[string]scenario {
	out := map[string]scenario{}
	for _, g := range groups {
		for name, sc := range g {
			if _, dup := out[name]; dup {
				panic("action tests: two scenarios for " + name)
			}
			out[name] = sc
		}
	}
	return out
}

// coreScenarios are the scenarios of the first built-in actions.
var coreScenarios = map[string]scenario{
	"iam.deactivate-access-key": {
		setup: func(w *world) Input {
			user, key := w.user()
			return w.input(map[string]any{"user_name": user, "access_key_id": key})
		},
		undo: func(w *world, in Input, _ Result) {
			_, err := w.iam.UpdateAccessKey(w.ctx, &iam.UpdateAccessKeyInput{UserName: aws.String(in.String("user_name")),
				AccessKeyId: aws.String(in.String("access_key_id")), Status: iamtypes.StatusTypeActive})
			w.must(err)
		},
	},
	"iam.delete-access-key": {
		// A deleted key cannot be brought back: no undo.
		setup: func(w *world) Input {
			user, key := w.user()
			return w.input(map[string]any{"user_name": user, "access_key_id": key})
		},
	},
	"iam.delete-login-profile": {
		setup: func(w *world) Input {
			user, _ := w.user()
			_, err := w.iam.CreateLoginProfile(w.ctx, &iam.CreateLoginProfileInput{UserName: aws.String(user), Password: aws.String("a-console-password-1")})
			w.must(err)
			return w.input(map[string]any{"user_name": user})
		},
		undo: func(w *world, in Input, _ Result) {
			_, err := w.iam.CreateLoginProfile(w.ctx, &iam.CreateLoginProfileInput{UserName: aws.String(in.String("user_name")), Password: aws.String("a-console-password-2")})
			w.must(err)
		},
	},
	"iam.revoke-role-sessions": {
		setup: func(w *world) Input {
			_, err := w.iam.CreateRole(w.ctx, &iam.CreateRoleInput{RoleName: aws.String("web"),
				AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)})
			w.must(err)
			return w.input(map[string]any{"role_name": "web", "event_time": w.sim.Now().Add(-time.Minute).Format(time.RFC3339)})
		},
		undo: func(w *world, in Input, _ Result) {
			_, err := w.iam.DeleteRolePolicy(w.ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String("web"), PolicyName: aws.String(RevokeSessionsPolicy)})
			w.must(err)
		},
	},
	"ec2.revoke-open-ingress": {
		setup: func(w *world) Input {
			_, _, group := w.network()
			return w.input(map[string]any{"group_id": group})
		},
		undo: func(w *world, in Input, _ Result) { w.openSSH(in.String("group_id")) },
	},
	"ec2.detach-internet-gateway": {
		setup: func(w *world) Input {
			vpc, _, _ := w.network()
			g, err := w.ec2.CreateInternetGateway(w.ctx, &ec2.CreateInternetGatewayInput{})
			w.must(err)
			_, err = w.ec2.AttachInternetGateway(w.ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: g.InternetGateway.InternetGatewayId, VpcId: aws.String(vpc)})
			w.must(err)
			return w.input(map[string]any{"internet_gateway_id": aws.ToString(g.InternetGateway.InternetGatewayId), "vpc_id": vpc})
		},
		undo: func(w *world, in Input, _ Result) {
			_, err := w.ec2.AttachInternetGateway(w.ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: aws.String(in.String("internet_gateway_id")), VpcId: aws.String(in.String("vpc_id"))})
			w.must(err)
		},
	},
	"ec2.quarantine-instance": {
		setup: func(w *world) Input {
			id, _ := w.instance()
			return w.input(map[string]any{"instance_id": id})
		},
		undo: func(w *world, in Input, res Result) {
			for eni, groups := range savedGroups(map[string]any{"previous_groups": res.Output["previous_groups"]}) {
				_, err := w.ec2.ModifyNetworkInterfaceAttribute(w.ctx, &ec2.ModifyNetworkInterfaceAttributeInput{NetworkInterfaceId: aws.String(eni), Groups: groups})
				w.must(err)
			}
		},
	},
	"ec2.snapshot-instance-volumes": {
		setup: func(w *world) Input {
			id, _ := w.instance()
			return w.input(map[string]any{"instance_id": id, "finding_id": "f-1"})
		},
		undo: func(w *world, _ Input, res Result) {
			for _, id := range outputStrings(res.Output["snapshot_ids"]) {
				_, err := w.ec2.DeleteSnapshot(w.ctx, &ec2.DeleteSnapshotInput{SnapshotId: aws.String(id)})
				w.must(err)
			}
		},
	},
	"ec2.tag-instance": {
		setup: func(w *world) Input {
			id, _ := w.instance()
			return w.input(map[string]any{"instance_id": id, "tags": map[string]any{"rectify:quarantined": "f-1"}})
		},
		undo: func(w *world, in Input, _ Result) {
			_, err := w.ec2.DeleteTags(w.ctx, &ec2.DeleteTagsInput{Resources: []string{in.String("instance_id")}, Tags: []ec2types.Tag{{Key: aws.String("rectify:quarantined")}}})
			w.must(err)
		},
	},
	"ec2.stop-instance": {
		setup: func(w *world) Input {
			id, _ := w.instance()
			return w.input(map[string]any{"instance_id": id})
		},
		undo: func(w *world, in Input, _ Result) {
			_, err := w.ec2.StartInstances(w.ctx, &ec2.StartInstancesInput{InstanceIds: []string{in.String("instance_id")}})
			w.must(err)
		},
	},
	"s3.remove-public-policy-statements": {
		setup: func(w *world) Input {
			b := w.bucket()
			_, err := w.s3.PutBucketPolicy(w.ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(b), Policy: aws.String(publicRead)})
			w.must(err)
			return w.input(map[string]any{"bucket": b})
		},
		undo: func(w *world, in Input, _ Result) {
			_, err := w.s3.PutBucketPolicy(w.ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(in.String("bucket")), Policy: aws.String(publicRead)})
			w.must(err)
		},
	},
	"s3.make-acl-private": {
		setup: func(w *world) Input {
			b := w.bucket()
			w.publicACL(b)
			return w.input(map[string]any{"bucket": b})
		},
		undo: func(w *world, in Input, _ Result) { w.publicACL(in.String("bucket")) },
	},
	"s3.block-public-access": {
		setup: func(w *world) Input { return w.input(map[string]any{"bucket": w.bucket()}) },
		undo: func(w *world, in Input, _ Result) {
			_, err := w.s3.DeletePublicAccessBlock(w.ctx, &s3.DeletePublicAccessBlockInput{Bucket: aws.String(in.String("bucket"))})
			w.must(err)
		},
	},
	"s3.enable-versioning": {
		setup: func(w *world) Input { return w.input(map[string]any{"bucket": w.bucket()}) },
		undo: func(w *world, in Input, _ Result) {
			_, err := w.s3.PutBucketVersioning(w.ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(in.String("bucket")),
				VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusSuspended}})
			w.must(err)
		},
	},
	"glue.delete-dev-endpoint": {
		setup: func(w *world) Input {
			w.devEndpoint()
			w.sim.Advance(time.Second)
			return w.input(map[string]any{"endpoint_name": "nb"})
		},
		undo: func(w *world, _ Input, _ Result) { w.devEndpoint() },
	},
	"accessanalyzer.archive-finding": {
		setup: func(w *world) Input {
			a, err := accessanalyzer.NewFromConfig(w.cfg).CreateAnalyzer(w.ctx, &accessanalyzer.CreateAnalyzerInput{AnalyzerName: aws.String("a"), Type: aatypes.TypeAccount})
			w.must(err)
			f, err := w.sim.AddAccessAnalyzerFinding(awssim.DefaultAccount, awssim.DefaultRegion, "a", awssim.AccessAnalyzerFinding{
				Resource: "arn:aws:s3:::reports", ResourceType: "AWS::S3::Bucket", Principal: map[string]string{"AWS": "*"}, Action: []string{"s3:GetObject"}, IsPublic: true})
			w.must(err)
			return w.input(map[string]any{"analyzer_arn": aws.ToString(a.Arn), "finding_id": f.ID})
		},
		undo: func(w *world, in Input, _ Result) {
			_, err := accessanalyzer.NewFromConfig(w.cfg).UpdateFindings(w.ctx, &accessanalyzer.UpdateFindingsInput{AnalyzerArn: aws.String(in.String("analyzer_arn")),
				Ids: []string{in.String("finding_id")}, Status: aatypes.FindingStatusUpdateActive})
			w.must(err)
		},
	},
	"securityhub.update-finding": {
		setup: func(w *world) Input {
			importTestFinding(w.t, w.sim, awssim.DefaultAccount, awssim.DefaultAccount)
			in := w.input(map[string]any{"note": "revoked sgr-1"})
			in.Target.FindingID, in.Target.ProductARN = testFindingID, testProduct
			return in
		},
		undo: func(w *world, _ Input, _ Result) {
			_, err := securityhub.NewFromConfig(w.cfg).BatchUpdateFindings(w.ctx, &securityhub.BatchUpdateFindingsInput{
				FindingIdentifiers: []shtypes.AwsSecurityFindingIdentifier{{Id: aws.String(testFindingID), ProductArn: aws.String(testProduct)}},
				Workflow:           &shtypes.WorkflowUpdate{Status: shtypes.WorkflowStatusNew}})
			w.must(err)
		},
	},
	"cloudtrail.start-logging": {
		setup: func(w *world) Input {
			ct := cloudtrail.NewFromConfig(w.cfg)
			w.trailBucket("trail-bucket")
			_, err := ct.CreateTrail(w.ctx, &cloudtrail.CreateTrailInput{Name: aws.String("org-trail"), S3BucketName: aws.String("trail-bucket")})
			w.must(err)
			return w.input(map[string]any{"trail": "org-trail"})
		},
		undo: func(w *world, in Input, _ Result) {
			_, err := cloudtrail.NewFromConfig(w.cfg).StopLogging(w.ctx, &cloudtrail.StopLoggingInput{Name: aws.String(in.String("trail"))})
			w.must(err)
		},
	},
	"tag.tag-resource": {
		setup: func(w *world) Input {
			id, _ := w.instance()
			arn := "arn:aws:ec2:" + awssim.DefaultRegion + ":" + awssim.DefaultAccount + ":instance/" + id
			return w.input(map[string]any{"resource_arn": arn, "tags": map[string]any{"owner": "team-a", "rectify:exempt": "until 2027"}})
		},
		undo: func(w *world, in Input, _ Result) {
			_, err := tagging.NewFromConfig(w.cfg).UntagResources(w.ctx, &tagging.UntagResourcesInput{ResourceARNList: []string{in.String("resource_arn")}, TagKeys: []string{"owner"}})
			w.must(err)
		},
	},
}

func (w *world) devEndpoint() {
	_, err := glue.NewFromConfig(w.cfg).CreateDevEndpoint(w.ctx, &glue.CreateDevEndpointInput{EndpointName: aws.String("nb"),
		RoleArn: aws.String("arn:aws:iam::" + awssim.DefaultAccount + ":role/glue")})
	w.must(err)
}

// writers returns the built-in actions that write.
func writers(t *testing.T) []*Spec {
	t.Helper()
	reg, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	var out []*Spec
	for _, s := range reg.All() {
		if len(s.Writes) > 0 {
			out = append(out, s)
		}
	}
	return out
}

// checked returns in with its parameters checked against spec.
func checked(t *testing.T, spec *Spec, in Input) Input {
	t.Helper()
	p, err := spec.Check(in.Params)
	if err != nil {
		t.Fatal(err)
	}
	in.Params = p
	return in
}

// TestEveryWriterHasAScenario keeps the table complete: an action that
// writes is tested below.
func TestEveryWriterHasAScenario(t *testing.T) {
	for _, s := range writers(t) {
		if _, ok := scenarios[s.Name]; !ok {
			t.Errorf("action %s writes but has no scenario (add one to a scenario map listed in scenarios)", s.Name)
		}
	}
}

// TestRunThenVerify runs each writing action behind its gate, then
// Verify behind a read-only gate, then Run again, which must find nothing
// left to do.
func TestRunThenVerify(t *testing.T) {
	for _, spec := range writers(t) {
		sc, ok := scenarios[spec.Name]
		if !ok {
			continue
		}
		t.Run(spec.Name, func(t *testing.T) {
			w := newWorld(t)
			in := checked(t, spec, sc.setup(w))
			res, err := spec.Run(w.ctx, gated(spec, in, true, ""))
			if err != nil || res.Outcome != Changed {
				t.Fatalf("Run = %+v, %v; want changed", res, err)
			}
			if err := spec.Verify(w.ctx, gated(spec, in, false, "verification"), res); err != nil {
				t.Fatalf("Verify after %q: %v", res.Message, err)
			}
			again, err := spec.Run(w.ctx, gated(spec, in, true, ""))
			if err != nil || (again.Outcome != AlreadyDone && again.Outcome != NotFound) {
				t.Errorf("second Run = %+v, %v; want already done", again, err)
			}
		})
	}
}

// TestVerifyCatchesUndoneChange undoes each change behind the action's
// back, as an administrator, between Run and Verify: Verify must say what
// it found.
func TestVerifyCatchesUndoneChange(t *testing.T) {
	for _, spec := range writers(t) {
		sc, ok := scenarios[spec.Name]
		if !ok || sc.undo == nil {
			continue
		}
		t.Run(spec.Name, func(t *testing.T) {
			w := newWorld(t)
			in := checked(t, spec, sc.setup(w))
			res, err := spec.Run(w.ctx, gated(spec, in, true, ""))
			if err != nil || res.Outcome != Changed {
				t.Fatalf("Run = %+v, %v; want changed", res, err)
			}
			sc.undo(w, in, res)
			err = spec.Verify(w.ctx, gated(spec, in, false, "verification"), res)
			var verr *VerifyError
			if !errors.As(err, &verr) || verr.Found == "" {
				t.Fatalf("Verify after the change was undone = %v, want a *VerifyError", err)
			}
			t.Logf("found: %s", verr.Found)
		})
	}
}

// TestReadOnlyGateChangesNothing runs each writing action with writes not
// allowed, as in a dry run: it fails on its first write with a
// *permission.DeniedError, or reports no change, and the simulator's
// activity log has no mutating call.
func TestReadOnlyGateChangesNothing(t *testing.T) {
	for _, spec := range writers(t) {
		sc, ok := scenarios[spec.Name]
		if !ok {
			continue
		}
		t.Run(spec.Name, func(t *testing.T) {
			w := newWorld(t)
			in := checked(t, spec, sc.setup(w))
			mark := len(w.sim.Trail(awssim.DefaultAccount, awssim.DefaultRegion))
			res, err := spec.Run(w.ctx, gated(spec, in, false, "dry run"))
			var denied *permission.DeniedError
			switch {
			case errors.As(err, &denied):
				if !denied.Write || !slices.Contains(spec.Writes, denied.Action) || !strings.Contains(err.Error(), "dry run") {
					t.Errorf("refused %+v, want one of its declared writes refused for the dry run", denied)
				}
			case err != nil:
				t.Errorf("Run: %v, want a *permission.DeniedError", err)
			case res.Outcome == Changed:
				t.Errorf("Run reported a change under a read-only gate: %+v", res)
			}
			for _, r := range w.sim.Trail(awssim.DefaultAccount, awssim.DefaultRegion)[mark:] {
				if !r.ReadOnly {
					t.Errorf("mutating call %s %s under a read-only gate", r.EventSource, r.EventName)
				}
			}
		})
	}
}

// TestUndeclaredCallIsRefused checks that the gate the tests use refuses
// an operation an action did not declare.
func TestUndeclaredCallIsRefused(t *testing.T) {
	w := newWorld(t)
	spec := &Spec{Name: "test.undeclared", Reads: []string{"iam:ListUsers"}}
	cli := iam.NewFromConfig(gated(spec, w.input(nil), true, "").AWS)
	if _, err := cli.ListUsers(w.ctx, &iam.ListUsersInput{}); err != nil {
		t.Fatalf("declared read: %v", err)
	}
	_, err := cli.ListRoles(w.ctx, &iam.ListRolesInput{})
	var denied *permission.DeniedError
	if !errors.As(err, &denied) || denied.Write || denied.Action != "iam:ListRoles" {
		t.Fatalf("undeclared read: %v, want a *permission.DeniedError", err)
	}
}
