package awssim_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	cfgtypes "github.com/aws/aws-sdk-go-v2/service/configservice/types"

	"github.com/rectify-dev/rectify/internal/awssim"
)

func TestConfigRuleRoundTrip(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cli := configservice.NewFromConfig(sim.Config(member))

	rule := &cfgtypes.ConfigRule{
		ConfigRuleName: aws.String("s3-bucket-public-read-prohibited"),
		Description:    aws.String("Checks that buckets do not allow public read access."),
		Scope:          &cfgtypes.Scope{ComplianceResourceTypes: []string{"AWS::S3::Bucket"}},
		Source:         &cfgtypes.Source{Owner: cfgtypes.OwnerAws, SourceIdentifier: aws.String("S3_BUCKET_PUBLIC_READ_PROHIBITED")},
	}
	if _, err := cli.PutConfigRule(ctx, &configservice.PutConfigRuleInput{ConfigRule: rule}); err != nil {
		t.Fatalf("PutConfigRule: %v", err)
	}
	got, err := cli.DescribeConfigRules(ctx, &configservice.DescribeConfigRulesInput{ConfigRuleNames: []string{"s3-bucket-public-read-prohibited"}})
	if err != nil || len(got.ConfigRules) != 1 {
		t.Fatalf("DescribeConfigRules = %+v, %v", got, err)
	}
	r := got.ConfigRules[0]
	if !strings.HasPrefix(aws.ToString(r.ConfigRuleArn), "arn:aws:config:us-east-1:"+member+":config-rule/config-rule-") ||
		!strings.HasPrefix(aws.ToString(r.ConfigRuleId), "config-rule-") || r.ConfigRuleState != cfgtypes.ConfigRuleStateActive ||
		aws.ToString(r.Source.SourceIdentifier) != "S3_BUCKET_PUBLIC_READ_PROHIBITED" || r.Scope.ComplianceResourceTypes[0] != "AWS::S3::Bucket" {
		t.Errorf("DescribeConfigRules rule = %+v", r)
	}

	// Updating by name keeps the ARN and ID.
	rule.Description = aws.String("updated")
	if _, err := cli.PutConfigRule(ctx, &configservice.PutConfigRuleInput{ConfigRule: rule}); err != nil {
		t.Fatalf("PutConfigRule update: %v", err)
	}
	got2, err := cli.DescribeConfigRules(ctx, &configservice.DescribeConfigRulesInput{})
	if err != nil || len(got2.ConfigRules) != 1 || aws.ToString(got2.ConfigRules[0].Description) != "updated" ||
		aws.ToString(got2.ConfigRules[0].ConfigRuleArn) != aws.ToString(r.ConfigRuleArn) {
		t.Errorf("after update = %+v, %v", got2, err)
	}

	// Before any evaluation the rule has insufficient data.
	comp, err := cli.DescribeComplianceByConfigRule(ctx, &configservice.DescribeComplianceByConfigRuleInput{})
	if err != nil || len(comp.ComplianceByConfigRules) != 1 || comp.ComplianceByConfigRules[0].Compliance.ComplianceType != cfgtypes.ComplianceTypeInsufficientData {
		t.Fatalf("DescribeComplianceByConfigRule before evaluations = %+v, %v", comp, err)
	}

	now := sim.Now()
	if _, err := cli.PutEvaluations(ctx, &configservice.PutEvaluationsInput{
		ResultToken: aws.String("s3-bucket-public-read-prohibited"),
		Evaluations: []cfgtypes.Evaluation{
			{ComplianceResourceType: aws.String("AWS::S3::Bucket"), ComplianceResourceId: aws.String("public-assets"), ComplianceType: cfgtypes.ComplianceTypeNonCompliant, Annotation: aws.String("public read"), OrderingTimestamp: aws.Time(now)},
			{ComplianceResourceType: aws.String("AWS::S3::Bucket"), ComplianceResourceId: aws.String("logs"), ComplianceType: cfgtypes.ComplianceTypeCompliant, OrderingTimestamp: aws.Time(now)},
			{ComplianceResourceType: aws.String("AWS::S3::Bucket"), ComplianceResourceId: aws.String("backups"), ComplianceType: cfgtypes.ComplianceTypeCompliant, OrderingTimestamp: aws.Time(now)},
		},
	}); err != nil {
		t.Fatalf("PutEvaluations: %v", err)
	}
	comp, err = cli.DescribeComplianceByConfigRule(ctx, &configservice.DescribeComplianceByConfigRuleInput{ConfigRuleNames: []string{"s3-bucket-public-read-prohibited"}})
	if err != nil || len(comp.ComplianceByConfigRules) != 1 {
		t.Fatalf("DescribeComplianceByConfigRule = %+v, %v", comp, err)
	}
	if c := comp.ComplianceByConfigRules[0].Compliance; c.ComplianceType != cfgtypes.ComplianceTypeNonCompliant || aws.ToInt32(&c.ComplianceContributorCount.CappedCount) != 1 {
		t.Errorf("compliance = %+v / %+v, want NON_COMPLIANT with 1 contributor", c, c.ComplianceContributorCount)
	}
	details, err := cli.GetComplianceDetailsByConfigRule(ctx, &configservice.GetComplianceDetailsByConfigRuleInput{
		ConfigRuleName: aws.String("s3-bucket-public-read-prohibited"), ComplianceTypes: []cfgtypes.ComplianceType{cfgtypes.ComplianceTypeNonCompliant},
	})
	if err != nil || len(details.EvaluationResults) != 1 {
		t.Fatalf("GetComplianceDetailsByConfigRule NON_COMPLIANT = %+v, %v", details, err)
	}
	res := details.EvaluationResults[0]
	q := res.EvaluationResultIdentifier.EvaluationResultQualifier
	if aws.ToString(q.ResourceId) != "public-assets" || aws.ToString(q.ConfigRuleName) != "s3-bucket-public-read-prohibited" ||
		aws.ToString(res.Annotation) != "public read" || !aws.ToTime(res.EvaluationResultIdentifier.OrderingTimestamp).Equal(now.Truncate(time.Millisecond)) {
		t.Errorf("evaluation result = %+v / %+v", res, q)
	}
	// Pages of one over all three results.
	n := 0
	p := configservice.NewGetComplianceDetailsByConfigRulePaginator(cli, &configservice.GetComplianceDetailsByConfigRuleInput{
		ConfigRuleName: aws.String("s3-bucket-public-read-prohibited"), Limit: 1,
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("GetComplianceDetailsByConfigRule page: %v", err)
		}
		n += len(page.EvaluationResults)
	}
	if n != 3 {
		t.Errorf("paged results = %d, want 3", n)
	}

	// The bucket is fixed: a newer evaluation makes the rule compliant; an
	// older one does not undo it.
	for _, ev := range []struct {
		at   time.Time
		kind cfgtypes.ComplianceType
	}{{now.Add(time.Minute), cfgtypes.ComplianceTypeCompliant}, {now.Add(-time.Minute), cfgtypes.ComplianceTypeNonCompliant}} {
		if _, err := cli.PutEvaluations(ctx, &configservice.PutEvaluationsInput{
			ResultToken: r.ConfigRuleArn,
			Evaluations: []cfgtypes.Evaluation{{ComplianceResourceType: aws.String("AWS::S3::Bucket"), ComplianceResourceId: aws.String("public-assets"), ComplianceType: ev.kind, OrderingTimestamp: aws.Time(ev.at)}},
		}); err != nil {
			t.Fatalf("PutEvaluations: %v", err)
		}
	}
	comp, err = cli.DescribeComplianceByConfigRule(ctx, &configservice.DescribeComplianceByConfigRuleInput{})
	if err != nil || comp.ComplianceByConfigRules[0].Compliance.ComplianceType != cfgtypes.ComplianceTypeCompliant {
		t.Errorf("after the fix = %+v, %v; want COMPLIANT", comp, err)
	}
	nc, err := cli.DescribeComplianceByConfigRule(ctx, &configservice.DescribeComplianceByConfigRuleInput{ComplianceTypes: []cfgtypes.ComplianceType{cfgtypes.ComplianceTypeNonCompliant}})
	if err != nil || len(nc.ComplianceByConfigRules) != 0 {
		t.Errorf("NON_COMPLIANT rules after the fix = %+v, %v; want none", nc, err)
	}

	if _, err := cli.StartConfigRulesEvaluation(ctx, &configservice.StartConfigRulesEvaluationInput{ConfigRuleNames: []string{"s3-bucket-public-read-prohibited"}}); err != nil {
		t.Fatalf("StartConfigRulesEvaluation: %v", err)
	}
	st, err := cli.DescribeConfigRuleEvaluationStatus(ctx, &configservice.DescribeConfigRuleEvaluationStatusInput{})
	if err != nil || len(st.ConfigRulesEvaluationStatus) != 1 || st.ConfigRulesEvaluationStatus[0].LastSuccessfulInvocationTime == nil {
		t.Errorf("DescribeConfigRuleEvaluationStatus = %+v, %v", st, err)
	}

	if _, err := cli.DeleteConfigRule(ctx, &configservice.DeleteConfigRuleInput{ConfigRuleName: aws.String("s3-bucket-public-read-prohibited")}); err != nil {
		t.Fatalf("DeleteConfigRule: %v", err)
	}
	var nsr *cfgtypes.NoSuchConfigRuleException
	if _, err := cli.DeleteConfigRule(ctx, &configservice.DeleteConfigRuleInput{ConfigRuleName: aws.String("s3-bucket-public-read-prohibited")}); !errors.As(err, &nsr) {
		t.Errorf("second DeleteConfigRule: got %v, want NoSuchConfigRuleException", err)
	}
	if _, err := cli.DescribeConfigRules(ctx, &configservice.DescribeConfigRulesInput{ConfigRuleNames: []string{"s3-bucket-public-read-prohibited"}}); !errors.As(err, &nsr) {
		t.Errorf("DescribeConfigRules of a deleted rule: got %v, want NoSuchConfigRuleException", err)
	}
}

