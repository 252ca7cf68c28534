package action

import (
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	aas "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	aastypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func (w *world) ddb() *dynamodb.Client { return dynamodb.NewFromConfig(w.cfg) }

// table makes a provisioned table of rcu read and wcu write capacity
// units with a global secondary index "by-owner" of 3 and 3.
func (w *world) table(name string, rcu, wcu int64) string {
	_, err := w.ddb().CreateTable(w.ctx, &dynamodb.CreateTableInput{TableName: aws.String(name),
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: ddbtypes.ScalarAttributeTypeS},
			{AttributeName: aws.String("owner"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema:             []ddbtypes.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: ddbtypes.KeyTypeHash}},
		ProvisionedThroughput: &ddbtypes.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(rcu), WriteCapacityUnits: aws.Int64(wcu)},
		GlobalSecondaryIndexes: []ddbtypes.GlobalSecondaryIndex{{IndexName: aws.String("by-owner"),
			KeySchema:             []ddbtypes.KeySchemaElement{{AttributeName: aws.String("owner"), KeyType: ddbtypes.KeyTypeHash}},
			Projection:            &ddbtypes.Projection{ProjectionType: ddbtypes.ProjectionTypeKeysOnly},
			ProvisionedThroughput: &ddbtypes.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(3), WriteCapacityUnits: aws.Int64(3)}}},
		Tags: []ddbtypes.Tag{{Key: aws.String("owner"), Value: aws.String("team-a")}},
	})
	w.must(err)
	return name
}

// targets returns the table's scalable targets as "resource dimension
// min-max".
func (w *world) targets(resources ...string) map[string][2]int32 {
	got, err := aas.NewFromConfig(w.cfg).DescribeScalableTargets(w.ctx, &aas.DescribeScalableTargetsInput{ServiceNamespace: aastypes.ServiceNamespaceDynamodb, ResourceIds: resources})
	w.must(err)
	out := map[string][2]int32{}
	for _, t := range got.ScalableTargets {
		out[aws.ToString(t.ResourceId)+" "+shortDimension(t.ScalableDimension)] = [2]int32{aws.ToInt32(t.MinCapacity), aws.ToInt32(t.MaxCapacity)}
	}
	return out
}

// dynamoDBScenarios are the scenarios of the DynamoDB actions.
var dynamoDBScenarios = map[string]scenario{
	"dynamodb.enable-auto-scaling": {
		setup: func(w *world) Input { return w.input(map[string]any{"table": w.table("orders", 10, 5)}) },
		undo: func(w *world, _ Input, _ Result) {
			_, err := aas.NewFromConfig(w.cfg).DeregisterScalableTarget(w.ctx, &aas.DeregisterScalableTargetInput{ServiceNamespace: aastypes.ServiceNamespaceDynamodb,
				ResourceId: aws.String("table/orders"), ScalableDimension: aastypes.ScalableDimensionDynamoDBTableReadCapacityUnits})
			w.must(err)
		},
	},
	"dynamodb.tag-table": {
		setup: func(w *world) Input {
			return w.input(map[string]any{"table": w.table("orders", 10, 5), "tags": map[string]any{"cost-center": "42", "data-class": ""}})
		},
		undo: func(w *world, in Input, _ Result) {
			_, err := w.ddb().UntagResource(w.ctx, &dynamodb.UntagResourceInput{ResourceArn: aws.String("arn:aws:dynamodb:us-east-1:123456789012:table/orders"), TagKeys: []string{"cost-center"}})
			w.must(err)
		},
	},
	"dynamodb.enable-deletion-protection": {
		setup: func(w *world) Input {
			return w.input(map[string]any{"table": "arn:aws:dynamodb:us-east-1:123456789012:table/" + w.table("orders", 10, 5)})
		},
		undo: func(w *world, _ Input, _ Result) {
			_, err := w.ddb().UpdateTable(w.ctx, &dynamodb.UpdateTableInput{TableName: aws.String("orders"), DeletionProtectionEnabled: aws.Bool(false)})
			w.must(err)
		},
	},
}

