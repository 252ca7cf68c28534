package awssim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// KMS: customer managed keys with their state (Enabled, Disabled,
// PendingDeletion), automatic rotation, aliases and key policies. State is
// per account and region. No cryptographic operation is simulated.
//
// Automatic rotation is supported only for symmetric encryption keys whose
// key material KMS generated (Origin AWS_KMS); for other keys
// GetKeyRotationStatus reports rotation off and Enable/DisableKeyRotation
// answer UnsupportedOperationException. A key pending deletion answers
// KMSInvalidStateException to rotation calls until CancelKeyDeletion, which
// leaves it Disabled, as KMS does.
//
// AWS managed keys (KeyManager AWS) come into being, as in KMS, when
// DescribeKey first names one by its alias (alias/aws/s3, ...). AWS rotates
// them every year: their rotation status is on, and their key policy lets
// no one change it (AccessDeniedException).

type kmsService struct {
	s *Server
	// Keys is keyed by scopeKey, then by key ID.
	Keys map[string]map[string]*kmsKey
	// Aliases is keyed by scopeKey, then by alias name ("alias/...").
	Aliases map[string]map[string]*kmsAlias
}

type kmsKey struct {
	KeyID           string
	ARN             string
	Description     string
	KeySpec         string
	KeyUsage        string
	Origin          string
	MultiRegion     bool
	State           string
	Created         time.Time
	DeletionDate    time.Time
	PendingDays     int32
	RotationEnabled bool
	RotationDays    int32
	NextRotation    time.Time
	Policy          string
	Tags            map[string]string
	// Manager is "AWS" for an AWS managed key, "" for a customer managed
	// one.
	Manager string `json:",omitempty"`
}

type kmsAlias struct {
	Name        string
	ARN         string
	TargetKeyID string
	Created     time.Time
	Updated     time.Time
}

func newKMS(s *Server) *serviceDef {
	svc := &kmsService{s: s, Keys: map[string]map[string]*kmsKey{}, Aliases: map[string]map[string]*kmsAlias{}}
	return &serviceDef{
		Name: "kms", EventSource: "kms.amazonaws.com", Protocol: protoJSON11, TargetPrefix: "TrentService",
		State: svc,
		JSON: map[string]jsonHandler{
			"CreateKey":            svc.createKey,
			"DescribeKey":          svc.describeKey,
			"ListKeys":             svc.listKeys,
			"EnableKey":            svc.enableKey,
			"DisableKey":           svc.disableKey,
			"EnableKeyRotation":    svc.enableKeyRotation,
			"DisableKeyRotation":   svc.disableKeyRotation,
			"GetKeyRotationStatus": svc.getKeyRotationStatus,
			"ScheduleKeyDeletion":  svc.scheduleKeyDeletion,
			"CancelKeyDeletion":    svc.cancelKeyDeletion,
			"CreateAlias":          svc.createAlias,
			"DeleteAlias":          svc.deleteAlias,
			"ListAliases":          svc.listAliases,
			"GetKeyPolicy":         svc.getKeyPolicy,
			"PutKeyPolicy":         svc.putKeyPolicy,
			"TagResource":          svc.tagResource,
			"UntagResource":        svc.untagResource,
			"ListResourceTags":     svc.listResourceTags,
		},
	}
}

func kmsNotFound(format string, args ...any) *Error {
	return errorf(http.StatusBadRequest, "NotFoundException", format, args...)
}

func kmsInvalidState(format string, args ...any) *Error {
	return errorf(http.StatusBadRequest, "KMSInvalidStateException", format, args...)
}

func kmsValidation(format string, args ...any) *Error {
	return errorf(http.StatusBadRequest, "ValidationException", format, args...)
}

func (svc *kmsService) keys(c *call) map[string]*kmsKey {
	return scoped(svc.Keys, c)
}

func (svc *kmsService) aliases(c *call) map[string]*kmsAlias {
	return scoped(svc.Aliases, c)
}

