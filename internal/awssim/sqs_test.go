package awssim_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/rectify-dev/rectify/internal/awssim"
)

// fakeClock is a settable simulated clock.
type fakeClock struct{ t time.Time }

func (f *fakeClock) now() time.Time { return f.t }

func TestSQSQueueRoundTrip(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cli := sqs.NewFromConfig(sim.Config(""))

	created, err := cli.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("intake"), Attributes: map[string]string{"VisibilityTimeout": "45"}})
	if err != nil {
		t.Fatalf("CreateQueue: %v", err)
	}
	url := aws.ToString(created.QueueUrl)
	if want := sim.URL + "/" + awssim.DefaultAccount + "/intake"; url != want {
		t.Errorf("QueueUrl = %s, want %s", url, want)
	}
	again, err := cli.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("intake"), Attributes: map[string]string{"VisibilityTimeout": "45"}})
	if err != nil || aws.ToString(again.QueueUrl) != url {
		t.Fatalf("CreateQueue again = %v, %v; want the same URL", again, err)
	}
	_, err = cli.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("intake"), Attributes: map[string]string{"VisibilityTimeout": "10"}})
	var exists *sqstypes.QueueNameExists
	if !errors.As(err, &exists) || apiCode(err) != "QueueAlreadyExists" {
		t.Fatalf("CreateQueue with other attributes: got %v (%s), want QueueNameExists/QueueAlreadyExists", err, apiCode(err))
	}
	got, err := cli.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("intake")})
	if err != nil || aws.ToString(got.QueueUrl) != url {
		t.Fatalf("GetQueueUrl = %v, %v", got, err)
	}
	list, err := cli.ListQueues(ctx, &sqs.ListQueuesInput{QueueNamePrefix: aws.String("in")})
	if err != nil || len(list.QueueUrls) != 1 || list.QueueUrls[0] != url {
		t.Fatalf("ListQueues = %v, %v", list, err)
	}

	attrs, err := cli.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url), AttributeNames: []sqstypes.QueueAttributeName{"All"}})
	if err != nil {
		t.Fatalf("GetQueueAttributes: %v", err)
	}
	if attrs.Attributes["VisibilityTimeout"] != "45" || attrs.Attributes["QueueArn"] != "arn:aws:sqs:us-east-1:"+awssim.DefaultAccount+":intake" {
		t.Errorf("attributes = %v", attrs.Attributes)
	}
	if _, err := cli.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: aws.String(url), Attributes: map[string]string{"VisibilityTimeout": "5"}}); err != nil {
		t.Fatalf("SetQueueAttributes: %v", err)
	}
	attrs, err = cli.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url), AttributeNames: []sqstypes.QueueAttributeName{"VisibilityTimeout"}})
	if err != nil || attrs.Attributes["VisibilityTimeout"] != "5" || len(attrs.Attributes) != 1 {
		t.Fatalf("GetQueueAttributes after set = %v, %v", attrs.Attributes, err)
	}
	_, err = cli.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: aws.String(url), Attributes: map[string]string{"VisibilityTimeout": "99999"}})
	var badValue *sqstypes.InvalidAttributeValue
	if !errors.As(err, &badValue) {
		t.Fatalf("SetQueueAttributes(99999): got %v, want InvalidAttributeValue", err)
	}

	if _, err := cli.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: aws.String(url)}); err != nil {
		t.Fatalf("DeleteQueue: %v", err)
	}
	_, err = cli.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("intake")})
	var missing *sqstypes.QueueDoesNotExist
	if !errors.As(err, &missing) || apiCode(err) != "AWS.SimpleQueueService.NonExistentQueue" {
		t.Fatalf("GetQueueUrl after delete: got %v (%s), want QueueDoesNotExist with the query code", err, apiCode(err))
	}
	_, err = cli.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("x")})
	if !errors.As(err, &missing) {
		t.Fatalf("SendMessage to a deleted queue: got %v", err)
	}

	// Another account cannot reach the queue.
	other := sqs.NewFromConfig(sim.Config(member))
	q2, err := cli.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("private")})
	if err != nil {
		t.Fatalf("CreateQueue: %v", err)
	}
	if _, err := other.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q2.QueueUrl, MessageBody: aws.String("x")}); err == nil {
		t.Fatalf("SendMessage from another account succeeded")
	}
}

