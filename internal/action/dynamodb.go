package action

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	aas "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	aastypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// DynamoDB actions of the Security Hub controls: capacity auto scaling
// (DynamoDB.1, through Application Auto Scaling), required tags
// (DynamoDB.5) and deletion protection (DynamoDB.6).

var tableParam = Param{Name: "table", Type: String, Required: true, Description: "the table, by name or ARN"}

func dynamoDBActions() []Spec {
	return []Spec{
		{
			Name: "dynamodb.enable-auto-scaling",
			Description: "Make a provisioned table's read and write capacity, and its global secondary indexes', scale with " +
				"demand: register each as an Application Auto Scaling target and give it a target-tracking policy. A capacity " +
				"already registered keeps its bounds and policies; an on-demand table needs nothing. The maximum is never below " +
				"the capacity provisioned now, so a busy table is not capped. Scaling up raises the bill.",
			Params: []Param{
				tableParam,
				{Name: "min_read", Type: Int, Default: 5, Description: "the fewest read capacity units"},
				{Name: "min_write", Type: Int, Default: 5, Description: "the fewest write capacity units"},
				{Name: "max_read", Type: Int, Default: 0, Description: "the most read capacity units; 0 means four times the larger of the minimum and the capacity provisioned now"},
				{Name: "max_write", Type: Int, Default: 0, Description: "the most write capacity units; 0 means four times the larger of the minimum and the capacity provisioned now"},
				{Name: "target_read_utilization", Type: Int, Default: 70, Description: "the read utilization, in percent (20 to 90), scaling aims at"},
				{Name: "target_write_utilization", Type: Int, Default: 70, Description: "the write utilization, in percent (20 to 90), scaling aims at"},
				{Name: "include_indexes", Type: Bool, Default: true, Description: "scale the table's global secondary indexes too"},
			},
			Reads:  []string{"dynamodb:DescribeTable", "application-autoscaling:DescribeScalableTargets", "application-autoscaling:DescribeScalingPolicies"},
			Writes: []string{"application-autoscaling:RegisterScalableTarget", "application-autoscaling:PutScalingPolicy"},
			// Application Auto Scaling makes its service-linked role on first
			// use and the alarms of target tracking in the caller's name.
			ExtraPermissions: []string{"iam:CreateServiceLinkedRole", "cloudwatch:PutMetricAlarm", "cloudwatch:DescribeAlarms", "cloudwatch:DeleteAlarms"},
			Describe: func(in Input) string {
				idx := " and its global secondary indexes"
				if !in.Bool("include_indexes") {
					idx = ""
				}
				return fmt.Sprintf("make the read and write capacity of table %s%s in account %s scale between at least %d/%d units and %s, aiming at %d%%/%d%% utilization; capacity, and the bill, may rise to the maximum",
					in.String("table"), idx, in.Target.Account, in.Int("min_read"), in.Int("min_write"), maxWords(in), in.Int("target_read_utilization"), in.Int("target_write_utilization"))
			},
			Run:    enableTableAutoScaling,
			Verify: verifyTableAutoScaling,
		},
		{
			Name:        "dynamodb.tag-table",
			Description: "Add the tags a table lacks. Keys it already has keep their values.",
			Params: []Param{tableParam,
				{Name: "tags", Type: Map, Required: true, Description: "the tags the table must have, key to value (a value may be empty)"}},
			Reads: []string{"dynamodb:DescribeTable", "dynamodb:ListTagsOfResource"}, Writes: []string{"dynamodb:TagResource"},
			Describe: func(in Input) string {
				return fmt.Sprintf("add to table %s in account %s those of the tags %s it lacks, keeping the values of keys it has", in.String("table"), in.Target.Account, formatTags(in.Map("tags")))
			},
			Run:    tagTable,
			Verify: verifyTableTags,
		},
		{
			Name:        "dynamodb.enable-deletion-protection",
			Description: "Turn on a table's deletion protection: deleting it fails until it is turned off, including deletion by infrastructure-as-code tools.",
			Params:      []Param{tableParam},
			Reads:       []string{"dynamodb:DescribeTable"}, Writes: []string{"dynamodb:UpdateTable"},
			Describe: func(in Input) string {
				return fmt.Sprintf("turn on deletion protection of table %s in account %s", in.String("table"), in.Target.Account)
			},
			Run:    enableTableDeletionProtection,
			Verify: verifyTableDeletionProtection,
		},
	}
}

