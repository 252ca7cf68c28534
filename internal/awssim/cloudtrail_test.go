package awssim_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"

	"github.com/rectify-dev/rectify/internal/awssim"
)

// fixedClock makes the simulated time start at t.
func fixedClock(t time.Time) func(*awssim.Options) {
	return func(o *awssim.Options) { o.Clock = func() time.Time { return t } }
}

func userRecord(account, user, keyID, source, name string, at time.Time, readOnly bool) awssim.TrailRecord {
	return awssim.TrailRecord{
		UserIdentity: awssim.UserIdentity{
			Type: "IAMUser", PrincipalID: "AIDAEXAMPLE" + user, ARN: "arn:aws:iam::" + account + ":user/" + user,
			AccountID: account, AccessKeyID: keyID, UserName: user,
		},
		EventTime: at.UTC().Format(time.RFC3339), EventSource: source, EventName: name,
		SourceIPAddress: "203.0.113.7", UserAgent: "aws-cli/2.15.0", ReadOnly: readOnly,
		RequestParameters: map[string]any{"seq": at.Unix()},
	}
}

func TestCloudTrailLookupEventsByUserWindowAndPages(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	sim := awssim.Start(t, fixedClock(now))
	sim.AddAccount(member)

	// A day of history for "alice": one call every 30 minutes, and some
	// calls by "bob" in between.
	start := now.Add(-24 * time.Hour)
	for i := range 48 {
		at := start.Add(time.Duration(i) * 30 * time.Minute)
		name, src, ro := "ListBuckets", "s3.amazonaws.com", true
		if i%4 == 0 {
			name, src, ro = "AuthorizeSecurityGroupIngress", "ec2.amazonaws.com", false
		}
		sim.RecordActivity(member, "us-east-1", userRecord(member, "alice", "AKIAALICEEXAMPLE0001", src, name, at, ro))
		if i%6 == 0 {
			sim.RecordActivity(member, "us-east-1", userRecord(member, "bob", "AKIABOBEXAMPLE000001", "iam.amazonaws.com", "ListUsers", at.Add(time.Minute), true))
		}
	}
	// History older than 90 days is not returned.
	sim.RecordActivity(member, "us-east-1", userRecord(member, "alice", "AKIAALICEEXAMPLE0001", "s3.amazonaws.com", "ListBuckets", now.Add(-91*24*time.Hour), true))
	// A record in another region and another account stay apart.
	sim.RecordActivity(member, "eu-west-1", userRecord(member, "alice", "AKIAALICEEXAMPLE0001", "s3.amazonaws.com", "ListBuckets", now.Add(-time.Hour), true))
	sim.RecordActivity(awssim.DefaultAccount, "us-east-1", userRecord(awssim.DefaultAccount, "alice", "AKIAALICEEXAMPLE0001", "s3.amazonaws.com", "ListBuckets", now.Add(-time.Hour), true))

	cli := cloudtrail.NewFromConfig(sim.Config(member))
	trailBucket(t, sim.Config(member), member, "trail-bucket")
	// A real call through the SDK is recorded too, after the history.
	if _, err := cli.CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: aws.String("org-trail"), S3BucketName: aws.String("trail-bucket")}); err != nil {
		t.Fatalf("CreateTrail: %v", err)
	}

	// The last 12 hours of alice's activity (inclusive bounds): 25 records
	// at 12:00 yesterday + 30 min steps up to 11:30 today fall in
	// [now-12h, now].
	windowStart, windowEnd := now.Add(-12*time.Hour), now
	var events []cttypes.Event
	pages := 0
	in := &cloudtrail.LookupEventsInput{
		LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyUsername, AttributeValue: aws.String("alice")}},
		StartTime:        aws.Time(windowStart), EndTime: aws.Time(windowEnd), MaxResults: aws.Int32(10),
	}
	p := cloudtrail.NewLookupEventsPaginator(cli, in)
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("LookupEvents page %d: %v", pages+1, err)
		}
		if len(out.Events) > 10 {
			t.Fatalf("page %d has %d events, more than MaxResults 10", pages+1, len(out.Events))
		}
		pages++
		events = append(events, out.Events...)
	}
	if want := 24; len(events) != want {
		t.Fatalf("got %d events for alice in the window, want %d", len(events), want)
	}
	if pages != 3 {
		t.Errorf("got %d pages, want 3 (10+10+4)", pages)
	}
	seen := map[string]bool{}
	for i, ev := range events {
		if aws.ToString(ev.Username) != "alice" {
			t.Errorf("event %d: Username = %q", i, aws.ToString(ev.Username))
		}
		if seen[aws.ToString(ev.EventId)] {
			t.Errorf("event %s returned twice", aws.ToString(ev.EventId))
		}
		seen[aws.ToString(ev.EventId)] = true
		et := aws.ToTime(ev.EventTime)
		if et.Before(windowStart) || et.After(windowEnd) {
			t.Errorf("event %d at %s is outside the window", i, et)
		}
		if i > 0 && et.After(aws.ToTime(events[i-1].EventTime)) {
			t.Errorf("event %d at %s is newer than event %d: not newest first", i, et, i-1)
		}
		if aws.ToString(ev.AccessKeyId) != "AKIAALICEEXAMPLE0001" {
			t.Errorf("event %d: AccessKeyId = %q", i, aws.ToString(ev.AccessKeyId))
		}
		var rec awssim.TrailRecord
		if err := json.Unmarshal([]byte(aws.ToString(ev.CloudTrailEvent)), &rec); err != nil {
			t.Fatalf("event %d: CloudTrailEvent is not a record: %v", i, err)
		}
		if rec.EventID != aws.ToString(ev.EventId) || rec.EventName != aws.ToString(ev.EventName) || rec.UserIdentity.UserName != "alice" {
			t.Errorf("event %d: CloudTrailEvent %+v does not match the event", i, rec)
		}
		wantRO := fmt.Sprint(rec.ReadOnly)
		if aws.ToString(ev.ReadOnly) != wantRO {
			t.Errorf("event %d: ReadOnly = %q, want %q", i, aws.ToString(ev.ReadOnly), wantRO)
		}
	}
	if got := aws.ToTime(events[0].EventTime); !got.Equal(now.Add(-30 * time.Minute)) {
		t.Errorf("newest event at %s, want %s", got, now.Add(-30*time.Minute))
	}

	// The SDK call is found by the caller's identity and by event name.
	byName, err := cli.LookupEvents(ctx, &cloudtrail.LookupEventsInput{
		LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyEventName, AttributeValue: aws.String("CreateTrail")}},
	})
	if err != nil || len(byName.Events) != 1 {
		t.Fatalf("LookupEvents EventName=CreateTrail = %+v, %v; want one event", byName, err)
	}
	if ev := byName.Events[0]; aws.ToString(ev.Username) != "root" || aws.ToString(ev.ReadOnly) != "false" ||
		aws.ToString(ev.EventSource) != "cloudtrail.amazonaws.com" || len(ev.Resources) != 1 ||
		aws.ToString(ev.Resources[0].ResourceType) != "AWS::CloudTrail::Trail" {
		t.Errorf("CreateTrail event = %+v", ev)
	}

	// Filters by other attributes.
	for _, tc := range []struct {
		key   cttypes.LookupAttributeKey
		value string
		want  int
	}{
		{cttypes.LookupAttributeKeyUsername, "bob", 8},
		{cttypes.LookupAttributeKeyUsername, "alice", 48},
		{cttypes.LookupAttributeKeyAccessKeyId, "AKIABOBEXAMPLE000001", 8},
		{cttypes.LookupAttributeKeyEventSource, "ec2.amazonaws.com", 12},
		{cttypes.LookupAttributeKeyResourceName, "arn:aws:cloudtrail:us-east-1:" + member + ":trail/org-trail", 1},
		{cttypes.LookupAttributeKeyResourceType, "AWS::CloudTrail::Trail", 1},
		{cttypes.LookupAttributeKeyEventName, "DeleteTrail", 0},
	} {
		n := 0
		p := cloudtrail.NewLookupEventsPaginator(cli, &cloudtrail.LookupEventsInput{
			LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: tc.key, AttributeValue: aws.String(tc.value)}},
		})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				t.Fatalf("LookupEvents %s=%s: %v", tc.key, tc.value, err)
			}
			n += len(out.Events)
		}
		if n != tc.want {
			t.Errorf("LookupEvents %s=%s: %d events, want %d", tc.key, tc.value, n, tc.want)
		}
	}
	// ReadOnly=false: alice's 12 writes, the trail bucket's CreateBucket
	// and PutBucketPolicy, and CreateTrail.
	ro, err := cli.LookupEvents(ctx, &cloudtrail.LookupEventsInput{
		LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyReadOnly, AttributeValue: aws.String("false")}},
	})
	if err != nil || len(ro.Events) != 15 {
		t.Errorf("LookupEvents ReadOnly=false: %d events, %v; want 15", len(ro.Events), err)
	}
	// The other region holds only its own record.
	eu := cloudtrail.NewFromConfig(sim.Config(member), func(o *cloudtrail.Options) { o.Region = "eu-west-1" })
	euOut, err := eu.LookupEvents(ctx, &cloudtrail.LookupEventsInput{})
	if err != nil || len(euOut.Events) != 1 {
		t.Errorf("eu-west-1 LookupEvents: %d events, %v; want 1", len(euOut.Events), err)
	}
}

