package awssim_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/rectify-dev/rectify/internal/awssim"
)

type av = ddbtypes.AttributeValue

func ddbS(s string) av { return &ddbtypes.AttributeValueMemberS{Value: s} }
func ddbN(s string) av { return &ddbtypes.AttributeValueMemberN{Value: s} }

// newDynamoTable creates table "runs" (pk S, sk S) with a GSI "by-status"
// (status S, started N) and returns a client.
func newDynamoTable(t *testing.T) (*awssim.Server, *dynamodb.Client) {
	t.Helper()
	sim := awssim.Start(t)
	cli := dynamodb.NewFromConfig(sim.Config(""))
	_, err := cli.CreateTable(context.Background(), &dynamodb.CreateTableInput{
		TableName:   aws.String("runs"),
		BillingMode: ddbtypes.BillingModePayPerRequest,
		KeySchema: []ddbtypes.KeySchemaElement{
			{AttributeName: aws.String("pk"), KeyType: ddbtypes.KeyTypeHash},
			{AttributeName: aws.String("sk"), KeyType: ddbtypes.KeyTypeRange},
		},
		AttributeDefinitions: []ddbtypes.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: ddbtypes.ScalarAttributeTypeS},
			{AttributeName: aws.String("sk"), AttributeType: ddbtypes.ScalarAttributeTypeS},
			{AttributeName: aws.String("status"), AttributeType: ddbtypes.ScalarAttributeTypeS},
			{AttributeName: aws.String("started"), AttributeType: ddbtypes.ScalarAttributeTypeN},
		},
		GlobalSecondaryIndexes: []ddbtypes.GlobalSecondaryIndex{{
			IndexName: aws.String("by-status"),
			KeySchema: []ddbtypes.KeySchemaElement{
				{AttributeName: aws.String("status"), KeyType: ddbtypes.KeyTypeHash},
				{AttributeName: aws.String("started"), KeyType: ddbtypes.KeyTypeRange},
			},
			Projection: &ddbtypes.Projection{ProjectionType: ddbtypes.ProjectionTypeKeysOnly},
		}},
	})
	if err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
	return sim, cli
}

func TestDynamoDBTableRoundTrip(t *testing.T) {
	ctx := context.Background()
	sim, cli := newDynamoTable(t)
	d, err := cli.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("runs")})
	if err != nil {
		t.Fatalf("DescribeTable: %v", err)
	}
	tb := d.Table
	if tb.TableStatus != ddbtypes.TableStatusActive || aws.ToString(tb.TableArn) != "arn:aws:dynamodb:us-east-1:"+sim.Account()+":table/runs" ||
		tb.BillingModeSummary == nil || tb.BillingModeSummary.BillingMode != ddbtypes.BillingModePayPerRequest ||
		len(tb.KeySchema) != 2 || len(tb.GlobalSecondaryIndexes) != 1 || aws.ToString(tb.GlobalSecondaryIndexes[0].IndexName) != "by-status" {
		t.Errorf("DescribeTable = %+v", tb)
	}
	if _, err := cli.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName: aws.String("runs"), BillingMode: ddbtypes.BillingModePayPerRequest,
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: ddbtypes.KeyTypeHash}},
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
	}); apiCode(err) != "ResourceInUseException" {
		t.Errorf("CreateTable(existing) error = %v", err)
	}
	lt, err := cli.ListTables(ctx, &dynamodb.ListTablesInput{})
	if err != nil || len(lt.TableNames) != 1 || lt.TableNames[0] != "runs" {
		t.Errorf("ListTables = %+v, %v", lt, err)
	}

	ttl, err := cli.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String("runs")})
	if err != nil || ttl.TimeToLiveDescription.TimeToLiveStatus != ddbtypes.TimeToLiveStatusDisabled {
		t.Fatalf("DescribeTimeToLive = %+v, %v", ttl, err)
	}
	spec := &ddbtypes.TimeToLiveSpecification{AttributeName: aws.String("expires"), Enabled: aws.Bool(true)}
	if _, err := cli.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: aws.String("runs"), TimeToLiveSpecification: spec}); err != nil {
		t.Fatalf("UpdateTimeToLive: %v", err)
	}
	ttl, _ = cli.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String("runs")})
	if ttl.TimeToLiveDescription.TimeToLiveStatus != ddbtypes.TimeToLiveStatusEnabled || aws.ToString(ttl.TimeToLiveDescription.AttributeName) != "expires" {
		t.Errorf("DescribeTimeToLive after enable = %+v", ttl.TimeToLiveDescription)
	}
	if _, err := cli.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: aws.String("runs"), TimeToLiveSpecification: spec}); apiCode(err) != "ValidationException" {
		t.Errorf("UpdateTimeToLive twice error = %v", err)
	}

	del, err := cli.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("runs")})
	if err != nil || del.TableDescription.TableStatus != ddbtypes.TableStatusDeleting {
		t.Fatalf("DeleteTable = %+v, %v", del, err)
	}
	var rnf *ddbtypes.ResourceNotFoundException
	if _, err := cli.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("runs")}); !errors.As(err, &rnf) {
		t.Errorf("DescribeTable(deleted) error = %v, want ResourceNotFoundException", err)
	}
	if _, err := cli.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("runs"), Item: map[string]av{"pk": ddbS("a"), "sk": ddbS("b")}}); !errors.As(err, &rnf) {
		t.Errorf("PutItem(deleted table) error = %v, want ResourceNotFoundException", err)
	}
}