func maxWords(in Input) string {
	r, w := in.Int("max_read"), in.Int("max_write")
	if r == 0 && w == 0 {
		return "four times the larger of the minimum and today's capacity"
	}
	return fmt.Sprintf("%s/%s units", orAuto(r), orAuto(w))
}

func orAuto(n int) string {
	if n == 0 {
		return "auto"
	}
	return fmt.Sprint(n)
}

// tableOf returns a table's description, nil if it does not exist.
func tableOf(ctx context.Context, cli *dynamodb.Client, table string) (*ddbtypes.TableDescription, error) {
	got, err := cli.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	switch {
	case IsNotFound(err, "ResourceNotFoundException"):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("describe table %s: %w", table, err)
	}
	return got.Table, nil
}

func tableMissing(table string) string { return fmt.Sprintf("table %s does not exist", table) }

// Auto scaling (DynamoDB.1).

// scalingDimension is one capacity of a table or index that scales.
type scalingDimension struct {
	Resource  string // table/NAME or table/NAME/index/INDEX
	Dimension aastypes.ScalableDimension
	Metric    aastypes.MetricType
	Current   int64
	Min, Max  int32
	Target    float64
	Policy    string
}

// scalingDimensions returns the capacities of a table the action scales.
func scalingDimensions(in Input, t *ddbtypes.TableDescription) []scalingDimension {
	name := aws.ToString(t.TableName)
	bound := func(min, max int, current int64) (int32, int32) {
		if max == 0 {
			max = 4 * int(slices.Max([]int64{int64(min), current}))
		}
		return int32(min), int32(slices.Max([]int64{int64(max), current, int64(min)}))
	}
	add := func(out []scalingDimension, resource, kind, policyBase string, tp *ddbtypes.ProvisionedThroughputDescription) []scalingDimension {
		var r, w int64
		if tp != nil {
			r, w = aws.ToInt64(tp.ReadCapacityUnits), aws.ToInt64(tp.WriteCapacityUnits)
		}
		rmin, rmax := bound(in.Int("min_read"), in.Int("max_read"), r)
		wmin, wmax := bound(in.Int("min_write"), in.Int("max_write"), w)
		return append(out,
			scalingDimension{resource, aastypes.ScalableDimension("dynamodb:" + kind + ":ReadCapacityUnits"), aastypes.MetricTypeDynamoDBReadCapacityUtilization,
				r, rmin, rmax, float64(in.Int("target_read_utilization")), policyBase + "-read"},
			scalingDimension{resource, aastypes.ScalableDimension("dynamodb:" + kind + ":WriteCapacityUnits"), aastypes.MetricTypeDynamoDBWriteCapacityUtilization,
				w, wmin, wmax, float64(in.Int("target_write_utilization")), policyBase + "-write"})
	}
	out := add(nil, "table/"+name, "table", "rectify-table", t.ProvisionedThroughput)
	if in.Bool("include_indexes") {
		for _, g := range t.GlobalSecondaryIndexes {
			idx := aws.ToString(g.IndexName)
			out = add(out, "table/"+name+"/index/"+idx, "index", "rectify-index-"+idx, g.ProvisionedThroughput)
		}
	}
	return out
}

