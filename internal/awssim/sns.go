package awssim

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// SNS: topics, subscriptions (email, sqs, http/https, lambda endpoints are
// recorded; sqs subscriptions deliver to the simulated queue) and Publish.
// Published messages are kept for tests (Server.SNSMessages).

const (
	snsXMLNS          = "http://sns.amazonaws.com/doc/2010-03-31/"
	snsMaxMessageSize = 262144
	// snsKeptMessages bounds the published messages kept per topic.
	snsKeptMessages = 10_000
	// snsSenderID is the SenderId of messages SNS delivers to SQS.
	snsSenderID = "AIDAIT2UOQQY3AUEKVGXU"
)

type snsService struct {
	s     *Server
	sqs   *sqsService
	State snsState
}

// snsState holds the topics by ARN.
type snsState struct {
	Topics map[string]*snsTopic
}

type snsTopic struct {
	ARN, Name, Account, Region string
	Attributes                 map[string]string
	Tags                       map[string]string
	Subscriptions              []*snsSubscription
	Published                  []SNSMessage
}

type snsSubscription struct {
	ARN, Protocol, Endpoint, Owner string
	Confirmed                      bool
	Attributes                     map[string]string
}

// SNSMessage is a message published to a simulated topic.
type SNSMessage struct {
	MessageID  string
	Subject    string
	Message    string
	Attributes map[string]MessageAttribute
	Time       time.Time
}

var snsSettable = sync.OnceValue(func() map[string]bool {
	return map[string]bool{
		"DisplayName": true, "Policy": true, "DeliveryPolicy": true, "KmsMasterKeyId": true, "TracingConfig": true,
		"SignatureVersion": true, "ContentBasedDeduplication": true, "ArchivePolicy": true, "DataProtectionPolicy": true,
		// Delivery status logging, per protocol (see snsFeedbackAttribute).
		"ApplicationSuccessFeedbackRoleArn": true, "ApplicationSuccessFeedbackSampleRate": true, "ApplicationFailureFeedbackRoleArn": true,
		"HTTPSuccessFeedbackRoleArn": true, "HTTPSuccessFeedbackSampleRate": true, "HTTPFailureFeedbackRoleArn": true,
		"LambdaSuccessFeedbackRoleArn": true, "LambdaSuccessFeedbackSampleRate": true, "LambdaFailureFeedbackRoleArn": true,
		"SQSSuccessFeedbackRoleArn": true, "SQSSuccessFeedbackSampleRate": true, "SQSFailureFeedbackRoleArn": true,
		"FirehoseSuccessFeedbackRoleArn": true, "FirehoseSuccessFeedbackSampleRate": true, "FirehoseFailureFeedbackRoleArn": true,
	}
})

func newSNS(s *Server, sqs *sqsService) *serviceDef {
	svc := &snsService{s: s, sqs: sqs, State: snsState{Topics: map[string]*snsTopic{}}}
	return &serviceDef{
		Name: "sns", EventSource: "sns.amazonaws.com", Protocol: protoQuery, XMLNS: snsXMLNS,
		State: &svc.State,
		// Publish is a CloudTrail data event: recorded, but not delivered
		// as a management "AWS API Call via CloudTrail" event.
		ReadOnly: func(op string) bool {
			return op == "Publish" || strings.HasPrefix(op, "Get") || strings.HasPrefix(op, "List")
		},
		Query: map[string]queryHandler{
			"CreateTopic":              svc.createTopic,
			"ListTopics":               svc.listTopics,
			"GetTopicAttributes":       svc.getTopicAttributes,
			"SetTopicAttributes":       svc.setTopicAttributes,
			"DeleteTopic":              svc.deleteTopic,
			"Subscribe":                svc.subscribe,
			"ListSubscriptionsByTopic": svc.listSubscriptionsByTopic,
			"Unsubscribe":              svc.unsubscribe,
			"Publish":                  svc.publish,
			"TagResource":              svc.tagResource,
			"UntagResource":            svc.untagResource,
			"ListTagsForResource":      svc.listTagsForResource,
		},
	}
}

