package awssim

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// SQS: standard and FIFO-named queues, messages with visibility timeouts,
// receive counts and redrive to a dead-letter queue, long polling. Queue
// URLs are {server URL}/{account}/{name}; a queue lives in the region of the
// request that created it.

const (
	sqsMaxWait        = 20 * time.Second
	sqsPollInterval   = 50 * time.Millisecond
	sqsMaxMessageSize = 262144
)

type sqsService struct {
	s     *Server
	State sqsState
	// wake is closed, and replaced, when a queue gets a message, so that
	// long polls return at once. It is not state: a poll in flight is not
	// saved.
	wake map[string]chan struct{}
}

// sqsState holds the queues by "region/account/name".
type sqsState struct {
	Queues map[string]*sqsQueue
}

type sqsQueue struct {
	Name, Account, Region, ARN string
	Created, Modified          time.Time
	Attributes                 map[string]string
	Tags                       map[string]string
	Messages                   []*sqsMessage
	PurgedAt                   time.Time
	Seq                        int64
}

type sqsMessage struct {
	ID, Body, MD5OfBody, MD5OfAttrs string
	Attributes                      map[string]MessageAttribute
	SenderID                        string
	Sent                            time.Time
	VisibleAt                       time.Time
	ReceiveCount                    int
	FirstReceive                    time.Time
	ReceiptHandle                   string
	GroupID, DedupID, Sequence      string
}

// MessageAttribute is an SNS or SQS message attribute value, as SQS's
// JSON protocol writes it (BinaryValue is base64 on the wire).
type MessageAttribute struct {
	DataType    string `json:"DataType"`
	StringValue string `json:"StringValue,omitempty"`
	BinaryValue []byte `json:"BinaryValue,omitempty"`
}

// sqsSettable are the attributes SetQueueAttributes accepts, with their
// defaults.
var sqsSettable = sync.OnceValue(func() map[string]string {
	return map[string]string{
		"DelaySeconds": "0", "MaximumMessageSize": "262144", "MessageRetentionPeriod": "345600",
		"ReceiveMessageWaitTimeSeconds": "0", "VisibilityTimeout": "30", "Policy": "", "RedrivePolicy": "",
		"RedriveAllowPolicy": "", "KmsMasterKeyId": "", "KmsDataKeyReusePeriodSeconds": "300", "SqsManagedSseEnabled": "true",
		"FifoQueue": "", "ContentBasedDeduplication": "", "DeduplicationScope": "", "FifoThroughputLimit": "",
	}
})

var sqsIntLimits = sync.OnceValue(func() map[string][2]int {
	return map[string][2]int{
		"DelaySeconds": {0, 900}, "MaximumMessageSize": {1024, 262144}, "MessageRetentionPeriod": {60, 1209600},
		"ReceiveMessageWaitTimeSeconds": {0, 20}, "VisibilityTimeout": {0, 43200}, "KmsDataKeyReusePeriodSeconds": {60, 86400},
	}
})

func newSQS(s *Server) (*sqsService, *serviceDef) {
	svc := &sqsService{s: s, State: sqsState{Queues: map[string]*sqsQueue{}}, wake: map[string]chan struct{}{}}
	def := &serviceDef{
		Name: "sqs", EventSource: "sqs.amazonaws.com", Protocol: protoJSON10, TargetPrefix: "AmazonSQS",
		State:    &svc.State,
		Throttle: &Error{Code: "com.amazonaws.sqs#RequestThrottled", QueryCode: "RequestThrottled", Message: "Request is throttled.", Status: http.StatusBadRequest},
		JSON: map[string]jsonHandler{
			"CreateQueue":             svc.createQueue,
			"GetQueueUrl":             svc.getQueueURL,
			"ListQueues":              svc.listQueues,
			"DeleteQueue":             svc.deleteQueue,
			"GetQueueAttributes":      svc.getQueueAttributes,
			"SetQueueAttributes":      svc.setQueueAttributes,
			"SendMessage":             svc.sendMessage,
			"SendMessageBatch":        svc.sendMessageBatch,
			"ReceiveMessage":          svc.receiveMessage,
			"DeleteMessage":           svc.deleteMessage,
			"DeleteMessageBatch":      svc.deleteMessageBatch,
			"ChangeMessageVisibility": svc.changeMessageVisibility,
			"PurgeQueue":              svc.purgeQueue,
			"TagQueue":                svc.tagQueue,
			"ListQueueTags":           svc.listQueueTags,
		},
		// Message operations are CloudTrail data events: recorded, but not
		// delivered as management "AWS API Call via CloudTrail" events (so
		// a consumer of a queue does not feed events back into it).
		ReadOnly: func(op string) bool {
			switch op {
			case "GetQueueUrl", "ListQueues", "GetQueueAttributes", "ListQueueTags",
				"SendMessage", "SendMessageBatch", "ReceiveMessage", "DeleteMessage", "DeleteMessageBatch", "ChangeMessageVisibility":
				return true
			}
			return false
		},
	}
	return svc, def
}

// Errors, with the awsQueryCompatible codes SQS sends in x-amzn-query-error.

func sqsErr(status int, shape, queryCode, format string, args ...any) *Error {
	e := errorf(status, "com.amazonaws.sqs#"+shape, format, args...)
	e.QueryCode = queryCode
	return e
}