// scalingState returns which dimensions of resources are registered and
// which have a target-tracking policy.
func scalingState(ctx context.Context, cli *aas.Client, resources []string) (registered, tracked map[string]bool, err error) {
	registered, tracked = map[string]bool{}, map[string]bool{}
	targets, err := cli.DescribeScalableTargets(ctx, &aas.DescribeScalableTargetsInput{ServiceNamespace: aastypes.ServiceNamespaceDynamodb, ResourceIds: resources})
	if err != nil {
		return nil, nil, fmt.Errorf("describe scalable targets: %w", err)
	}
	for _, t := range targets.ScalableTargets {
		registered[aws.ToString(t.ResourceId)+"|"+string(t.ScalableDimension)] = true
	}
	for _, r := range resources {
		var token *string
		for {
			pols, err := cli.DescribeScalingPolicies(ctx, &aas.DescribeScalingPoliciesInput{ServiceNamespace: aastypes.ServiceNamespaceDynamodb, ResourceId: aws.String(r), NextToken: token})
			if err != nil {
				return nil, nil, fmt.Errorf("describe scaling policies of %s: %w", r, err)
			}
			for _, p := range pols.ScalingPolicies {
				if p.PolicyType == aastypes.PolicyTypeTargetTrackingScaling {
					tracked[r+"|"+string(p.ScalableDimension)] = true
				}
			}
			if token = pols.NextToken; token == nil {
				break
			}
		}
	}
	return registered, tracked, nil
}

func uniqueResources(dims []scalingDimension) []string {
	var out []string
	for _, d := range dims {
		if !slices.Contains(out, d.Resource) {
			out = append(out, d.Resource)
		}
	}
	return out
}

func enableTableAutoScaling(ctx context.Context, in Input) (Result, error) {
	table := in.String("table")
	out := map[string]any{"table": table, "registered": []string{}, "policies": []string{}}
	for _, p := range []string{"target_read_utilization", "target_write_utilization"} {
		if v := in.Int(p); v < 20 || v > 90 {
			return Result{}, errParam("dynamodb.enable-auto-scaling", p, v, "want a percentage from 20 to 90")
		}
	}
	for _, p := range []string{"min_read", "min_write"} {
		if v := in.Int(p); v < 1 {
			return Result{}, errParam("dynamodb.enable-auto-scaling", p, v, "want at least 1 capacity unit")
		}
	}
	t, err := tableOf(ctx, dynamodb.NewFromConfig(in.AWS), table)
	switch {
	case err != nil:
		return Result{}, err
	case t == nil:
		return Result{Outcome: NotFound, Message: tableMissing(table), Output: out}, nil
	case t.BillingModeSummary != nil && t.BillingModeSummary.BillingMode == ddbtypes.BillingModePayPerRequest:
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("table %s bills on demand: its capacity follows demand without scaling targets", table), Output: out}, nil
	}
	for _, p := range []string{"max_read", "max_write"} {
		min := in.Int(strings.Replace(p, "max", "min", 1))
		if v := in.Int(p); v != 0 && v < min {
			return Result{}, errParam("dynamodb.enable-auto-scaling", p, v, "below the minimum %d", min)
		}
	}
	cli := aas.NewFromConfig(in.AWS)
	dims := scalingDimensions(in, t)
	registered, tracked, err := scalingState(ctx, cli, uniqueResources(dims))
	if err != nil {
		return Result{}, err
	}
	var did, pols []string
	for _, d := range dims {
		key := d.Resource + "|" + string(d.Dimension)
		if !registered[key] {
			_, err := cli.RegisterScalableTarget(ctx, &aas.RegisterScalableTargetInput{ServiceNamespace: aastypes.ServiceNamespaceDynamodb,
				ResourceId: aws.String(d.Resource), ScalableDimension: d.Dimension, MinCapacity: aws.Int32(d.Min), MaxCapacity: aws.Int32(d.Max)})
			if err != nil {
				return Result{Output: out}, fmt.Errorf("register %s %s for scaling: %w", d.Resource, d.Dimension, err)
			}
			did = append(did, fmt.Sprintf("%s %s %d-%d", d.Resource, shortDimension(d.Dimension), d.Min, d.Max))
			out["registered"] = did
		}
		if !tracked[key] {
			_, err := cli.PutScalingPolicy(ctx, &aas.PutScalingPolicyInput{PolicyName: aws.String(d.Policy), ServiceNamespace: aastypes.ServiceNamespaceDynamodb,
				ResourceId: aws.String(d.Resource), ScalableDimension: d.Dimension, PolicyType: aastypes.PolicyTypeTargetTrackingScaling,
				TargetTrackingScalingPolicyConfiguration: &aastypes.TargetTrackingScalingPolicyConfiguration{TargetValue: aws.Float64(d.Target),
					PredefinedMetricSpecification: &aastypes.PredefinedMetricSpecification{PredefinedMetricType: d.Metric}}})
			if err != nil {
				return Result{Output: out}, fmt.Errorf("put scaling policy %s: %w", d.Policy, err)
			}
			pols = append(pols, d.Policy)
			out["policies"] = pols
		}
	}
	if len(did) == 0 && len(pols) == 0 {
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("the capacity of table %s already scales with target tracking", table), Output: out}, nil
	}
	msg := fmt.Sprintf("made table %s scale", table)
	if len(did) > 0 {
		msg += ": registered " + strings.Join(did, ", ")
	}
	if len(pols) > 0 {
		msg += "; target-tracking policies " + strings.Join(pols, ", ")
	}
	return Result{Outcome: Changed, Message: msg, Output: out}, nil
}

