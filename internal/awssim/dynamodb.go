package awssim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
)

// DynamoDB: tables with a hash key and an optional range key, global
// secondary indexes, time to live settings, table settings, tags,
// point-in-time recovery and backups (dynamodb_admin.go) and items, with condition,
// update, key condition, filter and projection expressions (see
// dynamodb_expr.go). State is per account and region.
//
// Tables are ACTIVE as soon as CreateTable returns (its response says
// CREATING, as DynamoDB's does) and gone as soon as DeleteTable returns.
// Reads are always consistent. Expired items are not removed: DynamoDB
// removes them only eventually, so readers filter on the TTL attribute.

type dynamoService struct {
	s *Server
	// Tables is keyed by scopeKey, then by table name.
	Tables map[string]map[string]*ddbTable
	// Backups is keyed by scopeKey, then by backup ARN.
	Backups map[string]map[string]*ddbBackup
	// unprocessed is how many more items batch calls leave unprocessed
	// (see Server.LeaveUnprocessed).
	unprocessed int
}

// LeaveUnprocessed makes DynamoDB's batch calls leave the next n items
// unprocessed, as DynamoDB does when it throttles part of a batch: the last
// writes of a BatchWriteItem call are returned in UnprocessedItems instead
// of being made, and the last keys of a BatchGetItem call in
// UnprocessedKeys instead of being read, until n items have been left.
func (s *Server) LeaveUnprocessed(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if def := s.services["dynamodb"]; def != nil {
		def.State.(*dynamoService).unprocessed = n
	}
}

// leave returns how many of n items a batch call leaves unprocessed, and
// counts them.
func (svc *dynamoService) leave(n int) int {
	k := min(n, svc.unprocessed)
	svc.unprocessed -= k
	return k
}

type ddbKeyElem struct {
	AttributeName string `json:"AttributeName"`
	KeyType       string `json:"KeyType"`
}

type ddbAttrDef struct {
	AttributeName string `json:"AttributeName"`
	AttributeType string `json:"AttributeType"`
}

type ddbProjection struct {
	ProjectionType   string   `json:"ProjectionType,omitempty"`
	NonKeyAttributes []string `json:"NonKeyAttributes,omitempty"`
}

type ddbThroughput struct {
	ReadCapacityUnits  int64 `json:"ReadCapacityUnits"`
	WriteCapacityUnits int64 `json:"WriteCapacityUnits"`
}

type ddbIndex struct {
	IndexName             string         `json:"IndexName"`
	KeySchema             []ddbKeyElem   `json:"KeySchema"`
	Projection            ddbProjection  `json:"Projection"`
	ProvisionedThroughput *ddbThroughput `json:"ProvisionedThroughput,omitempty"`
}

type ddbTable struct {
	Name        string
	ARN         string
	ID          string
	KeySchema   []ddbKeyElem
	AttrDefs    []ddbAttrDef
	BillingMode string
	Throughput  ddbThroughput
	GSIs        []ddbIndex
	Created     time.Time
	TTLAttr     string
	TTLEnabled  bool
	DeletionPro bool
	Tags        map[string]string
	// PITR is point-in-time recovery, on since PITRSince with a recovery
	// period of PITRDays.
	PITR      bool
	PITRDays  int
	PITRSince time.Time
	// Items is keyed by the item's encoded primary key.
	Items map[string]ddbItem
}

func newDynamoDB(s *Server) *serviceDef {
	svc := &dynamoService{s: s, Tables: map[string]map[string]*ddbTable{}, Backups: map[string]map[string]*ddbBackup{}}
	return &serviceDef{
		Name: "dynamodb", EventSource: "dynamodb.amazonaws.com", Protocol: protoJSON10, TargetPrefix: "DynamoDB_20120810",
		State: svc,
		JSON: map[string]jsonHandler{
			"CreateTable":               svc.createTable,
			"DescribeTable":             svc.describeTable,
			"ListTables":                svc.listTables,
			"DeleteTable":               svc.deleteTable,
			"UpdateTimeToLive":          svc.updateTimeToLive,
			"DescribeTimeToLive":        svc.describeTimeToLive,
			"PutItem":                   svc.putItem,
			"GetItem":                   svc.getItem,
			"DeleteItem":                svc.deleteItem,
			"UpdateItem":                svc.updateItem,
			"Query":                     svc.query,
			"Scan":                      svc.scan,
			"BatchWriteItem":            svc.batchWriteItem,
			"BatchGetItem":              svc.batchGetItem,
			"TransactWriteItems":        svc.transactWriteItems,
			"UpdateTable":               svc.updateTable,
			"TagResource":               svc.tagResource,
			"UntagResource":             svc.untagResource,
			"ListTagsOfResource":        svc.listTagsOfResource,
			"UpdateContinuousBackups":   svc.updateContinuousBackups,
			"DescribeContinuousBackups": svc.describeContinuousBackups,
			"CreateBackup":              svc.createBackup,
			"ListBackups":               svc.listBackups,
			"DeleteBackup":              svc.deleteBackup,
		},
	}
}

func ddbValidation(format string, args ...any) *Error {
	return errorf(http.StatusBadRequest, "ValidationException", format, args...)
}

func ddbNotFound() *Error {
	return errorf(http.StatusBadRequest, "ResourceNotFoundException", "Requested resource not found")
}

// ddbInput decodes a request. Malformed JSON is a SerializationException;
// an invalid attribute value is a ValidationException naming the problem.
func ddbInput(body []byte, v any) error {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil
	}
	err := json.Unmarshal(body, v)
	if err == nil {
		return nil
	}
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	if errors.As(err, &se) || errors.As(err, &te) {
		return errorf(http.StatusBadRequest, "SerializationException", "request body: %v", err)
	}
	return ddbValidation("%v", err)
}

func (svc *dynamoService) tables(c *call) map[string]*ddbTable {
	return scoped(svc.Tables, c)
}