func errNoQueue() *Error {
	return sqsErr(http.StatusBadRequest, "QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist.")
}

func errSQSParam(format string, args ...any) *Error {
	return sqsErr(http.StatusBadRequest, "InvalidParameterValue", "InvalidParameterValue", format, args...)
}

func errSQSMissing(name string) *Error {
	return sqsErr(http.StatusBadRequest, "MissingParameter", "MissingParameter", "The request must contain the parameter %s.", name)
}

var queueNameRE = lazyRegexp(`^[A-Za-z0-9_-]{1,80}$`)

func sqsKey(region, account, name string) string { return region + "/" + account + "/" + name }

// queueByURL returns the queue a QueueUrl names, in the call's region.
func (svc *sqsService) queueByURL(c *call, queueURL string) (*sqsQueue, error) {
	if queueURL == "" {
		return nil, errSQSMissing("QueueUrl")
	}
	u, err := url.Parse(queueURL)
	if err != nil {
		return nil, errNoQueue()
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(parts) != 2 {
		return nil, errNoQueue()
	}
	q := svc.State.Queues[sqsKey(c.region, parts[0], parts[1])]
	if q == nil {
		return nil, errNoQueue()
	}
	if q.Account != c.Account() {
		return nil, sqsErr(http.StatusForbidden, "AccessDeniedException", "AccessDenied", "Access to the resource %s is denied.", queueURL)
	}
	return q, nil
}

// queueURL is q's URL on the running Server (a restored queue takes the
// Server's current address).
// queueInput decodes a request body into in and returns the queue that
// queueURL, a field of in, names.
func (svc *sqsService) queueInput(c *call, body []byte, in any, queueURL *string) (*sqsQueue, error) {
	if err := jsonInput(body, in); err != nil {
		return nil, err
	}
	return svc.queueByURL(c, *queueURL)
}

func (svc *sqsService) queueURL(q *sqsQueue) string {
	return svc.s.URL + "/" + q.Account + "/" + q.Name
}

func (q *sqsQueue) intAttr(name string) int {
	n, _ := strconv.Atoi(q.Attributes[name])
	return n
}

func (q *sqsQueue) fifo() bool { return q.Attributes["FifoQueue"] == "true" }

// validateAttributes checks queue attributes as CreateQueue and
// SetQueueAttributes do.
func (svc *sqsService) validateAttributes(c *call, attrs map[string]string, fifo bool) error {
	if attrs["KmsMasterKeyId"] != "" && attrs["SqsManagedSseEnabled"] == "true" {
		return sqsErr(http.StatusBadRequest, "InvalidAttributeValue", "InvalidAttributeValue", "You can use one type of server-side encryption (SSE) at one time. You can either enable KMS SSE or SQS SSE.")
	}
	for k, v := range attrs {
		if _, ok := sqsSettable()[k]; !ok {
			return sqsErr(http.StatusBadRequest, "InvalidAttributeName", "InvalidAttributeName", "Unknown Attribute %s.", k)
		}
		if lim, ok := sqsIntLimits()[k]; ok {
			n, err := strconv.Atoi(v)
			if err != nil || n < lim[0] || n > lim[1] {
				return sqsErr(http.StatusBadRequest, "InvalidAttributeValue", "InvalidAttributeValue", "Invalid value for the parameter %s.", k)
			}
		}
		switch k {
		case "FifoQueue", "ContentBasedDeduplication", "SqsManagedSseEnabled":
			if v != "true" && v != "false" {
				return sqsErr(http.StatusBadRequest, "InvalidAttributeValue", "InvalidAttributeValue", "Invalid value for the parameter %s.", k)
			}
			if k != "SqsManagedSseEnabled" && !fifo && v == "true" {
				return sqsErr(http.StatusBadRequest, "InvalidAttributeName", "InvalidAttributeName", "Unknown Attribute %s.", k)
			}
		case "Policy":
			if v != "" {
				if _, err := parsePolicy(v); err != nil {
					return sqsErr(http.StatusBadRequest, "InvalidAttributeValue", "InvalidAttributeValue", "Invalid value for the parameter Policy: %v", err)
				}
			}
		case "RedrivePolicy":
			if v == "" {
				continue
			}
			var rp struct {
				DeadLetterTargetArn string `json:"deadLetterTargetArn"`
				MaxReceiveCount     any    `json:"maxReceiveCount"`
			}
			if err := json.Unmarshal([]byte(v), &rp); err != nil || rp.DeadLetterTargetArn == "" {
				return sqsErr(http.StatusBadRequest, "InvalidAttributeValue", "InvalidAttributeValue", "Value %s for parameter RedrivePolicy is invalid. Reason: Redrive policy is not a valid JSON map.", v)
			}
			n := redriveMax(v)
			if n < 1 || n > 1000 {
				return sqsErr(http.StatusBadRequest, "InvalidAttributeValue", "InvalidAttributeValue", "Value %s for parameter RedrivePolicy is invalid. Reason: Invalid value for maxReceiveCount: %v, valid values are from 1 to 1000 both inclusive.", v, rp.MaxReceiveCount)
			}
			if svc.queueByARN(rp.DeadLetterTargetArn) == nil {
				return sqsErr(http.StatusBadRequest, "InvalidAttributeValue", "InvalidAttributeValue", "Value %s for parameter RedrivePolicy is invalid. Reason: Dead-letter target does not exist.", v)
			}
		}
	}
	return nil
}

// redrive decodes a RedrivePolicy's maxReceiveCount (a number or a string).
func redriveMax(policy string) int {
	var rp struct {
		MaxReceiveCount any `json:"maxReceiveCount"`
	}
	if json.Unmarshal([]byte(policy), &rp) != nil {
		return 0
	}
	switch v := rp.MaxReceiveCount.(type) {
	case float64:
		return int(v)
	case string:
		n, _ := strconv.Atoi(v)
		return n
	}
	return 0
}

func (svc *sqsService) queueByARN(arn string) *sqsQueue {
	f := strings.Split(arn, ":")
	if len(f) != 6 || f[2] != "sqs" {
		return nil
	}
	return svc.State.Queues[sqsKey(f[3], f[4], f[5])]
}

func (svc *sqsService) createQueue(c *call, body []byte) (any, error) {
	var in struct {
		QueueName  string
		Attributes map[string]string
		Tags       map[string]string `json:"tags"`
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	name := in.QueueName
	if name == "" {
		return nil, errSQSMissing("QueueName")
	}
	fifo := strings.HasSuffix(name, ".fifo")
	if !queueNameRE().MatchString(strings.TrimSuffix(name, ".fifo")) || len(name) > 80 {
		return nil, errSQSParam("Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length")
	}
	if fifo != (in.Attributes["FifoQueue"] == "true") {
		if fifo {
			return nil, errSQSParam("The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.")
		}
		return nil, sqsErr(http.StatusBadRequest, "InvalidAttributeName", "InvalidAttributeName", "Unknown Attribute FifoQueue.")
	}
	if err := svc.validateAttributes(c, in.Attributes, fifo); err != nil {
		return nil, err
	}
	key := sqsKey(c.region, c.Account(), name)
	if q := svc.State.Queues[key]; q != nil {
		for k, v := range in.Attributes {
			if q.Attributes[k] != v {
				return nil, sqsErr(http.StatusBadRequest, "QueueNameExists", "QueueAlreadyExists", "A queue already exists with the same name and a different value for attribute %s", k)
			}
		}
		return map[string]string{"QueueUrl": svc.queueURL(q)}, nil
	}
	q := &sqsQueue{
		Name: name, Account: c.Account(), Region: c.region,
		ARN:     "arn:" + c.partition() + ":sqs:" + c.region + ":" + c.Account() + ":" + name,
		Created: c.now, Modified: c.now, Attributes: map[string]string{}, Tags: map[string]string{},
	}
	for k, v := range sqsSettable() {
		if v != "" {
			q.Attributes[k] = v
		}
	}
	for k, v := range in.Attributes {
		q.Attributes[k] = v
	}
	if q.Attributes["KmsMasterKeyId"] != "" {
		q.Attributes["SqsManagedSseEnabled"] = "false"
	}
	for k, v := range in.Tags {
		q.Tags[k] = v
	}
	svc.State.Queues[key] = q
	c.trailResponse = map[string]string{"queueUrl": svc.queueURL(q)}
	return map[string]string{"QueueUrl": svc.queueURL(q)}, nil
}

func (svc *sqsService) getQueueURL(c *call, body []byte) (any, error) {
	var in struct {
		QueueName              string
		QueueOwnerAWSAccountId string
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	if in.QueueName == "" {
		return nil, errSQSMissing("QueueName")
	}
	owner := in.QueueOwnerAWSAccountId
	if owner == "" {
		owner = c.Account()
	}
	q := svc.State.Queues[sqsKey(c.region, owner, in.QueueName)]
	if q == nil || q.Account != c.Account() {
		return nil, errNoQueue()
	}
	return map[string]string{"QueueUrl": svc.queueURL(q)}, nil
}

func (svc *sqsService) listQueues(c *call, body []byte) (any, error) {
	var in struct {
		QueueNamePrefix string
		MaxResults      int
		NextToken       string
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	if in.MaxResults < 0 || in.MaxResults > 1000 {
		return nil, errSQSParam("Value %d for parameter MaxResults is invalid. Reason: must be between 1 and 1000.", in.MaxResults)
	}
	var urls []string
	for _, q := range svc.State.Queues {
		if q.Account == c.Account() && q.Region == c.region && strings.HasPrefix(q.Name, in.QueueNamePrefix) {
			urls = append(urls, svc.queueURL(q))
		}
	}
	sort.Strings(urls)
	out := map[string]any{}
	if in.NextToken != "" {
		after, err := base64.StdEncoding.DecodeString(in.NextToken)
		if err != nil {
			return nil, errSQSParam("Invalid NextToken value.")
		}
		i := sort.SearchStrings(urls, string(after)+"\x00")
		urls = urls[i:]
	}
	if in.MaxResults > 0 && len(urls) > in.MaxResults {
		urls = urls[:in.MaxResults]
		out["NextToken"] = base64.StdEncoding.EncodeToString([]byte(urls[len(urls)-1]))
	}
	if len(urls) > 0 {
		out["QueueUrls"] = urls
	}
	return out, nil
}

type sqsQueueURLInput struct {
	QueueUrl string
}

func (svc *sqsService) deleteQueue(c *call, body []byte) (any, error) {
	var in sqsQueueURLInput
	q, err := svc.queueInput(c, body, &in, &in.QueueUrl)
	if err != nil {
		return nil, err
	}
	delete(svc.State.Queues, sqsKey(q.Region, q.Account, q.Name))
	return nil, nil
}

// counts returns the visible, in-flight and delayed message counts.
func (q *sqsQueue) counts(now time.Time) (visible, inflight, delayed int) {
	for _, m := range q.Messages {
		switch {
		case !m.VisibleAt.After(now):
			visible++
		case m.ReceiveCount > 0:
			inflight++
		default:
			delayed++
		}
	}
	return
}

func (svc *sqsService) getQueueAttributes(c *call, body []byte) (any, error) {
	var in struct {
		QueueUrl       string
		AttributeNames []string
	}
	q, err := svc.queueInput(c, body, &in, &in.QueueUrl)
	if err != nil {
		return nil, err
	}
	svc.expireLocked(q, c.now)
	visible, inflight, delayed := q.counts(c.now)
	all := map[string]string{
		"QueueArn":                              q.ARN,
		"ApproximateNumberOfMessages":           strconv.Itoa(visible),
		"ApproximateNumberOfMessagesNotVisible": strconv.Itoa(inflight),
		"ApproximateNumberOfMessagesDelayed":    strconv.Itoa(delayed),
		"CreatedTimestamp":                      strconv.FormatInt(q.Created.Unix(), 10),
		"LastModifiedTimestamp":                 strconv.FormatInt(q.Modified.Unix(), 10),
	}
	for k, v := range q.Attributes {
		if v != "" {
			all[k] = v
		}
	}
	out := map[string]string{}
	for _, n := range in.AttributeNames {
		if n == "All" {
			out = all
			break
		}
		if _, known := all[n]; !known {
			if _, settable := sqsSettable()[n]; !settable {
				return nil, sqsErr(http.StatusBadRequest, "InvalidAttributeName", "InvalidAttributeName", "Unknown Attribute %s.", n)
			}
			continue
		}
		out[n] = all[n]
	}
	if len(out) == 0 {
		return map[string]any{}, nil
	}
	return map[string]any{"Attributes": out}, nil
}

func (svc *sqsService) setQueueAttributes(c *call, body []byte) (any, error) {
	var in struct {
		QueueUrl   string
		Attributes map[string]string
	}
	q, err := svc.queueInput(c, body, &in, &in.QueueUrl)
	if err != nil {
		return nil, err
	}
	if _, ok := in.Attributes["FifoQueue"]; ok {
		return nil, sqsErr(http.StatusBadRequest, "InvalidAttributeName", "InvalidAttributeName", "Unknown Attribute FifoQueue.")
	}
	if err := svc.validateAttributes(c, in.Attributes, q.fifo()); err != nil {
		return nil, err
	}
	for k, v := range in.Attributes {
		if v == "" {
			delete(q.Attributes, k)
		} else {
			q.Attributes[k] = v
		}
	}
	// One kind of server-side encryption at a time: a KMS key turns SSE-SQS
	// off, and SSE-SQS replaces a KMS key.
	switch {
	case in.Attributes["KmsMasterKeyId"] != "":
		q.Attributes["SqsManagedSseEnabled"] = "false"
	case in.Attributes["SqsManagedSseEnabled"] == "true":
		delete(q.Attributes, "KmsMasterKeyId")
	}
	q.Modified = c.now
	return nil, nil
}

func (svc *sqsService) tagQueue(c *call, body []byte) (any, error) {
	var in struct {
		QueueUrl string
		Tags     map[string]string
	}
	q, err := svc.queueInput(c, body, &in, &in.QueueUrl)
	if err != nil {
		return nil, err
	}
	for k, v := range in.Tags {
		q.Tags[k] = v
	}
	return nil, nil
}

func (svc *sqsService) listQueueTags(c *call, body []byte) (any, error) {
	var in sqsQueueURLInput
	q, err := svc.queueInput(c, body, &in, &in.QueueUrl)
	if err != nil {
		return nil, err
	}
	if len(q.Tags) == 0 {
		return map[string]any{}, nil
	}
	return map[string]any{"Tags": q.Tags}, nil
}

// Messages.

// messageAttributesMD5 is the MD5 SQS computes over message attributes:
// for each attribute in name order, the length-prefixed name, data type,
// a transport byte (1 string, 2 binary) and the length-prefixed value.
func messageAttributesMD5(attrs map[string]MessageAttribute) string {
	if len(attrs) == 0 {
		return ""
	}
	h := md5.New()
	put := func(b []byte) {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	for _, name := range sortedKeys(attrs) {
		a := attrs[name]
		put([]byte(name))
		put([]byte(a.DataType))
		if strings.HasPrefix(a.DataType, "Binary") {
			h.Write([]byte{2})
			put(a.BinaryValue)
		} else {
			h.Write([]byte{1})
			put([]byte(a.StringValue))
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

func validMessageBody(body string) bool {
	if !utf8.ValidString(body) {
		return false
	}
	for _, r := range body {
		switch {
		case r == 0x9 || r == 0xA || r == 0xD:
		case r >= 0x20 && r <= 0xD7FF:
		case r >= 0xE000 && r <= 0xFFFD:
		case r >= 0x10000 && r <= 0x10FFFF:
		default:
			return false
		}
	}
	return true
}

func validateMessageAttributes(attrs map[string]MessageAttribute) error {
	if len(attrs) > 10 {
		return errSQSParam("Number of message attributes [%d] exceeds the allowed maximum [10].", len(attrs))
	}
	for name, a := range attrs {
		base, _, _ := strings.Cut(a.DataType, ".")
		switch base {
		case "String", "Number":
			if a.StringValue == "" {
				return errSQSParam("Message (user) attribute '%s' must contain a non-empty value of type '%s'.", name, a.DataType)
			}
		case "Binary":
			if len(a.BinaryValue) == 0 {
				return errSQSParam("Message (user) attribute '%s' must contain a non-empty value of type 'Binary'.", name)
			}
		default:
			return errSQSParam("The type of message (user) attribute '%s' is invalid. You must use only the following supported type prefixes: Binary, Number, String.", name)
		}
		if name == "" || len(name) > 256 || strings.HasPrefix(strings.ToLower(name), "aws.") || strings.HasPrefix(strings.ToLower(name), "amazon.") {
			return errSQSParam("Message (user) attribute name '%s' is invalid.", name)
		}
	}
	return nil
}

type sqsSendEntry struct {
	Id                     string
	MessageBody            string
	DelaySeconds           *int
	MessageAttributes      map[string]MessageAttribute
	MessageDeduplicationId string
	MessageGroupId         string
}

type sqsSendResult struct {
	Id                     string `json:",omitempty"`
	MessageId              string
	MD5OfMessageBody       string
	MD5OfMessageAttributes string `json:",omitempty"`
	SequenceNumber         string `json:",omitempty"`
}

// enqueueLocked validates and adds a message to q.
func (svc *sqsService) enqueueLocked(q *sqsQueue, e sqsSendEntry, sender string, now time.Time) (sqsSendResult, error) {
	if e.MessageBody == "" {
		return sqsSendResult{}, errSQSMissing("MessageBody")
	}
	if len(e.MessageBody) > q.intAttr("MaximumMessageSize") {
		return sqsSendResult{}, errSQSParam("One or more parameters are invalid. Reason: Message must be shorter than %d bytes.", q.intAttr("MaximumMessageSize"))
	}
	if !validMessageBody(e.MessageBody) {
		return sqsSendResult{}, sqsErr(http.StatusBadRequest, "InvalidMessageContents", "InvalidMessageContents", "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF")
	}
	if err := validateMessageAttributes(e.MessageAttributes); err != nil {
		return sqsSendResult{}, err
	}
	delay := q.intAttr("DelaySeconds")
	if e.DelaySeconds != nil {
		if *e.DelaySeconds < 0 || *e.DelaySeconds > 900 {
			return sqsSendResult{}, errSQSParam("Value %d for parameter DelaySeconds is invalid. Reason: must be between 0 and 900, if provided.", *e.DelaySeconds)
		}
		if q.fifo() {
			return sqsSendResult{}, errSQSParam("Value %d for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.", *e.DelaySeconds)
		}
		delay = *e.DelaySeconds
	}
	if q.fifo() && e.MessageGroupId == "" {
		return sqsSendResult{}, errSQSMissing("MessageGroupId")
	}
	if q.fifo() && e.MessageDeduplicationId == "" && q.Attributes["ContentBasedDeduplication"] != "true" {
		return sqsSendResult{}, errSQSParam("The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly")
	}
	sum := md5.Sum([]byte(e.MessageBody))
	m := &sqsMessage{
		ID: svc.s.newUUIDLocked(), Body: e.MessageBody, MD5OfBody: hex.EncodeToString(sum[:]),
		Attributes: e.MessageAttributes, MD5OfAttrs: messageAttributesMD5(e.MessageAttributes),
		SenderID: sender, Sent: now, VisibleAt: now.Add(time.Duration(delay) * time.Second),
		GroupID: e.MessageGroupId, DedupID: e.MessageDeduplicationId,
	}
	res := sqsSendResult{Id: e.Id, MessageId: m.ID, MD5OfMessageBody: m.MD5OfBody, MD5OfMessageAttributes: m.MD5OfAttrs}
	if q.fifo() {
		q.Seq++
		m.Sequence = strconv.FormatInt(q.Seq, 10)
		res.SequenceNumber = fmt.Sprintf("%020d", q.Seq)
	}
	q.Messages = append(q.Messages, m)
	svc.wakeLocked(q)
	return res, nil
}

// wakeLocked releases the long polls waiting on q.
func (svc *sqsService) wakeLocked(q *sqsQueue) {
	k := sqsKey(q.Region, q.Account, q.Name)
	if ch := svc.wake[k]; ch != nil {
		close(ch)
		delete(svc.wake, k)
	}
}

// deliverLocked adds a message to a queue named by ARN on behalf of another
// service (SNS), skipping the caller checks. It reports whether the queue
// exists.
func (svc *sqsService) deliverLocked(queueARN, body string, attrs map[string]MessageAttribute, sender string, now time.Time) bool {
	q := svc.queueByARN(queueARN)
	if q == nil {
		return false
	}
	_, err := svc.enqueueLocked(q, sqsSendEntry{MessageBody: body, MessageAttributes: attrs}, sender, now)
	return err == nil
}

func (svc *sqsService) sendMessage(c *call, body []byte) (any, error) {
	var in struct {
		QueueUrl string
		sqsSendEntry
	}
	q, err := svc.queueInput(c, body, &in, &in.QueueUrl)
	if err != nil {
		return nil, err
	}
	in.sqsSendEntry.Id = ""
	return svc.enqueueLocked(q, in.sqsSendEntry, c.caller.PrincipalID, c.now)
}

type sqsBatchFailure struct {
	Id          string
	SenderFault bool
	Code        string
	Message     string
}

// checkBatch validates batch entry IDs.
func checkBatch[E any](entries []E, id func(E) string) error {
	if len(entries) == 0 {
		return sqsErr(http.StatusBadRequest, "EmptyBatchRequest", "AWS.SimpleQueueService.EmptyBatchRequest", "There should be at least one entry in the request.")
	}
	if len(entries) > 10 {
		return sqsErr(http.StatusBadRequest, "TooManyEntriesInBatchRequest", "AWS.SimpleQueueService.TooManyEntriesInBatchRequest", "Maximum number of entries per request are 10. You have sent %d.", len(entries))
	}
	seen := map[string]bool{}
	for _, e := range entries {
		i := id(e)
		if !batchIDRE().MatchString(i) {
			return sqsErr(http.StatusBadRequest, "InvalidBatchEntryId", "AWS.SimpleQueueService.InvalidBatchEntryId", "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.")
		}
		if seen[i] {
			return sqsErr(http.StatusBadRequest, "BatchEntryIdsNotDistinct", "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", "Id %s repeated.", i)
		}
		seen[i] = true
	}
	return nil
}

var batchIDRE = lazyRegexp(`^[A-Za-z0-9_-]{1,80}$`)

func batchFailure(id string, err error) sqsBatchFailure {
	f := sqsBatchFailure{Id: id, SenderFault: true, Code: "InternalError", Message: err.Error()}
	if e, ok := err.(*Error); ok {
		f.Code, f.Message = e.QueryCode, e.Message
		if f.Code == "" {
			f.Code = e.Code
		}
	}
	return f
}

func (svc *sqsService) sendMessageBatch(c *call, body []byte) (any, error) {
	var in struct {
		QueueUrl string
		Entries  []sqsSendEntry
	}
	q, err := svc.queueInput(c, body, &in, &in.QueueUrl)
	if err != nil {
		return nil, err
	}
	if err := checkBatch(in.Entries, func(e sqsSendEntry) string { return e.Id }); err != nil {
		return nil, err
	}
	total := 0
	for _, e := range in.Entries {
		total += len(e.MessageBody)
	}
	if total > sqsMaxMessageSize {
		return nil, sqsErr(http.StatusBadRequest, "BatchRequestTooLong", "AWS.SimpleQueueService.BatchRequestTooLong", "Batch requests cannot be longer than %d bytes. You have sent %d bytes.", sqsMaxMessageSize, total)
	}
	ok := []sqsSendResult{}
	failed := []sqsBatchFailure{}
	for _, e := range in.Entries {
		res, err := svc.enqueueLocked(q, e, c.caller.PrincipalID, c.now)
		if err != nil {
			failed = append(failed, batchFailure(e.Id, err))
			continue
		}
		ok = append(ok, res)
	}
	return map[string]any{"Successful": ok, "Failed": failed}, nil
}

// expireLocked drops messages past the queue's retention period.
func (svc *sqsService) expireLocked(q *sqsQueue, now time.Time) {
	retention := time.Duration(q.intAttr("MessageRetentionPeriod")) * time.Second
	kept := q.Messages[:0]
	for _, m := range q.Messages {
		if now.Sub(m.Sent) < retention {
			kept = append(kept, m)
		}
	}
	clear(q.Messages[len(kept):])
	q.Messages = kept
}

type sqsReceived struct {
	MessageId              string
	ReceiptHandle          string
	MD5OfBody              string
	Body                   string
	Attributes             map[string]string           `json:",omitempty"`
	MD5OfMessageAttributes string                      `json:",omitempty"`
	MessageAttributes      map[string]MessageAttribute `json:",omitempty"`
}

// receiveLocked takes up to max visible messages from q, moving those past
// the redrive policy's maxReceiveCount to the dead-letter queue.
func (svc *sqsService) receiveLocked(c *call, q *sqsQueue, max int, visibility time.Duration) []*sqsMessage {
	svc.expireLocked(q, c.now)
	maxReceive := 0
	var dlq *sqsQueue
	if rp := q.Attributes["RedrivePolicy"]; rp != "" {
		maxReceive = redriveMax(rp)
		var p struct {
			DeadLetterTargetArn string `json:"deadLetterTargetArn"`
		}
		_ = json.Unmarshal([]byte(rp), &p)
		dlq = svc.queueByARN(p.DeadLetterTargetArn)
	}
	var got []*sqsMessage
	kept := q.Messages[:0]
	groupsInFlight := map[string]bool{}
	if q.fifo() {
		for _, m := range q.Messages {
			if m.VisibleAt.After(c.now) && m.ReceiveCount > 0 {
				groupsInFlight[m.GroupID] = true
			}
		}
	}
	for _, m := range q.Messages {
		if len(got) >= max || m.VisibleAt.After(c.now) || (q.fifo() && groupsInFlight[m.GroupID]) {
			kept = append(kept, m)
			continue
		}
		if dlq != nil && maxReceive > 0 && m.ReceiveCount >= maxReceive {
			// Moved: it keeps its ID, body, attributes and receive count.
			m.VisibleAt = c.now
			m.ReceiptHandle = ""
			dlq.Messages = append(dlq.Messages, m)
			svc.wakeLocked(dlq)
			continue
		}
		m.ReceiveCount++
		if m.FirstReceive.IsZero() {
			m.FirstReceive = c.now
		}
		m.VisibleAt = c.now.Add(visibility)
		raw := q.Region + "/" + q.Account + "/" + q.Name + "\n" + m.ID + "\n" + c.s.newIDLocked("", 32)
		m.ReceiptHandle = base64.StdEncoding.EncodeToString([]byte(raw))
		got = append(got, m)
		kept = append(kept, m)
	}
	clear(q.Messages[len(kept):])
	q.Messages = kept
	return got
}

func (svc *sqsService) receiveMessage(c *call, body []byte) (any, error) {
	var in struct {
		QueueUrl                    string
		AttributeNames              []string
		MessageSystemAttributeNames []string
		MessageAttributeNames       []string
		MaxNumberOfMessages         *int
		VisibilityTimeout           *int
		WaitTimeSeconds             *int
	}
	q, err := svc.queueInput(c, body, &in, &in.QueueUrl)
	if err != nil {
		return nil, err
	}
	max := 1
	if in.MaxNumberOfMessages != nil {
		max = *in.MaxNumberOfMessages
		if max < 1 || max > 10 {
			return nil, errSQSParam("Value %d for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.", max)
		}
	}
	visibility := q.intAttr("VisibilityTimeout")
	if in.VisibilityTimeout != nil {
		visibility = *in.VisibilityTimeout
		if visibility < 0 || visibility > 43200 {
			return nil, errSQSParam("Value %d for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200, if provided.", visibility)
		}
	}
	wait := q.intAttr("ReceiveMessageWaitTimeSeconds")
	if in.WaitTimeSeconds != nil {
		wait = *in.WaitTimeSeconds
		if wait < 0 || wait > 20 {
			return nil, errSQSParam("Value %d for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.", wait)
		}
	}
	key := sqsKey(q.Region, q.Account, q.Name)
	deadline := time.Now().Add(min(time.Duration(wait)*time.Second, sqsMaxWait))
	var got []*sqsMessage
	for {
		got = svc.receiveLocked(c, q, max, time.Duration(visibility)*time.Second)
		if len(got) > 0 || !time.Now().Before(deadline) {
			break
		}
		// Wait for a message without holding the Server's lock: a send
		// closes the queue's wake channel; the poll interval catches
		// messages that become visible as (simulated) time passes.
		ch := svc.wake[key]
		if ch == nil {
			ch = make(chan struct{})
			svc.wake[key] = ch
		}
		c.s.mu.Unlock()
		t := time.NewTimer(min(sqsPollInterval, time.Until(deadline)))
		select {
		case <-ch:
		case <-t.C:
		case <-c.r.Context().Done():
		}
		t.Stop()
		c.s.mu.Lock()
		c.now = c.s.nowLocked()
		if c.r.Context().Err() != nil {
			break
		}
		if q = svc.State.Queues[key]; q == nil {
			return nil, errNoQueue()
		}
	}

	names := append(append([]string(nil), in.AttributeNames...), in.MessageSystemAttributeNames...)
	wantAttr := func(n string) bool {
		for _, w := range names {
			if w == "All" || w == n {
				return true
			}
		}
		return false
	}
	wantMsgAttr := func(n string) bool {
		for _, w := range in.MessageAttributeNames {
			if w == "All" || w == ".*" || w == n || (strings.HasSuffix(w, ".*") && strings.HasPrefix(n, strings.TrimSuffix(w, "*"))) {
				return true
			}
		}
		return false
	}
	out := []sqsReceived{}
	for _, m := range got {
		r := sqsReceived{MessageId: m.ID, ReceiptHandle: m.ReceiptHandle, MD5OfBody: m.MD5OfBody, Body: m.Body}
		sys := map[string]string{
			"SenderId":                         m.SenderID,
			"SentTimestamp":                    strconv.FormatInt(m.Sent.UnixMilli(), 10),
			"ApproximateReceiveCount":          strconv.Itoa(m.ReceiveCount),
			"ApproximateFirstReceiveTimestamp": strconv.FormatInt(m.FirstReceive.UnixMilli(), 10),
		}
		if q.fifo() {
			sys["MessageGroupId"] = m.GroupID
			sys["MessageDeduplicationId"] = m.DedupID
			sys["SequenceNumber"] = m.Sequence
		}
		for k, v := range sys {
			if wantAttr(k) {
				if r.Attributes == nil {
					r.Attributes = map[string]string{}
				}
				r.Attributes[k] = v
			}
		}
		sel := map[string]MessageAttribute{}
		for k, v := range m.Attributes {
			if wantMsgAttr(k) {
				sel[k] = v
			}
		}
		if len(sel) > 0 {
			r.MessageAttributes = sel
			r.MD5OfMessageAttributes = messageAttributesMD5(sel)
		}
		out = append(out, r)
	}
	return map[string]any{"Messages": out}, nil
}

// messageByHandle returns the message a receipt handle names, or nil if it
// is gone or the handle is not its latest.
func (svc *sqsService) messageByHandle(q *sqsQueue, handle string) (*sqsMessage, int, error) {
	raw, err := base64.StdEncoding.DecodeString(handle)
	f := strings.Split(string(raw), "\n")
	if handle == "" || err != nil || len(f) != 3 {
		return nil, -1, sqsErr(http.StatusBadRequest, "ReceiptHandleIsInvalid", "ReceiptHandleIsInvalid", "The input receipt handle \"%s\" is not a valid receipt handle.", handle)
	}
	if f[0] != sqsKey(q.Region, q.Account, q.Name) {
		return nil, -1, sqsErr(http.StatusBadRequest, "ReceiptHandleIsInvalid", "ReceiptHandleIsInvalid", "The input receipt handle \"%s\" is not a valid receipt handle.", handle)
	}
	for i, m := range q.Messages {
		if m.ID == f[1] {
			if m.ReceiptHandle != handle {
				return nil, -1, nil
			}
			return m, i, nil
		}
	}
	return nil, -1, nil
}

func (svc *sqsService) deleteMessage(c *call, body []byte) (any, error) {
	var in struct {
		QueueUrl      string
		ReceiptHandle string
	}
	q, err := svc.queueInput(c, body, &in, &in.QueueUrl)
	if err != nil {
		return nil, err
	}
	return nil, svc.deleteByHandle(q, in.ReceiptHandle)
}

// deleteByHandle deletes the message a receipt handle names; a stale
// handle, or one of a deleted message, succeeds without deleting.
func (svc *sqsService) deleteByHandle(q *sqsQueue, handle string) error {
	m, i, err := svc.messageByHandle(q, handle)
	if err != nil {
		return err
	}
	if m != nil {
		q.Messages = append(q.Messages[:i], q.Messages[i+1:]...)
	}
	return nil
}

func (svc *sqsService) deleteMessageBatch(c *call, body []byte) (any, error) {
	type entry struct {
		Id            string
		ReceiptHandle string
	}
	var in struct {
		QueueUrl string
		Entries  []entry
	}
	q, err := svc.queueInput(c, body, &in, &in.QueueUrl)
	if err != nil {
		return nil, err
	}
	if err := checkBatch(in.Entries, func(e entry) string { return e.Id }); err != nil {
		return nil, err
	}
	ok := []map[string]string{}
	failed := []sqsBatchFailure{}
	for _, e := range in.Entries {
		if err := svc.deleteByHandle(q, e.ReceiptHandle); err != nil {
			failed = append(failed, batchFailure(e.Id, err))
			continue
		}
		ok = append(ok, map[string]string{"Id": e.Id})
	}
	return map[string]any{"Successful": ok, "Failed": failed}, nil
}

func (svc *sqsService) changeMessageVisibility(c *call, body []byte) (any, error) {
	var in struct {
		QueueUrl          string
		ReceiptHandle     string
		VisibilityTimeout *int
	}
	q, err := svc.queueInput(c, body, &in, &in.QueueUrl)
	if err != nil {
		return nil, err
	}
	if in.VisibilityTimeout == nil {
		return nil, errSQSMissing("VisibilityTimeout")
	}
	v := *in.VisibilityTimeout
	if v < 0 || v > 43200 {
		return nil, errSQSParam("Value %d for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200.", v)
	}
	m, _, err := svc.messageByHandle(q, in.ReceiptHandle)
	if err != nil {
		return nil, err
	}
	if m == nil || !m.VisibleAt.After(c.now) {
		return nil, sqsErr(http.StatusBadRequest, "MessageNotInflight", "AWS.SimpleQueueService.MessageNotInflight", "Value %s for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.", in.ReceiptHandle)
	}
	m.VisibleAt = c.now.Add(time.Duration(v) * time.Second)
	if v == 0 {
		svc.wakeLocked(q)
	}
	return nil, nil
}

func (svc *sqsService) purgeQueue(c *call, body []byte) (any, error) {
	var in sqsQueueURLInput
	q, err := svc.queueInput(c, body, &in, &in.QueueUrl)
	if err != nil {
		return nil, err
	}
	if !q.PurgedAt.IsZero() && c.now.Sub(q.PurgedAt) < time.Minute {
		return nil, sqsErr(http.StatusForbidden, "PurgeQueueInProgress", "AWS.SimpleQueueService.PurgeQueueInProgress", "Only one PurgeQueue operation on %s is allowed every 60 seconds.", q.Name)
	}
	q.Messages = nil
	q.PurgedAt = c.now
	return nil, nil
}

// SQSMessage is a message in a simulated queue, for tests.
type SQSMessage struct {
	MessageID    string
	Body         string
	Attributes   map[string]MessageAttribute
	ReceiveCount int
	Sent         time.Time
}

// SQSMessages returns the messages in the queue with the given URL (in
// flight or not), oldest first, without changing them.
func (s *Server) SQSMessages(region, queueURL string) []SQSMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	def := s.services["sqs"]
	if def == nil {
		return nil
	}
	st, _ := def.State.(*sqsState)
	if st == nil {
		return nil
	}
	u, err := url.Parse(queueURL)
	if err != nil {
		return nil
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(parts) != 2 {
		return nil
	}
	q := st.Queues[sqsKey(region, parts[0], parts[1])]
	if q == nil {
		return nil
	}
	var out []SQSMessage
	for _, m := range q.Messages {
		out = append(out, SQSMessage{MessageID: m.ID, Body: m.Body, Attributes: m.Attributes, ReceiveCount: m.ReceiveCount, Sent: m.Sent})
	}
	return out
}