func TestCloudTrailLookupEventsErrors(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cli := cloudtrail.NewFromConfig(sim.Config(""))
	now := sim.Now()
	for _, tc := range []struct {
		name string
		in   *cloudtrail.LookupEventsInput
		want string
	}{
		{"two attributes", &cloudtrail.LookupEventsInput{LookupAttributes: []cttypes.LookupAttribute{
			{AttributeKey: cttypes.LookupAttributeKeyUsername, AttributeValue: aws.String("a")},
			{AttributeKey: cttypes.LookupAttributeKeyEventName, AttributeValue: aws.String("b")},
		}}, "InvalidLookupAttributesException"},
		{"unknown key", &cloudtrail.LookupEventsInput{LookupAttributes: []cttypes.LookupAttribute{
			{AttributeKey: "Color", AttributeValue: aws.String("a")},
		}}, "InvalidLookupAttributesException"},
		{"start after end", &cloudtrail.LookupEventsInput{StartTime: aws.Time(now), EndTime: aws.Time(now.Add(-time.Hour))}, "InvalidTimeRangeException"},
		{"max results", &cloudtrail.LookupEventsInput{MaxResults: aws.Int32(51)}, "InvalidMaxResultsException"},
		{"next token", &cloudtrail.LookupEventsInput{NextToken: aws.String("bm90LWFuLWV2ZW50")}, "InvalidNextTokenException"},
	} {
		_, err := cli.LookupEvents(ctx, tc.in)
		if apiCode(err) != tc.want {
			t.Errorf("%s: got %v, want %s", tc.name, err, tc.want)
		}
	}
}

