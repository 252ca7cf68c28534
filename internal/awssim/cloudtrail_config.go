package awssim

import (
	"encoding/json"
	"strings"
)

// CloudTrail trails' event selectors and tags, and the checks CloudTrail
// makes of what a trail delivers to when it is created or updated:
//
//   - the S3 bucket must exist (S3BucketDoesNotExistException) and its
//     policy must let cloudtrail.amazonaws.com call s3:GetBucketAcl on it
//     and s3:PutObject under [prefix/]AWSLogs/<account>/
//     (InsufficientS3BucketPolicyException);
//   - a KMS key must exist in the trail's region (KmsKeyNotFoundException),
//     be enabled (KmsKeyDisabledException), be a symmetric encryption key
//     (InvalidKmsKeyIdException) and have a key policy that lets
//     cloudtrail.amazonaws.com call kms:GenerateDataKey
//     (InsufficientEncryptionPolicyException);
//   - a CloudWatch Logs log group and its delivery role come together, the
//     group must exist in the trail's home region
//     (InvalidCloudWatchLogsLogGroupArnException), and the role must exist,
//     trust cloudtrail.amazonaws.com and be allowed logs:CreateLogStream
//     and logs:PutLogEvents on the group's streams
//     (InvalidCloudWatchLogsRoleArnException).
//
// Bucket and key policy conditions (aws:SourceArn and the like) are taken
// to hold for CloudTrail's own requests.

// addTrailConfigOps adds the selector and tag operations to CloudTrail's.
func (svc *cloudTrailService) addTrailConfigOps(def *serviceDef) {
	def.JSON["PutEventSelectors"] = svc.putEventSelectors
	def.JSON["GetEventSelectors"] = svc.getEventSelectors
	def.JSON["AddTags"] = svc.addTags
	def.JSON["RemoveTags"] = svc.removeTags
	def.JSON["ListTags"] = svc.listTags
}

// checkDelivery checks the destinations of trail t, whose settings have
// been applied from in, as CloudTrail does when it creates or updates a
// trail. create reports a CreateTrail, which checks the bucket whether or
// not in names it.
func (svc *cloudTrailService) checkDelivery(c *call, t *ctTrail, in ctTrailSettings, create bool) error {
	account := ctARNAccount(t.ARN)
	if create || in.S3BucketName != nil || in.S3KeyPrefix != nil {
		if err := svc.checkBucket(c, t, account); err != nil {
			return err
		}
	}
	if in.KmsKeyID != nil && t.KmsKeyID != "" {
		if err := svc.checkKey(c, t, account); err != nil {
			return err
		}
	}
	if in.CloudWatchLogsLogGroupArn != nil || in.CloudWatchLogsRoleArn != nil {
		if err := svc.checkLogs(c, t, account); err != nil {
			return err
		}
	}
	return nil
}

func (svc *cloudTrailService) checkBucket(c *call, t *ctTrail, account string) error {
	s3, _ := serviceState[*s3State](svc.s)
	var b *s3Bucket
	if s3 != nil {
		b = s3.Buckets[t.S3BucketName]
	}
	if b == nil {
		return ctError("S3BucketDoesNotExistException", "S3 bucket %s does not exist.", t.S3BucketName)
	}
	prefix := ""
	if t.S3KeyPrefix != "" {
		prefix = t.S3KeyPrefix + "/"
	}
	bucket := "arn:" + partitionOf(b.Region) + ":s3:::" + b.Name
	if !resourcePolicyAllowsService(b.Policy, "cloudtrail.amazonaws.com", bucket, "s3:GetBucketAcl") ||
		!resourcePolicyAllowsService(b.Policy, "cloudtrail.amazonaws.com", bucket+"/"+prefix+"AWSLogs/"+account+"/x", "s3:PutObject") {
		return ctError("InsufficientS3BucketPolicyException", "Incorrect S3 bucket policy is detected for bucket: %s", t.S3BucketName)
	}
	return nil
}