func errSNSNotFound(what string) *Error {
	return errorf(http.StatusNotFound, "NotFound", "%s does not exist", what)
}

func errSNSParam(format string, args ...any) *Error {
	return errorf(http.StatusBadRequest, "InvalidParameter", "Invalid parameter: "+format, args...)
}

var topicNameRE = lazyRegexp(`^[A-Za-z0-9_-]{1,256}$`)

// topic returns the caller's topic with the given ARN.
func (svc *snsService) topic(c *call, arn string) (*snsTopic, error) {
	if arn == "" {
		return nil, errSNSParam("TopicArn")
	}
	f := strings.Split(arn, ":")
	if len(f) != 6 || f[0] != "arn" || f[2] != "sns" {
		return nil, errSNSParam("TopicArn Reason: An ARN must have at least 6 elements, not %d", len(f))
	}
	t := svc.State.Topics[arn]
	if t == nil || t.Region != c.region {
		return nil, errSNSNotFound("Topic")
	}
	if t.Account != c.Account() {
		return nil, errorf(http.StatusForbidden, "AuthorizationError", "User: %s is not authorized to perform: SNS:%s on resource: %s", c.caller.ARN, c.op, arn)
	}
	return t, nil
}

func (svc *snsService) createTopic(c *call, in url.Values) (any, error) {
	name, err := required(in, "Name")
	if err != nil {
		return nil, err
	}
	attrs := queryMap(in, "Attributes", "key", "value")
	fifo := strings.HasSuffix(name, ".fifo")
	if !topicNameRE().MatchString(strings.TrimSuffix(name, ".fifo")) || len(name) > 256 {
		return nil, errSNSParam("Topic Name")
	}
	if fifo != (attrs["FifoTopic"] == "true") {
		return nil, errSNSParam("Topic Name")
	}
	for k, v := range attrs {
		if !snsSettable()[k] && k != "FifoTopic" {
			return nil, errSNSParam("Attributes Reason: Unknown attribute %s", k)
		}
		if err := svc.checkAttribute(c, k, v); err != nil {
			return nil, err
		}
	}
	if p := attrs["Policy"]; p != "" {
		if _, err := parsePolicy(p); err != nil {
			return nil, errSNSParam("Policy: %v", err)
		}
	}
	arn := "arn:" + c.partition() + ":sns:" + c.region + ":" + c.Account() + ":" + name
	c.trailResponse = map[string]string{"topicArn": arn}
	if t := svc.State.Topics[arn]; t != nil {
		for k, v := range attrs {
			if t.Attributes[k] != v {
				return nil, errSNSParam("Attributes Reason: Topic already exists with different attributes")
			}
		}
		// Tags given for an existing topic must be the ones it has.
		if tags := queryStructs(in, "Tags"); len(tags) > 0 {
			same := len(tags) == len(t.Tags)
			for _, tag := range tags {
				same = same && t.Tags[tag.Get("Key")] == tag.Get("Value")
			}
			if !same {
				return nil, errSNSParam("Tags Reason: Topic already exists with different tags")
			}
		}
		return struct {
			TopicArn string `xml:"TopicArn"`
		}{arn}, nil
	}
	t := &snsTopic{ARN: arn, Name: name, Account: c.Account(), Region: c.region, Attributes: map[string]string{}, Tags: map[string]string{}}
	t.Attributes["Policy"] = defaultTopicPolicy(arn, c.Account())
	t.Attributes["DisplayName"] = ""
	t.Attributes["SignatureVersion"] = "1"
	for k, v := range attrs {
		t.Attributes[k] = v
	}
	for _, tag := range queryStructs(in, "Tags") {
		t.Tags[tag.Get("Key")] = tag.Get("Value")
	}
	svc.State.Topics[arn] = t
	return struct {
		TopicArn string `xml:"TopicArn"`
	}{arn}, nil
}