func TestSQSMessagesVisibilityAndRedrive(t *testing.T) {
	ctx := context.Background()
	clock := &fakeClock{t: time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)}
	sim := awssim.Start(t, func(o *awssim.Options) { o.Clock = clock.now })
	cli := sqs.NewFromConfig(sim.Config(""))

	dlq, err := cli.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("intake-dlq")})
	if err != nil {
		t.Fatalf("CreateQueue dlq: %v", err)
	}
	dlqARN := "arn:aws:sqs:us-east-1:" + awssim.DefaultAccount + ":intake-dlq"
	_, err = cli.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("bad-redrive"),
		Attributes: map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:` + awssim.DefaultAccount + `:nope","maxReceiveCount":2}`}})
	if apiCode(err) != "InvalidAttributeValue" {
		t.Fatalf("RedrivePolicy to a missing queue: got %v", err)
	}
	q, err := cli.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("intake"), Attributes: map[string]string{
		"VisibilityTimeout": "30",
		"RedrivePolicy":     `{"deadLetterTargetArn":"` + dlqARN + `","maxReceiveCount":"2"}`,
	}})
	if err != nil {
		t.Fatalf("CreateQueue: %v", err)
	}
	url := q.QueueUrl

	sent, err := cli.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: url, MessageBody: aws.String(`{"finding":"s3-public"}`),
		MessageAttributes: map[string]sqstypes.MessageAttributeValue{
			"source": {DataType: aws.String("String"), StringValue: aws.String("aws.s3")},
			"blob":   {DataType: aws.String("Binary"), BinaryValue: []byte{1, 2, 3}},
		}})
	if err != nil {
		t.Fatalf("SendMessage: %v", err)
	}
	if aws.ToString(sent.MD5OfMessageAttributes) == "" {
		t.Errorf("SendMessage returned no MD5OfMessageAttributes")
	}

	recv := func(vis *int32) []sqstypes.Message {
		t.Helper()
		in := &sqs.ReceiveMessageInput{QueueUrl: url, MaxNumberOfMessages: 10,
			MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{"All"}, MessageAttributeNames: []string{"All"}}
		if vis != nil {
			in.VisibilityTimeout = *vis
		}
		out, err := cli.ReceiveMessage(ctx, in)
		if err != nil {
			t.Fatalf("ReceiveMessage: %v", err)
		}
		return out.Messages
	}

	m := recv(nil)
	if len(m) != 1 || aws.ToString(m[0].MessageId) != aws.ToString(sent.MessageId) {
		t.Fatalf("first receive = %+v, want the message", m)
	}
	if m[0].Attributes["ApproximateReceiveCount"] != "1" || m[0].Attributes["SenderId"] != awssim.DefaultAccount {
		t.Errorf("attributes = %v", m[0].Attributes)
	}
	if aws.ToString(m[0].MessageAttributes["source"].StringValue) != "aws.s3" || string(m[0].MessageAttributes["blob"].BinaryValue) != "\x01\x02\x03" {
		t.Errorf("message attributes = %+v", m[0].MessageAttributes)
	}
	if aws.ToString(m[0].MD5OfMessageAttributes) != aws.ToString(sent.MD5OfMessageAttributes) {
		t.Errorf("MD5OfMessageAttributes differ between send and receive")
	}
	if len(recv(nil)) != 0 {
		t.Fatalf("message visible again during its visibility timeout")
	}
	attrs, _ := cli.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: url, AttributeNames: []sqstypes.QueueAttributeName{"ApproximateNumberOfMessagesNotVisible"}})
	if attrs.Attributes["ApproximateNumberOfMessagesNotVisible"] != "1" {
		t.Errorf("in flight = %v, want 1", attrs.Attributes)
	}

	// ChangeMessageVisibility extends it; the old handle becomes stale once
	// the message is received again.
	if _, err := cli.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: url, ReceiptHandle: m[0].ReceiptHandle, VisibilityTimeout: 120}); err != nil {
		t.Fatalf("ChangeMessageVisibility: %v", err)
	}
	clock.t = clock.t.Add(60 * time.Second)
	if len(recv(nil)) != 0 {
		t.Fatalf("message visible before its extended timeout")
	}
	clock.t = clock.t.Add(61 * time.Second)
	m2 := recv(nil)
	if len(m2) != 1 || m2[0].Attributes["ApproximateReceiveCount"] != "2" {
		t.Fatalf("second receive = %+v, want receive count 2", m2)
	}
	if aws.ToString(m2[0].ReceiptHandle) == aws.ToString(m[0].ReceiptHandle) {
		t.Errorf("receipt handle did not change between receives")
	}
	// Deleting with the stale handle succeeds but leaves the message.
	if _, err := cli.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: url, ReceiptHandle: m[0].ReceiptHandle}); err != nil {
		t.Fatalf("DeleteMessage(stale): %v", err)
	}
	if n := len(sim.SQSMessages("us-east-1", aws.ToString(url))); n != 1 {
		t.Fatalf("after stale delete: %d messages, want 1", n)
	}
	_, err = cli.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: url, ReceiptHandle: aws.String("garbage")})
	var invalid *sqstypes.ReceiptHandleIsInvalid
	if !errors.As(err, &invalid) {
		t.Fatalf("DeleteMessage(garbage): got %v, want ReceiptHandleIsInvalid", err)
	}

	// Received maxReceiveCount (2) times: the next receive moves it to the DLQ.
	clock.t = clock.t.Add(31 * time.Second)
	if got := recv(nil); len(got) != 0 {
		t.Fatalf("third receive = %+v, want none (moved to the DLQ)", got)
	}
	dm, err := cli.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: dlq.QueueUrl, MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{"ApproximateReceiveCount"}})
	if err != nil || len(dm.Messages) != 1 || aws.ToString(dm.Messages[0].MessageId) != aws.ToString(sent.MessageId) {
		t.Fatalf("DLQ receive = %+v, %v", dm, err)
	}
	if dm.Messages[0].Attributes["ApproximateReceiveCount"] != "3" {
		t.Errorf("DLQ receive count = %v, want 3", dm.Messages[0].Attributes)
	}
	if _, err := cli.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: dlq.QueueUrl, ReceiptHandle: dm.Messages[0].ReceiptHandle}); err != nil {
		t.Fatalf("DeleteMessage: %v", err)
	}
	if n := len(sim.SQSMessages("us-east-1", aws.ToString(dlq.QueueUrl))); n != 0 {
		t.Errorf("DLQ holds %d messages after delete", n)
	}

	// ChangeMessageVisibility of a message not in flight.
	_, err = cli.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: dlq.QueueUrl, ReceiptHandle: dm.Messages[0].ReceiptHandle, VisibilityTimeout: 10})
	var notInflight *sqstypes.MessageNotInflight
	if !errors.As(err, &notInflight) {
		t.Fatalf("ChangeMessageVisibility of a deleted message: got %v, want MessageNotInflight", err)
	}
}