func TestDynamoDBItemRoundTrip(t *testing.T) {
	ctx := context.Background()
	_, cli := newDynamoTable(t)
	key := map[string]av{"pk": ddbS("run#1"), "sk": ddbS("meta")}
	item := map[string]av{
		"pk": ddbS("run#1"), "sk": ddbS("meta"), "status": ddbS("open"), "started": ddbN("100"),
		"tags":  &ddbtypes.AttributeValueMemberSS{Value: []string{"a", "b"}},
		"steps": &ddbtypes.AttributeValueMemberL{Value: []av{ddbS("x")}},
		"doc":   &ddbtypes.AttributeValueMemberM{Value: map[string]av{"n": ddbN("1.50"), "ok": &ddbtypes.AttributeValueMemberBOOL{Value: true}}},
		"nil":   &ddbtypes.AttributeValueMemberNULL{Value: true},
		"blob":  &ddbtypes.AttributeValueMemberB{Value: []byte{0, 1, 2}},
		"nums":  &ddbtypes.AttributeValueMemberNS{Value: []string{"1", "2"}},
	}
	if _, err := cli.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("runs"), Item: item, ConditionExpression: aws.String("attribute_not_exists(pk)")}); err != nil {
		t.Fatalf("PutItem: %v", err)
	}
	// The same put again fails its condition and returns the item.
	_, err := cli.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("runs"), Item: item, ConditionExpression: aws.String("attribute_not_exists(pk)"),
		ReturnValuesOnConditionCheckFailure: ddbtypes.ReturnValuesOnConditionCheckFailureAllOld})
	var ccf *ddbtypes.ConditionalCheckFailedException
	if !errors.As(err, &ccf) {
		t.Fatalf("second PutItem error = %v, want ConditionalCheckFailedException", err)
	}
	if s, ok := ccf.Item["status"].(*ddbtypes.AttributeValueMemberS); !ok || s.Value != "open" {
		t.Errorf("ConditionalCheckFailedException.Item = %v", ccf.Item)
	}

	got, err := cli.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("runs"), Key: key, ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatalf("GetItem: %v", err)
	}
	if n := got.Item["doc"].(*ddbtypes.AttributeValueMemberM).Value["n"].(*ddbtypes.AttributeValueMemberN).Value; n != "1.5" {
		t.Errorf("nested number = %q, want the normalized 1.5", n)
	}
	if b := got.Item["blob"].(*ddbtypes.AttributeValueMemberB).Value; string(b) != "\x00\x01\x02" {
		t.Errorf("binary = %v", b)
	}
	if len(got.Item) != len(item) {
		t.Errorf("GetItem returned %d attributes, want %d", len(got.Item), len(item))
	}

	up, err := cli.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String("runs"), Key: key,
		UpdateExpression:          aws.String("SET #s = :done, started = started + :one, steps = list_append(steps, :more), doc.extra = :x REMOVE #nil ADD tags :t"),
		ConditionExpression:       aws.String("#s = :open AND size(steps) < :three"),
		ExpressionAttributeNames:  map[string]string{"#s": "status", "#nil": "nil"},
		ExpressionAttributeValues: map[string]av{":done": ddbS("done"), ":one": ddbN("1"), ":more": &ddbtypes.AttributeValueMemberL{Value: []av{ddbS("y")}}, ":x": ddbS("z"), ":t": &ddbtypes.AttributeValueMemberSS{Value: []string{"c"}}, ":open": ddbS("open"), ":three": ddbN("3")},
		ReturnValues:              ddbtypes.ReturnValueUpdatedNew,
	})
	if err != nil {
		t.Fatalf("UpdateItem: %v", err)
	}
	if s := up.Attributes["started"].(*ddbtypes.AttributeValueMemberN).Value; s != "101" {
		t.Errorf("UPDATED_NEW started = %s", s)
	}
	if _, ok := up.Attributes["pk"]; ok {
		t.Errorf("UPDATED_NEW includes untouched key: %v", up.Attributes)
	}
	got, _ = cli.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("runs"), Key: key})
	if l := got.Item["steps"].(*ddbtypes.AttributeValueMemberL).Value; len(l) != 2 {
		t.Errorf("steps = %v", l)
	}
	if ss := got.Item["tags"].(*ddbtypes.AttributeValueMemberSS).Value; len(ss) != 3 {
		t.Errorf("tags = %v", ss)
	}
	if _, ok := got.Item["nil"]; ok {
		t.Error("REMOVE left the attribute")
	}
	if x := got.Item["doc"].(*ddbtypes.AttributeValueMemberM).Value["extra"]; x == nil {
		t.Error("SET doc.extra did not set the nested attribute")
	}

	// Projection.
	pr, err := cli.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("runs"), Key: key, ProjectionExpression: aws.String("#s, doc.n"), ExpressionAttributeNames: map[string]string{"#s": "status"}})
	if err != nil || len(pr.Item) != 2 || len(pr.Item["doc"].(*ddbtypes.AttributeValueMemberM).Value) != 1 {
		t.Errorf("GetItem projection = %v, %v", pr.Item, err)
	}

	// Delete with a failing condition, then a passing one.
	if _, err := cli.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("runs"), Key: key, ConditionExpression: aws.String("#s = :open"),
		ExpressionAttributeNames: map[string]string{"#s": "status"}, ExpressionAttributeValues: map[string]av{":open": ddbS("open")}}); !errors.As(err, &ccf) {
		t.Errorf("DeleteItem(failing condition) error = %v", err)
	}
	dl, err := cli.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("runs"), Key: key, ReturnValues: ddbtypes.ReturnValueAllOld})
	if err != nil || dl.Attributes["status"].(*ddbtypes.AttributeValueMemberS).Value != "done" {
		t.Fatalf("DeleteItem = %v, %v", dl, err)
	}
	got, err = cli.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("runs"), Key: key})
	if err != nil || got.Item != nil {
		t.Errorf("GetItem after delete = %v, %v", got.Item, err)
	}

	// Key validation.
	if _, err := cli.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("runs"), Item: map[string]av{"pk": ddbS("a")}}); apiCode(err) != "ValidationException" || !strings.Contains(err.Error(), "Missing the key sk") {
		t.Errorf("PutItem(no sort key) error = %v", err)
	}
	if _, err := cli.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("runs"), Item: map[string]av{"pk": ddbN("1"), "sk": ddbS("a")}}); apiCode(err) != "ValidationException" || !strings.Contains(err.Error(), "Type mismatch") {
		t.Errorf("PutItem(key type) error = %v", err)
	}
}

