package awssim

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// Application Auto Scaling: scalable targets and scaling policies of
// DynamoDB tables and global secondary indexes (the service namespace
// rectify uses). State is per account and region.
//
// Registering a target checks that its table or index exists and bills by
// provisioned capacity, and brings the provisioned capacity within the
// target's bounds at once, as Application Auto Scaling does; a policy's
// alarms are named, not simulated. Deregistering a target deletes its
// policies.

type appScalingService struct {
	s *Server
	// Targets and Policies are keyed by scopeKey, then by
	// "namespace|resource|dimension" (and "|policy name").
	Targets  map[string]map[string]*scalableTarget
	Policies map[string]map[string]*scalingPolicy
}

type scalableTarget struct {
	Namespace, ResourceID, Dimension string
	Min, Max                         int64
	ARN, RoleARN                     string
	Created                          time.Time
	Suspended                        map[string]bool
}

type scalingPolicy struct {
	Name, ARN, Type                  string
	Namespace, ResourceID, Dimension string
	TargetTracking                   map[string]any
	StepScaling                      map[string]any
	Alarms                           []map[string]string
	Created                          time.Time
}

// dynamoDimensions are the scalable dimensions of DynamoDB, by whether
// they are an index's.
var dynamoDimensions = sync.OnceValue(func() map[string]bool {
	return map[string]bool{
		"dynamodb:table:ReadCapacityUnits": false, "dynamodb:table:WriteCapacityUnits": false,
		"dynamodb:index:ReadCapacityUnits": true, "dynamodb:index:WriteCapacityUnits": true,
	}
})

// dynamoMetrics are the predefined metrics of DynamoDB target tracking,
// by the capacity they measure.
var dynamoMetrics = sync.OnceValue(func() map[string]string {
	return map[string]string{
		"DynamoDBReadCapacityUtilization": "ReadCapacityUnits", "DynamoDBWriteCapacityUtilization": "WriteCapacityUnits",
	}
})

func newAppAutoScaling(s *Server) *serviceDef {
	svc := &appScalingService{s: s, Targets: map[string]map[string]*scalableTarget{}, Policies: map[string]map[string]*scalingPolicy{}}
	return &serviceDef{
		Name: "application-autoscaling", EventSource: "application-autoscaling.amazonaws.com", Protocol: protoJSON11,
		TargetPrefix: "AnyScaleFrontendService", State: svc,
		// Scalable targets are named by IDs the caller does not know before
		// registering them; rectify's policies grant these actions on "*".
		Resources: func(*call) ([]string, bool) { return noResource() },
		JSON: map[string]jsonHandler{
			"RegisterScalableTarget":   svc.registerScalableTarget,
			"DescribeScalableTargets":  svc.describeScalableTargets,
			"DeregisterScalableTarget": svc.deregisterScalableTarget,
			"PutScalingPolicy":         svc.putScalingPolicy,
			"DescribeScalingPolicies":  svc.describeScalingPolicies,
			"DeleteScalingPolicy":      svc.deleteScalingPolicy,
		},
	}
}

func aasValidation(format string, args ...any) *Error {
	return errorf(http.StatusBadRequest, "ValidationException", format, args...)
}

func aasKey(ns, resource, dim string) string { return ns + "|" + resource + "|" + dim }

// dynamoTarget checks a DynamoDB scalable target: its dimension fits its
// resource ID (table/NAME or table/NAME/index/INDEX), and the table, and
// the index, exist and bill by provisioned capacity. It returns the table
// and the index (nil for the table's own capacity).
func (svc *appScalingService) dynamoTarget(c *call, ns, resource, dim string) (*ddbTable, *ddbIndex, error) {
	if ns != "dynamodb" {
		return nil, nil, aasValidation("Unsupported service namespace %s: only dynamodb is simulated", ns)
	}
	isIndex, ok := dynamoDimensions()[dim]
	if !ok {
		return nil, nil, aasValidation("Unsupported scalable dimension '%s' for service namespace 'dynamodb'", dim)
	}
	rest, ok := strings.CutPrefix(resource, "table/")
	table, index, hasIndex := strings.Cut(rest, "/index/")
	if !ok || table == "" || hasIndex != isIndex || (hasIndex && index == "") {
		return nil, nil, aasValidation("Unsupported resource ID '%s' for scalable dimension '%s'", resource, dim)
	}
	ddb, _ := svc.s.services["dynamodb"].State.(*dynamoService)
	t := scoped(ddb.Tables, c)[table]
	if t == nil {
		return nil, nil, aasValidation("DynamoDB table %s does not exist", table)
	}
	if t.BillingMode == "PAY_PER_REQUEST" {
		return nil, nil, aasValidation("Table %s uses on-demand capacity (PAY_PER_REQUEST); provisioned capacity is needed for scaling", table)
	}
	if !hasIndex {
		return t, nil, nil
	}
	for i := range t.GSIs {
		if t.GSIs[i].IndexName == index {
			return t, &t.GSIs[i], nil
		}
	}
	return nil, nil, aasValidation("Global secondary index %s of table %s does not exist", index, table)
}

