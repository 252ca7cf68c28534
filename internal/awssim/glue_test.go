package awssim_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	gluetypes "github.com/aws/aws-sdk-go-v2/service/glue/types"

	"github.com/rectify-dev/rectify/internal/awssim"
)

// eventDetail reads an EventBridge event's detail.
func eventDetail(t *testing.T, raw []byte) map[string]any {
	t.Helper()
	var ev struct {
		Detail map[string]any `json:"detail"`
	}
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatalf("event: %v", err)
	}
	return ev.Detail
}

// normalized round-trips v through JSON so values compare as the wire
// shows them.
func normalized(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestGlueCreateDevEndpointCloudTrailMatchesSamples(t *testing.T) {
	for _, tc := range []struct {
		file string
		in   *glue.CreateDevEndpointInput
	}{
		{"cloudtrail-glue-create-dev-endpoint-insecure.json", &glue.CreateDevEndpointInput{
			EndpointName: aws.String("test1"), NumberOfNodes: 5, GlueVersion: aws.String("1.0"),
			RoleArn: aws.String("arn:aws:iam::444455556666:role/glue-ml-test"), PublicKeys: []string{},
			Arguments: map[string]string{"--enable-glue-datacatalog": "", "GLUE_PYTHON_VERSION": "3"},
		}},
		{"cloudtrail-glue-create-dev-endpoint-compliant.json", &glue.CreateDevEndpointInput{
			EndpointName: aws.String("secure-notebook"), NumberOfNodes: 2, GlueVersion: aws.String("1.0"),
			SecurityConfiguration: aws.String("test-secure"), SecurityGroupIds: []string{"sg-0a1b2c3d4e5f60718"},
			SubnetId: aws.String("subnet-0fedcba9876543210"), RoleArn: aws.String("arn:aws:iam::444455556666:role/glue-ml-test"),
			PublicKeys: []string{"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleExampleExampleExampleExample analyst@example.com"},
			Arguments:  map[string]string{"--enable-glue-datacatalog": "", "GLUE_PYTHON_VERSION": "3"},
		}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			raw, err := os.ReadFile("testdata/events/" + tc.file)
			if err != nil {
				t.Fatalf("sample event: %v", err)
			}
			want := eventDetail(t, raw)

			sim := awssim.Start(t)
			var mu sync.Mutex
			var events [][]byte
			sim.Subscribe(func(ev []byte) { mu.Lock(); events = append(events, ev); mu.Unlock() })
			cli := glue.NewFromConfig(sim.Config(member))
			if _, err := cli.CreateDevEndpoint(context.Background(), tc.in); err != nil {
				t.Fatalf("CreateDevEndpoint: %v", err)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(events) != 1 {
				t.Fatalf("got %d events, want 1", len(events))
			}
			got := eventDetail(t, events[0])
			for _, k := range []string{"eventSource", "eventName", "requestParameters", "responseElements", "recipientAccountId", "readOnly", "eventType"} {
				if !reflect.DeepEqual(got[k], want[k]) {
					t.Errorf("%s = %v, want %v as in the sample", k, normalized(t, got[k]), want[k])
				}
			}
		})
	}
}

func TestGlueDevEndpointLifecycle(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 20, 10, 15, 0, 0, time.UTC)
	sim := awssim.Start(t, fixedClock(now), func(o *awssim.Options) { o.GlueReadyDelay = 5 * time.Minute })
	cli := glue.NewFromConfig(sim.Config(member))

	out, err := cli.CreateDevEndpoint(ctx, &glue.CreateDevEndpointInput{
		EndpointName: aws.String("notebook"), RoleArn: aws.String("arn:aws:iam::" + member + ":role/glue"),
		PublicKey: aws.String("ssh-rsa AAAAB3Nza analyst"),
	})
	if err != nil {
		t.Fatalf("CreateDevEndpoint: %v", err)
	}
	if aws.ToString(out.Status) != "PROVISIONING" || !aws.ToTime(out.CreatedTimestamp).Equal(now) || out.NumberOfNodes != 5 || aws.ToString(out.GlueVersion) != "0.9" {
		t.Errorf("CreateDevEndpoint = status %s created %v nodes %d version %s", aws.ToString(out.Status), out.CreatedTimestamp, out.NumberOfNodes, aws.ToString(out.GlueVersion))
	}
	var exists *gluetypes.AlreadyExistsException
	if _, err := cli.CreateDevEndpoint(ctx, &glue.CreateDevEndpointInput{EndpointName: aws.String("notebook"), RoleArn: aws.String("arn:aws:iam::" + member + ":role/glue")}); !errors.As(err, &exists) {
		t.Errorf("second CreateDevEndpoint: got %v, want AlreadyExistsException", err)
	}
	var invalid *gluetypes.InvalidInputException
	if _, err := cli.CreateDevEndpoint(ctx, &glue.CreateDevEndpointInput{EndpointName: aws.String("x"), RoleArn: aws.String("glue")}); !errors.As(err, &invalid) {
		t.Errorf("CreateDevEndpoint with a bad role: got %v, want InvalidInputException", err)
	}

	// Still provisioning just before the delay: no address, and deletion is
	// refused.
	sim.Advance(5*time.Minute - time.Second)
	got, err := cli.GetDevEndpoint(ctx, &glue.GetDevEndpointInput{EndpointName: aws.String("notebook")})
	if err != nil || aws.ToString(got.DevEndpoint.Status) != "PROVISIONING" || got.DevEndpoint.PublicAddress != nil {
		t.Fatalf("GetDevEndpoint before the delay = %+v, %v; want PROVISIONING without an address", got, err)
	}
	if _, err := cli.DeleteDevEndpoint(ctx, &glue.DeleteDevEndpointInput{EndpointName: aws.String("notebook")}); !errors.As(err, &invalid) {
		t.Errorf("DeleteDevEndpoint while PROVISIONING: got %v, want InvalidInputException", err)
	}
	sim.Advance(time.Second)
	got, err = cli.GetDevEndpoint(ctx, &glue.GetDevEndpointInput{EndpointName: aws.String("notebook")})
	if err != nil || aws.ToString(got.DevEndpoint.Status) != "READY" {
		t.Fatalf("GetDevEndpoint after the delay = %+v, %v; want READY", got, err)
	}
	ep := got.DevEndpoint
	if !strings.HasSuffix(aws.ToString(ep.PublicAddress), ".amazonaws.com") || ep.PrivateAddress != nil || aws.ToString(ep.PublicKey) != "ssh-rsa AAAAB3Nza analyst" {
		t.Errorf("READY endpoint without a subnet = public %q private %q key %q", aws.ToString(ep.PublicAddress), aws.ToString(ep.PrivateAddress), aws.ToString(ep.PublicKey))
	}

	// Update: keys and arguments.
	if _, err := cli.UpdateDevEndpoint(ctx, &glue.UpdateDevEndpointInput{
		EndpointName: aws.String("notebook"), AddPublicKeys: []string{"ssh-ed25519 AAAAC3 a", "ssh-ed25519 AAAAC3 b"},
		DeletePublicKeys: []string{"ssh-ed25519 AAAAC3 a"}, AddArguments: map[string]string{"GLUE_PYTHON_VERSION": "3"},
	}); err != nil {
		t.Fatalf("UpdateDevEndpoint: %v", err)
	}
	got, err = cli.GetDevEndpoint(ctx, &glue.GetDevEndpointInput{EndpointName: aws.String("notebook")})
	if err != nil || !reflect.DeepEqual(got.DevEndpoint.PublicKeys, []string{"ssh-ed25519 AAAAC3 b"}) || got.DevEndpoint.Arguments["GLUE_PYTHON_VERSION"] != "3" {
		t.Errorf("after UpdateDevEndpoint = %+v, %v", got, err)
	}

	// A second endpoint in a VPC; list them in pages.
	if _, err := cli.CreateDevEndpoint(ctx, &glue.CreateDevEndpointInput{
		EndpointName: aws.String("vpc-notebook"), RoleArn: aws.String("arn:aws:iam::" + member + ":role/glue"),
		SubnetId: aws.String("subnet-0fedcba9876543210"), SecurityGroupIds: []string{"sg-0a1b2c3d4e5f60718"},
	}); err != nil {
		t.Fatalf("CreateDevEndpoint in a VPC: %v", err)
	}
	var names, statuses []string
	p := glue.NewGetDevEndpointsPaginator(cli, &glue.GetDevEndpointsInput{MaxResults: aws.Int32(1)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("GetDevEndpoints: %v", err)
		}
		for _, e := range page.DevEndpoints {
			names = append(names, aws.ToString(e.EndpointName))
			statuses = append(statuses, aws.ToString(e.Status))
		}
	}
	if !reflect.DeepEqual(names, []string{"notebook", "vpc-notebook"}) || !reflect.DeepEqual(statuses, []string{"READY", "PROVISIONING"}) {
		t.Errorf("GetDevEndpoints = %v %v", names, statuses)
	}
	sim.Advance(5 * time.Minute)
	vpc, err := cli.GetDevEndpoint(ctx, &glue.GetDevEndpointInput{EndpointName: aws.String("vpc-notebook")})
	if err != nil || vpc.DevEndpoint.PrivateAddress == nil || vpc.DevEndpoint.PublicAddress != nil {
		t.Errorf("READY endpoint in a subnet = %+v, %v; want a private address only", vpc, err)
	}

	// Another region and another account see nothing.
	west := glue.NewFromConfig(sim.Config(member), func(o *glue.Options) { o.Region = "us-west-2" })
	var nf *gluetypes.EntityNotFoundException
	if _, err := west.GetDevEndpoint(ctx, &glue.GetDevEndpointInput{EndpointName: aws.String("notebook")}); !errors.As(err, &nf) {
		t.Errorf("GetDevEndpoint in us-west-2: got %v, want EntityNotFoundException", err)
	}

	if _, err := cli.DeleteDevEndpoint(ctx, &glue.DeleteDevEndpointInput{EndpointName: aws.String("notebook")}); err != nil {
		t.Fatalf("DeleteDevEndpoint when READY: %v", err)
	}
	if _, err := cli.GetDevEndpoint(ctx, &glue.GetDevEndpointInput{EndpointName: aws.String("notebook")}); !errors.As(err, &nf) {
		t.Errorf("GetDevEndpoint after delete: got %v, want EntityNotFoundException", err)
	}
	if _, err := cli.DeleteDevEndpoint(ctx, &glue.DeleteDevEndpointInput{EndpointName: aws.String("notebook")}); !errors.As(err, &nf) {
		t.Errorf("second DeleteDevEndpoint: got %v, want EntityNotFoundException", err)
	}
}