// resolve finds the key a KeyId parameter names: a key ID, a key ARN, an
// alias name or an alias ARN.
func (svc *kmsService) resolve(c *call, id string) (*kmsKey, error) {
	if id == "" {
		return nil, kmsValidation("1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null")
	}
	name := id
	if strings.HasPrefix(id, "arn:") {
		parts := strings.SplitN(id, ":", 6)
		if len(parts) != 6 || parts[2] != "kms" {
			return nil, errorf(http.StatusBadRequest, "InvalidArnException", "%s is not a valid KMS ARN", id)
		}
		if parts[3] != c.region || parts[4] != c.Account() {
			return nil, kmsNotFound("Key '%s' does not exist", id)
		}
		name = parts[5]
		name = strings.TrimPrefix(name, "key/")
	}
	if strings.HasPrefix(name, "alias/") {
		a := svc.aliases(c)[name]
		if a == nil && c.op == "DescribeKey" && strings.HasPrefix(name, "alias/aws/") && len(name) > len("alias/aws/") {
			a = svc.awsManagedKey(c, name)
		}
		if a == nil {
			return nil, kmsNotFound("Alias %s is not found.", kmsAliasARN(c, name))
		}
		name = a.TargetKeyID
	}
	k := svc.keys(c)[name]
	if k == nil {
		return nil, kmsNotFound("Key '%s' does not exist", kmsKeyARN(c, name))
	}
	return k, nil
}

func kmsKeyARN(c *call, id string) string {
	return fmt.Sprintf("arn:%s:kms:%s:%s:key/%s", c.partition(), c.region, c.Account(), id)
}

func kmsAliasARN(c *call, name string) string {
	return fmt.Sprintf("arn:%s:kms:%s:%s:%s", c.partition(), c.region, c.Account(), name)
}

// defaultKeyPolicy is the policy KMS gives a key created without one: the
// account's IAM policies govern access.
func defaultKeyPolicy(c *call) string {
	return fmt.Sprintf(`{
  "Version" : "2012-10-17",
  "Id" : "key-default-1",
  "Statement" : [ {
    "Sid" : "Enable IAM User Permissions",
    "Effect" : "Allow",
    "Principal" : {
      "AWS" : "arn:%s:iam::%s:root"
    },
    "Action" : "kms:*",
    "Resource" : "*"
  } ]
}`, c.partition(), c.Account())
}

type kmsKeyMetadata struct {
	AWSAccountID          string    `json:"AWSAccountId"`
	KeyID                 string    `json:"KeyId"`
	Arn                   string    `json:"Arn"`
	CreationDate          epochSec  `json:"CreationDate"`
	Enabled               bool      `json:"Enabled"`
	Description           string    `json:"Description"`
	KeyUsage              string    `json:"KeyUsage"`
	KeyState              string    `json:"KeyState"`
	DeletionDate          *epochSec `json:"DeletionDate,omitempty"`
	PendingDeletionWindow *int32    `json:"PendingDeletionWindowInDays,omitempty"`
	Origin                string    `json:"Origin"`
	KeyManager            string    `json:"KeyManager"`
	CustomerMasterKeySpec string    `json:"CustomerMasterKeySpec"`
	KeySpec               string    `json:"KeySpec"`
	EncryptionAlgorithms  []string  `json:"EncryptionAlgorithms,omitempty"`
	SigningAlgorithms     []string  `json:"SigningAlgorithms,omitempty"`
	MacAlgorithms         []string  `json:"MacAlgorithms,omitempty"`
	MultiRegion           bool      `json:"MultiRegion"`
}

