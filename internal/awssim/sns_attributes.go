package awssim

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// SNS topic attributes that name other resources (the KMS key of
// server-side encryption and the IAM roles of delivery status logging),
// and topic tags.
//
// A delivery status role must be an IAM role that SNS may assume; SNS
// checks it when the attribute is set. A sample rate is a whole percentage
// from 0 to 100. An empty value removes the attribute.

// snsFeedbackAttribute reports whether name is a delivery status logging
// attribute, and whether it names a role (rather than a sample rate).
func snsFeedbackAttribute(name string) (feedback, role bool) {
	for _, p := range []string{"Application", "HTTP", "Lambda", "SQS", "Firehose"} {
		rest, ok := strings.CutPrefix(name, p)
		if !ok {
			continue
		}
		switch rest {
		case "SuccessFeedbackRoleArn", "FailureFeedbackRoleArn":
			return true, true
		case "SuccessFeedbackSampleRate":
			return true, false
		}
	}
	return false, false
}

// checkAttribute checks the value of a topic attribute that refers to
// another resource or has a range.
func (svc *snsService) checkAttribute(c *call, name, v string) error {
	if v == "" {
		return nil
	}
	if name == "KmsMasterKeyId" {
		// A key ID, key ARN, alias name or alias ARN; SNS finds out whether
		// it may use the key when a message is published.
		if strings.ContainsAny(v, " \t") || len(v) > 2048 {
			return errSNSParam("KmsMasterKeyId Reason: %s is not a valid KMS key identifier", v)
		}
		return nil
	}
	feedback, role := snsFeedbackAttribute(name)
	switch {
	case !feedback:
		return nil
	case role:
		r := svc.s.roleByARN(v)
		if r == nil || !strings.Contains(r.ARN, ":iam::"+c.Account()+":") {
			return errSNSParam("Attribute Name: %s Reason: %s is not the ARN of an IAM role of this account", name, v)
		}
		if !trustsService(r.Trust, "sns.amazonaws.com") {
			return errSNSParam("Attribute Name: %s Reason: SNS may not assume role %s", name, v)
		}
	default:
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 100 {
			return errSNSParam("Attribute Name: %s Reason: the sample rate must be a whole number from 0 to 100", name)
		}
	}
	return nil
}

// Topic tags.

const snsMaxTags = 50

// taggedTopic returns the caller's topic a ResourceArn names.
func (svc *snsService) taggedTopic(c *call, arn string) (*snsTopic, error) {
	t := svc.State.Topics[arn]
	if t == nil || t.Region != c.region || t.Account != c.Account() {
		return nil, errorf(http.StatusNotFound, "ResourceNotFound", "Resource does not exist")
	}
	c.trailResources = []TrailResource{{ARN: t.ARN, AccountID: c.Account(), Type: "AWS::SNS::Topic", Name: t.Name}}
	return t, nil
}

func (svc *snsService) tagResource(c *call, in url.Values) (any, error) {
	t, err := svc.taggedTopic(c, in.Get("ResourceArn"))
	if err != nil {
		return nil, err
	}
	next := map[string]string{}
	for k, v := range t.Tags {
		next[k] = v
	}
	for _, tag := range queryStructs(in, "Tags") {
		k := tag.Get("Key")
		if k == "" || len(k) > 128 || strings.HasPrefix(k, "aws:") {
			return nil, errSNSParam("Tags Reason: tag key %q is not valid", k)
		}
		next[k] = tag.Get("Value")
	}
	if len(next) > snsMaxTags {
		return nil, errorf(http.StatusBadRequest, "TagLimitExceeded", "Could not complete request: tag quota of per resource exceeded")
	}
	t.Tags = next
	return struct{}{}, nil
}

func (svc *snsService) untagResource(c *call, in url.Values) (any, error) {
	t, err := svc.taggedTopic(c, in.Get("ResourceArn"))
	if err != nil {
		return nil, err
	}
	for _, k := range queryList(in, "TagKeys") {
		delete(t.Tags, k)
	}
	return struct{}{}, nil
}

func (svc *snsService) listTagsForResource(c *call, in url.Values) (any, error) {
	t, err := svc.taggedTopic(c, in.Get("ResourceArn"))
	if err != nil {
		return nil, err
	}
	type tag struct {
		Key   string `xml:"Key"`
		Value string `xml:"Value"`
	}
	out := struct {
		Tags []tag `xml:"Tags>member"`
	}{}
	for _, k := range sortedKeys(t.Tags) {
		out.Tags = append(out.Tags, tag{k, t.Tags[k]})
	}
	return out, nil
}