func TestDynamoDBQueryScanPagination(t *testing.T) {
	ctx := context.Background()
	_, cli := newDynamoTable(t)
	var writes []ddbtypes.WriteRequest
	for i := range 12 {
		status := "open"
		if i%3 == 0 {
			status = "done"
		}
		writes = append(writes, ddbtypes.WriteRequest{PutRequest: &ddbtypes.PutRequest{Item: map[string]av{
			"pk": ddbS("acct#1"), "sk": ddbS(fmt.Sprintf("run#%02d", i)), "status": ddbS(status), "started": ddbN(fmt.Sprint(1000 - i*10)), "n": ddbN(fmt.Sprint(i)),
		}}})
	}
	writes = append(writes, ddbtypes.WriteRequest{PutRequest: &ddbtypes.PutRequest{Item: map[string]av{"pk": ddbS("acct#2"), "sk": ddbS("run#00"), "n": ddbN("99")}}})
	if _, err := cli.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]ddbtypes.WriteRequest{"runs": writes}}); err != nil {
		t.Fatalf("BatchWriteItem: %v", err)
	}

	query := func(in *dynamodb.QueryInput) []string {
		t.Helper()
		in.TableName = aws.String("runs")
		var out []string
		p := dynamodb.NewQueryPaginator(cli, in)
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatalf("Query(%s): %v", aws.ToString(in.KeyConditionExpression), err)
			}
			for _, it := range page.Items {
				out = append(out, it["sk"].(*ddbtypes.AttributeValueMemberS).Value)
			}
		}
		return out
	}
	vals := map[string]av{":p": ddbS("acct#1"), ":a": ddbS("run#03"), ":b": ddbS("run#05")}
	for _, tc := range []struct {
		cond string
		want string
	}{
		{"pk = :p AND sk BETWEEN :a AND :b", "run#03 run#04 run#05"},
		{"pk = :p AND sk < :a", "run#00 run#01 run#02"},
		{"pk = :p AND sk <= :a", "run#00 run#01 run#02 run#03"},
		{"pk = :p AND sk > :b", "run#06 run#07 run#08 run#09 run#10 run#11"},
		{"pk = :p AND sk >= :b", "run#05 run#06 run#07 run#08 run#09 run#10 run#11"},
		{"pk = :p AND sk = :a", "run#03"},
		{"pk = :p AND begins_with(sk, :a)", "run#03"},
	} {
		ev := map[string]av{":p": vals[":p"]}
		for _, k := range []string{":a", ":b"} {
			if strings.Contains(tc.cond, k) {
				ev[k] = vals[k]
			}
		}
		for _, limit := range []*int32{nil, aws.Int32(2)} {
			got := strings.Join(query(&dynamodb.QueryInput{KeyConditionExpression: aws.String(tc.cond), ExpressionAttributeValues: ev, Limit: limit}), " ")
			if got != tc.want {
				t.Errorf("Query(%s, limit %v) = %s, want %s", tc.cond, aws.ToInt32(limit), got, tc.want)
			}
		}
	}
	// Descending with a filter, paged by 4 items evaluated at a time.
	got := query(&dynamodb.QueryInput{KeyConditionExpression: aws.String("pk = :p"), FilterExpression: aws.String("#s = :d"), ScanIndexForward: aws.Bool(false), Limit: aws.Int32(4),
		ExpressionAttributeNames: map[string]string{"#s": "status"}, ExpressionAttributeValues: map[string]av{":p": ddbS("acct#1"), ":d": ddbS("done")}})
	if strings.Join(got, " ") != "run#09 run#06 run#03 run#00" {
		t.Errorf("descending filtered query = %v", got)
	}
	// A page of a Limit counts what it evaluated.
	page, err := cli.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("runs"), KeyConditionExpression: aws.String("pk = :p"), FilterExpression: aws.String("n >= :five"), Limit: aws.Int32(8),
		ExpressionAttributeValues: map[string]av{":p": ddbS("acct#1"), ":five": ddbN("5")}})
	if err != nil || page.Count != 3 || page.ScannedCount != 8 || page.LastEvaluatedKey == nil {
		t.Errorf("Query page = count %d scanned %d lek %v, %v", page.Count, page.ScannedCount, page.LastEvaluatedKey, err)
	}
	// The index: done runs by start time, keys only.
	gp, err := cli.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("runs"), IndexName: aws.String("by-status"), KeyConditionExpression: aws.String("#s = :d AND started > :t"),
		ExpressionAttributeNames: map[string]string{"#s": "status"}, ExpressionAttributeValues: map[string]av{":d": ddbS("done"), ":t": ddbN("920")}})
	if err != nil || len(gp.Items) != 3 {
		t.Fatalf("Query(index) = %v, %v", gp, err)
	}
	if s := gp.Items[0]["started"].(*ddbtypes.AttributeValueMemberN).Value; s != "940" {
		t.Errorf("index order: first started = %s, want 940", s)
	}
	if _, ok := gp.Items[0]["n"]; ok || len(gp.Items[0]) != 4 {
		t.Errorf("KEYS_ONLY index item = %v", gp.Items[0])
	}
	if _, err := cli.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("runs"), IndexName: aws.String("by-status"), ConsistentRead: aws.Bool(true), KeyConditionExpression: aws.String("#s = :d"),
		ExpressionAttributeNames: map[string]string{"#s": "status"}, ExpressionAttributeValues: map[string]av{":d": ddbS("done")}}); apiCode(err) != "ValidationException" {
		t.Errorf("consistent index query error = %v", err)
	}
	for _, bad := range []string{"sk = :p", "pk < :p", "pk = :p OR pk = :p", "pk = :p AND n = :p"} {
		if _, err := cli.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("runs"), KeyConditionExpression: aws.String(bad), ExpressionAttributeValues: map[string]av{":p": ddbS("x")}}); apiCode(err) != "ValidationException" {
			t.Errorf("Query(%s) error = %v, want ValidationException", bad, err)
		}
	}

	if _, err := cli.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("runs"), KeyConditionExpression: aws.String("pk = :p"), Limit: aws.Int32(0),
		ExpressionAttributeValues: map[string]av{":p": ddbS("acct#1")}}); apiCode(err) != "ValidationException" {
		t.Errorf("Query(Limit 0) error = %v, want ValidationException", err)
	}

	// Scan pages through everything, with and without a filter.
	count := func(in *dynamodb.ScanInput) int {
		in.TableName = aws.String("runs")
		n := 0
		p := dynamodb.NewScanPaginator(cli, in)
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatalf("Scan: %v", err)
			}
			n += len(page.Items)
		}
		return n
	}
	if n := count(&dynamodb.ScanInput{Limit: aws.Int32(5)}); n != 13 {
		t.Errorf("Scan saw %d items, want 13", n)
	}
	if n := count(&dynamodb.ScanInput{Limit: aws.Int32(3), FilterExpression: aws.String("n BETWEEN :a AND :b"), ExpressionAttributeValues: map[string]av{":a": ddbN("2"), ":b": ddbN("10")}}); n != 9 {
		t.Errorf("filtered Scan saw %d items, want 9", n)
	}

	// BatchGetItem.
	bg, err := cli.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]ddbtypes.KeysAndAttributes{"runs": {Keys: []map[string]av{
		{"pk": ddbS("acct#1"), "sk": ddbS("run#01")}, {"pk": ddbS("acct#2"), "sk": ddbS("run#00")}, {"pk": ddbS("acct#3"), "sk": ddbS("none")},
	}}}})
	if err != nil || len(bg.Responses["runs"]) != 2 {
		t.Errorf("BatchGetItem = %v, %v", bg, err)
	}
}