func TestSQSBatchesAndPurge(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cli := sqs.NewFromConfig(sim.Config(""))
	q, err := cli.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("batch")})
	if err != nil {
		t.Fatalf("CreateQueue: %v", err)
	}
	var entries []sqstypes.SendMessageBatchRequestEntry
	for i := range 3 {
		entries = append(entries, sqstypes.SendMessageBatchRequestEntry{Id: aws.String("m" + strconv.Itoa(i)), MessageBody: aws.String("body " + strconv.Itoa(i))})
	}
	entries = append(entries, sqstypes.SendMessageBatchRequestEntry{Id: aws.String("bad"), MessageBody: aws.String("x"), DelaySeconds: 1000})
	sent, err := cli.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: q.QueueUrl, Entries: entries})
	if err != nil {
		t.Fatalf("SendMessageBatch: %v", err)
	}
	if len(sent.Successful) != 3 || len(sent.Failed) != 1 || aws.ToString(sent.Failed[0].Id) != "bad" || !sent.Failed[0].SenderFault {
		t.Fatalf("SendMessageBatch = %d ok, failed %+v", len(sent.Successful), sent.Failed)
	}
	_, err = cli.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: q.QueueUrl, Entries: []sqstypes.SendMessageBatchRequestEntry{
		{Id: aws.String("a"), MessageBody: aws.String("1")}, {Id: aws.String("a"), MessageBody: aws.String("2")}}})
	var dup *sqstypes.BatchEntryIdsNotDistinct
	if !errors.As(err, &dup) {
		t.Fatalf("duplicate batch ids: got %v", err)
	}

	got, err := cli.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, MaxNumberOfMessages: 10})
	if err != nil || len(got.Messages) != 3 {
		t.Fatalf("ReceiveMessage = %d messages, %v; want 3", len(got.Messages), err)
	}
	var del []sqstypes.DeleteMessageBatchRequestEntry
	for i, m := range got.Messages[:2] {
		del = append(del, sqstypes.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle})
	}
	del = append(del, sqstypes.DeleteMessageBatchRequestEntry{Id: aws.String("bad"), ReceiptHandle: aws.String("not-a-handle")})
	dout, err := cli.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: q.QueueUrl, Entries: del})
	if err != nil || len(dout.Successful) != 2 || len(dout.Failed) != 1 || aws.ToString(dout.Failed[0].Code) != "ReceiptHandleIsInvalid" {
		t.Fatalf("DeleteMessageBatch = %+v, %v", dout, err)
	}
	if n := len(sim.SQSMessages("us-east-1", aws.ToString(q.QueueUrl))); n != 1 {
		t.Fatalf("%d messages left, want 1", n)
	}
	if _, err := cli.PurgeQueue(ctx, &sqs.PurgeQueueInput{QueueUrl: q.QueueUrl}); err != nil {
		t.Fatalf("PurgeQueue: %v", err)
	}
	if n := len(sim.SQSMessages("us-east-1", aws.ToString(q.QueueUrl))); n != 0 {
		t.Fatalf("%d messages after purge", n)
	}
	_, err = cli.PurgeQueue(ctx, &sqs.PurgeQueueInput{QueueUrl: q.QueueUrl})
	var inProgress *sqstypes.PurgeQueueInProgress
	if !errors.As(err, &inProgress) {
		t.Fatalf("second PurgeQueue within 60s: got %v, want PurgeQueueInProgress", err)
	}
}

