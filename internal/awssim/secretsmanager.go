package awssim

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Secrets Manager: secrets with their versions and staging labels,
// rotation (through a Lambda function whose policy lets Secrets Manager
// invoke it, or managed by the service that owns the secret), deletion
// with a recovery window, and tags. State is per account and region.
//
// A rotation the simulator runs succeeds at once: a new version becomes
// AWSCURRENT and the old one AWSPREVIOUS. GetSecretValue records the day
// of access as LastAccessedDate, as Secrets Manager does. Secret values
// are never written to the activity log.

type secretsService struct {
	s *Server
	// Secrets is keyed by scopeKey, then by ARN.
	Secrets map[string]map[string]*secret
}

type secret struct {
	ARN, Name, Description, KMSKeyID, OwningService string
	RotationEnabled                                 bool
	RotationLambda                                  string
	RotationDays                                    int64
	RotationSchedule, RotationDuration              string
	Created, LastChanged, LastAccessed, LastRotated time.Time
	Deleted, DeletionDate                           time.Time
	Tags                                            []rdsTag
	// Versions maps a version ID to its staging labels; Values holds
	// each version's value.
	Versions map[string][]string
	Values   map[string]string
}

func newSecretsManager(s *Server) *serviceDef {
	svc := &secretsService{s: s, Secrets: map[string]map[string]*secret{}}
	return &serviceDef{
		Name: "secretsmanager", EventSource: "secretsmanager.amazonaws.com", Protocol: protoJSON11, TargetPrefix: "secretsmanager",
		State: svc, Resources: svc.resources,
		ReadOnly: func(op string) bool {
			return strings.HasPrefix(op, "Describe") || strings.HasPrefix(op, "List") || strings.HasPrefix(op, "Get")
		},
		JSON: map[string]jsonHandler{
			"CreateSecret":       svc.createSecret,
			"DescribeSecret":     svc.describeSecret,
			"GetSecretValue":     svc.getSecretValue,
			"PutSecretValue":     svc.putSecretValue,
			"ListSecrets":        svc.listSecrets,
			"RotateSecret":       svc.rotateSecret,
			"CancelRotateSecret": svc.cancelRotateSecret,
			"DeleteSecret":       svc.deleteSecret,
			"RestoreSecret":      svc.restoreSecret,
			"TagResource":        svc.tagResource,
			"UntagResource":      svc.untagResource,
		},
	}
}

// resources names the secret a call acts on: its ARN when it exists, else
// an ARN pattern of its name.
func (svc *secretsService) resources(c *call) ([]string, bool) {
	switch c.op {
	case "ListSecrets":
		return noResource()
	case "CreateSecret":
		name := c.param("Name")
		if name == "" {
			return nil, false
		}
		return []string{c.arn("secretsmanager", "secret:"+name+"-??????")}, true
	}
	id := c.param("SecretId")
	if id == "" {
		return nil, false
	}
	if s := svc.find(c, id); s != nil {
		return []string{s.ARN}, true
	}
	if strings.HasPrefix(id, "arn:") {
		return []string{id}, true
	}
	return []string{c.arn("secretsmanager", "secret:"+id+"-??????")}, true
}

func (svc *secretsService) secrets(c *call) map[string]*secret { return scoped(svc.Secrets, c) }

// find returns the secret a SecretId names by ARN or name, or nil.
func (svc *secretsService) find(c *call, id string) *secret {
	all := svc.secrets(c)
	if s := all[id]; s != nil {
		return s
	}
	for _, s := range all {
		if s.Name == id {
			return s
		}
	}
	return nil
}

