package awssim

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"
)

// AWS Config's configuration recorder and delivery channel: at most one of
// each per account and region. The recorder's role must exist and trust
// config.amazonaws.com (the service-linked role AWSServiceRoleForConfig
// does); a delivery channel needs a recorder and an existing bucket whose
// policy lets config.amazonaws.com check its ACL and write to it (or, with
// a recorder role of the account's own, a role allowed s3:PutObject on
// it); the recorder starts only with a delivery channel. Nothing is
// recorded or delivered.

type configRecorder struct {
	Name    string
	ARN     string
	RoleARN string
	// Group holds recordingGroup as given, with its defaults filled in.
	Group     configRecordingGroup
	Mode      json.RawMessage `json:",omitempty"`
	Recording bool
	Started   time.Time
	Stopped   time.Time
}

type configRecordingGroup struct {
	AllSupported               bool     `json:"allSupported"`
	IncludeGlobalResourceTypes bool     `json:"includeGlobalResourceTypes"`
	ResourceTypes              []string `json:"resourceTypes"`
	ExclusionByResourceTypes   *struct {
		ResourceTypes []string `json:"resourceTypes"`
	} `json:"exclusionByResourceTypes,omitempty"`
	RecordingStrategy *struct {
		UseOnly string `json:"useOnly"`
	} `json:"recordingStrategy,omitempty"`
}

type configChannel struct {
	Name      string `json:"name"`
	Bucket    string `json:"s3BucketName"`
	Prefix    string `json:"s3KeyPrefix,omitempty"`
	KMSKeyARN string `json:"s3KmsKeyArn,omitempty"`
	Topic     string `json:"snsTopicARN,omitempty"`
	Frequency string `json:"deliveryFrequency,omitempty"`
}

// addRecorderOps adds the recorder and delivery channel operations to
// Config's.
func (svc *configService) addRecorderOps(def *serviceDef) {
	def.JSON["PutConfigurationRecorder"] = svc.putConfigurationRecorder
	def.JSON["DescribeConfigurationRecorders"] = svc.describeConfigurationRecorders
	def.JSON["DescribeConfigurationRecorderStatus"] = svc.describeConfigurationRecorderStatus
	def.JSON["StartConfigurationRecorder"] = svc.startConfigurationRecorder
	def.JSON["StopConfigurationRecorder"] = svc.stopConfigurationRecorder
	def.JSON["DeleteConfigurationRecorder"] = svc.deleteConfigurationRecorder
	def.JSON["PutDeliveryChannel"] = svc.putDeliveryChannel
	def.JSON["DescribeDeliveryChannels"] = svc.describeDeliveryChannels
	def.JSON["DeleteDeliveryChannel"] = svc.deleteDeliveryChannel
}

func configErr(code, format string, args ...any) *Error {
	return errorf(http.StatusBadRequest, code, format, args...)
}

func (svc *configService) recorders(c *call) map[string]*configRecorder {
	return scoped(svc.Recorders, c)
}

func (svc *configService) channels(c *call) map[string]*configChannel {
	return scoped(svc.Channels, c)
}

var configRecorderNameRE = lazyRegexp(`^.{1,256}$`)