func TestSQSLongPollReturnsWhenAMessageArrives(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	cli := sqs.NewFromConfig(sim.Config(""))
	q, err := cli.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("poll")})
	if err != nil {
		t.Fatalf("CreateQueue: %v", err)
	}
	type result struct {
		msgs []sqstypes.Message
		err  error
	}
	done := make(chan result, 1)
	go func() {
		out, err := cli.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, WaitTimeSeconds: 20})
		if err != nil {
			done <- result{err: err}
			return
		}
		done <- result{msgs: out.Messages}
	}()
	// While the poll waits, other calls are served: the wait does not hold
	// the simulator's lock.
	time.Sleep(100 * time.Millisecond)
	if _, err := cli.ListQueues(ctx, &sqs.ListQueuesInput{}); err != nil {
		t.Fatalf("ListQueues during a long poll: %v", err)
	}
	select {
	case r := <-done:
		t.Fatalf("long poll returned before any message: %+v", r)
	default:
	}
	if _, err := cli.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String("wake up")}); err != nil {
		t.Fatalf("SendMessage: %v", err)
	}
	select {
	case r := <-done:
		if r.err != nil || len(r.msgs) != 1 || aws.ToString(r.msgs[0].Body) != "wake up" {
			t.Fatalf("long poll = %+v", r)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("long poll did not return after a message was sent")
	}

	// A short poll of an empty queue returns nothing at once.
	out, err := cli.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, WaitTimeSeconds: 0})
	if err != nil || len(out.Messages) != 0 {
		t.Fatalf("short poll = %+v, %v", out, err)
	}
	_, err = cli.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, MaxNumberOfMessages: 11})
	if err == nil || !strings.Contains(apiCode(err), "InvalidParameterValue") {
		t.Fatalf("MaxNumberOfMessages 11: got %v", err)
	}
}