func TestGlueSecurityConfigurationRoundTrip(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cli := glue.NewFromConfig(sim.Config(member))
	enc := &gluetypes.EncryptionConfiguration{
		S3Encryption:           []gluetypes.S3Encryption{{S3EncryptionMode: gluetypes.S3EncryptionModeSsekms, KmsKeyArn: aws.String("arn:aws:kms:us-east-1:" + member + ":key/1234")}},
		CloudWatchEncryption:   &gluetypes.CloudWatchEncryption{CloudWatchEncryptionMode: gluetypes.CloudWatchEncryptionModeDisabled},
		JobBookmarksEncryption: &gluetypes.JobBookmarksEncryption{JobBookmarksEncryptionMode: gluetypes.JobBookmarksEncryptionModeCsekms, KmsKeyArn: aws.String("arn:aws:kms:us-east-1:" + member + ":key/1234")},
	}
	for _, n := range []string{"test-secure", "other"} {
		if _, err := cli.CreateSecurityConfiguration(ctx, &glue.CreateSecurityConfigurationInput{Name: aws.String(n), EncryptionConfiguration: enc}); err != nil {
			t.Fatalf("CreateSecurityConfiguration %s: %v", n, err)
		}
	}
	var exists *gluetypes.AlreadyExistsException
	if _, err := cli.CreateSecurityConfiguration(ctx, &glue.CreateSecurityConfigurationInput{Name: aws.String("other"), EncryptionConfiguration: enc}); !errors.As(err, &exists) {
		t.Errorf("second CreateSecurityConfiguration: got %v, want AlreadyExistsException", err)
	}
	got, err := cli.GetSecurityConfiguration(ctx, &glue.GetSecurityConfigurationInput{Name: aws.String("test-secure")})
	if err != nil {
		t.Fatalf("GetSecurityConfiguration: %v", err)
	}
	sc := got.SecurityConfiguration
	if sc.CreatedTimeStamp == nil || len(sc.EncryptionConfiguration.S3Encryption) != 1 ||
		sc.EncryptionConfiguration.S3Encryption[0].S3EncryptionMode != gluetypes.S3EncryptionModeSsekms ||
		sc.EncryptionConfiguration.JobBookmarksEncryption.JobBookmarksEncryptionMode != gluetypes.JobBookmarksEncryptionModeCsekms {
		t.Errorf("GetSecurityConfiguration = %+v", sc)
	}
	list, err := cli.GetSecurityConfigurations(ctx, &glue.GetSecurityConfigurationsInput{})
	if err != nil || len(list.SecurityConfigurations) != 2 {
		t.Fatalf("GetSecurityConfigurations = %+v, %v", list, err)
	}
	if _, err := cli.DeleteSecurityConfiguration(ctx, &glue.DeleteSecurityConfigurationInput{Name: aws.String("other")}); err != nil {
		t.Fatalf("DeleteSecurityConfiguration: %v", err)
	}
	var nf *gluetypes.EntityNotFoundException
	if _, err := cli.GetSecurityConfiguration(ctx, &glue.GetSecurityConfigurationInput{Name: aws.String("other")}); !errors.As(err, &nf) {
		t.Errorf("GetSecurityConfiguration after delete: got %v, want EntityNotFoundException", err)
	}
	if _, err := cli.DeleteSecurityConfiguration(ctx, &glue.DeleteSecurityConfigurationInput{Name: aws.String("other")}); !errors.As(err, &nf) {
		t.Errorf("second DeleteSecurityConfiguration: got %v, want EntityNotFoundException", err)
	}
}