func smNotFound() *Error {
	return errorf(http.StatusBadRequest, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
}

func smInvalidRequest(format string, args ...any) *Error {
	return errorf(http.StatusBadRequest, "InvalidRequestException", format, args...)
}

func smInvalidParam(format string, args ...any) *Error {
	return errorf(http.StatusBadRequest, "InvalidParameterException", format, args...)
}

// secret returns the secret a request names, recording it for CloudTrail.
// A secret scheduled for deletion is refused unless deleted is true.
func (svc *secretsService) secret(c *call, id string, deleted bool) (*secret, error) {
	if id == "" {
		return nil, smInvalidParam("Invalid SecretId: it must not be empty")
	}
	s := svc.find(c, id)
	if s == nil {
		return nil, smNotFound()
	}
	if !deleted && !s.Deleted.IsZero() {
		return nil, smInvalidRequest("You can't perform this operation on the secret because it was marked for deletion.")
	}
	c.trailResources = []TrailResource{{ARN: s.ARN, AccountID: c.Account(), Type: "AWS::SecretsManager::Secret", Name: s.Name}}
	return s, nil
}

var secretNameRE = lazyRegexp(`^[A-Za-z0-9/_+=.@-]{1,512}$`)

// current returns the version labeled AWSCURRENT.
func (s *secret) current() string {
	for id, stages := range s.Versions {
		for _, st := range stages {
			if st == "AWSCURRENT" {
				return id
			}
		}
	}
	return ""
}

// newVersion makes value the AWSCURRENT version, labeling the old one
// AWSPREVIOUS.
func (s *secret) newVersion(id, value string, now time.Time) {
	for v, stages := range s.Versions {
		var keep []string
		for _, st := range stages {
			if st != "AWSPREVIOUS" && st != "AWSCURRENT" {
				keep = append(keep, st)
			}
			if st == "AWSCURRENT" {
				keep = append(keep, "AWSPREVIOUS")
			}
		}
		if len(keep) == 0 {
			delete(s.Versions, v)
			delete(s.Values, v)
			continue
		}
		s.Versions[v] = keep
	}
	s.Versions[id] = []string{"AWSCURRENT"}
	s.Values[id] = value
	s.LastChanged = now
}

func (svc *secretsService) createSecret(c *call, body []byte) (any, error) {
	var in struct {
		Name, Description, KmsKeyId, SecretString, ClientRequestToken string
		SecretBinary                                                  []byte
		Tags                                                          []struct{ Key, Value string }
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	c.trailParams = map[string]any{"name": in.Name, "description": in.Description, "kmsKeyId": in.KmsKeyId}
	if !secretNameRE().MatchString(in.Name) {
		return nil, smInvalidParam("Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!")
	}
	if s := svc.find(c, in.Name); s != nil {
		if !s.Deleted.IsZero() {
			return nil, smInvalidRequest("You can't create this secret because a secret with this name is already scheduled for deletion.")
		}
		return nil, errorf(http.StatusBadRequest, "ResourceExistsException", "The operation failed because the secret %s already exists.", in.Name)
	}
	if in.KmsKeyId != "" {
		if _, err := c.s.kmsKeyFor(c, in.KmsKeyId); err != nil {
			return nil, smInvalidParam("The KMS key %s is not valid", in.KmsKeyId)
		}
	}
	s := &secret{ARN: c.arn("secretsmanager", "secret:"+in.Name+"-"+c.newID("", 6)), Name: in.Name, Description: in.Description,
		KMSKeyID: in.KmsKeyId, Created: c.now, LastChanged: c.now, Versions: map[string][]string{}, Values: map[string]string{}}
	for _, t := range in.Tags {
		s.Tags = append(s.Tags, rdsTag{t.Key, t.Value})
	}
	out := map[string]any{"ARN": s.ARN, "Name": s.Name}
	if in.SecretString != "" || len(in.SecretBinary) > 0 {
		v := orDefault(in.ClientRequestToken, c.s.newUUIDLocked())
		s.newVersion(v, in.SecretString+string(in.SecretBinary), c.now)
		out["VersionId"] = v
	}
	svc.secrets(c)[s.ARN] = s
	c.trailResources = []TrailResource{{ARN: s.ARN, AccountID: c.Account(), Type: "AWS::SecretsManager::Secret", Name: s.Name}}
	return out, nil
}

// day truncates t to its day, as LastAccessedDate is kept.
func day(t time.Time) time.Time { return t.UTC().Truncate(24 * time.Hour) }

func (s *secret) describe() map[string]any {
	d := map[string]any{"ARN": s.ARN, "Name": s.Name, "CreatedDate": epochSec(s.Created), "LastChangedDate": epochSec(s.LastChanged)}
	if s.Description != "" {
		d["Description"] = s.Description
	}
	if s.KMSKeyID != "" {
		d["KmsKeyId"] = s.KMSKeyID
	}
	if s.OwningService != "" {
		d["OwningService"] = s.OwningService
	}
	if s.RotationEnabled {
		d["RotationEnabled"] = true
	}
	if s.RotationLambda != "" {
		d["RotationLambdaARN"] = s.RotationLambda
	}
	if s.RotationDays > 0 || s.RotationSchedule != "" {
		rules := map[string]any{}
		if s.RotationDays > 0 {
			rules["AutomaticallyAfterDays"] = s.RotationDays
		}
		if s.RotationSchedule != "" {
			rules["ScheduleExpression"] = s.RotationSchedule
		}
		if s.RotationDuration != "" {
			rules["Duration"] = s.RotationDuration
		}
		d["RotationRules"] = rules
	}
	if !s.LastRotated.IsZero() {
		d["LastRotatedDate"] = epochSec(s.LastRotated)
	}
	if !s.LastAccessed.IsZero() {
		d["LastAccessedDate"] = epochSec(s.LastAccessed)
	}
	if !s.Deleted.IsZero() {
		d["DeletedDate"] = epochSec(s.Deleted)
	}
	if s.RotationEnabled && s.RotationDays > 0 {
		from := s.LastRotated
		if from.IsZero() {
			from = s.Created
		}
		d["NextRotationDate"] = epochSec(day(from).Add(time.Duration(s.RotationDays) * 24 * time.Hour))
	}
	if len(s.Tags) > 0 {
		d["Tags"] = s.Tags
	}
	if len(s.Versions) > 0 {
		d["VersionIdsToStages"] = s.Versions
	}
	return d
}

func (svc *secretsService) describeSecret(c *call, body []byte) (any, error) {
	var in struct{ SecretId string }
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	s, err := svc.secret(c, in.SecretId, true)
	if err != nil {
		return nil, err
	}
	return s.describe(), nil
}

func (svc *secretsService) getSecretValue(c *call, body []byte) (any, error) {
	var in struct{ SecretId, VersionId, VersionStage string }
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	s, err := svc.secret(c, in.SecretId, false)
	if err != nil {
		return nil, err
	}
	v := in.VersionId
	if v == "" {
		stage := orDefault(in.VersionStage, "AWSCURRENT")
		for id, stages := range s.Versions {
			if matchAny(stages, stage) {
				v = id
			}
		}
	}
	if s.Versions[v] == nil {
		return nil, errorf(http.StatusBadRequest, "ResourceNotFoundException", "Secrets Manager can't find the specified secret value for staging label: %s", orDefault(in.VersionStage, "AWSCURRENT"))
	}
	s.LastAccessed = day(c.now)
	c.trailResponse = nil
	return map[string]any{"ARN": s.ARN, "Name": s.Name, "VersionId": v, "SecretString": s.Values[v], "VersionStages": s.Versions[v], "CreatedDate": epochSec(s.LastChanged)}, nil
}

func (svc *secretsService) putSecretValue(c *call, body []byte) (any, error) {
	var in struct {
		SecretId, SecretString, ClientRequestToken string
		SecretBinary                               []byte
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	c.trailParams = map[string]any{"secretId": in.SecretId, "clientRequestToken": in.ClientRequestToken}
	s, err := svc.secret(c, in.SecretId, false)
	if err != nil {
		return nil, err
	}
	if in.SecretString == "" && len(in.SecretBinary) == 0 {
		return nil, smInvalidParam("You must provide either SecretString or SecretBinary.")
	}
	v := orDefault(in.ClientRequestToken, c.s.newUUIDLocked())
	s.newVersion(v, in.SecretString+string(in.SecretBinary), c.now)
	return map[string]any{"ARN": s.ARN, "Name": s.Name, "VersionId": v, "VersionStages": s.Versions[v]}, nil
}

func (svc *secretsService) listSecrets(c *call, body []byte) (any, error) {
	var in struct {
		MaxResults             int
		NextToken              string
		IncludePlannedDeletion bool
		Filters                []struct {
			Key    string
			Values []string
		}
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	if in.MaxResults == 0 {
		in.MaxResults = 100
	}
	if in.MaxResults < 1 || in.MaxResults > 100 {
		return nil, smInvalidParam("MaxResults must be between 1 and 100")
	}
	all := svc.secrets(c)
	var keys []string
	for _, arn := range sortedKeys(all) {
		s := all[arn]
		if !s.Deleted.IsZero() && !in.IncludePlannedDeletion {
			continue
		}
		keep := true
		for _, f := range in.Filters {
			switch f.Key {
			case "name":
				keep = keep && prefixAny(f.Values, s.Name)
			case "tag-key", "tag-value":
				found := false
				for _, t := range s.Tags {
					v := t.Key
					if f.Key == "tag-value" {
						v = t.Value
					}
					found = found || prefixAny(f.Values, v)
				}
				keep = keep && found
			case "owning-service":
				keep = keep && prefixAny(f.Values, s.OwningService)
			default:
				return nil, smInvalidParam("Invalid filter key %q", f.Key)
			}
		}
		if keep {
			keys = append(keys, arn)
		}
	}
	if in.NextToken != "" {
		pos, ok := pagePosition(in.NextToken)
		if !ok {
			return nil, smInvalidParam("Invalid NextToken")
		}
		keys = keys[sort.SearchStrings(keys, pos):]
	}
	out := map[string]any{}
	if len(keys) > in.MaxResults {
		out["NextToken"] = pageToken(keys[in.MaxResults])
		keys = keys[:in.MaxResults]
	}
	list := []any{}
	for _, k := range keys {
		list = append(list, all[k].describe())
	}
	out["SecretList"] = list
	return out, nil
}

func prefixAny(prefixes []string, v string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(v, p) {
			return true
		}
	}
	return false
}

var rateDaysRE = lazyRegexp(`^rate\((\d+) days?\)$`)

func (svc *secretsService) rotateSecret(c *call, body []byte) (any, error) {
	var in struct {
		SecretId, ClientRequestToken, RotationLambdaARN string
		RotationRules                                   *struct {
			AutomaticallyAfterDays *int64
			Duration               string
			ScheduleExpression     string
		}
		RotateImmediately *bool
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	s, err := svc.secret(c, in.SecretId, false)
	if err != nil {
		return nil, err
	}
	days, schedule, duration := s.RotationDays, s.RotationSchedule, s.RotationDuration
	if r := in.RotationRules; r != nil {
		if r.AutomaticallyAfterDays != nil && r.ScheduleExpression != "" {
			return nil, smInvalidParam("You can't specify both AutomaticallyAfterDays and ScheduleExpression.")
		}
		if r.AutomaticallyAfterDays != nil {
			if *r.AutomaticallyAfterDays < 1 || *r.AutomaticallyAfterDays > 1000 {
				return nil, smInvalidParam("AutomaticallyAfterDays must be between 1 and 1000")
			}
			days, schedule = *r.AutomaticallyAfterDays, ""
		}
		if r.ScheduleExpression != "" {
			if m := rateDaysRE().FindStringSubmatch(r.ScheduleExpression); m != nil {
				n, _ := strconv.ParseInt(m[1], 10, 64)
				if n < 1 || n > 1000 {
					return nil, smInvalidParam("The rotation interval must be between 1 and 1000 days")
				}
				days, schedule = n, r.ScheduleExpression
			} else if strings.HasPrefix(r.ScheduleExpression, "cron(") {
				days, schedule = 0, r.ScheduleExpression
			} else {
				return nil, smInvalidParam("Invalid ScheduleExpression %q", r.ScheduleExpression)
			}
		}
		if r.Duration != "" {
			duration = r.Duration
		}
	}
	lambda := orDefault(in.RotationLambdaARN, s.RotationLambda)
	if lambda == "" && s.OwningService == "" {
		return nil, smInvalidRequest("No Lambda rotation function ARN is associated with this secret.")
	}
	if in.RotationLambdaARN != "" {
		f := c.s.lambdaFunctionFor(c, in.RotationLambdaARN)
		if f == nil || !resourcePolicyAllowsService(f.policy(), "secretsmanager.amazonaws.com", f.ARN, "lambda:InvokeFunction") {
			return nil, errorf(http.StatusBadRequest, "AccessDeniedException", "Secrets Manager cannot invoke the specified Lambda function. Ensure that the function policy grants access to the principal secretsmanager.amazonaws.com.")
		}
		lambda = f.ARN
	}
	if days == 0 && schedule == "" {
		return nil, smInvalidParam("A rotation schedule is required: set RotationRules")
	}
	s.RotationEnabled, s.RotationLambda, s.RotationDays, s.RotationSchedule, s.RotationDuration = true, lambda, days, schedule, duration
	out := map[string]any{"ARN": s.ARN, "Name": s.Name}
	if in.RotateImmediately == nil || *in.RotateImmediately {
		v := orDefault(in.ClientRequestToken, c.s.newUUIDLocked())
		if s.Versions[v] != nil {
			return nil, smInvalidRequest("A version with this ClientRequestToken already exists.")
		}
		s.newVersion(v, fmt.Sprintf("rotated-%s", v), c.now)
		s.LastRotated = c.now
		out["VersionId"] = v
	}
	return out, nil
}

func (svc *secretsService) cancelRotateSecret(c *call, body []byte) (any, error) {
	var in struct{ SecretId string }
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	s, err := svc.secret(c, in.SecretId, false)
	if err != nil {
		return nil, err
	}
	s.RotationEnabled = false
	return map[string]any{"ARN": s.ARN, "Name": s.Name}, nil
}

func (svc *secretsService) deleteSecret(c *call, body []byte) (any, error) {
	var in struct {
		SecretId                   string
		RecoveryWindowInDays       *int64
		ForceDeleteWithoutRecovery bool
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	s, err := svc.secret(c, in.SecretId, true)
	if err != nil {
		return nil, err
	}
	if in.ForceDeleteWithoutRecovery && in.RecoveryWindowInDays != nil {
		return nil, smInvalidParam("You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.")
	}
	if !s.Deleted.IsZero() && !in.ForceDeleteWithoutRecovery {
		return nil, smInvalidRequest("You can't perform this operation on the secret because it was already scheduled for deletion.")
	}
	days := int64(30)
	if in.RecoveryWindowInDays != nil {
		days = *in.RecoveryWindowInDays
		if days < 7 || days > 30 {
			return nil, smInvalidParam("The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).")
		}
	}
	if in.ForceDeleteWithoutRecovery {
		delete(svc.secrets(c), s.ARN)
		return map[string]any{"ARN": s.ARN, "Name": s.Name, "DeletionDate": epochSec(c.now)}, nil
	}
	s.Deleted = c.now
	s.DeletionDate = c.now.Add(time.Duration(days) * 24 * time.Hour)
	return map[string]any{"ARN": s.ARN, "Name": s.Name, "DeletionDate": epochSec(s.DeletionDate)}, nil
}

func (svc *secretsService) restoreSecret(c *call, body []byte) (any, error) {
	var in struct{ SecretId string }
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	s, err := svc.secret(c, in.SecretId, true)
	if err != nil {
		return nil, err
	}
	s.Deleted, s.DeletionDate = time.Time{}, time.Time{}
	return map[string]any{"ARN": s.ARN, "Name": s.Name}, nil
}

func (svc *secretsService) tagResource(c *call, body []byte) (any, error) {
	var in struct {
		SecretId string
		Tags     []struct{ Key, Value string }
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	s, err := svc.secret(c, in.SecretId, false)
	if err != nil {
		return nil, err
	}
	var add []rdsTag
	for _, t := range in.Tags {
		if t.Key == "" || strings.HasPrefix(t.Key, "aws:") {
			return nil, smInvalidParam("Invalid tag key %q", t.Key)
		}
		add = append(add, rdsTag{t.Key, t.Value})
	}
	s.Tags = mergeRDSTags(s.Tags, add)
	return nil, nil
}

func (svc *secretsService) untagResource(c *call, body []byte) (any, error) {
	var in struct {
		SecretId string
		TagKeys  []string
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	s, err := svc.secret(c, in.SecretId, false)
	if err != nil {
		return nil, err
	}
	var keep []rdsTag
	for _, t := range s.Tags {
		if !matchAny(in.TagKeys, t.Key) {
			keep = append(keep, t)
		}
	}
	s.Tags = keep
	return nil, nil
}

// AddManagedSecret makes a secret owned and rotated by another service
// (OwningService "rds", as for an RDS master user password), which
// Secrets Manager rotates without a Lambda function, and returns its ARN.
func (s *Server) AddManagedSecret(account, region, name, owner string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	def := s.services["secretsmanager"]
	svc, _ := def.State.(*secretsService)
	c := &call{s: s, def: def, region: region, caller: Principal{Account: account}, now: s.nowLocked()}
	if svc.find(c, name) != nil {
		return "", fmt.Errorf("awssim: secret %s exists", name)
	}
	sec := &secret{ARN: c.arn("secretsmanager", "secret:"+name+"-"+c.newID("", 6)), Name: name, OwningService: owner, Created: c.now,
		LastChanged: c.now, Versions: map[string][]string{}, Values: map[string]string{}, RotationEnabled: true, RotationDays: 7, LastRotated: c.now}
	sec.newVersion(s.newUUIDLocked(), "managed", c.now)
	svc.secrets(c)[sec.ARN] = sec
	return sec.ARN, nil
}