func TestConfigErrors(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cli := configservice.NewFromConfig(sim.Config(member))
	if _, err := cli.PutConfigRule(ctx, &configservice.PutConfigRuleInput{ConfigRule: &cfgtypes.ConfigRule{
		ConfigRuleName: aws.String("r"), Source: &cfgtypes.Source{Owner: cfgtypes.OwnerAws, SourceIdentifier: aws.String("S3_BUCKET_PUBLIC_WRITE_PROHIBITED")},
	}}); err != nil {
		t.Fatalf("PutConfigRule: %v", err)
	}
	ev := []cfgtypes.Evaluation{{ComplianceResourceType: aws.String("AWS::S3::Bucket"), ComplianceResourceId: aws.String("b"), ComplianceType: cfgtypes.ComplianceTypeCompliant, OrderingTimestamp: aws.Time(sim.Now())}}
	for _, tc := range []struct {
		name string
		call func() error
		want string
	}{
		{"unknown result token", func() error {
			_, err := cli.PutEvaluations(ctx, &configservice.PutEvaluationsInput{ResultToken: aws.String("nope"), Evaluations: ev})
			return err
		}, "InvalidResultTokenException"},
		{"insufficient data evaluation", func() error {
			bad := append([]cfgtypes.Evaluation(nil), ev...)
			bad[0].ComplianceType = cfgtypes.ComplianceTypeInsufficientData
			_, err := cli.PutEvaluations(ctx, &configservice.PutEvaluationsInput{ResultToken: aws.String("r"), Evaluations: bad})
			return err
		}, "InvalidParameterValueException"},
		{"bad owner", func() error {
			_, err := cli.PutConfigRule(ctx, &configservice.PutConfigRuleInput{ConfigRule: &cfgtypes.ConfigRule{ConfigRuleName: aws.String("x"), Source: &cfgtypes.Source{Owner: "ME"}}})
			return err
		}, "InvalidParameterValueException"},
		{"details of an unknown rule", func() error {
			_, err := cli.GetComplianceDetailsByConfigRule(ctx, &configservice.GetComplianceDetailsByConfigRuleInput{ConfigRuleName: aws.String("nope")})
			return err
		}, "NoSuchConfigRuleException"},
		{"evaluate an unknown rule", func() error {
			_, err := cli.StartConfigRulesEvaluation(ctx, &configservice.StartConfigRulesEvaluationInput{ConfigRuleNames: []string{"nope"}})
			return err
		}, "NoSuchConfigRuleException"},
		{"compliance of an unknown rule", func() error {
			_, err := cli.DescribeComplianceByConfigRule(ctx, &configservice.DescribeComplianceByConfigRuleInput{ConfigRuleNames: []string{"nope"}})
			return err
		}, "NoSuchConfigRuleException"},
	} {
		if err := tc.call(); apiCode(err) != tc.want {
			t.Errorf("%s: got %v, want %s", tc.name, err, tc.want)
		}
	}
	// Test mode validates without recording.
	if _, err := cli.PutEvaluations(ctx, &configservice.PutEvaluationsInput{ResultToken: aws.String("r"), Evaluations: ev, TestMode: true}); err != nil {
		t.Fatalf("PutEvaluations in test mode: %v", err)
	}
	d, err := cli.GetComplianceDetailsByConfigRule(ctx, &configservice.GetComplianceDetailsByConfigRuleInput{ConfigRuleName: aws.String("r")})
	if err != nil || len(d.EvaluationResults) != 0 {
		t.Errorf("after a test-mode PutEvaluations = %+v, %v; want no results", d, err)
	}
	// Rules are per region.
	west := configservice.NewFromConfig(sim.Config(member), func(o *configservice.Options) { o.Region = "us-west-2" })
	if out, err := west.DescribeConfigRules(ctx, &configservice.DescribeConfigRulesInput{}); err != nil || len(out.ConfigRules) != 0 {
		t.Errorf("us-west-2 rules = %+v, %v; want none", out, err)
	}
}