func (k *kmsKey) metadata(account string) kmsKeyMetadata {
	m := kmsKeyMetadata{
		AWSAccountID: account, KeyID: k.KeyID, Arn: k.ARN, CreationDate: epochSec(k.Created), Enabled: k.State == "Enabled",
		Description: k.Description, KeyUsage: k.KeyUsage, KeyState: k.State, DeletionDate: epochPtr(k.DeletionDate),
		Origin: k.Origin, KeyManager: k.manager(), CustomerMasterKeySpec: k.KeySpec, KeySpec: k.KeySpec, MultiRegion: k.MultiRegion,
	}
	if k.State == "PendingDeletion" && k.MultiRegion {
		d := k.PendingDays
		m.PendingDeletionWindow = &d
	}
	switch {
	case k.KeySpec == "SYMMETRIC_DEFAULT":
		m.EncryptionAlgorithms = []string{"SYMMETRIC_DEFAULT"}
	case strings.HasPrefix(k.KeySpec, "HMAC_"):
		m.MacAlgorithms = []string{"HMAC_SHA_" + strings.TrimPrefix(k.KeySpec, "HMAC_")}
	case strings.HasPrefix(k.KeySpec, "RSA_") && k.KeyUsage == "ENCRYPT_DECRYPT":
		m.EncryptionAlgorithms = []string{"RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"}
	case strings.HasPrefix(k.KeySpec, "RSA_"):
		m.SigningAlgorithms = []string{"RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PKCS1_V1_5_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512", "RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_512"}
	case strings.HasPrefix(k.KeySpec, "ECC_"):
		m.SigningAlgorithms = []string{"ECDSA_SHA_256"}
	}
	return m
}

func (k *kmsKey) manager() string {
	if k.Manager == "" {
		return "CUSTOMER"
	}
	return k.Manager
}

// awsManagedKey creates the AWS managed key of the alias name
// ("alias/aws/s3") and returns the alias.
func (svc *kmsService) awsManagedKey(c *call, name string) *kmsAlias {
	id := c.s.newUUIDLocked()
	service := strings.TrimPrefix(name, "alias/aws/")
	k := &kmsKey{
		KeyID: id, ARN: kmsKeyARN(c, id), Description: "Default key that protects my " + service + " data when no other key is defined",
		KeySpec: "SYMMETRIC_DEFAULT", KeyUsage: "ENCRYPT_DECRYPT", Origin: "AWS_KMS", State: "Enabled", Created: c.now,
		RotationEnabled: true, RotationDays: 365, NextRotation: c.now.Add(365 * 24 * time.Hour), Manager: "AWS",
		Policy: defaultKeyPolicy(c), Tags: map[string]string{},
	}
	svc.keys(c)[id] = k
	a := &kmsAlias{Name: name, ARN: kmsAliasARN(c, name), TargetKeyID: id, Created: c.now, Updated: c.now}
	svc.aliases(c)[name] = a
	return a
}

// rotatable reports whether automatic rotation applies to the key.
func (k *kmsKey) rotatable() bool {
	return k.KeySpec == "SYMMETRIC_DEFAULT" && k.Origin == "AWS_KMS"
}

var kmsKeySpecs = sync.OnceValue(func() map[string]string {
	return map[string]string{
		"SYMMETRIC_DEFAULT": "ENCRYPT_DECRYPT",
		"RSA_2048":          "ENCRYPT_DECRYPT", "RSA_3072": "ENCRYPT_DECRYPT", "RSA_4096": "ENCRYPT_DECRYPT",
		"ECC_NIST_P256": "SIGN_VERIFY", "ECC_NIST_P384": "SIGN_VERIFY", "ECC_NIST_P521": "SIGN_VERIFY", "ECC_SECG_P256K1": "SIGN_VERIFY",
		"HMAC_224": "GENERATE_VERIFY_MAC", "HMAC_256": "GENERATE_VERIFY_MAC", "HMAC_384": "GENERATE_VERIFY_MAC", "HMAC_512": "GENERATE_VERIFY_MAC",
	}
})