func TestSQSAndSNSEmitOnlyManagementEvents(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	var names []string
	var mu sync.Mutex
	sim.Subscribe(func(b []byte) {
		var ev struct {
			Source string `json:"source"`
			Detail struct {
				EventName string `json:"eventName"`
			} `json:"detail"`
		}
		if json.Unmarshal(b, &ev) == nil {
			mu.Lock()
			names = append(names, ev.Source+":"+ev.Detail.EventName)
			mu.Unlock()
		}
	})
	sqsc := sqs.NewFromConfig(sim.Config(""))
	snsc := sns.NewFromConfig(sim.Config(""))
	q, err := sqsc.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("events")})
	if err != nil {
		t.Fatalf("CreateQueue: %v", err)
	}
	if _, err := sqsc.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String("x")}); err != nil {
		t.Fatalf("SendMessage: %v", err)
	}
	out, err := sqsc.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl})
	if err != nil || len(out.Messages) != 1 {
		t.Fatalf("ReceiveMessage = %+v, %v", out, err)
	}
	if _, err := sqsc.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: q.QueueUrl, ReceiptHandle: out.Messages[0].ReceiptHandle}); err != nil {
		t.Fatalf("DeleteMessage: %v", err)
	}
	topic, err := snsc.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("events")})
	if err != nil {
		t.Fatalf("CreateTopic: %v", err)
	}
	if _, err := snsc.Publish(ctx, &sns.PublishInput{TopicArn: topic.TopicArn, Message: aws.String("x")}); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if got, want := strings.Join(names, ","), "aws.sqs:CreateQueue,aws.sns:CreateTopic"; got != want {
		t.Errorf("emitted events = %s, want %s", got, want)
	}
	var sent bool
	for _, r := range sim.Trail(awssim.DefaultAccount, "us-east-1") {
		if r.EventName == "SendMessage" {
			sent = true
		}
	}
	if !sent {
		t.Errorf("SendMessage was not recorded in the activity log")
	}
}