// table finds a table by name or ARN.
func (svc *dynamoService) table(c *call, name string) (*ddbTable, error) {
	if name == "" {
		return nil, ddbValidation("1 validation error detected: Value null at 'tableName' failed to satisfy constraint: Member must not be null")
	}
	if strings.HasPrefix(name, "arn:") {
		i := strings.LastIndex(name, ":table/")
		if i < 0 {
			return nil, ddbValidation("Invalid table ARN %s", name)
		}
		name = name[i+len(":table/"):]
	}
	t := svc.tables(c)[name]
	if t == nil {
		return nil, ddbNotFound()
	}
	return t, nil
}

func (t *ddbTable) hashKey() string { return keyOf(t.KeySchema, "HASH") }

func (t *ddbTable) rangeKey() string { return keyOf(t.KeySchema, "RANGE") }

func keyOf(ks []ddbKeyElem, typ string) string {
	for _, k := range ks {
		if k.KeyType == typ {
			return k.AttributeName
		}
	}
	return ""
}

func (t *ddbTable) attrType(name string) string {
	for _, d := range t.AttrDefs {
		if d.AttributeName == name {
			return d.AttributeType
		}
	}
	return ""
}

// keyString encodes an item's primary key.
func (t *ddbTable) keyString(item ddbItem) string {
	h := item[t.hashKey()]
	s := h.kind + ":" + h.s
	if r := t.rangeKey(); r != "" {
		rv := item[r]
		s += "\x00" + rv.kind + ":" + rv.s
	}
	return s
}

// checkKey validates that key holds exactly the primary key (exact) or at
// least it (an item), with the declared types.
func (t *ddbTable) checkKey(key ddbItem, exact bool) error {
	names := []string{t.hashKey()}
	if r := t.rangeKey(); r != "" {
		names = append(names, r)
	}
	for _, n := range names {
		v, ok := key[n]
		if !ok {
			if exact {
				return ddbValidation("The provided key element does not match the schema")
			}
			return ddbValidation("One or more parameter values were invalid: Missing the key %s in the item", n)
		}
		if want := t.attrType(n); v.kind != want {
			if exact {
				return ddbValidation("The provided key element does not match the schema")
			}
			return ddbValidation("One or more parameter values were invalid: Type mismatch for key %s expected: %s actual: %s", n, want, v.kind)
		}
		if (v.kind == "S" || v.kind == "B") && v.s == "" {
			return ddbValidation("One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: %s", n)
		}
	}
	if exact && len(key) != len(names) {
		return ddbValidation("The provided key element does not match the schema")
	}
	return nil
}

// checkItem validates an item to be written: its key, and the types of
// the attributes that index keys use.
func (t *ddbTable) checkItem(item ddbItem) error {
	if err := t.checkKey(item, false); err != nil {
		return err
	}
	for _, g := range t.GSIs {
		for _, k := range g.KeySchema {
			if v, ok := item[k.AttributeName]; ok && v.kind != t.attrType(k.AttributeName) {
				return ddbValidation("One or more parameter values were invalid: Type mismatch for Index Key %s Expected: %s Actual: %s IndexName: %s", k.AttributeName, t.attrType(k.AttributeName), v.kind, g.IndexName)
			}
		}
	}
	return nil
}

func (t *ddbTable) keyOnly(item ddbItem, extra []ddbKeyElem) ddbItem {
	out := ddbItem{}
	for _, k := range append(append([]ddbKeyElem{}, t.KeySchema...), extra...) {
		if v, ok := item[k.AttributeName]; ok {
			out[k.AttributeName] = v
		}
	}
	return out
}

// exprCtx holds a request's placeholders and tracks their use.
type exprCtx struct {
	names  map[string]string
	values map[string]ddbValue
	used   *exprUse
}

func newExprCtx(names map[string]string, values map[string]ddbValue) *exprCtx {
	return &exprCtx{names: names, values: values, used: newExprUse()}
}

func (x *exprCtx) condition(what, expr string) (*cond, error) {
	if expr == "" {
		return nil, nil
	}
	c, err := parseCondition(expr, x.names, x.values, x.used)
	if err != nil {
		return nil, ddbValidation("Invalid %s: %v", what, err)
	}
	return c, nil
}

// projectionOnly parses the projection expression of a request that has
// no other expression, and refuses names it does not use.
func projectionOnly(names map[string]string, expr string) ([]docPath, error) {
	x := newExprCtx(names, nil)
	proj, err := x.projection(expr)
	if err != nil {
		return nil, err
	}
	if err := x.unused(); err != nil {
		return nil, err
	}
	return proj, nil
}

func (x *exprCtx) projection(expr string) ([]docPath, error) {
	if expr == "" {
		return nil, nil
	}
	p, err := parseProjection(expr, x.names, x.used)
	if err != nil {
		return nil, ddbValidation("Invalid ProjectionExpression: %v", err)
	}
	return p, nil
}

// unused reports placeholders no expression used, as DynamoDB refuses.
func (x *exprCtx) unused() error {
	var names, values []string
	for k := range x.names {
		if !x.used.names[k] {
			names = append(names, k)
		}
	}
	for k := range x.values {
		if !x.used.values[k] {
			values = append(values, k)
		}
	}
	if len(names) > 0 {
		return ddbValidation("Value provided in ExpressionAttributeNames unused in expressions: keys: {%s}", strings.Join(sortStrings(names), ", "))
	}
	if len(values) > 0 {
		return ddbValidation("Value provided in ExpressionAttributeValues unused in expressions: keys: {%s}", strings.Join(sortStrings(values), ", "))
	}
	return nil
}

func conditionFailed(old ddbItem, returnOld string) *Error {
	e := errorf(http.StatusBadRequest, "ConditionalCheckFailedException", "The conditional request failed")
	if returnOld == "ALL_OLD" && old != nil {
		e.Extra = map[string]any{"Item": old}
	}
	return e
}

// Tables.