// defaultTopicPolicy is the access policy SNS gives a new topic.
func defaultTopicPolicy(arn, account string) string {
	p := map[string]any{
		"Version": "2008-10-17",
		"Id":      "__default_policy_ID",
		"Statement": []any{map[string]any{
			"Sid": "__default_statement_ID", "Effect": "Allow", "Principal": map[string]any{"AWS": "*"},
			"Action": []string{"SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:AddPermission", "SNS:RemovePermission",
				"SNS:DeleteTopic", "SNS:Subscribe", "SNS:ListSubscriptionsByTopic", "SNS:Publish"},
			"Resource":  arn,
			"Condition": map[string]any{"StringEquals": map[string]any{"AWS:SourceOwner": account}},
		}},
	}
	b, _ := json.Marshal(p)
	return string(b)
}

func (svc *snsService) listTopics(c *call, in url.Values) (any, error) {
	var arns []string
	for arn, t := range svc.State.Topics {
		if t.Account == c.Account() && t.Region == c.region {
			arns = append(arns, arn)
		}
	}
	sort.Strings(arns)
	if tok := in.Get("NextToken"); tok != "" {
		after, err := base64.StdEncoding.DecodeString(tok)
		if err != nil {
			return nil, errSNSParam("NextToken")
		}
		arns = arns[sort.SearchStrings(arns, string(after)+"\x00"):]
	}
	type member struct {
		TopicArn string `xml:"TopicArn"`
	}
	out := struct {
		Topics    []member `xml:"Topics>member"`
		NextToken string   `xml:"NextToken,omitempty"`
	}{Topics: []member{}}
	const page = 100
	if len(arns) > page {
		arns = arns[:page]
		out.NextToken = base64.StdEncoding.EncodeToString([]byte(arns[page-1]))
	}
	for _, a := range arns {
		out.Topics = append(out.Topics, member{a})
	}
	return out, nil
}

type xmlEntry struct {
	Key   string `xml:"key"`
	Value string `xml:"value"`
}

func (svc *snsService) getTopicAttributes(c *call, in url.Values) (any, error) {
	t, err := svc.topic(c, in.Get("TopicArn"))
	if err != nil {
		return nil, err
	}
	confirmed, pending := 0, 0
	for _, s := range t.Subscriptions {
		if s.Confirmed {
			confirmed++
		} else {
			pending++
		}
	}
	all := map[string]string{
		"TopicArn": t.ARN, "Owner": t.Account,
		"SubscriptionsConfirmed": strconv.Itoa(confirmed), "SubscriptionsPending": strconv.Itoa(pending), "SubscriptionsDeleted": "0",
		"EffectiveDeliveryPolicy": `{"http":{"defaultHealthyRetryPolicy":{"minDelayTarget":20,"maxDelayTarget":20,"numRetries":3,"numMaxDelayRetries":0,"numNoDelayRetries":0,"numMinDelayRetries":0,"backoffFunction":"linear"},"disableSubscriptionOverrides":false,"defaultRequestPolicy":{"headerContentType":"text/plain; charset=UTF-8"}}}`,
	}
	for k, v := range t.Attributes {
		all[k] = v
	}
	out := struct {
		Entries []xmlEntry `xml:"Attributes>entry"`
	}{}
	for _, k := range sortedKeys(all) {
		out.Entries = append(out.Entries, xmlEntry{k, all[k]})
	}
	return out, nil
}

func (svc *snsService) setTopicAttributes(c *call, in url.Values) (any, error) {
	t, err := svc.topic(c, in.Get("TopicArn"))
	if err != nil {
		return nil, err
	}
	name, err := required(in, "AttributeName")
	if err != nil {
		return nil, err
	}
	if !snsSettable()[name] {
		return nil, errSNSParam("AttributeName")
	}
	v := in.Get("AttributeValue")
	if name == "Policy" {
		if _, err := parsePolicy(v); err != nil {
			return nil, errSNSParam("Policy Error: %v", err)
		}
	}
	if err := svc.checkAttribute(c, name, v); err != nil {
		return nil, err
	}
	if v == "" && name != "DisplayName" && name != "Policy" {
		delete(t.Attributes, name)
		return nil, nil
	}
	t.Attributes[name] = v
	return nil, nil
}