func (svc *cloudTrailService) checkKey(c *call, t *ctTrail, account string) error {
	kms, _ := serviceState[*kmsService](svc.s)
	f := strings.SplitN(t.KmsKeyID, ":", 6)
	if kms == nil || len(f) != 6 {
		return ctError("KmsKeyNotFoundException", "KMS key %s does not exist.", t.KmsKeyID)
	}
	scope := f[4] + "/" + f[3]
	id := f[5]
	if alias, ok := strings.CutPrefix(id, "alias/"); ok {
		a := kms.Aliases[scope]["alias/"+alias]
		if a == nil {
			return ctError("KmsKeyNotFoundException", "KMS key %s does not exist.", t.KmsKeyID)
		}
		id = a.TargetKeyID
	}
	k := kms.Keys[scope][strings.TrimPrefix(id, "key/")]
	switch {
	case k == nil || k.State == "PendingDeletion":
		return ctError("KmsKeyNotFoundException", "KMS key %s does not exist.", t.KmsKeyID)
	case f[3] != t.HomeRegion:
		return ctError("KmsException", "KMS key %s is not in the trail's region %s.", t.KmsKeyID, t.HomeRegion)
	case k.State == "Disabled":
		return ctError("KmsKeyDisabledException", "KMS key %s is disabled.", t.KmsKeyID)
	case k.KeySpec != "SYMMETRIC_DEFAULT":
		return ctError("InvalidKmsKeyIdException", "KMS key %s is not a symmetric encryption key.", t.KmsKeyID)
	case !resourcePolicyAllowsService(k.Policy, "cloudtrail.amazonaws.com", k.ARN, "kms:GenerateDataKey"):
		return ctError("InsufficientEncryptionPolicyException", "Insufficient permissions to access S3 bucket %s or KMS key %s.", t.S3BucketName, t.KmsKeyID)
	}
	return nil
}

func (svc *cloudTrailService) checkLogs(c *call, t *ctTrail, account string) error {
	group, role := t.CloudWatchLogsLogGroupArn, t.CloudWatchLogsRoleArn
	switch {
	case group == "" && role == "":
		return nil
	case group == "":
		return ctError("InvalidCloudWatchLogsLogGroupArnException", "You must specify a log group when you specify a role for CloudWatch Logs.")
	case role == "":
		return ctError("InvalidCloudWatchLogsRoleArnException", "You must specify a role when you specify a log group for CloudWatch Logs.")
	}
	f := strings.SplitN(strings.TrimSuffix(group, ":*"), ":", 7)
	if len(f) != 7 || f[2] != "logs" || f[5] != "log-group" || !strings.HasSuffix(group, ":*") {
		return ctError("InvalidCloudWatchLogsLogGroupArnException", "CloudWatch Logs log group ARN %s is not valid: it must end with :*.", group)
	}
	logs, _ := serviceState[*logsService](svc.s)
	if f[3] != t.HomeRegion || f[4] != account || logs == nil || !logs.logGroupExists(group) {
		return ctError("InvalidCloudWatchLogsLogGroupArnException", "CloudWatch Logs log group %s does not exist in the trail's account and home region.", group)
	}
	r := svc.s.roleByARN(role)
	streams := strings.TrimSuffix(group, ":*") + ":log-stream:x"
	if r == nil || !trustsService(r.Trust, "cloudtrail.amazonaws.com") ||
		!svc.s.roleAllows(account, r, "logs:CreateLogStream", streams, c.now) || !svc.s.roleAllows(account, r, "logs:PutLogEvents", streams, c.now) {
		return ctError("InvalidCloudWatchLogsRoleArnException", "Access denied. Verify in IAM that the role has adequate permissions.")
	}
	return nil
}

// defaultEventSelectors are the selectors of a trail that was given none:
// every management event.
const defaultEventSelectors = `[{"ReadWriteType":"All","IncludeManagementEvents":true,"DataResources":[],"ExcludeManagementEventSources":[]}]`