type ddbTableDescription struct {
	TableName                 string           `json:"TableName"`
	TableArn                  string           `json:"TableArn"`
	TableID                   string           `json:"TableId"`
	TableStatus               string           `json:"TableStatus"`
	KeySchema                 []ddbKeyElem     `json:"KeySchema"`
	AttributeDefinitions      []ddbAttrDef     `json:"AttributeDefinitions"`
	CreationDateTime          epochSec         `json:"CreationDateTime"`
	ItemCount                 int64            `json:"ItemCount"`
	TableSizeBytes            int64            `json:"TableSizeBytes"`
	ProvisionedThroughput     map[string]any   `json:"ProvisionedThroughput"`
	BillingModeSummary        map[string]any   `json:"BillingModeSummary,omitempty"`
	GlobalSecondaryIndexes    []map[string]any `json:"GlobalSecondaryIndexes,omitempty"`
	DeletionProtectionEnabled bool             `json:"DeletionProtectionEnabled"`
}

func (t *ddbTable) describe(status string) ddbTableDescription {
	d := ddbTableDescription{
		TableName: t.Name, TableArn: t.ARN, TableID: t.ID, TableStatus: status, KeySchema: t.KeySchema,
		AttributeDefinitions: t.AttrDefs, CreationDateTime: epochSec(t.Created), ItemCount: int64(len(t.Items)),
		ProvisionedThroughput:     map[string]any{"NumberOfDecreasesToday": 0, "ReadCapacityUnits": t.Throughput.ReadCapacityUnits, "WriteCapacityUnits": t.Throughput.WriteCapacityUnits},
		DeletionProtectionEnabled: t.DeletionPro,
	}
	for _, it := range t.Items {
		b, _ := json.Marshal(it)
		d.TableSizeBytes += int64(len(b))
	}
	if t.BillingMode == "PAY_PER_REQUEST" {
		d.BillingModeSummary = map[string]any{"BillingMode": "PAY_PER_REQUEST", "LastUpdateToPayPerRequestDateTime": epochSec(t.Created)}
	}
	for _, g := range t.GSIs {
		count := 0
		for _, it := range t.Items {
			if inIndex(it, g) {
				count++
			}
		}
		gd := map[string]any{
			"IndexName": g.IndexName, "KeySchema": g.KeySchema, "Projection": g.Projection, "IndexStatus": status,
			"IndexArn": t.ARN + "/index/" + g.IndexName, "ItemCount": count, "IndexSizeBytes": 0,
			"ProvisionedThroughput": map[string]any{"NumberOfDecreasesToday": 0, "ReadCapacityUnits": 0, "WriteCapacityUnits": 0},
		}
		if status == "CREATING" {
			gd["IndexStatus"] = "CREATING"
		}
		if g.ProvisionedThroughput != nil {
			gd["ProvisionedThroughput"] = map[string]any{"NumberOfDecreasesToday": 0, "ReadCapacityUnits": g.ProvisionedThroughput.ReadCapacityUnits, "WriteCapacityUnits": g.ProvisionedThroughput.WriteCapacityUnits}
		}
		d.GlobalSecondaryIndexes = append(d.GlobalSecondaryIndexes, gd)
	}
	return d
}

func inIndex(item ddbItem, g ddbIndex) bool {
	for _, k := range g.KeySchema {
		if _, ok := item[k.AttributeName]; !ok {
			return false
		}
	}
	return true
}

func checkKeySchema(ks []ddbKeyElem, defs map[string]string, what string) error {
	if len(ks) == 0 || len(ks) > 2 || ks[0].KeyType != "HASH" || (len(ks) == 2 && ks[1].KeyType != "RANGE") {
		return ddbValidation("Invalid KeySchema of %s: a HASH key, optionally followed by a RANGE key, is required", what)
	}
	for _, k := range ks {
		t, ok := defs[k.AttributeName]
		if !ok {
			return ddbValidation("One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [%s], AttributeDefinitions: %v", k.AttributeName, sortedKeys(defs))
		}
		if t != "S" && t != "N" && t != "B" {
			return ddbValidation("One or more parameter values were invalid: Key attribute %s has type %s, not S, N or B", k.AttributeName, t)
		}
	}
	return nil
}

