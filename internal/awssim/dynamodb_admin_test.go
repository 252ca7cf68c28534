package awssim_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	aas "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	aastypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/rectify-dev/rectify/internal/awssim"
)

// provisionedTable makes a table of 10 read and 5 write capacity units
// with a global secondary index "by-owner".
func provisionedTable(t *testing.T, cli *dynamodb.Client, name string) *ddbtypes.TableDescription {
	t.Helper()
	out, err := cli.CreateTable(context.Background(), &dynamodb.CreateTableInput{TableName: aws.String(name),
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: ddbtypes.ScalarAttributeTypeS},
			{AttributeName: aws.String("owner"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema:             []ddbtypes.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: ddbtypes.KeyTypeHash}},
		ProvisionedThroughput: &ddbtypes.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(10), WriteCapacityUnits: aws.Int64(5)},
		GlobalSecondaryIndexes: []ddbtypes.GlobalSecondaryIndex{{IndexName: aws.String("by-owner"),
			KeySchema:             []ddbtypes.KeySchemaElement{{AttributeName: aws.String("owner"), KeyType: ddbtypes.KeyTypeHash}},
			Projection:            &ddbtypes.Projection{ProjectionType: ddbtypes.ProjectionTypeAll},
			ProvisionedThroughput: &ddbtypes.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(3), WriteCapacityUnits: aws.Int64(3)}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.TableDescription
}

func TestDynamoDBTableAdministration(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cli := dynamodb.NewFromConfig(sim.Config(""))
	table := provisionedTable(t, cli, "orders")

	up, err := cli.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: table.TableArn, DeletionProtectionEnabled: aws.Bool(true)})
	if err != nil || !aws.ToBool(up.TableDescription.DeletionProtectionEnabled) {
		t.Fatalf("UpdateTable(DeletionProtectionEnabled) = %+v, %v", up, err)
	}
	if _, err := cli.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("orders")}); apiCode(err) != "ValidationException" {
		t.Fatalf("deleting a protected table: %v", err)
	}
	if _, err := cli.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("orders")}); apiCode(err) != "ValidationException" {
		t.Errorf("UpdateTable without a change: %v", err)
	}
	if _, err := cli.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("orders"),
		ProvisionedThroughput: &ddbtypes.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(10), WriteCapacityUnits: aws.Int64(5)}}); apiCode(err) != "ValidationException" {
		t.Errorf("UpdateTable to the same throughput: %v", err)
	}

	// Tags, paged ten at a time.
	var tags []ddbtypes.Tag
	for i := range 12 {
		tags = append(tags, ddbtypes.Tag{Key: aws.String(fmt.Sprintf("k%02d", i)), Value: aws.String("")})
	}
	if _, err := cli.TagResource(ctx, &dynamodb.TagResourceInput{ResourceArn: table.TableArn, Tags: tags}); err != nil {
		t.Fatalf("TagResource: %v", err)
	}
	var got []string
	pages := 0
	for in := (&dynamodb.ListTagsOfResourceInput{ResourceArn: table.TableArn}); ; {
		page, err := cli.ListTagsOfResource(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, tg := range page.Tags {
			got = append(got, aws.ToString(tg.Key))
		}
		if page.NextToken == nil {
			break
		}
		in.NextToken = page.NextToken
	}
	if len(got) != 12 || pages != 2 {
		t.Errorf("ListTagsOfResource gave %d tags in %d pages, want 12 in 2", len(got), pages)
	}
	if _, err := cli.UntagResource(ctx, &dynamodb.UntagResourceInput{ResourceArn: table.TableArn, TagKeys: []string{"k00"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.ListTagsOfResource(ctx, &dynamodb.ListTagsOfResourceInput{ResourceArn: aws.String("arn:aws:dynamodb:us-east-1:" + awssim.DefaultAccount + ":table/none")}); apiCode(err) != "ResourceNotFoundException" {
		t.Errorf("tags of a missing table: %v", err)
	}

	// Point-in-time recovery and backups.
	pitr, err := cli.DescribeContinuousBackups(ctx, &dynamodb.DescribeContinuousBackupsInput{TableName: aws.String("orders")})
	if err != nil || pitr.ContinuousBackupsDescription.PointInTimeRecoveryDescription.PointInTimeRecoveryStatus != ddbtypes.PointInTimeRecoveryStatusDisabled {
		t.Fatalf("DescribeContinuousBackups = %+v, %v", pitr, err)
	}
	on, err := cli.UpdateContinuousBackups(ctx, &dynamodb.UpdateContinuousBackupsInput{TableName: aws.String("orders"),
		PointInTimeRecoverySpecification: &ddbtypes.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: aws.Bool(true)}})
	if err != nil || on.ContinuousBackupsDescription.PointInTimeRecoveryDescription.PointInTimeRecoveryStatus != ddbtypes.PointInTimeRecoveryStatusEnabled ||
		aws.ToInt32(on.ContinuousBackupsDescription.PointInTimeRecoveryDescription.RecoveryPeriodInDays) != 35 {
		t.Fatalf("UpdateContinuousBackups = %+v, %v", on, err)
	}
	if _, err := cli.DescribeContinuousBackups(ctx, &dynamodb.DescribeContinuousBackupsInput{TableName: aws.String("none")}); apiCode(err) != "TableNotFoundException" {
		t.Errorf("continuous backups of a missing table: %v", err)
	}
	b, err := cli.CreateBackup(ctx, &dynamodb.CreateBackupInput{TableName: aws.String("orders"), BackupName: aws.String("before-change")})
	if err != nil {
		t.Fatalf("CreateBackup: %v", err)
	}
	list, err := cli.ListBackups(ctx, &dynamodb.ListBackupsInput{TableName: aws.String("orders")})
	if err != nil || len(list.BackupSummaries) != 1 || aws.ToString(list.BackupSummaries[0].BackupArn) != aws.ToString(b.BackupDetails.BackupArn) {
		t.Fatalf("ListBackups = %+v, %v", list, err)
	}
	if _, err := cli.DeleteBackup(ctx, &dynamodb.DeleteBackupInput{BackupArn: b.BackupDetails.BackupArn}); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.DeleteBackup(ctx, &dynamodb.DeleteBackupInput{BackupArn: b.BackupDetails.BackupArn}); apiCode(err) != "BackupNotFoundException" {
		t.Errorf("deleting a deleted backup: %v", err)
	}
}

func TestApplicationAutoScalingDynamoDB(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cfg := sim.Config("")
	ddb := dynamodb.NewFromConfig(cfg)
	cli := aas.NewFromConfig(cfg)
	provisionedTable(t, ddb, "orders")
	register := func(resource string, dim aastypes.ScalableDimension, lo, hi int32) error {
		_, err := cli.RegisterScalableTarget(ctx, &aas.RegisterScalableTargetInput{ServiceNamespace: aastypes.ServiceNamespaceDynamodb,
			ResourceId: aws.String(resource), ScalableDimension: dim, MinCapacity: aws.Int32(lo), MaxCapacity: aws.Int32(hi)})
		return err
	}
	if err := register("table/none", aastypes.ScalableDimensionDynamoDBTableReadCapacityUnits, 5, 10); apiCode(err) != "ValidationException" {
		t.Fatalf("registering a missing table: %v", err)
	}
	if err := register("table/orders", aastypes.ScalableDimensionDynamoDBIndexReadCapacityUnits, 5, 10); apiCode(err) != "ValidationException" {
		t.Fatalf("an index dimension on a table: %v", err)
	}
	if err := register("table/orders", aastypes.ScalableDimensionDynamoDBTableReadCapacityUnits, 20, 10); apiCode(err) != "ValidationException" {
		t.Fatalf("min above max: %v", err)
	}
	// Registering brings capacity within the bounds: the table's 10 read
	// units are capped at 8, the index's 3 write units raised to 4.
	if err := register("table/orders", aastypes.ScalableDimensionDynamoDBTableReadCapacityUnits, 5, 8); err != nil {
		t.Fatalf("RegisterScalableTarget: %v", err)
	}
	if err := register("table/orders/index/by-owner", aastypes.ScalableDimensionDynamoDBIndexWriteCapacityUnits, 4, 40); err != nil {
		t.Fatalf("RegisterScalableTarget(index): %v", err)
	}
	d, err := ddb.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("orders")})
	if err != nil || aws.ToInt64(d.Table.ProvisionedThroughput.ReadCapacityUnits) != 8 ||
		aws.ToInt64(d.Table.GlobalSecondaryIndexes[0].ProvisionedThroughput.WriteCapacityUnits) != 4 {
		t.Fatalf("capacity after registering = %+v, %v", d.Table, err)
	}
	targets, err := cli.DescribeScalableTargets(ctx, &aas.DescribeScalableTargetsInput{ServiceNamespace: aastypes.ServiceNamespaceDynamodb,
		ResourceIds: []string{"table/orders"}})
	if err != nil || len(targets.ScalableTargets) != 1 || aws.ToInt32(targets.ScalableTargets[0].MaxCapacity) != 8 || aws.ToString(targets.ScalableTargets[0].RoleARN) == "" {
		t.Fatalf("DescribeScalableTargets = %+v, %v", targets, err)
	}
	policy := &aas.PutScalingPolicyInput{PolicyName: aws.String("read"), ServiceNamespace: aastypes.ServiceNamespaceDynamodb,
		ResourceId: aws.String("table/orders"), ScalableDimension: aastypes.ScalableDimensionDynamoDBTableReadCapacityUnits,
		PolicyType: aastypes.PolicyTypeTargetTrackingScaling,
		TargetTrackingScalingPolicyConfiguration: &aastypes.TargetTrackingScalingPolicyConfiguration{TargetValue: aws.Float64(70),
			PredefinedMetricSpecification: &aastypes.PredefinedMetricSpecification{PredefinedMetricType: aastypes.MetricTypeDynamoDBWriteCapacityUtilization}}}
	if _, err := cli.PutScalingPolicy(ctx, policy); apiCode(err) != "ValidationException" {
		t.Fatalf("a write metric on the read dimension: %v", err)
	}
	policy.TargetTrackingScalingPolicyConfiguration.PredefinedMetricSpecification.PredefinedMetricType = aastypes.MetricTypeDynamoDBReadCapacityUtilization
	out, err := cli.PutScalingPolicy(ctx, policy)
	if err != nil || aws.ToString(out.PolicyARN) == "" || len(out.Alarms) != 2 {
		t.Fatalf("PutScalingPolicy = %+v, %v", out, err)
	}
	policy.ResourceId = aws.String("table/unregistered")
	if _, err := cli.PutScalingPolicy(ctx, policy); apiCode(err) != "ObjectNotFoundException" {
		t.Errorf("a policy without a target: %v", err)
	}
	pols, err := cli.DescribeScalingPolicies(ctx, &aas.DescribeScalingPoliciesInput{ServiceNamespace: aastypes.ServiceNamespaceDynamodb, ResourceId: aws.String("table/orders")})
	if err != nil || len(pols.ScalingPolicies) != 1 || pols.ScalingPolicies[0].TargetTrackingScalingPolicyConfiguration == nil ||
		aws.ToFloat64(pols.ScalingPolicies[0].TargetTrackingScalingPolicyConfiguration.TargetValue) != 70 {
		t.Fatalf("DescribeScalingPolicies = %+v, %v", pols, err)
	}
	if _, err := cli.DeregisterScalableTarget(ctx, &aas.DeregisterScalableTargetInput{ServiceNamespace: aastypes.ServiceNamespaceDynamodb,
		ResourceId: aws.String("table/orders"), ScalableDimension: aastypes.ScalableDimensionDynamoDBTableReadCapacityUnits}); err != nil {
		t.Fatal(err)
	}
	pols, err = cli.DescribeScalingPolicies(ctx, &aas.DescribeScalingPoliciesInput{ServiceNamespace: aastypes.ServiceNamespaceDynamodb})
	if err != nil || len(pols.ScalingPolicies) != 0 {
		t.Errorf("policies after deregistering their target = %+v, %v", pols, err)
	}

	// On-demand tables have nothing to scale.
	if _, err := ddb.CreateTable(ctx, &dynamodb.CreateTableInput{TableName: aws.String("events"), BillingMode: ddbtypes.BillingModePayPerRequest,
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: ddbtypes.KeyTypeHash}}}); err != nil {
		t.Fatal(err)
	}
	if err := register("table/events", aastypes.ScalableDimensionDynamoDBTableReadCapacityUnits, 5, 10); apiCode(err) != "ValidationException" {
		t.Errorf("registering an on-demand table: %v", err)
	}
}