func (svc *snsService) deleteTopic(c *call, in url.Values) (any, error) {
	arn := in.Get("TopicArn")
	t, err := svc.topic(c, arn)
	if err != nil {
		var e *Error
		if errors.As(err, &e) && e.Code == "NotFound" {
			// Deleting a topic that does not exist succeeds.
			return nil, nil
		}
		return nil, err
	}
	delete(svc.State.Topics, t.ARN)
	return nil, nil
}

var emailRE = lazyRegexp(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)

func (svc *snsService) subscribe(c *call, in url.Values) (any, error) {
	t, err := svc.topic(c, in.Get("TopicArn"))
	if err != nil {
		return nil, err
	}
	proto, err := required(in, "Protocol")
	if err != nil {
		return nil, err
	}
	endpoint := in.Get("Endpoint")
	confirmed := false
	switch proto {
	case "email", "email-json":
		if !emailRE().MatchString(endpoint) {
			return nil, errSNSParam("Email address")
		}
	case "sqs":
		if f := strings.Split(endpoint, ":"); len(f) != 6 || f[2] != "sqs" {
			return nil, errSNSParam("SQS endpoint ARN")
		}
		confirmed = true
	case "http", "https":
		u, err := url.Parse(endpoint)
		if err != nil || u.Scheme != proto || u.Host == "" {
			return nil, errSNSParam("Invalid URL: %s", endpoint)
		}
	case "lambda", "firehose", "application", "sms":
		if endpoint == "" {
			return nil, errSNSParam("Endpoint")
		}
		confirmed = proto == "lambda" || proto == "firehose"
	default:
		return nil, errSNSParam("Invalid protocol type: %s", proto)
	}
	attrs := queryMap(in, "Attributes", "key", "value")
	for _, s := range t.Subscriptions {
		if s.Protocol == proto && s.Endpoint == endpoint {
			return svc.subscriptionResult(s, in), nil
		}
	}
	s := &snsSubscription{
		ARN: t.ARN + ":" + svc.s.newUUIDLocked(), Protocol: proto, Endpoint: endpoint, Owner: c.Account(),
		Confirmed: confirmed, Attributes: attrs,
	}
	t.Subscriptions = append(t.Subscriptions, s)
	return svc.subscriptionResult(s, in), nil
}

func (svc *snsService) subscriptionResult(s *snsSubscription, in url.Values) any {
	arn := s.ARN
	if !s.Confirmed && in.Get("ReturnSubscriptionArn") != "true" {
		arn = "pending confirmation"
	}
	return struct {
		SubscriptionArn string `xml:"SubscriptionArn"`
	}{arn}
}

func (svc *snsService) listSubscriptionsByTopic(c *call, in url.Values) (any, error) {
	t, err := svc.topic(c, in.Get("TopicArn"))
	if err != nil {
		return nil, err
	}
	type member struct {
		SubscriptionArn string `xml:"SubscriptionArn"`
		Owner           string `xml:"Owner"`
		Protocol        string `xml:"Protocol"`
		Endpoint        string `xml:"Endpoint"`
		TopicArn        string `xml:"TopicArn"`
	}
	out := struct {
		Subscriptions []member `xml:"Subscriptions>member"`
	}{Subscriptions: []member{}}
	for _, s := range t.Subscriptions {
		arn := s.ARN
		if !s.Confirmed {
			arn = "PendingConfirmation"
		}
		out.Subscriptions = append(out.Subscriptions, member{arn, s.Owner, s.Protocol, s.Endpoint, t.ARN})
	}
	return out, nil
}

