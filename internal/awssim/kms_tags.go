package awssim

import (
	"net/http"
	"sort"
	"strings"
)

// KMS: the tags of customer managed keys.

// taggedKey resolves the KeyId of a tagging call, which must name a key by
// ID or ARN, not by alias.
func (svc *kmsService) taggedKey(c *call, id string) (*kmsKey, error) {
	if strings.HasPrefix(id, "alias/") || strings.Contains(id, ":alias/") {
		return nil, errorf(http.StatusBadRequest, "InvalidArnException", "Tags can be read and changed only through a key ID or key ARN, not an alias")
	}
	k, err := svc.resolve(c, id)
	if err != nil {
		return nil, err
	}
	if k.Manager == "AWS" && c.op != "ListResourceTags" {
		return nil, errorf(http.StatusBadRequest, "NotAuthorizedException", "Tags of an AWS managed key cannot be changed")
	}
	c.trailResources = []TrailResource{{ARN: k.ARN, AccountID: c.Account(), Type: "AWS::KMS::Key", Name: k.ARN}}
	return k, nil
}

const kmsMaxTags = 50

func (svc *kmsService) tagResource(c *call, body []byte) (any, error) {
	var in struct {
		KeyID string `json:"KeyId"`
		Tags  []struct{ TagKey, TagValue string }
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	k, err := svc.taggedKey(c, in.KeyID)
	if err != nil {
		return nil, err
	}
	if k.State == "PendingDeletion" {
		return nil, kmsInvalidState("%s is pending deletion.", k.ARN)
	}
	next := map[string]string{}
	for key, v := range k.Tags {
		next[key] = v
	}
	for _, t := range in.Tags {
		if t.TagKey == "" || len(t.TagKey) > 128 || len(t.TagValue) > 256 || strings.HasPrefix(t.TagKey, "aws:") {
			return nil, errorf(http.StatusBadRequest, "TagException", "Tag key %q is not valid", t.TagKey)
		}
		next[t.TagKey] = t.TagValue
	}
	if len(next) > kmsMaxTags {
		return nil, errorf(http.StatusBadRequest, "LimitExceededException", "A key can have at most %d tags", kmsMaxTags)
	}
	k.Tags = next
	return nil, nil
}

func (svc *kmsService) untagResource(c *call, body []byte) (any, error) {
	var in struct {
		KeyID   string `json:"KeyId"`
		TagKeys []string
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	k, err := svc.taggedKey(c, in.KeyID)
	if err != nil {
		return nil, err
	}
	for _, key := range in.TagKeys {
		delete(k.Tags, key)
	}
	return nil, nil
}

func (svc *kmsService) listResourceTags(c *call, body []byte) (any, error) {
	var in struct {
		KeyID  string `json:"KeyId"`
		Limit  int
		Marker string
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	k, err := svc.taggedKey(c, in.KeyID)
	if err != nil {
		return nil, err
	}
	if in.Limit == 0 {
		in.Limit = 50
	}
	if in.Limit < 1 || in.Limit > 50 {
		return nil, kmsValidation("1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value between 1 and 50", in.Limit)
	}
	keys := make([]string, 0, len(k.Tags))
	for key := range k.Tags {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	if in.Marker != "" {
		after, ok := pagePosition(in.Marker)
		if !ok {
			return nil, errorf(http.StatusBadRequest, "InvalidMarkerException", "Marker %q is not valid", in.Marker)
		}
		keys = keys[sort.SearchStrings(keys, after):]
	}
	type tag struct{ TagKey, TagValue string }
	out := struct {
		Tags       []tag
		Truncated  bool
		NextMarker string `json:",omitempty"`
	}{Tags: []tag{}}
	if len(keys) > in.Limit {
		out.Truncated, out.NextMarker = true, pageToken(keys[in.Limit])
		keys = keys[:in.Limit]
	}
	for _, key := range keys {
		out.Tags = append(out.Tags, tag{key, k.Tags[key]})
	}
	return out, nil
}
