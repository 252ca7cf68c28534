package awssim

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// DynamoDB table administration: UpdateTable (billing mode, provisioned
// throughput of the table and its global secondary indexes, deletion
// protection), tags, point-in-time recovery and on-demand backups.

// ddbBackup is an on-demand backup of a table.
type ddbBackup struct {
	ARN, Name, Table string
	Created          time.Time
	Size             int64
}

func (svc *dynamoService) backups(c *call) map[string]*ddbBackup {
	return scoped(svc.Backups, c)
}

func (svc *dynamoService) updateTable(c *call, body []byte) (any, error) {
	var in struct {
		TableName                   string
		BillingMode                 string
		ProvisionedThroughput       *ddbThroughput
		DeletionProtectionEnabled   *bool
		GlobalSecondaryIndexUpdates []struct {
			Update *struct {
				IndexName             string
				ProvisionedThroughput *ddbThroughput
			}
		}
	}
	if err := ddbInput(body, &in); err != nil {
		return nil, err
	}
	t, err := svc.table(c, in.TableName)
	if err != nil {
		return nil, err
	}
	c.trailResources = []TrailResource{{ARN: t.ARN, AccountID: c.Account(), Type: "AWS::DynamoDB::Table", Name: t.Name}}
	if in.BillingMode == "" && in.ProvisionedThroughput == nil && in.DeletionProtectionEnabled == nil && len(in.GlobalSecondaryIndexUpdates) == 0 {
		return nil, ddbValidation("At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required")
	}
	mode := t.BillingMode
	switch in.BillingMode {
	case "", mode:
	case "PROVISIONED", "PAY_PER_REQUEST":
		mode = in.BillingMode
	default:
		return nil, ddbValidation("1 validation error detected: Value '%s' at 'billingMode' failed to satisfy constraint: Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]", in.BillingMode)
	}
	tp := t.Throughput
	if p := in.ProvisionedThroughput; p != nil {
		if mode == "PAY_PER_REQUEST" {
			return nil, ddbValidation("One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST")
		}
		if p.ReadCapacityUnits < 1 || p.WriteCapacityUnits < 1 {
			return nil, ddbValidation("One or more parameter values were invalid: Provisioned throughput must be at least 1 capacity unit")
		}
		if *p == t.Throughput && in.BillingMode == "" {
			return nil, ddbValidation("The provisioned throughput for the table will not change. The requested value equals the current value. Current ReadCapacityUnits provisioned for the table: %d. Requested ReadCapacityUnits: %d. Current WriteCapacityUnits provisioned for the table: %d. Requested WriteCapacityUnits: %d. Refer to the Amazon DynamoDB Developer Guide for current limits and how to request higher limits.",
				t.Throughput.ReadCapacityUnits, p.ReadCapacityUnits, t.Throughput.WriteCapacityUnits, p.WriteCapacityUnits)
		}
		tp = *p
	} else if mode == "PROVISIONED" && t.BillingMode == "PAY_PER_REQUEST" {
		return nil, ddbValidation("One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED")
	}
	gsis := append([]ddbIndex(nil), t.GSIs...)
	for _, u := range in.GlobalSecondaryIndexUpdates {
		if u.Update == nil {
			return nil, ddbValidation("One or more parameter values were invalid: only Update of a global secondary index is simulated")
		}
		found := false
		for i := range gsis {
			if gsis[i].IndexName == u.Update.IndexName {
				found = true
				if u.Update.ProvisionedThroughput != nil {
					p := *u.Update.ProvisionedThroughput
					gsis[i].ProvisionedThroughput = &p
				}
			}
		}
		if !found {
			return nil, errorf(http.StatusBadRequest, "ResourceNotFoundException", "Requested resource not found: Index: %s not found for table: %s", u.Update.IndexName, t.Name)
		}
	}
	t.BillingMode, t.GSIs = mode, gsis
	if mode == "PAY_PER_REQUEST" {
		t.Throughput = ddbThroughput{}
	} else {
		t.Throughput = tp
	}
	if in.DeletionProtectionEnabled != nil {
		t.DeletionPro = *in.DeletionProtectionEnabled
	}
	return map[string]any{"TableDescription": t.describe("ACTIVE")}, nil
}

// taggedTable returns the table a ResourceArn names.
func (svc *dynamoService) taggedTable(c *call, arn string) (*ddbTable, error) {
	if !strings.HasPrefix(arn, "arn:") || !strings.Contains(arn, ":table/") {
		return nil, ddbValidation("Invalid TableArn: Invalid ResourceArn provided as input %s", arn)
	}
	t, err := svc.table(c, arn)
	if err != nil || t.ARN != arn {
		return nil, errorf(http.StatusBadRequest, "ResourceNotFoundException", "Requested resource not found: ResourcArn: %s not found", arn)
	}
	c.trailResources = []TrailResource{{ARN: t.ARN, AccountID: c.Account(), Type: "AWS::DynamoDB::Table", Name: t.Name}}
	return t, nil
}