func (svc *snsService) unsubscribe(c *call, in url.Values) (any, error) {
	arn, err := required(in, "SubscriptionArn")
	if err != nil {
		return nil, err
	}
	topicARN := arn
	if i := strings.LastIndexByte(arn, ':'); i > 0 {
		topicARN = arn[:i]
	}
	t, err := svc.topic(c, topicARN)
	if err != nil {
		var e *Error
		if errors.As(err, &e) && e.Code == "NotFound" {
			return nil, errSNSNotFound("Subscription")
		}
		return nil, err
	}
	for i, s := range t.Subscriptions {
		if s.ARN == arn {
			t.Subscriptions = append(t.Subscriptions[:i], t.Subscriptions[i+1:]...)
			return nil, nil
		}
	}
	return nil, errSNSNotFound("Subscription")
}

// validSubject reports whether a Subject is what SNS accepts: ASCII
// printable text, no line breaks or control characters, under 100
// characters, starting with a letter, digit or punctuation mark.
func validSubject(s string) bool {
	if s == "" || len(s) >= 100 {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if b < 0x20 || b > 0x7e {
			return false
		}
	}
	return s[0] != ' '
}

func (svc *snsService) publish(c *call, in url.Values) (any, error) {
	arn := in.Get("TopicArn")
	if arn == "" {
		arn = in.Get("TargetArn")
	}
	if arn == "" {
		if in.Get("PhoneNumber") != "" {
			return nil, errSNSParam("PhoneNumber Reason: SMS is not simulated")
		}
		return nil, errSNSParam("TopicArn or TargetArn Reason: no value for required parameter")
	}
	t, err := svc.topic(c, arn)
	if err != nil {
		return nil, err
	}
	msg, ok := in["Message"]
	if !ok || len(msg) == 0 || msg[0] == "" {
		return nil, errSNSParam("Empty message")
	}
	message := msg[0]
	if len(message) > snsMaxMessageSize {
		return nil, errSNSParam("Message too long")
	}
	subject, hasSubject := in["Subject"]
	if hasSubject && !validSubject(subject[0]) {
		return nil, errSNSParam("Subject")
	}
	var perProtocol map[string]string
	if in.Get("MessageStructure") == "json" {
		if err := json.Unmarshal([]byte(message), &perProtocol); err != nil {
			return nil, errSNSParam("Message Structure - JSON message body failed to parse")
		}
		if _, ok := perProtocol["default"]; !ok {
			return nil, errSNSParam("Message Structure - No default entry in JSON message body")
		}
	} else if s := in.Get("MessageStructure"); s != "" {
		return nil, errSNSParam("MessageStructure")
	}
	attrs := map[string]MessageAttribute{}
	for _, e := range queryStructs(in, "MessageAttributes.entry") {
		name := e.Get("Name")
		a := MessageAttribute{DataType: e.Get("Value.DataType"), StringValue: e.Get("Value.StringValue")}
		if b := e.Get("Value.BinaryValue"); b != "" {
			raw, err := base64.StdEncoding.DecodeString(b)
			if err != nil {
				return nil, errorf(http.StatusBadRequest, "ParameterValueInvalid", "The message attribute '%s' has an invalid binary value", name)
			}
			a.BinaryValue = raw
		}
		if name == "" {
			return nil, errSNSParam("MessageAttributes Reason: attribute name is empty")
		}
		base, _, _ := strings.Cut(a.DataType, ".")
		switch base {
		case "String", "Number", "String.Array":
			if a.StringValue == "" {
				return nil, errorf(http.StatusBadRequest, "ParameterValueInvalid", "The message attribute '%s' must contain non-empty message attribute value for message attribute type '%s'.", name, a.DataType)
			}
		case "Binary":
			if len(a.BinaryValue) == 0 {
				return nil, errorf(http.StatusBadRequest, "ParameterValueInvalid", "The message attribute '%s' must contain non-empty message attribute value for message attribute type 'Binary'.", name)
			}
		default:
			return nil, errorf(http.StatusBadRequest, "ParameterValueInvalid", "The message attribute '%s' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.", name)
		}
		attrs[name] = a
	}
	if len(attrs) > 10 {
		return nil, errSNSParam("MessageAttributes Reason: Number of message attributes [%d] exceeds the allowed maximum [10].", len(attrs))
	}

	id := svc.s.newUUIDLocked()
	pub := SNSMessage{MessageID: id, Message: message, Attributes: attrs, Time: c.now}
	if hasSubject {
		pub.Subject = subject[0]
	}
	t.Published = append(t.Published, pub)
	if len(t.Published) > snsKeptMessages {
		t.Published = append([]SNSMessage(nil), t.Published[len(t.Published)-snsKeptMessages:]...)
	}
	for _, s := range t.Subscriptions {
		if s.Protocol != "sqs" || !s.Confirmed || svc.sqs == nil {
			continue
		}
		body := message
		if perProtocol != nil {
			body = perProtocol["default"]
			if v, ok := perProtocol["sqs"]; ok {
				body = v
			}
		}
		if s.Attributes["RawMessageDelivery"] == "true" {
			svc.sqs.deliverLocked(s.Endpoint, body, attrs, snsSenderID, c.now)
			continue
		}
		svc.sqs.deliverLocked(s.Endpoint, snsEnvelope(svc.s.URL, t.ARN, s.ARN, pub, body), nil, snsSenderID, c.now)
	}
	return struct {
		MessageId string `xml:"MessageId"`
	}{id}, nil
}