func shortDimension(d aastypes.ScalableDimension) string {
	if strings.HasSuffix(string(d), "ReadCapacityUnits") {
		return "read"
	}
	return "write"
}

func verifyTableAutoScaling(ctx context.Context, in Input, _ Result) error {
	table := in.String("table")
	t, err := tableOf(ctx, dynamodb.NewFromConfig(in.AWS), table)
	switch {
	case err != nil:
		return err
	case t == nil:
		return Mismatch("%s", tableMissing(table))
	}
	dims := scalingDimensions(in, t)
	registered, tracked, err := scalingState(ctx, aas.NewFromConfig(in.AWS), uniqueResources(dims))
	if err != nil {
		return err
	}
	var missing []string
	for _, d := range dims {
		if key := d.Resource + "|" + string(d.Dimension); !registered[key] || !tracked[key] {
			missing = append(missing, d.Resource+" "+shortDimension(d.Dimension))
		}
	}
	if len(missing) > 0 {
		return Mismatch("no scaling target with a target-tracking policy for %s", strings.Join(missing, ", "))
	}
	return nil
}

// Tags (DynamoDB.5).

func tableTags(ctx context.Context, cli *dynamodb.Client, arn string) (map[string]string, error) {
	tags := map[string]string{}
	var token *string
	for {
		got, err := cli.ListTagsOfResource(ctx, &dynamodb.ListTagsOfResourceInput{ResourceArn: aws.String(arn), NextToken: token})
		if err != nil {
			return nil, fmt.Errorf("list tags of %s: %w", arn, err)
		}
		for _, t := range got.Tags {
			tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
		if token = got.NextToken; token == nil {
			return tags, nil
		}
	}
}

// requiredTags returns the tags parameter as strings, or an error naming a
// value that is not one.
func requiredTags(in Input, action string) (map[string]string, error) {
	out := map[string]string{}
	for k, v := range in.Map("tags") {
		s, ok := v.(string)
		if !ok || k == "" {
			return nil, errParam(action, "tags", v, "tag %q: want a non-empty key and a string value", k)
		}
		out[k] = s
	}
	if len(out) == 0 {
		return nil, errParam(action, "tags", in.Map("tags"), "want at least one tag")
	}
	return out, nil
}

func tagTable(ctx context.Context, in Input) (Result, error) {
	table := in.String("table")
	cli := dynamodb.NewFromConfig(in.AWS)
	out := map[string]any{"table": table, "added": []string{}}
	want, err := requiredTags(in, "dynamodb.tag-table")
	if err != nil {
		return Result{}, err
	}
	t, err := tableOf(ctx, cli, table)
	switch {
	case err != nil:
		return Result{}, err
	case t == nil:
		return Result{Outcome: NotFound, Message: tableMissing(table), Output: out}, nil
	}
	have, err := tableTags(ctx, cli, aws.ToString(t.TableArn))
	if err != nil {
		return Result{}, err
	}
	var add []ddbtypes.Tag
	var added []string
	for _, k := range slices.Sorted(maps.Keys(want)) {
		if _, ok := have[k]; !ok {
			add = append(add, ddbtypes.Tag{Key: aws.String(k), Value: aws.String(want[k])})
			added = append(added, k)
		}
	}
	if len(add) == 0 {
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("table %s already has tags %s", table, strings.Join(slices.Sorted(maps.Keys(want)), ", ")), Output: out}, nil
	}
	if _, err := cli.TagResource(ctx, &dynamodb.TagResourceInput{ResourceArn: t.TableArn, Tags: add}); err != nil {
		return Result{}, fmt.Errorf("tag table %s: %w", table, err)
	}
	out["added"] = added
	return Result{Outcome: Changed, Message: fmt.Sprintf("added tags %s to table %s; its %d other tag(s) kept", strings.Join(added, ", "), table, len(have)), Output: out}, nil
}