func (svc *cloudTrailService) putEventSelectors(c *call, body []byte) (any, error) {
	var in struct {
		TrailName              string
		EventSelectors         []map[string]any
		AdvancedEventSelectors []map[string]any
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	t, err := svc.home(c, in.TrailName)
	if err != nil {
		return nil, err
	}
	switch {
	case in.EventSelectors != nil && in.AdvancedEventSelectors != nil:
		return nil, ctError("InvalidEventSelectorsException", "You cannot specify both event selectors and advanced event selectors.")
	case in.EventSelectors == nil && in.AdvancedEventSelectors == nil:
		return nil, ctError("InvalidEventSelectorsException", "You must specify event selectors or advanced event selectors.")
	case len(in.EventSelectors) > 5:
		return nil, ctError("InvalidEventSelectorsException", "A trail can have at most 5 event selectors.")
	}
	out := map[string]any{"TrailARN": t.ARN}
	if in.EventSelectors != nil {
		for i, sel := range in.EventSelectors {
			rw, _ := sel["ReadWriteType"].(string)
			switch rw {
			case "":
				sel["ReadWriteType"] = "All"
			case "ReadOnly", "WriteOnly", "All":
			default:
				return nil, ctError("InvalidEventSelectorsException", "Event selector %d: ReadWriteType %q must be ReadOnly, WriteOnly or All.", i, rw)
			}
			if _, ok := sel["IncludeManagementEvents"]; !ok {
				sel["IncludeManagementEvents"] = true
			}
			for _, k := range []string{"DataResources", "ExcludeManagementEventSources"} {
				if sel[k] == nil {
					sel[k] = []any{}
				}
			}
		}
		b, _ := json.Marshal(in.EventSelectors)
		t.EventSelectors, t.AdvancedEventSelectors = b, nil
		out["EventSelectors"] = in.EventSelectors
	} else {
		for i, sel := range in.AdvancedEventSelectors {
			if fs, _ := sel["FieldSelectors"].([]any); len(fs) == 0 {
				return nil, ctError("InvalidEventSelectorsException", "Advanced event selector %d has no field selectors.", i)
			}
		}
		b, _ := json.Marshal(in.AdvancedEventSelectors)
		t.AdvancedEventSelectors, t.EventSelectors = b, nil
		out["AdvancedEventSelectors"] = in.AdvancedEventSelectors
	}
	c.trailResources = []TrailResource{{ARN: t.ARN, AccountID: c.Account(), Type: "AWS::CloudTrail::Trail", Name: t.ARN}}
	return out, nil
}

func (svc *cloudTrailService) getEventSelectors(c *call, body []byte) (any, error) {
	t, err := svc.namedTrail(c, body, svc.find)
	if err != nil {
		return nil, err
	}
	out := map[string]any{"TrailARN": t.ARN}
	switch {
	case len(t.AdvancedEventSelectors) > 0:
		out["AdvancedEventSelectors"] = json.RawMessage(t.AdvancedEventSelectors)
	case len(t.EventSelectors) > 0:
		out["EventSelectors"] = json.RawMessage(t.EventSelectors)
	default:
		out["EventSelectors"] = json.RawMessage(defaultEventSelectors)
	}
	return out, nil
}

type ctTag struct {
	Key   string `json:"Key"`
	Value string `json:"Value,omitempty"`
}

// taggedTrail returns the trail a ResourceId names, by ARN.
func (svc *cloudTrailService) taggedTrail(c *call, id string) (*ctTrail, error) {
	if !strings.HasPrefix(id, "arn:") {
		return nil, ctError("CloudTrailARNInvalidException", "%s is not a valid CloudTrail ARN.", id)
	}
	for _, t := range svc.trailsOf(c) {
		if t.ARN == id {
			return t, nil
		}
	}
	return nil, ctError("ResourceNotFoundException", "Resource %s does not exist.", id)
}

func (svc *cloudTrailService) addTags(c *call, body []byte) (any, error) {
	var in struct {
		ResourceID string `json:"ResourceId"`
		TagsList   []ctTag
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	t, err := svc.taggedTrail(c, in.ResourceID)
	if err != nil {
		return nil, err
	}
	if t.Tags == nil {
		t.Tags = map[string]string{}
	}
	for _, tag := range in.TagsList {
		t.Tags[tag.Key] = tag.Value
	}
	if len(t.Tags) > 50 {
		return nil, ctError("TagsLimitExceededException", "The number of tags on %s exceeds 50.", t.ARN)
	}
	return nil, nil
}

func (svc *cloudTrailService) removeTags(c *call, body []byte) (any, error) {
	var in struct {
		ResourceID string `json:"ResourceId"`
		TagsList   []ctTag
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	t, err := svc.taggedTrail(c, in.ResourceID)
	if err != nil {
		return nil, err
	}
	for _, tag := range in.TagsList {
		delete(t.Tags, tag.Key)
	}
	return nil, nil
}

func (svc *cloudTrailService) listTags(c *call, body []byte) (any, error) {
	var in struct {
		ResourceIDList []string `json:"ResourceIdList"`
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	list := []map[string]any{}
	for _, id := range in.ResourceIDList {
		t, err := svc.taggedTrail(c, id)
		if err != nil {
			return nil, err
		}
		tags := []ctTag{}
		for _, k := range sortedKeys(t.Tags) {
			tags = append(tags, ctTag{k, t.Tags[k]})
		}
		list = append(list, map[string]any{"ResourceId": t.ARN, "TagsList": tags})
	}
	return map[string]any{"ResourceTagList": list}, nil
}