func TestCloudTrailTrailRoundTrip(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cfg := sim.Config(member)
	cli := cloudtrail.NewFromConfig(cfg)
	west := cloudtrail.NewFromConfig(cfg, func(o *cloudtrail.Options) { o.Region = "us-west-2" })
	trailBucket(t, cfg, member, "logs-bucket")
	trailBucket(t, cfg, member, "central-logs")
	trailKey(t, cfg, member, "alias/trail-key")

	created, err := cli.CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: aws.String("main"), S3BucketName: aws.String("logs-bucket")})
	if err != nil {
		t.Fatalf("CreateTrail: %v", err)
	}
	arn := "arn:aws:cloudtrail:us-east-1:" + member + ":trail/main"
	if aws.ToString(created.TrailARN) != arn || !aws.ToBool(created.IncludeGlobalServiceEvents) || aws.ToBool(created.IsMultiRegionTrail) {
		t.Errorf("CreateTrail = %+v", created)
	}
	var exists *cttypes.TrailAlreadyExistsException
	if _, err := cli.CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: aws.String("main"), S3BucketName: aws.String("b")}); !errors.As(err, &exists) {
		t.Errorf("second CreateTrail: got %v, want TrailAlreadyExistsException", err)
	}
	var badName *cttypes.InvalidTrailNameException
	if _, err := cli.CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: aws.String("-x"), S3BucketName: aws.String("b")}); !errors.As(err, &badName) {
		t.Errorf("CreateTrail -x: got %v, want InvalidTrailNameException", err)
	}

	status, err := cli.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: aws.String("main")})
	if err != nil || aws.ToBool(status.IsLogging) {
		t.Fatalf("GetTrailStatus of a new trail = %+v, %v; want not logging", status, err)
	}
	if _, err := cli.StartLogging(ctx, &cloudtrail.StartLoggingInput{Name: aws.String(arn)}); err != nil {
		t.Fatalf("StartLogging: %v", err)
	}
	status, err = cli.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: aws.String("main")})
	if err != nil || !aws.ToBool(status.IsLogging) || status.StartLoggingTime == nil {
		t.Fatalf("GetTrailStatus after StartLogging = %+v, %v", status, err)
	}

	// Not yet multi-region: invisible from us-west-2.
	var nf *cttypes.TrailNotFoundException
	if _, err := west.GetTrail(ctx, &cloudtrail.GetTrailInput{Name: aws.String("main")}); !errors.As(err, &nf) {
		t.Errorf("GetTrail from us-west-2: got %v, want TrailNotFoundException", err)
	}
	up, err := cli.UpdateTrail(ctx, &cloudtrail.UpdateTrailInput{
		Name: aws.String("main"), IsMultiRegionTrail: aws.Bool(true), EnableLogFileValidation: aws.Bool(true),
		KmsKeyId: aws.String("alias/trail-key"), S3BucketName: aws.String("central-logs"),
	})
	if err != nil {
		t.Fatalf("UpdateTrail: %v", err)
	}
	if !aws.ToBool(up.IsMultiRegionTrail) || !aws.ToBool(up.LogFileValidationEnabled) || aws.ToString(up.S3BucketName) != "central-logs" ||
		aws.ToString(up.KmsKeyId) != "arn:aws:kms:us-east-1:"+member+":alias/trail-key" {
		t.Errorf("UpdateTrail = %+v", up)
	}
	got, err := west.GetTrail(ctx, &cloudtrail.GetTrailInput{Name: aws.String("main")})
	if err != nil || aws.ToString(got.Trail.HomeRegion) != "us-east-1" || !aws.ToBool(got.Trail.LogFileValidationEnabled) {
		t.Fatalf("GetTrail from us-west-2 = %+v, %v", got, err)
	}
	var home *cttypes.InvalidHomeRegionException
	if _, err := west.StopLogging(ctx, &cloudtrail.StopLoggingInput{Name: aws.String(arn)}); !errors.As(err, &home) {
		t.Errorf("StopLogging from us-west-2: got %v, want InvalidHomeRegionException", err)
	}
	for _, c := range []struct {
		region string
		cli    *cloudtrail.Client
		shadow *bool
		want   int
	}{{"us-east-1", cli, nil, 1}, {"us-west-2", west, nil, 1}, {"us-west-2", west, aws.Bool(false), 0}} {
		d, err := c.cli.DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{IncludeShadowTrails: c.shadow})
		if err != nil || len(d.TrailList) != c.want {
			t.Errorf("DescribeTrails in %s (shadows %v): %d trails, %v; want %d", c.region, c.shadow, len(d.TrailList), err, c.want)
		}
	}
	sel, err := cli.GetEventSelectors(ctx, &cloudtrail.GetEventSelectorsInput{TrailName: aws.String("main")})
	if err != nil || len(sel.EventSelectors) != 1 || !aws.ToBool(sel.EventSelectors[0].IncludeManagementEvents) {
		t.Errorf("GetEventSelectors = %+v, %v", sel, err)
	}

	if _, err := cli.StopLogging(ctx, &cloudtrail.StopLoggingInput{Name: aws.String("main")}); err != nil {
		t.Fatalf("StopLogging: %v", err)
	}
	status, err = cli.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: aws.String("main")})
	if err != nil || aws.ToBool(status.IsLogging) || status.StopLoggingTime == nil {
		t.Errorf("GetTrailStatus after StopLogging = %+v, %v", status, err)
	}
	// The StopLogging call is an API call EventBridge would deliver.
	var stop *awssim.TrailRecord
	for _, r := range sim.Trail(member, "us-east-1") {
		if r.EventName == "StopLogging" && r.ErrorCode == "" {
			stop = &r
		}
	}
	if stop == nil || stop.ReadOnly {
		t.Fatalf("no mutating StopLogging record in the activity log")
	}
	if params, _ := stop.RequestParameters.(map[string]any); params["name"] != "main" {
		t.Errorf("StopLogging requestParameters = %v, want name=main", stop.RequestParameters)
	}

	if _, err := cli.DeleteTrail(ctx, &cloudtrail.DeleteTrailInput{Name: aws.String("main")}); err != nil {
		t.Fatalf("DeleteTrail: %v", err)
	}
	if _, err := cli.DeleteTrail(ctx, &cloudtrail.DeleteTrailInput{Name: aws.String("main")}); !errors.As(err, &nf) {
		t.Errorf("second DeleteTrail: got %v, want TrailNotFoundException", err)
	}
	if d, err := cli.DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{}); err != nil || len(d.TrailList) != 0 {
		t.Errorf("DescribeTrails after delete = %+v, %v", d, err)
	}
}