func TestDynamoDBTransactWriteItems(t *testing.T) {
	ctx := context.Background()
	sim, cli := newDynamoTable(t)
	lock := map[string]av{"pk": ddbS("lock"), "sk": ddbS("l")}
	if _, err := cli.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("runs"), Item: map[string]av{"pk": ddbS("lock"), "sk": ddbS("l"), "owner": ddbS("a")}}); err != nil {
		t.Fatal(err)
	}
	tx := func(owner string) error {
		_, err := cli.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []ddbtypes.TransactWriteItem{
			{ConditionCheck: &ddbtypes.ConditionCheck{TableName: aws.String("runs"), Key: lock, ConditionExpression: aws.String("#o = :o"),
				ExpressionAttributeNames: map[string]string{"#o": "owner"}, ExpressionAttributeValues: map[string]av{":o": ddbS(owner)},
				ReturnValuesOnConditionCheckFailure: ddbtypes.ReturnValuesOnConditionCheckFailureAllOld}},
			{Put: &ddbtypes.Put{TableName: aws.String("runs"), Item: map[string]av{"pk": ddbS("run"), "sk": ddbS("1"), "by": ddbS(owner)}}},
			{Update: &ddbtypes.Update{TableName: aws.String("runs"), Key: map[string]av{"pk": ddbS("ctr"), "sk": ddbS("c")}, UpdateExpression: aws.String("ADD hits :one"),
				ExpressionAttributeValues: map[string]av{":one": ddbN("1")}}},
		}})
		return err
	}
	err := tx("b")
	var tce *ddbtypes.TransactionCanceledException
	if !errors.As(err, &tce) {
		t.Fatalf("TransactWriteItems(wrong owner) error = %v, want TransactionCanceledException", err)
	}
	if len(tce.CancellationReasons) != 3 || aws.ToString(tce.CancellationReasons[0].Code) != "ConditionalCheckFailed" ||
		aws.ToString(tce.CancellationReasons[1].Code) != "None" || tce.CancellationReasons[0].Item["owner"] == nil {
		t.Errorf("CancellationReasons = %+v", tce.CancellationReasons)
	}
	items, err := sim.DynamoDBItems(sim.Account(), "us-east-1", "runs")
	if err != nil || len(items) != 1 {
		t.Fatalf("a cancelled transaction wrote: %d items, %v", len(items), err)
	}
	if err := tx("a"); err != nil {
		t.Fatalf("TransactWriteItems: %v", err)
	}
	got, err := cli.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("runs"), Key: map[string]av{"pk": ddbS("ctr"), "sk": ddbS("c")}})
	if err != nil || got.Item["hits"].(*ddbtypes.AttributeValueMemberN).Value != "1" {
		t.Errorf("counter after transaction = %v, %v", got.Item, err)
	}
	if _, err := cli.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []ddbtypes.TransactWriteItem{
		{Put: &ddbtypes.Put{TableName: aws.String("runs"), Item: lock}},
		{Delete: &ddbtypes.Delete{TableName: aws.String("runs"), Key: lock}},
	}}); apiCode(err) != "ValidationException" {
		t.Errorf("two operations on one item error = %v", err)
	}
}