func verifyTableTags(ctx context.Context, in Input, _ Result) error {
	table := in.String("table")
	cli := dynamodb.NewFromConfig(in.AWS)
	t, err := tableOf(ctx, cli, table)
	switch {
	case err != nil:
		return err
	case t == nil:
		return Mismatch("%s", tableMissing(table))
	}
	have, err := tableTags(ctx, cli, aws.ToString(t.TableArn))
	if err != nil {
		return err
	}
	var missing []string
	for k := range in.Map("tags") {
		if _, ok := have[k]; !ok {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return Mismatch("table %s lacks tags %s", table, strings.Join(missing, ", "))
	}
	return nil
}

// Deletion protection (DynamoDB.6).

func enableTableDeletionProtection(ctx context.Context, in Input) (Result, error) {
	table := in.String("table")
	cli := dynamodb.NewFromConfig(in.AWS)
	out := map[string]any{"table": table}
	t, err := tableOf(ctx, cli, table)
	switch {
	case err != nil:
		return Result{}, err
	case t == nil:
		return Result{Outcome: NotFound, Message: tableMissing(table), Output: out}, nil
	case aws.ToBool(t.DeletionProtectionEnabled):
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("table %s already has deletion protection on", table), Output: out}, nil
	}
	_, err = cli.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: t.TableName, DeletionProtectionEnabled: aws.Bool(true)})
	switch {
	case HasCode(err, "ResourceInUseException"):
		return Result{}, RetryLater(fmt.Errorf("turn on deletion protection of table %s: %w", table, err), 0)
	case err != nil:
		return Result{}, fmt.Errorf("turn on deletion protection of table %s: %w", table, err)
	}
	return Result{Outcome: Changed, Message: fmt.Sprintf("turned on deletion protection of table %s", table), Output: out}, nil
}

func verifyTableDeletionProtection(ctx context.Context, in Input, _ Result) error {
	table := in.String("table")
	t, err := tableOf(ctx, dynamodb.NewFromConfig(in.AWS), table)
	switch {
	case err != nil:
		return err
	case t == nil:
		return Mismatch("%s", tableMissing(table))
	case !aws.ToBool(t.DeletionProtectionEnabled):
		return Mismatch("table %s has deletion protection off", table)
	}
	return nil
}