func (svc *configService) putConfigurationRecorder(c *call, body []byte) (any, error) {
	var in struct {
		ConfigurationRecorder *struct {
			Name           string                `json:"name"`
			RoleARN        string                `json:"roleARN"`
			RecordingGroup *configRecordingGroup `json:"recordingGroup"`
			RecordingMode  json.RawMessage       `json:"recordingMode"`
		}
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	r := in.ConfigurationRecorder
	if r == nil {
		return nil, configErr("ValidationException", "1 validation error detected: Value null at 'configurationRecorder' failed to satisfy constraint: Member must not be null")
	}
	if r.Name == "" {
		r.Name = "default"
	}
	if !configRecorderNameRE().MatchString(r.Name) || strings.TrimSpace(r.Name) == "" {
		return nil, configErr("InvalidConfigurationRecorderNameException", "The configuration recorder name %q is not valid.", r.Name)
	}
	if err := svc.checkRecorderRole(c, r.RoleARN); err != nil {
		return nil, err
	}
	group := configRecordingGroup{AllSupported: true}
	if g := r.RecordingGroup; g != nil {
		group = *g
		if group.AllSupported && len(group.ResourceTypes) > 0 {
			return nil, configErr("InvalidRecordingGroupException", "The recording group provided is not valid: allSupported cannot be true when resourceTypes are listed.")
		}
		if group.IncludeGlobalResourceTypes && !group.AllSupported {
			return nil, configErr("InvalidRecordingGroupException", "The recording group provided is not valid: includeGlobalResourceTypes requires allSupported.")
		}
		if !group.AllSupported && len(group.ResourceTypes) == 0 && group.ExclusionByResourceTypes == nil {
			return nil, configErr("InvalidRecordingGroupException", "The recording group provided is not valid: name the resource types to record or set allSupported.")
		}
	}
	recs := svc.recorders(c)
	for name := range recs {
		if name != r.Name {
			return nil, configErr("MaxNumberOfConfigurationRecordersExceededException", "Failed to put configuration recorder '%s' because the maximum number of configuration recorders: 1 is reached.", r.Name)
		}
	}
	rec := recs[r.Name]
	if rec == nil {
		rec = &configRecorder{Name: r.Name, ARN: c.arn("config", "configuration-recorder/"+r.Name+"/"+c.newID("", 16))}
		recs[r.Name] = rec
	}
	rec.RoleARN, rec.Group, rec.Mode = r.RoleARN, group, r.RecordingMode
	return nil, nil
}

// checkRecorderRole refuses a recorder role that does not exist or that
// Config cannot assume.
func (svc *configService) checkRecorderRole(c *call, arn string) error {
	if arn == "" {
		return configErr("ValidationException", "1 validation error detected: Value null at 'configurationRecorder.roleARN' failed to satisfy constraint: Member must not be null")
	}
	role := svc.s.roleByARN(arn)
	if role == nil || !trustsService(role.Trust, "config.amazonaws.com") {
		return configErr("InvalidRoleException", "The role %s does not exist or AWS Config cannot assume it: its trust policy must allow config.amazonaws.com.", arn)
	}
	return nil
}

type recorderJSON struct {
	ARN            string               `json:"arn"`
	Name           string               `json:"name"`
	RoleARN        string               `json:"roleARN"`
	RecordingGroup configRecordingGroup `json:"recordingGroup"`
	RecordingMode  json.RawMessage      `json:"recordingMode,omitempty"`
}

// namedRecorders returns the recorders names lists, all if none, refusing
// a name that is not a recorder.
func (svc *configService) namedRecorders(c *call, names []string) ([]*configRecorder, error) {
	recs := svc.recorders(c)
	if len(names) == 0 {
		names = sortedKeys(recs)
	}
	var out []*configRecorder
	for _, n := range names {
		r := recs[n]
		if r == nil {
			return nil, configErr("NoSuchConfigurationRecorderException", "Cannot find configuration recorder with the specified name '%s'.", n)
		}
		out = append(out, r)
	}
	return out, nil
}

func (svc *configService) describeConfigurationRecorders(c *call, body []byte) (any, error) {
	var in struct{ ConfigurationRecorderNames []string }
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	recs, err := svc.namedRecorders(c, in.ConfigurationRecorderNames)
	if err != nil {
		return nil, err
	}
	out := []recorderJSON{}
	for _, r := range recs {
		group := r.Group
		if group.ResourceTypes == nil {
			group.ResourceTypes = []string{}
		}
		mode := r.Mode
		if len(mode) == 0 {
			mode = json.RawMessage(`{"recordingFrequency":"CONTINUOUS","recordingModeOverrides":[]}`)
		}
		out = append(out, recorderJSON{ARN: r.ARN, Name: r.Name, RoleARN: r.RoleARN, RecordingGroup: group, RecordingMode: mode})
	}
	return map[string]any{"ConfigurationRecorders": out}, nil
}

func (svc *configService) describeConfigurationRecorderStatus(c *call, body []byte) (any, error) {
	var in struct{ ConfigurationRecorderNames []string }
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	recs, err := svc.namedRecorders(c, in.ConfigurationRecorderNames)
	if err != nil {
		return nil, err
	}
	out := []map[string]any{}
	for _, r := range recs {
		st := map[string]any{"arn": r.ARN, "name": r.Name, "recording": r.Recording, "lastStatus": "Pending"}
		if !r.Started.IsZero() {
			st["lastStartTime"] = epochSec(r.Started)
			st["lastStatus"] = "Success"
			st["lastStatusChangeTime"] = epochSec(r.Started)
		}
		if !r.Stopped.IsZero() {
			st["lastStopTime"] = epochSec(r.Stopped)
		}
		out = append(out, st)
	}
	return map[string]any{"ConfigurationRecordersStatus": out}, nil
}

func (svc *configService) recorderNamed(c *call, body []byte) (*configRecorder, error) {
	var in struct{ ConfigurationRecorderName string }
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	recs, err := svc.namedRecorders(c, []string{in.ConfigurationRecorderName})
	if err != nil {
		return nil, err
	}
	return recs[0], nil
}

func (svc *configService) startConfigurationRecorder(c *call, body []byte) (any, error) {
	r, err := svc.recorderNamed(c, body)
	if err != nil {
		return nil, err
	}
	if len(svc.channels(c)) == 0 {
		return nil, configErr("NoAvailableDeliveryChannelException", "Delivery channel is not available to start configuration recorder.")
	}
	if !r.Recording {
		r.Recording, r.Started = true, c.now
	}
	return nil, nil
}

func (svc *configService) stopConfigurationRecorder(c *call, body []byte) (any, error) {
	r, err := svc.recorderNamed(c, body)
	if err != nil {
		return nil, err
	}
	if r.Recording {
		r.Recording, r.Stopped = false, c.now
	}
	return nil, nil
}

func (svc *configService) deleteConfigurationRecorder(c *call, body []byte) (any, error) {
	r, err := svc.recorderNamed(c, body)
	if err != nil {
		return nil, err
	}
	delete(svc.recorders(c), r.Name)
	return nil, nil
}

var configFrequencies = sync.OnceValue(func() map[string]bool {
	return map[string]bool{"One_Hour": true, "Three_Hours": true, "Six_Hours": true, "Twelve_Hours": true, "TwentyFour_Hours": true}
})

func (svc *configService) putDeliveryChannel(c *call, body []byte) (any, error) {
	var in struct {
		DeliveryChannel *struct {
			configChannel
			Snapshot *struct {
				DeliveryFrequency string `json:"deliveryFrequency"`
			} `json:"configSnapshotDeliveryProperties"`
		}
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	dc := in.DeliveryChannel
	if dc == nil {
		return nil, configErr("ValidationException", "1 validation error detected: Value null at 'deliveryChannel' failed to satisfy constraint: Member must not be null")
	}
	ch := dc.configChannel
	if dc.Snapshot != nil {
		ch.Frequency = dc.Snapshot.DeliveryFrequency
	}
	if ch.Name == "" {
		ch.Name = "default"
	}
	if strings.TrimSpace(ch.Name) == "" || len(ch.Name) > 256 {
		return nil, configErr("InvalidDeliveryChannelNameException", "The delivery channel name %q is not valid.", ch.Name)
	}
	if ch.Frequency != "" && !configFrequencies()[ch.Frequency] {
		return nil, configErr("ValidationException", "1 validation error detected: Value '%s' at 'deliveryChannel.configSnapshotDeliveryProperties.deliveryFrequency' failed to satisfy constraint: Member must satisfy enum value set: [One_Hour, Six_Hours, Three_Hours, Twelve_Hours, TwentyFour_Hours]", ch.Frequency)
	}
	if strings.HasPrefix(ch.Prefix, "/") || strings.Contains(ch.Prefix, "AWSLogs") {
		return nil, configErr("InvalidS3KeyPrefixException", "The s3 key prefix '%s' is not valid, empty s3 key prefix.", ch.Prefix)
	}
	recs := svc.recorders(c)
	if len(recs) == 0 {
		return nil, configErr("NoAvailableConfigurationRecorderException", "Configuration recorder is not available to put delivery channel.")
	}
	chans := svc.channels(c)
	for name := range chans {
		if name != ch.Name {
			return nil, configErr("MaxNumberOfDeliveryChannelsExceededException", "Failed to put delivery channel '%s' because the maximum number of delivery channels: 1 is reached.", ch.Name)
		}
	}
	if ch.Bucket == "" {
		return nil, configErr("NoSuchBucketException", "Cannot find a S3 bucket with an empty bucket name.")
	}
	var roleARN string
	for _, r := range recs {
		roleARN = r.RoleARN
	}
	if err := svc.checkDeliveryBucket(c, ch, roleARN); err != nil {
		return nil, err
	}
	chans[ch.Name] = &ch
	return nil, nil
}

// checkDeliveryBucket refuses a delivery channel bucket that does not
// exist, or that Config could not write to: its policy must let
// config.amazonaws.com check its ACL and put objects, unless the recorder's
// role is the account's own (not service-linked) and may put them.
func (svc *configService) checkDeliveryBucket(c *call, ch configChannel, roleARN string) error {
	s3, ok := serviceState[*s3State](svc.s)
	var b *s3Bucket
	if ok {
		b = s3.Buckets[ch.Bucket]
	}
	if b == nil {
		return configErr("NoSuchBucketException", "Cannot find a S3 bucket with name '%s'.", ch.Bucket)
	}
	prefix := ""
	if ch.Prefix != "" {
		prefix = ch.Prefix + "/"
	}
	object := "arn:" + partitionOf(b.Region) + ":s3:::" + b.Name + "/" + prefix + "AWSLogs/" + c.Account() + "/Config/*"
	bucket := "arn:" + partitionOf(b.Region) + ":s3:::" + b.Name
	if resourcePolicyAllowsService(b.Policy, "config.amazonaws.com", bucket, "s3:GetBucketAcl") &&
		resourcePolicyAllowsService(b.Policy, "config.amazonaws.com", object, "s3:PutObject") {
		return nil
	}
	if role := svc.s.roleByARN(roleARN); role != nil && !strings.Contains(role.Path, "aws-service-role") && b.Account == c.Account() &&
		svc.s.roleAllows(c.Account(), role, "s3:PutObject", object, c.now) {
		return nil
	}
	return configErr("InsufficientDeliveryPolicyException", "Insufficient delivery policy to s3 bucket: %s, unable to write to bucket, provided s3 key prefix is '%s'.", ch.Bucket, ch.Prefix)
}

func (svc *configService) describeDeliveryChannels(c *call, body []byte) (any, error) {
	var in struct{ DeliveryChannelNames []string }
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	chans := svc.channels(c)
	names := in.DeliveryChannelNames
	if len(names) == 0 {
		names = sortedKeys(chans)
	}
	out := []map[string]any{}
	for _, n := range names {
		ch := chans[n]
		if ch == nil {
			return nil, configErr("NoSuchDeliveryChannelException", "Cannot find delivery channel with specified name '%s'.", n)
		}
		m := map[string]any{"name": ch.Name, "s3BucketName": ch.Bucket}
		if ch.Prefix != "" {
			m["s3KeyPrefix"] = ch.Prefix
		}
		if ch.KMSKeyARN != "" {
			m["s3KmsKeyArn"] = ch.KMSKeyARN
		}
		if ch.Topic != "" {
			m["snsTopicARN"] = ch.Topic
		}
		if ch.Frequency != "" {
			m["configSnapshotDeliveryProperties"] = map[string]any{"deliveryFrequency": ch.Frequency}
		}
		out = append(out, m)
	}
	return map[string]any{"DeliveryChannels": out}, nil
}

func (svc *configService) deleteDeliveryChannel(c *call, body []byte) (any, error) {
	var in struct{ DeliveryChannelName string }
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	chans := svc.channels(c)
	if chans[in.DeliveryChannelName] == nil {
		return nil, configErr("NoSuchDeliveryChannelException", "Cannot find delivery channel with specified name '%s'.", in.DeliveryChannelName)
	}
	for _, r := range svc.recorders(c) {
		if r.Recording {
			return nil, configErr("LastDeliveryChannelDeleteFailedException", "Failed to delete last specified delivery channel with name '%s', because there, because there is a running configuration recorder.", in.DeliveryChannelName)
		}
	}
	delete(chans, in.DeliveryChannelName)
	return nil, nil
}