// TestDynamoDBExpressions checks condition and update expressions against
// an item, through PutItem/UpdateItem with a ConditionExpression.
func TestDynamoDBExpressions(t *testing.T) {
	ctx := context.Background()
	_, cli := newDynamoTable(t)
	base := map[string]av{
		"pk": ddbS("k"), "sk": ddbS("s"), "name": ddbS("alpha"), "n": ddbN("10"), "f": ddbN("2.5"),
		"tags": &ddbtypes.AttributeValueMemberSS{Value: []string{"x", "y"}},
		"l":    &ddbtypes.AttributeValueMemberL{Value: []av{ddbN("1"), ddbS("two")}},
		"m":    &ddbtypes.AttributeValueMemberM{Value: map[string]av{"a": ddbS("b"), "deep": &ddbtypes.AttributeValueMemberM{Value: map[string]av{"c": ddbN("3")}}}},
		"t":    &ddbtypes.AttributeValueMemberBOOL{Value: true},
		"z":    &ddbtypes.AttributeValueMemberNULL{Value: true},
	}
	values := map[string]av{
		":s": ddbS("alpha"), ":al": ddbS("al"), ":n9": ddbN("9"), ":n10": ddbN("10.0"), ":n100": ddbN("1e2"), ":x": ddbS("x"),
		":two": ddbS("two"), ":one": ddbN("1"), ":b": ddbS("b"), ":three": ddbN("3"), ":f": ddbN("2.50"), ":S": ddbS("S"), ":SS": ddbS("SS"),
		":list": &ddbtypes.AttributeValueMemberL{Value: []av{ddbN("1"), ddbS("two")}}, ":t": &ddbtypes.AttributeValueMemberBOOL{Value: true},
	}
	// used keeps only the placeholders an expression names: DynamoDB
	// refuses unused ones.
	used := func(expr string) map[string]av {
		out := map[string]av{}
		for k, v := range values {
			for _, tail := range []string{" ", ")", ",", ""} {
				if strings.Contains(expr+" ", k+tail) && (tail != "" || strings.HasSuffix(expr, k)) {
					out[k] = v
				}
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	}
	for _, tc := range []struct {
		expr string
		want string // "pass", "fail" or "invalid"
	}{
		{"attribute_exists(#nm)", "pass"},
		{"attribute_not_exists(#nm)", "fail"},
		{"attribute_not_exists(missing)", "pass"},
		{"#nm = :s", "pass"},
		{"#nm <> :s", "fail"},
		{"n = :n10", "pass"},
		{"n > :n9 AND n < :n100", "pass"},
		{"n >= :n10 AND n <= :n10", "pass"},
		{"n < :n9", "fail"},
		{"f = :f", "pass"},
		{"n BETWEEN :n9 AND :n100", "pass"},
		{"n BETWEEN :n100 AND :n9", "fail"},
		{"begins_with(#nm, :al)", "pass"},
		{"begins_with(#nm, :x)", "fail"},
		{"contains(tags, :x)", "pass"},
		{"contains(#nm, :al)", "pass"},
		{"contains(l, :two)", "pass"},
		{"contains(tags, :b)", "fail"},
		{"size(tags) = :one", "fail"},
		{"size(l) < :three", "pass"},
		{"size(#nm) > :three", "pass"},
		{"m.a = :b AND m.deep.c = :three", "pass"},
		{"l[1] = :two AND l[0] = :one", "pass"},
		{"l = :list", "pass"},
		{"t = :t AND attribute_type(z, :S)", "fail"},
		{"attribute_type(tags, :SS)", "pass"},
		{"NOT (n = :n9) AND (n = :n9 OR #nm = :s)", "pass"},
		{"NOT n = :n10 OR n = :n9", "fail"},
		{"#nm = :s AND n = :n9 OR n = :n10", "pass"},
		{"#nm IN (:x, :s)", "pass"},
		{"n > :s", "fail"}, // different types never compare
		{"n = ", "invalid"},
		{"(n = :n10", "invalid"},
		{"n = :undefined", "invalid"},
		{"#undefined = :s", "invalid"},
		{"bogus(n)", "invalid"},
		{"name = :s", "invalid"}, // reserved word
		{"n == :n10", "invalid"},
		{"n = :n10 AND", "invalid"},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			if _, err := cli.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("runs"), Item: base}); err != nil {
				t.Fatal(err)
			}
			in := &dynamodb.UpdateItemInput{
				TableName: aws.String("runs"), Key: map[string]av{"pk": ddbS("k"), "sk": ddbS("s")},
				UpdateExpression: aws.String("SET touched = :t"), ConditionExpression: aws.String(tc.expr),
				ExpressionAttributeValues: used(tc.expr + " :t"),
			}
			if strings.Contains(tc.expr, "#nm") {
				in.ExpressionAttributeNames = map[string]string{"#nm": "name"}
			}
			_, err := cli.UpdateItem(ctx, in)
			var got string
			switch code := apiCode(err); {
			case err == nil:
				got = "pass"
			case code == "ConditionalCheckFailedException":
				got = "fail"
			case code == "ValidationException":
				got = "invalid"
			default:
				t.Fatalf("UpdateItem: %v", err)
			}
			if got != tc.want {
				t.Errorf("%q: %s (%v), want %s", tc.expr, got, err, tc.want)
			}
		})
	}

	for _, tc := range []struct {
		update string
		attr   string
		want   string // the attribute as JSON-ish text, "" for removed, "invalid" for ValidationException
	}{
		{"SET n = n + :one", "n", "11"},
		{"SET n = n - :n100", "n", "-90"},
		{"SET f = f + :f", "f", "5"},
		{"SET newattr = if_not_exists(newattr, :one)", "newattr", "1"},
		{"SET n = if_not_exists(n, :one)", "n", "10"},
		{"SET l = list_append(:list, l)", "l", "4"},
		{"SET l[0] = :two", "l", "2"},
		{"REMOVE l[0]", "l", "1"},
		{"SET m.deep.c = :one", "m.deep.c", "1"},
		{"REMOVE m.a, tags", "tags", ""},
		{"ADD n :three", "n", "13"},
		{"ADD counter :three", "counter", "3"},
		{"ADD tags :SSset", "tags", "3"},
		{"DELETE tags :SSx", "tags", "1"},
		{"SET n = n + :s", "n", "invalid"},
		{"SET m.nope.c = :one", "m", "invalid"},
		{"SET pk = :s", "pk", "invalid"},
		{"SET n = :one, n = :three", "n", "invalid"},
		{"SET n = :one SET f = :one", "n", "invalid"},
		{"SET missing2 = missing + :one", "missing2", "invalid"},
	} {
		t.Run(tc.update, func(t *testing.T) {
			if _, err := cli.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("runs"), Item: base}); err != nil {
				t.Fatal(err)
			}
			vals := used(tc.update)
			if vals == nil {
				vals = map[string]av{}
			}
			if strings.Contains(tc.update, ":SSset") {
				vals[":SSset"] = &ddbtypes.AttributeValueMemberSS{Value: []string{"y", "z"}}
			}
			if strings.Contains(tc.update, ":SSx") {
				vals[":SSx"] = &ddbtypes.AttributeValueMemberSS{Value: []string{"x"}}
			}
			out, err := cli.UpdateItem(ctx, &dynamodb.UpdateItemInput{
				TableName: aws.String("runs"), Key: map[string]av{"pk": ddbS("k"), "sk": ddbS("s")},
				UpdateExpression: aws.String(tc.update), ExpressionAttributeValues: vals, ReturnValues: ddbtypes.ReturnValueAllNew,
			})
			if tc.want == "invalid" {
				if apiCode(err) != "ValidationException" {
					t.Errorf("%q error = %v, want ValidationException", tc.update, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("%q: %v", tc.update, err)
			}
			var got string
			var v av = &ddbtypes.AttributeValueMemberM{Value: out.Attributes}
			for _, part := range strings.Split(tc.attr, ".") {
				m, _ := v.(*ddbtypes.AttributeValueMemberM)
				if m == nil {
					v = nil
					break
				}
				v = m.Value[part]
			}
			switch x := v.(type) {
			case nil:
			case *ddbtypes.AttributeValueMemberN:
				got = x.Value
			case *ddbtypes.AttributeValueMemberL:
				got = fmt.Sprint(len(x.Value))
				if tc.update == "SET l[0] = :two" {
					got = fmt.Sprint(len(x.Value)) // first element replaced, length unchanged
				}
			case *ddbtypes.AttributeValueMemberSS:
				got = fmt.Sprint(len(x.Value))
			default:
				got = fmt.Sprintf("%T", x)
			}
			if got != tc.want {
				t.Errorf("%q: %s = %q, want %q", tc.update, tc.attr, got, tc.want)
			}
		})
	}
}