func (svc *dynamoService) createTable(c *call, body []byte) (any, error) {
	var in struct {
		TableName              string
		KeySchema              []ddbKeyElem
		AttributeDefinitions   []ddbAttrDef
		BillingMode            string
		ProvisionedThroughput  *ddbThroughput
		GlobalSecondaryIndexes []ddbIndex
		DeletionProtection     bool `json:"DeletionProtectionEnabled"`
		Tags                   []struct{ Key, Value string }
	}
	if err := ddbInput(body, &in); err != nil {
		return nil, err
	}
	if l := len(in.TableName); l < 3 || l > 255 || strings.Trim(in.TableName, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != "" {
		return nil, ddbValidation("1 validation error detected: Value '%s' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+ and have length between 3 and 255", in.TableName)
	}
	if svc.tables(c)[in.TableName] != nil {
		return nil, errorf(http.StatusBadRequest, "ResourceInUseException", "Table already exists: %s", in.TableName)
	}
	defs := map[string]string{}
	for _, d := range in.AttributeDefinitions {
		defs[d.AttributeName] = d.AttributeType
	}
	if err := checkKeySchema(in.KeySchema, defs, "table"); err != nil {
		return nil, err
	}
	mode := in.BillingMode
	if mode == "" {
		mode = "PROVISIONED"
	}
	var tp ddbThroughput
	switch mode {
	case "PROVISIONED":
		if in.ProvisionedThroughput == nil {
			return nil, ddbValidation("One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED")
		}
		tp = *in.ProvisionedThroughput
	case "PAY_PER_REQUEST":
		if in.ProvisionedThroughput != nil {
			return nil, ddbValidation("One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST")
		}
	default:
		return nil, ddbValidation("1 validation error detected: Value '%s' at 'billingMode' failed to satisfy constraint: Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]", mode)
	}
	used := map[string]bool{}
	for _, k := range in.KeySchema {
		used[k.AttributeName] = true
	}
	names := map[string]bool{}
	for _, g := range in.GlobalSecondaryIndexes {
		if names[g.IndexName] || g.IndexName == "" {
			return nil, ddbValidation("One or more parameter values were invalid: Duplicate index name: %s", g.IndexName)
		}
		names[g.IndexName] = true
		if err := checkKeySchema(g.KeySchema, defs, "index "+g.IndexName); err != nil {
			return nil, err
		}
		switch g.Projection.ProjectionType {
		case "ALL", "KEYS_ONLY", "INCLUDE":
		default:
			return nil, ddbValidation("One or more parameter values were invalid: Unknown ProjectionType %q for index %s", g.Projection.ProjectionType, g.IndexName)
		}
		for _, k := range g.KeySchema {
			used[k.AttributeName] = true
		}
	}
	for name := range defs {
		if !used[name] {
			return nil, ddbValidation("One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions")
		}
	}
	t := &ddbTable{
		Name: in.TableName, ARN: fmt.Sprintf("arn:%s:dynamodb:%s:%s:table/%s", c.partition(), c.region, c.Account(), in.TableName),
		ID: c.s.newUUIDLocked(), KeySchema: in.KeySchema, AttrDefs: in.AttributeDefinitions, BillingMode: mode, Throughput: tp,
		GSIs: in.GlobalSecondaryIndexes, Created: c.now, DeletionPro: in.DeletionProtection, Tags: map[string]string{}, Items: map[string]ddbItem{},
	}
	for _, tag := range in.Tags {
		t.Tags[tag.Key] = tag.Value
	}
	svc.tables(c)[t.Name] = t
	c.trailResources = []TrailResource{{ARN: t.ARN, AccountID: c.Account(), Type: "AWS::DynamoDB::Table", Name: t.Name}}
	return map[string]any{"TableDescription": t.describe("CREATING")}, nil
}

// namedTable decodes a request whose only member is TableName and
// returns the table it names.
func (svc *dynamoService) namedTable(c *call, body []byte) (*ddbTable, error) {
	var in struct{ TableName string }
	if err := ddbInput(body, &in); err != nil {
		return nil, err
	}
	return svc.table(c, in.TableName)
}

func (svc *dynamoService) describeTable(c *call, body []byte) (any, error) {
	t, err := svc.namedTable(c, body)
	if err != nil {
		return nil, err
	}
	return map[string]any{"Table": t.describe("ACTIVE")}, nil
}

func (svc *dynamoService) listTables(c *call, body []byte) (any, error) {
	var in struct {
		ExclusiveStartTableName string
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
	names := sortedKeys(svc.tables(c))
	out := struct {
		TableNames             []string `json:"TableNames"`
		LastEvaluatedTableName string   `json:"LastEvaluatedTableName,omitempty"`
	}{TableNames: []string{}}
	for _, n := range names {
		if in.ExclusiveStartTableName != "" && n <= in.ExclusiveStartTableName {
			continue
		}
		out.TableNames = append(out.TableNames, n)
		if len(out.TableNames) == in.Limit {
			if n != names[len(names)-1] {
				out.LastEvaluatedTableName = n
			}
			break
		}
	}
	return out, nil
}

func (svc *dynamoService) deleteTable(c *call, body []byte) (any, error) {
	t, err := svc.namedTable(c, body)
	if err != nil {
		return nil, err
	}
	if t.DeletionPro {
		return nil, ddbValidation("Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.")
	}
	delete(svc.tables(c), t.Name)
	c.trailResources = []TrailResource{{ARN: t.ARN, AccountID: c.Account(), Type: "AWS::DynamoDB::Table", Name: t.Name}}
	return map[string]any{"TableDescription": t.describe("DELETING")}, nil
}

func (svc *dynamoService) updateTimeToLive(c *call, body []byte) (any, error) {
	var in struct {
		TableName               string
		TimeToLiveSpecification struct {
			AttributeName string
			Enabled       *bool
		}
	}
	if err := ddbInput(body, &in); err != nil {
		return nil, err
	}
	t, err := svc.table(c, in.TableName)
	if err != nil {
		return nil, err
	}
	spec := in.TimeToLiveSpecification
	if spec.AttributeName == "" || spec.Enabled == nil {
		return nil, ddbValidation("1 validation error detected: TimeToLiveSpecification must name AttributeName and Enabled")
	}
	switch {
	case *spec.Enabled && t.TTLEnabled:
		return nil, ddbValidation("TimeToLive is already enabled")
	case !*spec.Enabled && !t.TTLEnabled:
		return nil, ddbValidation("TimeToLive is already disabled")
	case !*spec.Enabled && spec.AttributeName != t.TTLAttr:
		return nil, ddbValidation("TimeToLive attribute name %s does not match the enabled attribute %s", spec.AttributeName, t.TTLAttr)
	}
	t.TTLEnabled = *spec.Enabled
	t.TTLAttr = spec.AttributeName
	return map[string]any{"TimeToLiveSpecification": map[string]any{"AttributeName": spec.AttributeName, "Enabled": *spec.Enabled}}, nil
}

func (svc *dynamoService) describeTimeToLive(c *call, body []byte) (any, error) {
	t, err := svc.namedTable(c, body)
	if err != nil {
		return nil, err
	}
	d := map[string]any{"TimeToLiveStatus": "DISABLED"}
	if t.TTLEnabled {
		d = map[string]any{"TimeToLiveStatus": "ENABLED", "AttributeName": t.TTLAttr}
	}
	return map[string]any{"TimeToLiveDescription": d}, nil
}

// Items.

type ddbWriteInput struct {
	TableName                           string
	Item                                ddbItem
	Key                                 ddbItem
	ConditionExpression                 string
	UpdateExpression                    string
	ExpressionAttributeNames            map[string]string
	ExpressionAttributeValues           map[string]ddbValue
	ReturnValues                        string
	ReturnValuesOnConditionCheckFailure string
}

// write is one prepared write: the table, the key string, the new item
// (nil to delete) and the condition on the current item.
type ddbWrite struct {
	t         *ddbTable
	key       string
	cond      *cond
	update    []updateAction
	put       ddbItem
	del       bool
	returnOld string
}

// prepare validates a Put (Item set), Delete or Update (UpdateExpression
// set) or ConditionCheck request.
func (svc *dynamoService) prepare(c *call, in ddbWriteInput, kind string) (*ddbWrite, error) {
	t, err := svc.table(c, in.TableName)
	if err != nil {
		return nil, err
	}
	x := newExprCtx(in.ExpressionAttributeNames, in.ExpressionAttributeValues)
	w := &ddbWrite{t: t, returnOld: in.ReturnValuesOnConditionCheckFailure}
	switch kind {
	case "Put":
		if in.Item == nil {
			return nil, ddbValidation("1 validation error detected: Value null at 'item' failed to satisfy constraint: Member must not be null")
		}
		if err := t.checkItem(in.Item); err != nil {
			return nil, err
		}
		w.key, w.put = t.keyString(in.Item), in.Item
	default:
		if err := t.checkKey(in.Key, true); err != nil {
			return nil, err
		}
		w.key = t.keyString(in.Key)
		w.del = kind == "Delete"
	}
	if kind == "ConditionCheck" && in.ConditionExpression == "" {
		return nil, ddbValidation("1 validation error detected: Value null at 'conditionExpression' failed to satisfy constraint: Member must not be null")
	}
	if w.cond, err = x.condition("ConditionExpression", in.ConditionExpression); err != nil {
		return nil, err
	}
	if kind == "Update" {
		if in.UpdateExpression == "" {
			return nil, ddbValidation("Invalid UpdateExpression: The expression can not be empty")
		}
		acts, err := parseUpdate(in.UpdateExpression, x.names, x.values, x.used)
		if err != nil {
			return nil, ddbValidation("Invalid UpdateExpression: %v", strings.TrimPrefix(err.Error(), "Invalid UpdateExpression: "))
		}
		for _, a := range acts {
			if a.path[0].Name == t.hashKey() || a.path[0].Name == t.rangeKey() {
				return nil, ddbValidation("One or more parameter values were invalid: Cannot update attribute %s. This attribute is part of the key", a.path[0].Name)
			}
		}
		w.update = acts
		w.key = t.keyString(in.Key)
	}
	if len(in.ExpressionAttributeValues) > 0 && in.ConditionExpression == "" && in.UpdateExpression == "" {
		return nil, ddbValidation("ExpressionAttributeValues can only be specified when using expressions: ConditionExpression is null")
	}
	if len(in.ExpressionAttributeNames) > 0 && in.ConditionExpression == "" && in.UpdateExpression == "" {
		return nil, ddbValidation("ExpressionAttributeNames can only be specified when using expressions")
	}
	if err := x.unused(); err != nil {
		return nil, err
	}
	return w, nil
}

// check evaluates the write's condition against the current item.
func (w *ddbWrite) check() (ddbItem, bool) {
	old := w.t.Items[w.key]
	if w.cond == nil {
		return old, true
	}
	return old, evalCond(old, w.cond)
}

// result computes the item after the write (nil when deleted), and the
// attributes an update touched.
func (w *ddbWrite) result(key ddbItem) (ddbItem, []string, error) {
	old := w.t.Items[w.key]
	switch {
	case w.put != nil:
		return w.put, nil, nil
	case w.del:
		return nil, nil, nil
	case w.update != nil:
		base := old
		if base == nil {
			base = key.clone()
		}
		n, touched, err := applyUpdate(base, w.update)
		if err != nil {
			return nil, nil, ddbValidation("%v", err)
		}
		if err := w.t.checkItem(n); err != nil {
			return nil, nil, err
		}
		return n, touched, nil
	}
	return old, nil, nil
}

func (w *ddbWrite) commit(item ddbItem) {
	if item == nil {
		delete(w.t.Items, w.key)
		return
	}
	w.t.Items[w.key] = item
}

func (svc *dynamoService) putItem(c *call, body []byte) (any, error) {
	return svc.writeItem(c, body, "Put")
}

func (svc *dynamoService) deleteItem(c *call, body []byte) (any, error) {
	return svc.writeItem(c, body, "Delete")
}

// writeItem serves PutItem (op "Put") and DeleteItem (op "Delete"): it
// checks the request's condition, then stores the request's item or
// deletes the stored one.
func (svc *dynamoService) writeItem(c *call, body []byte, op string) (any, error) {
	var in ddbWriteInput
	if err := ddbInput(body, &in); err != nil {
		return nil, err
	}
	if in.ReturnValues != "" && in.ReturnValues != "NONE" && in.ReturnValues != "ALL_OLD" {
		return nil, ddbValidation("ReturnValues can only be ALL_OLD or NONE")
	}
	w, err := svc.prepare(c, in, op)
	if err != nil {
		return nil, err
	}
	old, ok := w.check()
	if !ok {
		return nil, conditionFailed(old, w.returnOld)
	}
	if op == "Put" {
		w.commit(in.Item.clone())
	} else {
		w.commit(nil)
	}
	if in.ReturnValues == "ALL_OLD" && old != nil {
		return map[string]any{"Attributes": old}, nil
	}
	return nil, nil
}

func (svc *dynamoService) updateItem(c *call, body []byte) (any, error) {
	var in ddbWriteInput
	if err := ddbInput(body, &in); err != nil {
		return nil, err
	}
	switch in.ReturnValues {
	case "", "NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW":
	default:
		return nil, ddbValidation("1 validation error detected: Value '%s' at 'returnValues' failed to satisfy constraint: Member must satisfy enum value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]", in.ReturnValues)
	}
	w, err := svc.prepare(c, in, "Update")
	if err != nil {
		return nil, err
	}
	old, ok := w.check()
	if !ok {
		return nil, conditionFailed(old, w.returnOld)
	}
	n, touched, err := w.result(in.Key)
	if err != nil {
		return nil, err
	}
	w.commit(n)
	pick := func(it ddbItem) ddbItem {
		out := ddbItem{}
		for _, a := range touched {
			if v, ok := it[a]; ok {
				out[a] = v
			}
		}
		return out
	}
	var attrs ddbItem
	switch in.ReturnValues {
	case "ALL_OLD":
		attrs = old
	case "UPDATED_OLD":
		attrs = pick(old)
	case "ALL_NEW":
		attrs = n
	case "UPDATED_NEW":
		attrs = pick(n)
	}
	if len(attrs) > 0 {
		return map[string]any{"Attributes": attrs}, nil
	}
	return nil, nil
}

func (svc *dynamoService) getItem(c *call, body []byte) (any, error) {
	var in struct {
		TableName                string
		Key                      ddbItem
		ConsistentRead           bool
		ProjectionExpression     string
		ExpressionAttributeNames map[string]string
	}
	if err := ddbInput(body, &in); err != nil {
		return nil, err
	}
	t, err := svc.table(c, in.TableName)
	if err != nil {
		return nil, err
	}
	if err := t.checkKey(in.Key, true); err != nil {
		return nil, err
	}
	proj, err := projectionOnly(in.ExpressionAttributeNames, in.ProjectionExpression)
	if err != nil {
		return nil, err
	}
	it := t.Items[t.keyString(in.Key)]
	if it == nil {
		return nil, nil
	}
	return map[string]any{"Item": project(it, proj)}, nil
}

// Query and Scan.

type ddbReadInput struct {
	TableName                 string
	IndexName                 string
	KeyConditionExpression    string
	FilterExpression          string
	ProjectionExpression      string
	ExpressionAttributeNames  map[string]string
	ExpressionAttributeValues map[string]ddbValue
	ScanIndexForward          *bool
	Limit                     *int
	ExclusiveStartKey         ddbItem
	ConsistentRead            bool
	Select                    string
	Segment                   *int
	TotalSegments             *int
}

// view is the key schema a read uses: the table's or an index's.
type ddbView struct {
	hash, rng string
	keys      []ddbKeyElem // the view's key attributes followed by the table's
	index     *ddbIndex
}

func (svc *dynamoService) view(t *ddbTable, in *ddbReadInput) (ddbView, error) {
	v := ddbView{hash: t.hashKey(), rng: t.rangeKey(), keys: t.KeySchema}
	if in.IndexName == "" {
		return v, nil
	}
	for i := range t.GSIs {
		g := &t.GSIs[i]
		if g.IndexName == in.IndexName {
			if in.ConsistentRead {
				return v, ddbValidation("Consistent reads are not supported on global secondary indexes")
			}
			v = ddbView{hash: keyOf(g.KeySchema, "HASH"), rng: keyOf(g.KeySchema, "RANGE"), index: g}
			v.keys = append(append([]ddbKeyElem{}, g.KeySchema...), t.KeySchema...)
			return v, nil
		}
	}
	return v, ddbValidation("The table does not have the specified index: %s", in.IndexName)
}

// compare orders items of a view: by hash key encoding, then range key, then
// the table's primary key.
func (v ddbView) compare(t *ddbTable, a, b ddbItem) int {
	ha, hb := a[v.hash], b[v.hash]
	if r := strings.Compare(ha.kind+":"+ha.s, hb.kind+":"+hb.s); r != 0 {
		return r
	}
	if v.rng != "" {
		if r, ok := compareScalar(a[v.rng], b[v.rng]); ok && r != 0 {
			return r
		}
	}
	return strings.Compare(t.keyString(a), t.keyString(b))
}

// project applies an index's projection.
func (v ddbView) projectIndex(t *ddbTable, it ddbItem) ddbItem {
	if v.index == nil || v.index.Projection.ProjectionType == "ALL" {
		return it
	}
	out := t.keyOnly(it, v.index.KeySchema)
	if v.index.Projection.ProjectionType == "INCLUDE" {
		for _, a := range v.index.Projection.NonKeyAttributes {
			if x, ok := it[a]; ok {
				out[a] = x
			}
		}
	}
	return out
}

func (svc *dynamoService) query(c *call, body []byte) (any, error) {
	return svc.read(c, body, true)
}

func (svc *dynamoService) scan(c *call, body []byte) (any, error) {
	return svc.read(c, body, false)
}

// keyCondition checks a key condition expression: an equality on the hash
// key, optionally AND one condition on the range key.
func keyCondition(c *cond, v ddbView) error {
	var leaves []*cond
	var walk func(*cond) error
	walk = func(n *cond) error {
		switch n.op {
		case "AND":
			if err := walk(n.kids[0]); err != nil {
				return err
			}
			return walk(n.kids[1])
		case "OR", "NOT", "IN", "<>", "attribute_exists", "attribute_not_exists", "attribute_type", "contains":
			return fmt.Errorf("Invalid operator used in KeyConditionExpression: %s", n.op)
		}
		leaves = append(leaves, n)
		return nil
	}
	if err := walk(c); err != nil {
		return err
	}
	var hashOK bool
	var ranges int
	for _, l := range leaves {
		a := l.args[0]
		if a.kind != opndPath || len(a.path) != 1 {
			return fmt.Errorf("Invalid KeyConditionExpression: the left operand of %s must be a key attribute name", l.op)
		}
		for _, o := range l.args[1:] {
			if o.kind != opndValue {
				return fmt.Errorf("Invalid KeyConditionExpression: the operands of %s on a key must be expression attribute values", l.op)
			}
		}
		switch a.path[0].Name {
		case v.hash:
			if l.op != "=" {
				return fmt.Errorf("Query key condition not supported")
			}
			if hashOK {
				return fmt.Errorf("KeyConditionExpressions must only contain one condition per key")
			}
			hashOK = true
		case v.rng:
			ranges++
			if ranges > 1 {
				return fmt.Errorf("KeyConditionExpressions must only contain one condition per key")
			}
		default:
			return fmt.Errorf("Query condition missed key schema element: %s", a.path[0].Name)
		}
	}
	if !hashOK {
		return fmt.Errorf("Query condition missed key schema element: %s", v.hash)
	}
	return nil
}

func (svc *dynamoService) read(c *call, body []byte, isQuery bool) (any, error) {
	var in ddbReadInput
	if err := ddbInput(body, &in); err != nil {
		return nil, err
	}
	t, err := svc.table(c, in.TableName)
	if err != nil {
		return nil, err
	}
	v, err := svc.view(t, &in)
	if err != nil {
		return nil, err
	}
	limit := 0
	if in.Limit != nil {
		if *in.Limit < 1 {
			return nil, ddbValidation("1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1", *in.Limit)
		}
		limit = *in.Limit
	}
	if (in.Segment == nil) != (in.TotalSegments == nil) || (in.TotalSegments != nil && (*in.TotalSegments < 1 || *in.Segment < 0 || *in.Segment >= *in.TotalSegments)) {
		return nil, ddbValidation("The Segment parameter must be less than TotalSegments, and both must be set together")
	}
	x := newExprCtx(in.ExpressionAttributeNames, in.ExpressionAttributeValues)
	var kc *cond
	if isQuery {
		if in.KeyConditionExpression == "" {
			return nil, ddbValidation("Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.")
		}
		if kc, err = x.condition("KeyConditionExpression", in.KeyConditionExpression); err != nil {
			return nil, err
		}
		if err := keyCondition(kc, v); err != nil {
			return nil, ddbValidation("%v", err)
		}
	}
	filter, err := x.condition("FilterExpression", in.FilterExpression)
	if err != nil {
		return nil, err
	}
	if filter != nil {
		for _, k := range []string{v.hash, v.rng} {
			if k != "" && isQuery && condUses(filter, k) {
				return nil, ddbValidation("Filter Expression can only contain non-primary key attributes: Primary key attribute: %s", k)
			}
		}
	}
	proj, err := x.projection(in.ProjectionExpression)
	if err != nil {
		return nil, err
	}
	if err := x.unused(); err != nil {
		return nil, err
	}
	switch in.Select {
	case "", "ALL_ATTRIBUTES", "COUNT", "ALL_PROJECTED_ATTRIBUTES", "SPECIFIC_ATTRIBUTES":
	default:
		return nil, ddbValidation("1 validation error detected: Value '%s' at 'select' failed to satisfy constraint: Member must satisfy enum value set", in.Select)
	}

	var cands []ddbItem
	for _, it := range t.Items {
		if v.index != nil && !inIndex(it, *v.index) {
			continue
		}
		if kc != nil && !evalCond(it, kc) {
			continue
		}
		cands = append(cands, it)
	}
	if in.TotalSegments != nil {
		var seg []ddbItem
		for _, it := range cands {
			if segmentOf(t.keyString(it), *in.TotalSegments) == *in.Segment {
				seg = append(seg, it)
			}
		}
		cands = seg
	}
	sort.Slice(cands, func(i, j int) bool { return v.compare(t, cands[i], cands[j]) < 0 })
	if isQuery && in.ScanIndexForward != nil && !*in.ScanIndexForward {
		for i, j := 0, len(cands)-1; i < j; i, j = i+1, j-1 {
			cands[i], cands[j] = cands[j], cands[i]
		}
	}
	if in.ExclusiveStartKey != nil {
		for _, k := range v.keys {
			if _, ok := in.ExclusiveStartKey[k.AttributeName]; !ok {
				return nil, ddbValidation("The provided starting key is invalid: The provided key element does not match the schema")
			}
		}
		forward := !isQuery || in.ScanIndexForward == nil || *in.ScanIndexForward
		start := 0
		for start < len(cands) {
			r := v.compare(t, cands[start], in.ExclusiveStartKey)
			if (forward && r > 0) || (!forward && r < 0) {
				break
			}
			start++
		}
		cands = cands[start:]
	}
	out := struct {
		Items            []ddbItem `json:"Items,omitempty"`
		Count            int       `json:"Count"`
		ScannedCount     int       `json:"ScannedCount"`
		LastEvaluatedKey ddbItem   `json:"LastEvaluatedKey,omitempty"`
	}{}
	if in.Select != "COUNT" {
		out.Items = []ddbItem{}
	}
	for _, it := range cands {
		if limit > 0 && out.ScannedCount == limit {
			break
		}
		out.ScannedCount++
		if limit > 0 && out.ScannedCount == limit {
			out.LastEvaluatedKey = t.keyOnly(it, nil)
			if v.index != nil {
				out.LastEvaluatedKey = t.keyOnly(it, v.index.KeySchema)
			}
		}
		if filter != nil && !evalCond(it, filter) {
			continue
		}
		out.Count++
		if in.Select != "COUNT" {
			out.Items = append(out.Items, project(v.projectIndex(t, it), proj))
		}
	}
	return out, nil
}

// segmentOf assigns a key to one of n scan segments.
func segmentOf(key string, n int) int {
	var h uint32 = 2166136261
	for i := 0; i < len(key); i++ {
		h ^= uint32(key[i])
		h *= 16777619
	}
	return int(h % uint32(n))
}

func condUses(c *cond, attr string) bool {
	for _, k := range c.kids {
		if condUses(k, attr) {
			return true
		}
	}
	for _, a := range c.args {
		if len(a.path) > 0 && a.path[0].Name == attr {
			return true
		}
	}
	return false
}

// Batches and transactions.

func (svc *dynamoService) batchWriteItem(c *call, body []byte) (any, error) {
	type writeRequest struct {
		PutRequest    *struct{ Item ddbItem } `json:",omitempty"`
		DeleteRequest *struct{ Key ddbItem }  `json:",omitempty"`
	}
	var in struct {
		RequestItems map[string][]writeRequest
	}
	if err := ddbInput(body, &in); err != nil {
		return nil, err
	}
	total := 0
	var writes []*ddbWrite
	var requests []writeRequest
	var tables []string
	seen := map[string]bool{}
	for table, reqs := range in.RequestItems {
		for _, r := range reqs {
			requests = append(requests, r)
			tables = append(tables, table)
			total++
			var w *ddbWrite
			var err error
			switch {
			case r.PutRequest != nil && r.DeleteRequest == nil:
				w, err = svc.prepare(c, ddbWriteInput{TableName: table, Item: r.PutRequest.Item}, "Put")
			case r.DeleteRequest != nil && r.PutRequest == nil:
				w, err = svc.prepare(c, ddbWriteInput{TableName: table, Key: r.DeleteRequest.Key}, "Delete")
			default:
				return nil, ddbValidation("Supplied WriteRequest must contain exactly one of PutRequest or DeleteRequest")
			}
			if err != nil {
				return nil, err
			}
			if seen[table+"\x01"+w.key] {
				return nil, ddbValidation("Provided list of item keys contains duplicates")
			}
			seen[table+"\x01"+w.key] = true
			writes = append(writes, w)
		}
	}
	if total == 0 || total > 25 {
		return nil, ddbValidation("1 validation error detected: Value at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 25, Member must have length greater than or equal to 1]")
	}
	made := len(writes) - svc.leave(len(writes))
	for _, w := range writes[:made] {
		if w.del {
			w.commit(nil)
		} else {
			w.commit(w.put.clone())
		}
	}
	left := map[string][]writeRequest{}
	for i := made; i < len(writes); i++ {
		left[tables[i]] = append(left[tables[i]], requests[i])
	}
	return map[string]any{"UnprocessedItems": left}, nil
}

func (svc *dynamoService) batchGetItem(c *call, body []byte) (any, error) {
	var in struct {
		RequestItems map[string]struct {
			Keys                     []ddbItem
			ConsistentRead           bool              `json:",omitempty"`
			ProjectionExpression     string            `json:",omitempty"`
			ExpressionAttributeNames map[string]string `json:",omitempty"`
		}
	}
	if err := ddbInput(body, &in); err != nil {
		return nil, err
	}
	total := 0
	resp := map[string][]ddbItem{}
	left := map[string]any{}
	for table, req := range in.RequestItems {
		t, err := svc.table(c, table)
		if err != nil {
			return nil, err
		}
		proj, err := projectionOnly(req.ExpressionAttributeNames, req.ProjectionExpression)
		if err != nil {
			return nil, err
		}
		seen := map[string]bool{}
		resp[table] = []ddbItem{}
		for _, k := range req.Keys {
			total++
			if err := t.checkKey(k, true); err != nil {
				return nil, err
			}
			ks := t.keyString(k)
			if seen[ks] {
				return nil, ddbValidation("Provided list of item keys contains duplicates")
			}
			seen[ks] = true
		}
		keep := len(req.Keys) - svc.leave(len(req.Keys))
		for _, k := range req.Keys[:keep] {
			if it := t.Items[t.keyString(k)]; it != nil {
				resp[table] = append(resp[table], project(it, proj))
			}
		}
		if keep < len(req.Keys) {
			lr := req
			lr.Keys = req.Keys[keep:]
			left[table] = lr
		}
	}
	if total == 0 || total > 100 {
		return nil, ddbValidation("Too many items requested for the BatchGetItem call: %d keys, between 1 and 100 allowed", total)
	}
	return map[string]any{"Responses": resp, "UnprocessedKeys": left}, nil
}

func (svc *dynamoService) transactWriteItems(c *call, body []byte) (any, error) {
	var in struct {
		TransactItems []struct {
			ConditionCheck *ddbWriteInput
			Put            *ddbWriteInput
			Delete         *ddbWriteInput
			Update         *ddbWriteInput
		}
		ClientRequestToken string
	}
	if err := ddbInput(body, &in); err != nil {
		return nil, err
	}
	if len(in.TransactItems) == 0 || len(in.TransactItems) > 100 {
		return nil, ddbValidation("1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length between 1 and 100")
	}
	type step struct {
		w   *ddbWrite
		key ddbItem
	}
	var steps []step
	seen := map[string]bool{}
	for i, ti := range in.TransactItems {
		var kind string
		var wi *ddbWriteInput
		n := 0
		for _, cand := range []struct {
			k string
			v *ddbWriteInput
		}{{"ConditionCheck", ti.ConditionCheck}, {"Put", ti.Put}, {"Delete", ti.Delete}, {"Update", ti.Update}} {
			if cand.v != nil {
				kind, wi = cand.k, cand.v
				n++
			}
		}
		if n != 1 {
			return nil, ddbValidation("TransactItems[%d] must contain exactly one of ConditionCheck, Put, Delete or Update", i)
		}
		w, err := svc.prepare(c, *wi, kind)
		if err != nil {
			return nil, err
		}
		id := w.t.Name + "\x01" + w.key
		if seen[id] {
			return nil, ddbValidation("Transaction request cannot include multiple operations on one item")
		}
		seen[id] = true
		steps = append(steps, step{w, wi.Key})
	}
	type reason struct {
		Code    string  `json:"Code"`
		Message string  `json:"Message,omitempty"`
		Item    ddbItem `json:"Item,omitempty"`
	}
	reasons := make([]reason, len(steps))
	failed := false
	results := make([]ddbItem, len(steps))
	for i, st := range steps {
		reasons[i] = reason{Code: "None"}
		old, ok := st.w.check()
		if !ok {
			failed = true
			reasons[i] = reason{Code: "ConditionalCheckFailed", Message: "The conditional request failed"}
			if st.w.returnOld == "ALL_OLD" {
				reasons[i].Item = old
			}
			continue
		}
		n, _, err := st.w.result(st.key)
		if err != nil {
			failed = true
			reasons[i] = reason{Code: "ValidationError", Message: err.(*Error).Message}
			continue
		}
		results[i] = n
	}
	if failed {
		codes := make([]string, len(reasons))
		for i, r := range reasons {
			codes[i] = r.Code
		}
		e := errorf(http.StatusBadRequest, "TransactionCanceledException", "Transaction cancelled, please refer cancellation reasons for specific reasons [%s]", strings.Join(codes, ", "))
		e.Extra = map[string]any{"CancellationReasons": reasons, "Message": e.Message}
		return nil, e
	}
	for i, st := range steps {
		if st.w.cond != nil && st.w.put == nil && !st.w.del && st.w.update == nil {
			continue // ConditionCheck
		}
		if st.w.put != nil {
			st.w.commit(st.w.put.clone())
		} else {
			st.w.commit(results[i])
		}
	}
	return nil, nil
}

// DynamoDBItems returns the items of a table, in primary key order, as
// DynamoDB's JSON (for tests that inspect state directly).
func (s *Server) DynamoDBItems(account, region, table string) ([]json.RawMessage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	def := s.services["dynamodb"]
	if def == nil {
		return nil, fmt.Errorf("awssim: DynamoDB is not served")
	}
	svc := def.State.(*dynamoService)
	t := svc.Tables[account+"/"+region][table]
	if t == nil {
		return nil, fmt.Errorf("awssim: no DynamoDB table %q in %s/%s", table, account, region)
	}
	var out []json.RawMessage
	for _, k := range sortedKeys(t.Items) {
		b, err := json.Marshal(t.Items[k])
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}