const ddbMaxTags = 50

func (svc *dynamoService) tagResource(c *call, body []byte) (any, error) {
	var in struct {
		ResourceArn string
		Tags        []struct{ Key, Value string }
	}
	if err := ddbInput(body, &in); err != nil {
		return nil, err
	}
	t, err := svc.taggedTable(c, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	next := map[string]string{}
	for k, v := range t.Tags {
		next[k] = v
	}
	for _, tag := range in.Tags {
		if tag.Key == "" || len(tag.Key) > 128 || len(tag.Value) > 256 || strings.HasPrefix(tag.Key, "aws:") {
			return nil, ddbValidation("One or more parameter values were invalid: tag key %q is not valid", tag.Key)
		}
		next[tag.Key] = tag.Value
	}
	if len(next) > ddbMaxTags {
		return nil, errorf(http.StatusBadRequest, "LimitExceededException", "The number of tags exceeds the limit of %d for the resource", ddbMaxTags)
	}
	t.Tags = next
	return nil, nil
}

func (svc *dynamoService) untagResource(c *call, body []byte) (any, error) {
	var in struct {
		ResourceArn string
		TagKeys     []string
	}
	if err := ddbInput(body, &in); err != nil {
		return nil, err
	}
	t, err := svc.taggedTable(c, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	for _, k := range in.TagKeys {
		delete(t.Tags, k)
	}
	return nil, nil
}

// ddbTagPage is how many tags ListTagsOfResource returns at a time.
const ddbTagPage = 10

func (svc *dynamoService) listTagsOfResource(c *call, body []byte) (any, error) {
	var in struct {
		ResourceArn string
		NextToken   string
	}
	if err := ddbInput(body, &in); err != nil {
		return nil, err
	}
	t, err := svc.taggedTable(c, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	keys := sortedKeys(t.Tags)
	if in.NextToken != "" {
		after, ok := pagePosition(in.NextToken)
		if !ok {
			return nil, ddbValidation("Invalid NextToken")
		}
		i := 0
		for i < len(keys) && keys[i] < after {
			i++
		}
		keys = keys[i:]
	}
	type tag struct{ Key, Value string }
	out := struct {
		Tags      []tag
		NextToken string `json:",omitempty"`
	}{Tags: []tag{}}
	if len(keys) > ddbTagPage {
		out.NextToken = pageToken(keys[ddbTagPage])
		keys = keys[:ddbTagPage]
	}
	for _, k := range keys {
		out.Tags = append(out.Tags, tag{k, t.Tags[k]})
	}
	return out, nil
}

// Point-in-time recovery.

func (t *ddbTable) continuousBackups(now time.Time) map[string]any {
	pitr := map[string]any{"PointInTimeRecoveryStatus": "DISABLED"}
	if t.PITR {
		pitr = map[string]any{"PointInTimeRecoveryStatus": "ENABLED", "RecoveryPeriodInDays": t.PITRDays,
			"EarliestRestorableDateTime": epochSec(t.PITRSince), "LatestRestorableDateTime": epochSec(now.Add(-5 * time.Minute))}
	}
	return map[string]any{"ContinuousBackupsDescription": map[string]any{"ContinuousBackupsStatus": "ENABLED", "PointInTimeRecoveryDescription": pitr}}
}

// pitrTable finds the table of a continuous backups call, answering
// TableNotFoundException as those operations do.
func (svc *dynamoService) pitrTable(c *call, name string) (*ddbTable, error) {
	t, err := svc.table(c, name)
	if err != nil {
		return nil, errorf(http.StatusBadRequest, "TableNotFoundException", "Table not found: %s", name)
	}
	c.trailResources = []TrailResource{{ARN: t.ARN, AccountID: c.Account(), Type: "AWS::DynamoDB::Table", Name: t.Name}}
	return t, nil
}

func (svc *dynamoService) updateContinuousBackups(c *call, body []byte) (any, error) {
	var in struct {
		TableName                        string
		PointInTimeRecoverySpecification *struct {
			PointInTimeRecoveryEnabled *bool
			RecoveryPeriodInDays       *int
		}
	}
	if err := ddbInput(body, &in); err != nil {
		return nil, err
	}
	spec := in.PointInTimeRecoverySpecification
	if spec == nil || spec.PointInTimeRecoveryEnabled == nil {
		return nil, ddbValidation("1 validation error detected: Value null at 'pointInTimeRecoverySpecification.pointInTimeRecoveryEnabled' failed to satisfy constraint: Member must not be null")
	}
	t, err := svc.pitrTable(c, in.TableName)
	if err != nil {
		return nil, err
	}
	days := 35
	if spec.RecoveryPeriodInDays != nil {
		if !*spec.PointInTimeRecoveryEnabled {
			return nil, ddbValidation("RecoveryPeriodInDays can be set only when point in time recovery is enabled")
		}
		days = *spec.RecoveryPeriodInDays
		if days < 1 || days > 35 {
			return nil, ddbValidation("1 validation error detected: Value '%d' at 'pointInTimeRecoverySpecification.recoveryPeriodInDays' failed to satisfy constraint: Member must have value between 1 and 35", days)
		}
	}
	if *spec.PointInTimeRecoveryEnabled && !t.PITR {
		t.PITRSince = c.now
	}
	t.PITR = *spec.PointInTimeRecoveryEnabled
	t.PITRDays = days
	return t.continuousBackups(c.now), nil
}

func (svc *dynamoService) describeContinuousBackups(c *call, body []byte) (any, error) {
	var in struct{ TableName string }
	if err := ddbInput(body, &in); err != nil {
		return nil, err
	}
	t, err := svc.pitrTable(c, in.TableName)
	if err != nil {
		return nil, err
	}
	return t.continuousBackups(c.now), nil
}

// On-demand backups.

func (b *ddbBackup) details() map[string]any {
	return map[string]any{"BackupArn": b.ARN, "BackupName": b.Name, "BackupSizeBytes": b.Size, "BackupStatus": "AVAILABLE",
		"BackupType": "USER", "BackupCreationDateTime": epochSec(b.Created)}
}

func (svc *dynamoService) createBackup(c *call, body []byte) (any, error) {
	var in struct{ TableName, BackupName string }
	if err := ddbInput(body, &in); err != nil {
		return nil, err
	}
	if l := len(in.BackupName); l < 3 || l > 255 || strings.Trim(in.BackupName, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != "" {
		return nil, ddbValidation("1 validation error detected: Value '%s' at 'backupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+", in.BackupName)
	}
	t, err := svc.pitrTable(c, in.TableName)
	if err != nil {
		return nil, err
	}
	id := fmt.Sprintf("%013d-%s", c.now.UnixMilli(), c.newID("", 8))
	b := &ddbBackup{ARN: t.ARN + "/backup/" + id, Name: in.BackupName, Table: t.Name, Created: c.now, Size: int64(len(t.Items)) * 100}
	svc.backups(c)[b.ARN] = b
	return map[string]any{"BackupDetails": b.details()}, nil
}

func (svc *dynamoService) listBackups(c *call, body []byte) (any, error) {
	var in struct {
		TableName               string
		ExclusiveStartBackupArn string
		Limit                   int
	}
	if err := ddbInput(body, &in); err != nil {
		return nil, err
	}
	if in.Limit == 0 {
		in.Limit = 100
	}
	if in.Limit < 1 || in.Limit > 100 {
		return nil, ddbValidation("1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value between 1 and 100", in.Limit)
	}
	table := in.TableName
	if i := strings.LastIndex(table, ":table/"); i >= 0 {
		table = table[i+len(":table/"):]
	}
	type summary struct {
		TableName, TableArn, BackupArn, BackupName, BackupStatus, BackupType string
		BackupCreationDateTime                                               epochSec
		BackupSizeBytes                                                      int64
	}
	out := struct {
		BackupSummaries        []summary
		LastEvaluatedBackupArn string `json:",omitempty"`
	}{BackupSummaries: []summary{}}
	all := svc.backups(c)
	for _, arn := range sortedKeys(all) {
		b := all[arn]
		if (table != "" && b.Table != table) || (in.ExclusiveStartBackupArn != "" && arn <= in.ExclusiveStartBackupArn) {
			continue
		}
		if len(out.BackupSummaries) == in.Limit {
			out.LastEvaluatedBackupArn = out.BackupSummaries[len(out.BackupSummaries)-1].BackupArn
			break
		}
		out.BackupSummaries = append(out.BackupSummaries, summary{TableName: b.Table, TableArn: strings.SplitN(b.ARN, "/backup/", 2)[0],
			BackupArn: b.ARN, BackupName: b.Name, BackupStatus: "AVAILABLE", BackupType: "USER", BackupCreationDateTime: epochSec(b.Created), BackupSizeBytes: b.Size})
	}
	return out, nil
}

func (svc *dynamoService) deleteBackup(c *call, body []byte) (any, error) {
	var in struct{ BackupArn string }
	if err := ddbInput(body, &in); err != nil {
		return nil, err
	}
	b := svc.backups(c)[in.BackupArn]
	if b == nil {
		return nil, errorf(http.StatusBadRequest, "BackupNotFoundException", "Backup not found: %s", in.BackupArn)
	}
	delete(svc.backups(c), b.ARN)
	d := b.details()
	d["BackupStatus"] = "DELETED"
	return map[string]any{"BackupDescription": map[string]any{"BackupDetails": d}}, nil
}