func TestS3SQSSNSStateSurvivesSnapshot(t *testing.T) {
	ctx := context.Background()
	sim := awssim.Start(t)
	s3c := s3.NewFromConfig(sim.Config(""), func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("kept")}); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}
	if _, err := s3c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("kept"),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatalf("PutBucketVersioning: %v", err)
	}
	sqsc := sqs.NewFromConfig(sim.Config(""))
	q, err := sqsc.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("kept")})
	if err != nil {
		t.Fatalf("CreateQueue: %v", err)
	}
	if _, err := sqsc.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String("still here"),
		MessageAttributes: map[string]sqstypes.MessageAttributeValue{"b": {DataType: aws.String("Binary"), BinaryValue: []byte{0, 1}}}}); err != nil {
		t.Fatalf("SendMessage: %v", err)
	}
	snsc := sns.NewFromConfig(sim.Config(""))
	topic, err := snsc.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("kept")})
	if err != nil {
		t.Fatalf("CreateTopic: %v", err)
	}
	if _, err := snsc.Publish(ctx, &sns.PublishInput{TopicArn: topic.TopicArn, Message: aws.String("m")}); err != nil {
		t.Fatalf("Publish: %v", err)
	}

	snap, err := sim.Snapshot()
	if err != nil {
		t.Fatalf("Snapshot: %v", err)
	}
	sim2 := awssim.Start(t)
	if err := sim2.Restore(snap); err != nil {
		t.Fatalf("Restore: %v", err)
	}
	v, err := s3.NewFromConfig(sim2.Config(""), func(o *s3.Options) { o.UsePathStyle = true }).GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String("kept")})
	if err != nil || v.Status != s3types.BucketVersioningStatusEnabled {
		t.Errorf("restored bucket versioning = %v, %v", v, err)
	}
	sqs2 := sqs.NewFromConfig(sim2.Config(""))
	u, err := sqs2.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("kept")})
	if err != nil || !strings.HasPrefix(aws.ToString(u.QueueUrl), sim2.URL+"/") {
		t.Fatalf("restored GetQueueUrl = %v, %v; want a URL on the new server", u, err)
	}
	got, err := sqs2.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: u.QueueUrl, MessageAttributeNames: []string{"All"}})
	if err != nil || len(got.Messages) != 1 || aws.ToString(got.Messages[0].Body) != "still here" || string(got.Messages[0].MessageAttributes["b"].BinaryValue) != "\x00\x01" {
		t.Errorf("restored queue receive = %+v, %v", got, err)
	}
	if msgs := sim2.SNSMessages(aws.ToString(topic.TopicArn)); len(msgs) != 1 || msgs[0].Message != "m" {
		t.Errorf("restored SNS messages = %+v", msgs)
	}
}

func FuzzSQSRequests(f *testing.F) {
	sim := awssim.Start(f, func(o *awssim.Options) { o.SkipSignatureCheck = true })
	ops := []string{"CreateQueue", "GetQueueUrl", "ListQueues", "DeleteQueue", "GetQueueAttributes", "SetQueueAttributes",
		"SendMessage", "SendMessageBatch", "DeleteMessage", "DeleteMessageBatch", "ChangeMessageVisibility", "PurgeQueue"}
	hdr := func(op string) map[string]string {
		return map[string]string{"X-Amz-Target": "AmazonSQS." + op, "Content-Type": "application/x-amz-json-1.0"}
	}
	resp, b := rawRequest(f, sim, http.MethodPost, "sqs", "/", hdr("CreateQueue"), []byte(`{"QueueName":"fuzz"}`))
	if resp.StatusCode != 200 {
		f.Fatalf("CreateQueue: %d %s", resp.StatusCode, b)
	}
	qurl := sim.URL + "/" + awssim.DefaultAccount + "/fuzz"
	f.Add(uint8(6), `{"QueueUrl":"`+qurl+`","MessageBody":"hi","MessageAttributes":{"a":{"DataType":"Number","StringValue":"1"}}}`)
	f.Add(uint8(5), `{"QueueUrl":"`+qurl+`","Attributes":{"RedrivePolicy":"{\"deadLetterTargetArn\":\"arn:aws:sqs:us-east-1:1:x\",\"maxReceiveCount\":\"a\"}"}}`)
	f.Add(uint8(7), `{"QueueUrl":"`+qurl+`","Entries":[{"Id":"a","MessageBody":"x","DelaySeconds":-1}]}`)
	f.Add(uint8(10), `{"QueueUrl":"`+qurl+`","ReceiptHandle":"AAAA","VisibilityTimeout":5}`)
	f.Add(uint8(0), `{"QueueName":"x.fifo","Attributes":{"FifoQueue":"true"}}`)
	f.Add(uint8(2), `{"MaxResults":1,"NextToken":"%%%"}`)
	f.Fuzz(func(t *testing.T, op uint8, body string) {
		resp, b := rawRequest(t, sim, http.MethodPost, "sqs", "/", hdr(ops[int(op)%len(ops)]), []byte(body))
		if resp.StatusCode >= 500 {
			t.Fatalf("%s %s: status %d: %s", ops[int(op)%len(ops)], body, resp.StatusCode, b)
		}
	})
}