// clamp brings the provisioned capacity a target scales within its
// bounds.
func clamp(t *ddbTable, idx *ddbIndex, dim string, lo, hi int64) {
	tp := &t.Throughput
	if idx != nil {
		if idx.ProvisionedThroughput == nil {
			idx.ProvisionedThroughput = &ddbThroughput{}
		}
		tp = idx.ProvisionedThroughput
	}
	v := &tp.ReadCapacityUnits
	if strings.HasSuffix(dim, "WriteCapacityUnits") {
		v = &tp.WriteCapacityUnits
	}
	*v = min(max(*v, lo), hi)
}

func (svc *appScalingService) registerScalableTarget(c *call, body []byte) (any, error) {
	var in struct {
		ServiceNamespace, ResourceId, ScalableDimension string
		MinCapacity, MaxCapacity                        *int64
		RoleARN                                         string
		SuspendedState                                  map[string]bool
		Tags                                            map[string]string
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	t, idx, err := svc.dynamoTarget(c, in.ServiceNamespace, in.ResourceId, in.ScalableDimension)
	if err != nil {
		return nil, err
	}
	key := aasKey(in.ServiceNamespace, in.ResourceId, in.ScalableDimension)
	targets := scoped(svc.Targets, c)
	st := targets[key]
	if st == nil {
		if in.MinCapacity == nil || in.MaxCapacity == nil {
			return nil, aasValidation("MinCapacity and MaxCapacity are required to register a new scalable target")
		}
		st = &scalableTarget{Namespace: in.ServiceNamespace, ResourceID: in.ResourceId, Dimension: in.ScalableDimension, Created: c.now,
			ARN:     fmt.Sprintf("arn:%s:application-autoscaling:%s:%s:scalable-target/%s", c.partition(), c.region, c.Account(), c.newID("", 32)),
			RoleARN: fmt.Sprintf("arn:%s:iam::%s:role/aws-service-role/dynamodb.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_DynamoDBTable", c.partition(), c.Account())}
	}
	lo, hi := st.Min, st.Max
	if in.MinCapacity != nil {
		lo = *in.MinCapacity
	}
	if in.MaxCapacity != nil {
		hi = *in.MaxCapacity
	}
	if lo < 1 || hi < 1 {
		return nil, aasValidation("Minimum and maximum capacity of a DynamoDB scalable target must be at least 1")
	}
	if lo > hi {
		return nil, aasValidation("Minimum capacity cannot be greater than maximum capacity")
	}
	st.Min, st.Max = lo, hi
	if in.RoleARN != "" {
		st.RoleARN = in.RoleARN
	}
	if in.SuspendedState != nil {
		st.Suspended = in.SuspendedState
	}
	targets[key] = st
	clamp(t, idx, in.ScalableDimension, lo, hi)
	return map[string]any{"ScalableTargetARN": st.ARN}, nil
}

// aasPage cuts keys (sorted) to the page MaxResults and NextToken ask for.
func aasPage(keys []string, maxResults int, token string) ([]string, string, error) {
	if maxResults == 0 {
		maxResults = 50
	}
	if maxResults < 1 || maxResults > 50 {
		return nil, "", aasValidation("MaxResults must be between 1 and 50")
	}
	if token != "" {
		pos, ok := pagePosition(token)
		if !ok {
			return nil, "", errorf(http.StatusBadRequest, "InvalidNextTokenException", "The next token is not valid")
		}
		keys = keys[sort.SearchStrings(keys, pos):]
	}
	if len(keys) > maxResults {
		return keys[:maxResults], pageToken(keys[maxResults]), nil
	}
	return keys, "", nil
}

func (svc *appScalingService) describeScalableTargets(c *call, body []byte) (any, error) {
	var in struct {
		ServiceNamespace  string
		ResourceIds       []string
		ScalableDimension string
		MaxResults        int
		NextToken         string
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	if in.ServiceNamespace == "" {
		return nil, aasValidation("1 validation error detected: Value null at 'serviceNamespace' failed to satisfy constraint: Member must not be null")
	}
	targets := scoped(svc.Targets, c)
	var keys []string
	for _, k := range sortedKeys(targets) {
		st := targets[k]
		if st.Namespace != in.ServiceNamespace || (in.ScalableDimension != "" && st.Dimension != in.ScalableDimension) ||
			(len(in.ResourceIds) > 0 && !matchAny(in.ResourceIds, st.ResourceID)) {
			continue
		}
		keys = append(keys, k)
	}
	page, next, err := aasPage(keys, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := map[string]any{"ScalableTargets": []any{}}
	list := []any{}
	for _, k := range page {
		st := targets[k]
		m := map[string]any{"ServiceNamespace": st.Namespace, "ResourceId": st.ResourceID, "ScalableDimension": st.Dimension,
			"MinCapacity": st.Min, "MaxCapacity": st.Max, "RoleARN": st.RoleARN, "CreationTime": epochSec(st.Created), "ScalableTargetARN": st.ARN}
		if st.Suspended != nil {
			m["SuspendedState"] = st.Suspended
		}
		list = append(list, m)
	}
	out["ScalableTargets"] = list
	if next != "" {
		out["NextToken"] = next
	}
	return out, nil
}

func (svc *appScalingService) deregisterScalableTarget(c *call, body []byte) (any, error) {
	var in struct{ ServiceNamespace, ResourceId, ScalableDimension string }
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	key := aasKey(in.ServiceNamespace, in.ResourceId, in.ScalableDimension)
	targets := scoped(svc.Targets, c)
	if targets[key] == nil {
		return nil, errorf(http.StatusBadRequest, "ObjectNotFoundException", "No scalable target registered for service namespace: %s, resource ID: %s, scalable dimension: %s", in.ServiceNamespace, in.ResourceId, in.ScalableDimension)
	}
	delete(targets, key)
	policies := scoped(svc.Policies, c)
	for k := range policies {
		if strings.HasPrefix(k, key+"|") {
			delete(policies, k)
		}
	}
	return nil, nil
}

func (svc *appScalingService) putScalingPolicy(c *call, body []byte) (any, error) {
	var in struct {
		PolicyName, ServiceNamespace, ResourceId, ScalableDimension, PolicyType string
		TargetTrackingScalingPolicyConfiguration                                map[string]any
		StepScalingPolicyConfiguration                                          map[string]any
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	if in.PolicyName == "" || len(in.PolicyName) > 256 || strings.Contains(in.PolicyName, ":") {
		return nil, aasValidation("1 validation error detected: Value '%s' at 'policyName' failed to satisfy constraint: Member must satisfy regular expression pattern: \\p{Print}+ without colons, of 1 to 256 characters", in.PolicyName)
	}
	key := aasKey(in.ServiceNamespace, in.ResourceId, in.ScalableDimension)
	if scoped(svc.Targets, c)[key] == nil {
		return nil, errorf(http.StatusBadRequest, "ObjectNotFoundException", "No scalable target registered for service namespace: %s, resource ID: %s, scalable dimension: %s", in.ServiceNamespace, in.ResourceId, in.ScalableDimension)
	}
	typ := in.PolicyType
	if typ == "" {
		typ = "StepScaling"
	}
	switch typ {
	case "TargetTrackingScaling":
		cfg := in.TargetTrackingScalingPolicyConfiguration
		if cfg == nil {
			return nil, aasValidation("TargetTrackingScalingPolicyConfiguration is required for a TargetTrackingScaling policy")
		}
		v, _ := cfg["TargetValue"].(float64)
		if v < 20 || v > 90 {
			return nil, aasValidation("The target value for a DynamoDB metric must be between 20 and 90, not %v", cfg["TargetValue"])
		}
		spec, _ := cfg["PredefinedMetricSpecification"].(map[string]any)
		metric, _ := spec["PredefinedMetricType"].(string)
		capacity, ok := dynamoMetrics()[metric]
		if !ok || !strings.HasSuffix(in.ScalableDimension, capacity) {
			return nil, aasValidation("Predefined metric %q does not fit scalable dimension %s", metric, in.ScalableDimension)
		}
	case "StepScaling":
		if in.StepScalingPolicyConfiguration == nil {
			return nil, aasValidation("StepScalingPolicyConfiguration is required for a StepScaling policy")
		}
	default:
		return nil, aasValidation("Unsupported policy type %s for service namespace dynamodb", typ)
	}
	policies := scoped(svc.Policies, c)
	pkey := key + "|" + in.PolicyName
	p := policies[pkey]
	if p == nil {
		id := c.s.newUUIDLocked()
		p = &scalingPolicy{Name: in.PolicyName, Namespace: in.ServiceNamespace, ResourceID: in.ResourceId, Dimension: in.ScalableDimension, Created: c.now,
			ARN: fmt.Sprintf("arn:%s:autoscaling:%s:%s:scalingPolicy:%s:resource/%s/%s:policyName/%s", c.partition(), c.region, c.Account(), id, in.ServiceNamespace, in.ResourceId, in.PolicyName)}
	}
	p.Type, p.TargetTracking, p.StepScaling, p.Alarms = typ, in.TargetTrackingScalingPolicyConfiguration, in.StepScalingPolicyConfiguration, nil
	if typ == "TargetTrackingScaling" {
		for _, which := range []string{"AlarmHigh", "AlarmLow"} {
			name := "TargetTracking-" + in.ResourceId + "-" + which + "-" + c.s.newUUIDLocked()
			p.Alarms = append(p.Alarms, map[string]string{"AlarmName": name,
				"AlarmARN": fmt.Sprintf("arn:%s:cloudwatch:%s:%s:alarm:%s", c.partition(), c.region, c.Account(), name)})
		}
	}
	policies[pkey] = p
	out := map[string]any{"PolicyARN": p.ARN}
	if len(p.Alarms) > 0 {
		out["Alarms"] = p.Alarms
	}
	return out, nil
}

func (svc *appScalingService) describeScalingPolicies(c *call, body []byte) (any, error) {
	var in struct {
		ServiceNamespace, ResourceId, ScalableDimension string
		PolicyNames                                     []string
		MaxResults                                      int
		NextToken                                       string
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	if in.ServiceNamespace == "" {
		return nil, aasValidation("1 validation error detected: Value null at 'serviceNamespace' failed to satisfy constraint: Member must not be null")
	}
	policies := scoped(svc.Policies, c)
	var keys []string
	for _, k := range sortedKeys(policies) {
		p := policies[k]
		if p.Namespace != in.ServiceNamespace || (in.ResourceId != "" && p.ResourceID != in.ResourceId) ||
			(in.ScalableDimension != "" && p.Dimension != in.ScalableDimension) || (len(in.PolicyNames) > 0 && !matchAny(in.PolicyNames, p.Name)) {
			continue
		}
		keys = append(keys, k)
	}
	page, next, err := aasPage(keys, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	list := []any{}
	for _, k := range page {
		p := policies[k]
		m := map[string]any{"PolicyARN": p.ARN, "PolicyName": p.Name, "ServiceNamespace": p.Namespace, "ResourceId": p.ResourceID,
			"ScalableDimension": p.Dimension, "PolicyType": p.Type, "CreationTime": epochSec(p.Created), "Alarms": p.Alarms}
		if p.Alarms == nil {
			m["Alarms"] = []any{}
		}
		if p.TargetTracking != nil {
			m["TargetTrackingScalingPolicyConfiguration"] = p.TargetTracking
		}
		if p.StepScaling != nil {
			m["StepScalingPolicyConfiguration"] = p.StepScaling
		}
		list = append(list, m)
	}
	out := map[string]any{"ScalingPolicies": list}
	if next != "" {
		out["NextToken"] = next
	}
	return out, nil
}

func (svc *appScalingService) deleteScalingPolicy(c *call, body []byte) (any, error) {
	var in struct{ PolicyName, ServiceNamespace, ResourceId, ScalableDimension string }
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	policies := scoped(svc.Policies, c)
	key := aasKey(in.ServiceNamespace, in.ResourceId, in.ScalableDimension) + "|" + in.PolicyName
	if policies[key] == nil {
		return nil, errorf(http.StatusBadRequest, "ObjectNotFoundException", "No scaling policy found for service namespace: %s, resource ID: %s, scalable dimension: %s, policy name: %s", in.ServiceNamespace, in.ResourceId, in.ScalableDimension, in.PolicyName)
	}
	delete(policies, key)
	return nil, nil
}