func TestDynamoDBStateSurvivesSnapshot(t *testing.T) {
	ctx := context.Background()
	sim, cli := newDynamoTable(t)
	item := map[string]av{"pk": ddbS("p"), "sk": ddbS("s"), "status": ddbS("open"), "started": ddbN("5"),
		"m":  &ddbtypes.AttributeValueMemberM{Value: map[string]av{"l": &ddbtypes.AttributeValueMemberL{Value: []av{}}, "b": &ddbtypes.AttributeValueMemberB{Value: []byte("x")}}},
		"ns": &ddbtypes.AttributeValueMemberNS{Value: []string{"1.5"}}}
	if _, err := cli.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("runs"), Item: item}); err != nil {
		t.Fatal(err)
	}
	snap, err := sim.Snapshot()
	if err != nil {
		t.Fatalf("Snapshot: %v", err)
	}
	sim.Reset()
	if _, err := cli.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("runs")}); apiCode(err) != "ResourceNotFoundException" {
		t.Fatalf("DescribeTable after Reset error = %v", err)
	}
	if err := sim.Restore(snap); err != nil {
		t.Fatalf("Restore: %v", err)
	}
	got, err := cli.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("runs"), Key: map[string]av{"pk": ddbS("p"), "sk": ddbS("s")}})
	if err != nil || len(got.Item) != len(item) {
		t.Fatalf("GetItem after Restore = %v, %v", got.Item, err)
	}
	if l := got.Item["m"].(*ddbtypes.AttributeValueMemberM).Value["l"].(*ddbtypes.AttributeValueMemberL).Value; len(l) != 0 {
		t.Errorf("empty list after Restore = %v", l)
	}
	q, err := cli.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("runs"), IndexName: aws.String("by-status"), KeyConditionExpression: aws.String("#s = :o"),
		ExpressionAttributeNames: map[string]string{"#s": "status"}, ExpressionAttributeValues: map[string]av{":o": ddbS("open")}})
	if err != nil || q.Count != 1 {
		t.Errorf("index Query after Restore = %v, %v", q, err)
	}
}