// DynamoDB.1: the maximum is never below today's capacity, read and write
// bounds are each their own, indexes scale too, and a capacity already
// registered keeps its bounds.
func TestEnableTableAutoScaling(t *testing.T) {
	w := newWorld(t)
	w.table("busy", 100, 2)
	res := w.mustDo("dynamodb.enable-auto-scaling", map[string]any{"table": "busy", "min_read": 5, "min_write": 1})
	if res.Outcome != Changed {
		t.Fatalf("Run = %+v", res)
	}
	got := w.targets("table/busy", "table/busy/index/by-owner")
	want := map[string][2]int32{
		"table/busy read": {5, 400}, "table/busy write": {1, 8},
		"table/busy/index/by-owner read": {5, 20}, "table/busy/index/by-owner write": {1, 12},
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("target %s = %v, want %v (all: %v)", k, got[k], v, got)
		}
	}
	d, err := w.ddb().DescribeTable(w.ctx, &dynamodb.DescribeTableInput{TableName: aws.String("busy")})
	w.must(err)
	if r := aws.ToInt64(d.Table.ProvisionedThroughput.ReadCapacityUnits); r != 100 {
		t.Errorf("read capacity after registering = %d, want 100 kept", r)
	}
	mark := w.markAll()
	res, err = w.do("dynamodb.enable-auto-scaling", map[string]any{"table": "busy"})
	w.expectOutcome("again", res, err, AlreadyDone)
	if len(w.writesAll(mark)) != 0 {
		t.Errorf("writes = %v", w.writesAll(mark))
	}

	// A capacity registered by its owner keeps its bounds; only the
	// missing policy and the other capacities are added.
	w.table("owned", 10, 10)
	_, err = aas.NewFromConfig(w.cfg).RegisterScalableTarget(w.ctx, &aas.RegisterScalableTargetInput{ServiceNamespace: aastypes.ServiceNamespaceDynamodb,
		ResourceId: aws.String("table/owned"), ScalableDimension: aastypes.ScalableDimensionDynamoDBTableReadCapacityUnits, MinCapacity: aws.Int32(10), MaxCapacity: aws.Int32(15)})
	w.must(err)
	res = w.mustDo("dynamodb.enable-auto-scaling", map[string]any{"table": "owned", "include_indexes": false})
	if got := w.targets("table/owned"); got["table/owned read"] != [2]int32{10, 15} || got["table/owned write"] != [2]int32{5, 40} {
		t.Errorf("targets = %v", got)
	}
	if pols := outputStrings(res.Output["policies"]); !slices.Equal(pols, []string{"rectify-table-read", "rectify-table-write"}) {
		t.Errorf("policies = %v", pols)
	}

	_, err = w.do("dynamodb.enable-auto-scaling", map[string]any{"table": "owned", "target_read_utilization": 95})
	w.expectPermanent(err, "target_read_utilization")
	res, err = w.do("dynamodb.enable-auto-scaling", map[string]any{"table": "missing"})
	w.expectOutcome("missing", res, err, NotFound)
	_, err = w.ddb().CreateTable(w.ctx, &dynamodb.CreateTableInput{TableName: aws.String("events"), BillingMode: ddbtypes.BillingModePayPerRequest,
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: ddbtypes.KeyTypeHash}}})
	w.must(err)
	res, err = w.do("dynamodb.enable-auto-scaling", map[string]any{"table": "events"})
	w.expectOutcome("on demand", res, err, AlreadyDone)
}

// DynamoDB.5: keys the table has keep their values.
func TestTagTableKeepsValues(t *testing.T) {
	w := newWorld(t)
	w.table("orders", 5, 5)
	res := w.mustDo("dynamodb.tag-table", map[string]any{"table": "orders", "tags": map[string]any{"owner": "someone-else", "cost-center": "42"}})
	if res.Outcome != Changed || !slices.Equal(outputStrings(res.Output["added"]), []string{"cost-center"}) {
		t.Fatalf("Run = %+v", res)
	}
	tags, err := tableTags(w.ctx, w.ddb(), "arn:aws:dynamodb:us-east-1:123456789012:table/orders")
	w.must(err)
	if tags["owner"] != "team-a" || tags["cost-center"] != "42" {
		t.Errorf("tags = %v", tags)
	}
	_, err = w.do("dynamodb.tag-table", map[string]any{"table": "orders", "tags": map[string]any{"n": 3}})
	w.expectPermanent(err, "tags")
}