func (svc *kmsService) createKey(c *call, body []byte) (any, error) {
	var in struct {
		Description           string
		KeySpec               string
		CustomerMasterKeySpec string
		KeyUsage              string
		Origin                string
		Policy                string
		MultiRegion           bool
		Tags                  []struct{ TagKey, TagValue string }
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	spec := in.KeySpec
	if spec == "" {
		spec = in.CustomerMasterKeySpec
	}
	if spec == "" {
		spec = "SYMMETRIC_DEFAULT"
	}
	defUsage, ok := kmsKeySpecs()[spec]
	if !ok {
		return nil, kmsValidation("1 validation error detected: Value '%s' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set", spec)
	}
	usage := in.KeyUsage
	if usage == "" {
		usage = defUsage
	}
	if usage != defUsage && !(strings.HasPrefix(spec, "RSA_") && usage == "SIGN_VERIFY") {
		return nil, kmsValidation("KeyUsage %s is not compatible with KeySpec %s", usage, spec)
	}
	origin := in.Origin
	if origin == "" {
		origin = "AWS_KMS"
	}
	if origin != "AWS_KMS" && origin != "EXTERNAL" {
		return nil, errorf(http.StatusBadRequest, "UnsupportedOperationException", "Origin %s is not supported by the simulator", origin)
	}
	if in.Policy != "" && !json.Valid([]byte(in.Policy)) {
		return nil, errorf(http.StatusBadRequest, "MalformedPolicyDocumentException", "The new key policy will not allow you to update the key policy in the future.")
	}
	id := c.s.newUUIDLocked()
	if in.MultiRegion {
		id = "mrk-" + strings.ReplaceAll(id, "-", "")
	}
	k := &kmsKey{
		KeyID: id, ARN: kmsKeyARN(c, id), Description: in.Description, KeySpec: spec, KeyUsage: usage, Origin: origin,
		MultiRegion: in.MultiRegion, State: "Enabled", Created: c.now, Policy: in.Policy, Tags: map[string]string{},
	}
	if origin == "EXTERNAL" {
		k.State = "PendingImport"
	}
	if k.Policy == "" {
		k.Policy = defaultKeyPolicy(c)
	}
	for _, t := range in.Tags {
		k.Tags[t.TagKey] = t.TagValue
	}
	svc.keys(c)[id] = k
	md := k.metadata(c.Account())
	c.trailResponse = map[string]any{"keyMetadata": lowerCamelKeys(normalizeJSON(md))}
	c.trailResources = []TrailResource{{ARN: k.ARN, AccountID: c.Account(), Type: "AWS::KMS::Key", Name: k.ARN}}
	return map[string]any{"KeyMetadata": md}, nil
}

// normalizeJSON round-trips v through encoding/json into maps and slices.
func normalizeJSON(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var out any
	if json.Unmarshal(b, &out) != nil {
		return nil
	}
	return out
}

type kmsKeyIDInput struct {
	KeyID string `json:"KeyId"`
}

// keyFor decodes a request naming a key and resolves it, recording the key
// as the call's resource.
func (svc *kmsService) keyFor(c *call, body []byte) (*kmsKey, error) {
	var in kmsKeyIDInput
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	k, err := svc.resolve(c, in.KeyID)
	if err != nil {
		return nil, err
	}
	c.trailResources = []TrailResource{{ARN: k.ARN, AccountID: c.Account(), Type: "AWS::KMS::Key", Name: k.ARN}}
	return k, nil
}

func (svc *kmsService) describeKey(c *call, body []byte) (any, error) {
	k, err := svc.keyFor(c, body)
	if err != nil {
		return nil, err
	}
	return map[string]any{"KeyMetadata": k.metadata(c.Account())}, nil
}

func (svc *kmsService) listKeys(c *call, body []byte) (any, error) {
	var in struct {
		Limit  int
		Marker string
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	if in.Limit == 0 {
		in.Limit = 100
	}
	if in.Limit < 1 || in.Limit > 1000 {
		return nil, kmsValidation("1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value between 1 and 1000", in.Limit)
	}
	ids := sortedKeys(svc.keys(c))
	start := 0
	if in.Marker != "" {
		pos, ok := pagePosition(in.Marker)
		if !ok {
			return nil, errorf(http.StatusBadRequest, "InvalidMarkerException", "Invalid marker %q", in.Marker)
		}
		start = sort.SearchStrings(ids, pos)
	}
	type entry struct {
		KeyID  string `json:"KeyId"`
		KeyArn string `json:"KeyArn"`
	}
	out := struct {
		Keys       []entry `json:"Keys"`
		Truncated  bool    `json:"Truncated"`
		NextMarker string  `json:"NextMarker,omitempty"`
	}{Keys: []entry{}}
	for i := start; i < len(ids); i++ {
		if len(out.Keys) == in.Limit {
			out.Truncated, out.NextMarker = true, pageToken(ids[i])
			break
		}
		k := svc.keys(c)[ids[i]]
		out.Keys = append(out.Keys, entry{k.KeyID, k.ARN})
	}
	return out, nil
}

// usable refuses keys pending deletion or import for op.
func (k *kmsKey) usable(op string) error {
	switch k.State {
	case "PendingDeletion", "PendingImport", "PendingReplicaDeletion", "Unavailable":
		return kmsInvalidState("%s is %s and cannot be used for %s", k.ARN, k.State, op)
	}
	return nil
}

func (svc *kmsService) enableKey(c *call, body []byte) (any, error) {
	k, err := svc.keyFor(c, body)
	if err != nil {
		return nil, err
	}
	if err := k.usable("EnableKey"); err != nil {
		return nil, err
	}
	k.State = "Enabled"
	return nil, nil
}

func (svc *kmsService) disableKey(c *call, body []byte) (any, error) {
	k, err := svc.keyFor(c, body)
	if err != nil {
		return nil, err
	}
	if err := k.usable("DisableKey"); err != nil {
		return nil, err
	}
	k.State = "Disabled"
	return nil, nil
}

// rotationTarget resolves the key of a rotation call and checks that
// rotation applies to it.
func (svc *kmsService) rotationTarget(c *call, body []byte, op string) (*kmsKey, error) {
	k, err := svc.keyFor(c, body)
	if err != nil {
		return nil, err
	}
	if err := k.usable(op); err != nil {
		return nil, err
	}
	if k.Manager == "AWS" && op != "GetKeyRotationStatus" {
		return nil, errorf(http.StatusBadRequest, "AccessDeniedException", "User: %s is not authorized to perform: kms:%s on resource: %s because no resource-based policy allows the kms:%s action",
			c.caller.ARN, op, k.ARN, op)
	}
	if !k.rotatable() && op != "GetKeyRotationStatus" {
		return nil, errorf(http.StatusBadRequest, "UnsupportedOperationException", "%s is not supported for %s with key spec %s and origin %s", op, k.ARN, k.KeySpec, k.Origin)
	}
	return k, nil
}

func (svc *kmsService) enableKeyRotation(c *call, body []byte) (any, error) {
	var in struct {
		RotationPeriodInDays *int32
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	k, err := svc.rotationTarget(c, body, "EnableKeyRotation")
	if err != nil {
		return nil, err
	}
	if k.State == "Disabled" {
		return nil, errorf(http.StatusBadRequest, "DisabledException", "%s is disabled.", k.ARN)
	}
	days := int32(365)
	if in.RotationPeriodInDays != nil {
		days = *in.RotationPeriodInDays
		if days < 90 || days > 2560 {
			return nil, kmsValidation("1 validation error detected: Value '%d' at 'rotationPeriodInDays' failed to satisfy constraint: Member must have value between 90 and 2560", days)
		}
	}
	if !k.RotationEnabled || k.RotationDays != days {
		k.NextRotation = c.now.Add(time.Duration(days) * 24 * time.Hour)
	}
	k.RotationEnabled, k.RotationDays = true, days
	return nil, nil
}

func (svc *kmsService) disableKeyRotation(c *call, body []byte) (any, error) {
	k, err := svc.rotationTarget(c, body, "DisableKeyRotation")
	if err != nil {
		return nil, err
	}
	if k.State == "Disabled" {
		return nil, errorf(http.StatusBadRequest, "DisabledException", "%s is disabled.", k.ARN)
	}
	k.RotationEnabled, k.NextRotation = false, time.Time{}
	return nil, nil
}

func (svc *kmsService) getKeyRotationStatus(c *call, body []byte) (any, error) {
	k, err := svc.rotationTarget(c, body, "GetKeyRotationStatus")
	if err != nil {
		return nil, err
	}
	out := map[string]any{"KeyId": k.ARN, "KeyRotationEnabled": k.RotationEnabled}
	if k.RotationEnabled {
		out["RotationPeriodInDays"] = k.RotationDays
		out["NextRotationDate"] = epochSec(k.NextRotation)
	}
	return out, nil
}

func (svc *kmsService) scheduleKeyDeletion(c *call, body []byte) (any, error) {
	var in struct {
		PendingWindowInDays *int32
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	k, err := svc.keyFor(c, body)
	if err != nil {
		return nil, err
	}
	if k.State == "PendingDeletion" {
		return nil, kmsInvalidState("%s is pending deletion.", k.ARN)
	}
	days := int32(30)
	if in.PendingWindowInDays != nil {
		days = *in.PendingWindowInDays
		if days < 7 || days > 30 {
			return nil, kmsValidation("1 validation error detected: Value '%d' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value between 7 and 30", days)
		}
	}
	k.State, k.PendingDays = "PendingDeletion", days
	k.DeletionDate = c.now.Add(time.Duration(days) * 24 * time.Hour)
	return map[string]any{"KeyId": k.ARN, "DeletionDate": epochSec(k.DeletionDate), "KeyState": k.State, "PendingWindowInDays": days}, nil
}

func (svc *kmsService) cancelKeyDeletion(c *call, body []byte) (any, error) {
	k, err := svc.keyFor(c, body)
	if err != nil {
		return nil, err
	}
	if k.State != "PendingDeletion" {
		return nil, kmsInvalidState("%s is not pending deletion.", k.ARN)
	}
	k.State, k.DeletionDate, k.PendingDays = "Disabled", time.Time{}, 0
	return map[string]any{"KeyId": k.ARN}, nil
}

func (svc *kmsService) createAlias(c *call, body []byte) (any, error) {
	var in struct {
		AliasName   string
		TargetKeyID string `json:"TargetKeyId"`
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	if !strings.HasPrefix(in.AliasName, "alias/") || len(in.AliasName) <= len("alias/") {
		return nil, errorf(http.StatusBadRequest, "InvalidAliasNameException", "Alias must start with the prefix \"alias/\". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html")
	}
	if strings.HasPrefix(in.AliasName, "alias/aws/") {
		return nil, errorf(http.StatusBadRequest, "NotAuthorizedException", "Cannot create alias with prefix 'alias/aws/'")
	}
	if strings.HasPrefix(in.TargetKeyID, "alias/") || strings.Contains(in.TargetKeyID, ":alias/") {
		return nil, kmsValidation("TargetKeyId must be a key ID or key ARN, not an alias")
	}
	k, err := svc.resolve(c, in.TargetKeyID)
	if err != nil {
		return nil, err
	}
	if k.State == "PendingDeletion" {
		return nil, kmsInvalidState("%s is pending deletion.", k.ARN)
	}
	if svc.aliases(c)[in.AliasName] != nil {
		return nil, errorf(http.StatusBadRequest, "AlreadyExistsException", "An alias with the name %s already exists", kmsAliasARN(c, in.AliasName))
	}
	svc.aliases(c)[in.AliasName] = &kmsAlias{Name: in.AliasName, ARN: kmsAliasARN(c, in.AliasName), TargetKeyID: k.KeyID, Created: c.now, Updated: c.now}
	return nil, nil
}

func (svc *kmsService) deleteAlias(c *call, body []byte) (any, error) {
	var in struct{ AliasName string }
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	if svc.aliases(c)[in.AliasName] == nil {
		return nil, kmsNotFound("Alias %s is not found.", kmsAliasARN(c, in.AliasName))
	}
	delete(svc.aliases(c), in.AliasName)
	return nil, nil
}

func (svc *kmsService) listAliases(c *call, body []byte) (any, error) {
	var in struct {
		KeyID  string `json:"KeyId"`
		Limit  int
		Marker string
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	if in.Limit == 0 {
		in.Limit = 50
	}
	if in.Limit < 1 || in.Limit > 100 {
		return nil, kmsValidation("1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value between 1 and 100", in.Limit)
	}
	target := ""
	if in.KeyID != "" {
		k, err := svc.resolve(c, in.KeyID)
		if err != nil {
			return nil, err
		}
		target = k.KeyID
	}
	type entry struct {
		AliasName       string    `json:"AliasName"`
		AliasArn        string    `json:"AliasArn"`
		TargetKeyID     string    `json:"TargetKeyId"`
		CreationDate    *epochSec `json:"CreationDate,omitempty"`
		LastUpdatedDate *epochSec `json:"LastUpdatedDate,omitempty"`
	}
	out := struct {
		Aliases    []entry `json:"Aliases"`
		Truncated  bool    `json:"Truncated"`
		NextMarker string  `json:"NextMarker,omitempty"`
	}{Aliases: []entry{}}
	names := sortedKeys(svc.aliases(c))
	start := 0
	if in.Marker != "" {
		pos, ok := pagePosition(in.Marker)
		if !ok {
			return nil, errorf(http.StatusBadRequest, "InvalidMarkerException", "Invalid marker %q", in.Marker)
		}
		start = sort.SearchStrings(names, pos)
	}
	for i := start; i < len(names); i++ {
		a := svc.aliases(c)[names[i]]
		if target != "" && a.TargetKeyID != target {
			continue
		}
		if len(out.Aliases) == in.Limit {
			out.Truncated, out.NextMarker = true, pageToken(names[i])
			break
		}
		out.Aliases = append(out.Aliases, entry{a.Name, a.ARN, a.TargetKeyID, epochPtr(a.Created), epochPtr(a.Updated)})
	}
	return out, nil
}

func (svc *kmsService) getKeyPolicy(c *call, body []byte) (any, error) {
	var in struct{ PolicyName string }
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	if in.PolicyName == "" {
		in.PolicyName = "default"
	}
	if in.PolicyName != "default" {
		return nil, kmsNotFound("Policy %s is not found.", in.PolicyName)
	}
	k, err := svc.keyFor(c, body)
	if err != nil {
		return nil, err
	}
	return map[string]any{"Policy": k.Policy, "PolicyName": "default"}, nil
}

func (svc *kmsService) putKeyPolicy(c *call, body []byte) (any, error) {
	var in struct {
		PolicyName string
		Policy     string
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	if in.PolicyName == "" {
		in.PolicyName = "default"
	}
	if in.PolicyName != "default" {
		return nil, kmsValidation("1 validation error detected: Value '%s' at 'policyName' failed to satisfy constraint: Member must be default", in.PolicyName)
	}
	k, err := svc.keyFor(c, body)
	if err != nil {
		return nil, err
	}
	if k.State == "PendingDeletion" {
		return nil, kmsInvalidState("%s is pending deletion.", k.ARN)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(in.Policy), &doc); err != nil || doc["Statement"] == nil {
		return nil, errorf(http.StatusBadRequest, "MalformedPolicyDocumentException", "The key policy is not a JSON policy document with a Statement.")
	}
	k.Policy = in.Policy
	return nil, nil
}