// snsEnvelope is the JSON document SNS delivers to an SQS subscription
// without raw message delivery.
func snsEnvelope(endpoint, topicARN, subARN string, m SNSMessage, body string) string {
	type attr struct {
		Type  string `json:"Type"`
		Value string `json:"Value"`
	}
	env := struct {
		Type              string          `json:"Type"`
		MessageID         string          `json:"MessageId"`
		TopicArn          string          `json:"TopicArn"`
		Subject           string          `json:"Subject,omitempty"`
		Message           string          `json:"Message"`
		Timestamp         string          `json:"Timestamp"`
		SignatureVersion  string          `json:"SignatureVersion"`
		Signature         string          `json:"Signature"`
		SigningCertURL    string          `json:"SigningCertURL"`
		UnsubscribeURL    string          `json:"UnsubscribeURL"`
		MessageAttributes map[string]attr `json:"MessageAttributes,omitempty"`
	}{
		Type: "Notification", MessageID: m.MessageID, TopicArn: topicARN, Subject: m.Subject, Message: body,
		Timestamp:        m.Time.UTC().Format("2006-01-02T15:04:05.000Z"),
		SignatureVersion: "1",
		Signature:        base64.StdEncoding.EncodeToString([]byte("simulated signature of " + m.MessageID)),
		SigningCertURL:   endpoint + "/SimpleNotificationService.pem",
		UnsubscribeURL:   endpoint + "/?Action=Unsubscribe&SubscriptionArn=" + url.QueryEscape(subARN),
	}
	if len(m.Attributes) > 0 {
		env.MessageAttributes = map[string]attr{}
		for k, a := range m.Attributes {
			v := a.StringValue
			if len(a.BinaryValue) > 0 {
				v = base64.StdEncoding.EncodeToString(a.BinaryValue)
			}
			env.MessageAttributes[k] = attr{Type: a.DataType, Value: v}
		}
	}
	b, _ := json.Marshal(env)
	return string(b)
}

// SNSMessages returns the messages published to a topic, oldest first.
func (s *Server) SNSMessages(topicARN string) []SNSMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	def := s.services["sns"]
	if def == nil {
		return nil
	}
	st, _ := def.State.(*snsState)
	if st == nil || st.Topics[topicARN] == nil {
		return nil
	}
	return append([]SNSMessage(nil), st.Topics[topicARN].Published...)
}