// TestDynamoDBLeaveUnprocessed checks that batch calls leave the number of
// items asked for unprocessed, returned in a form the SDK sends again.
func TestDynamoDBLeaveUnprocessed(t *testing.T) {
	ctx := context.Background()
	sim, cli := newDynamoTable(t)
	var writes []ddbtypes.WriteRequest
	for i := range 5 {
		writes = append(writes, ddbtypes.WriteRequest{PutRequest: &ddbtypes.PutRequest{Item: map[string]av{
			"pk": ddbS("p"), "sk": ddbS(fmt.Sprint(i)), "n": ddbN(fmt.Sprint(i)),
		}}})
	}
	sim.LeaveUnprocessed(3)
	out, err := cli.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]ddbtypes.WriteRequest{"runs": writes}})
	if err != nil {
		t.Fatalf("BatchWriteItem: %v", err)
	}
	left := out.UnprocessedItems["runs"]
	if len(left) != 3 {
		t.Fatalf("UnprocessedItems = %d items, want 3", len(left))
	}
	keys := func(n int) []map[string]av {
		var ks []map[string]av
		for i := range n {
			ks = append(ks, map[string]av{"pk": ddbS("p"), "sk": ddbS(fmt.Sprint(i))})
		}
		return ks
	}
	got, err := cli.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]ddbtypes.KeysAndAttributes{"runs": {Keys: keys(5)}}})
	if err != nil || len(got.Responses["runs"]) != 2 || len(got.UnprocessedKeys) != 0 {
		t.Fatalf("BatchGetItem after a partial write = %d items, %d tables unprocessed, %v; want the 2 written", len(got.Responses["runs"]), len(got.UnprocessedKeys), err)
	}
	// The unprocessed writes, sent again, are made.
	if out, err = cli.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: out.UnprocessedItems}); err != nil || len(out.UnprocessedItems) != 0 {
		t.Fatalf("BatchWriteItem of the unprocessed items = %v, %v", out, err)
	}
	sim.LeaveUnprocessed(2)
	got, err = cli.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]ddbtypes.KeysAndAttributes{"runs": {Keys: keys(5), ConsistentRead: aws.Bool(true)}}})
	if err != nil || len(got.Responses["runs"]) != 3 || len(got.UnprocessedKeys["runs"].Keys) != 2 {
		t.Fatalf("BatchGetItem leaving 2 = %d items, %v unprocessed, %v", len(got.Responses["runs"]), got.UnprocessedKeys, err)
	}
	again, err := cli.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: got.UnprocessedKeys})
	if err != nil || len(again.Responses["runs"]) != 2 {
		t.Fatalf("BatchGetItem of the unprocessed keys = %v, %v; want 2 items", again, err)
	}
}
