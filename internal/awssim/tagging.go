package awssim

import (
	"net/http"
	"sort"
	"strings"
)

// The Resource Groups Tagging API: GetResources, TagResources and
// UntagResources over the tags the other simulated services keep. It
// answers for EC2 resources (instances, network interfaces, volumes,
// snapshots, VPCs, subnets, security groups, internet gateways), S3
// buckets, SQS queues, SNS topics, Lambda functions, DynamoDB tables, KMS
// keys and RDS DB instances. As in AWS, GetResources lists only resources
// that have tags.

type taggingService struct {
	s *Server
}

// taggedResource is one resource the Tagging API can see, and how to
// change its tags.
type taggedResource struct {
	ARN  string
	Tags map[string]string
	// set and unset change the resource's tags in its service's state.
	set   func(tags map[string]string)
	unset func(keys []string)
}

func newTagging(s *Server) *serviceDef {
	svc := &taggingService{s: s}
	return &serviceDef{
		Name: "tagging", Prefix: "tag", EventSource: "tagging.amazonaws.com", Protocol: protoJSON11,
		TargetPrefix: "ResourceGroupsTaggingAPI_20170126",
		JSON: map[string]jsonHandler{
			"GetResources":   svc.getResources,
			"TagResources":   svc.tagResources,
			"UntagResources": svc.untagResources,
		},
	}
}

func taggingInvalid(format string, args ...any) *Error {
	return errorf(http.StatusBadRequest, "InvalidParameterException", format, args...)
}

// resources returns the resources of the caller's account in the call's
// region (and its S3 buckets, whatever their region, as S3 lists them),
// sorted by ARN.
func (svc *taggingService) resources(c *call) []*taggedResource {
	account, region := c.Account(), c.region
	var out []*taggedResource
	add := func(arn string, tags map[string]string, set func(map[string]string), unset func([]string)) {
		out = append(out, &taggedResource{ARN: arn, Tags: tags, set: set, unset: unset})
	}
	mapTags := func(m *map[string]string) (func(map[string]string), func([]string)) {
		return func(tags map[string]string) {
				if *m == nil {
					*m = map[string]string{}
				}
				for k, v := range tags {
					(*m)[k] = v
				}
			}, func(keys []string) {
				for _, k := range keys {
					delete(*m, k)
				}
			}
	}
	for _, def := range svc.s.services {
		switch st := def.State.(type) {
		case *ec2Service:
			r := st.Regions[account+"/"+region]
			if r == nil {
				continue
			}
			for _, id := range r.taggableIDs() {
				kind, _ := r.resourceType(id)
				owner := account
				if kind == "snapshot" {
					owner = "" // EC2 snapshot ARNs name no account
				}
				arn := "arn:" + partitionOf(region) + ":ec2:" + region + ":" + owner + ":" + kind + "/" + id
				add(arn, r.Tags[id], func(tags map[string]string) { _ = r.setTags(id, tags) }, func(keys []string) {
					for _, k := range keys {
						delete(r.Tags[id], k)
					}
				})
			}
		case *s3State:
			for _, b := range st.Buckets {
				if b.Account != account {
					continue
				}
				b := b
				tags := map[string]string{}
				for _, t := range b.Tags {
					tags[t.Key] = t.Value
				}
				add("arn:"+partitionOf(b.Region)+":s3:::"+b.Name, tags, func(set map[string]string) {
					for k, v := range set {
						tags[k] = v
					}
					b.Tags = s3TagList(tags)
				}, func(keys []string) {
					for _, k := range keys {
						delete(tags, k)
					}
					b.Tags = s3TagList(tags)
				})
			}
		case *sqsState:
			for _, q := range st.Queues {
				if q.Account == account && q.Region == region {
					set, unset := mapTags(&q.Tags)
					add(q.ARN, q.Tags, set, unset)
				}
			}
		case *snsState:
			for _, t := range st.Topics {
				if t.Account == account && t.Region == region {
					set, unset := mapTags(&t.Tags)
					add(t.ARN, t.Tags, set, unset)
				}
			}
		case *lambdaService:
			for _, f := range st.Functions[account+"/"+region] {
				set, unset := mapTags(&f.Tags)
				add(f.ARN, f.Tags, set, unset)
			}
		case *dynamoService:
			for _, t := range st.Tables[account+"/"+region] {
				set, unset := mapTags(&t.Tags)
				add(t.ARN, t.Tags, set, unset)
			}
		case *kmsService:
			for _, k := range st.Keys[account+"/"+region] {
				set, unset := mapTags(&k.Tags)
				add(k.ARN, k.Tags, set, unset)
			}
		case *rdsService:
			for _, in := range st.Instances[account+"/"+region] {
				in := in
				tags := map[string]string{}
				for _, t := range in.Tags {
					tags[t.Key] = t.Value
				}
				list := func() []rdsTag {
					out := make([]rdsTag, 0, len(tags))
					for _, k := range sortedKeys(tags) {
						out = append(out, rdsTag{k, tags[k]})
					}
					return out
				}
				add(in.ARN, tags, func(set map[string]string) {
					for k, v := range set {
						tags[k] = v
					}
					in.Tags = list()
				}, func(keys []string) {
					for _, k := range keys {
						delete(tags, k)
					}
					in.Tags = list()
				})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ARN < out[j].ARN })
	return out
}

// taggableIDs returns the IDs of the region's EC2 resources that exist.
func (r *ec2Region) taggableIDs() []string {
	var ids []string
	ids = append(ids, sortedKeys(r.VPCs)...)
	ids = append(ids, sortedKeys(r.Subnets)...)
	ids = append(ids, sortedKeys(r.Groups)...)
	ids = append(ids, sortedKeys(r.IGWs)...)
	ids = append(ids, sortedKeys(r.Snapshots)...)
	ids = append(ids, sortedKeys(r.enis())...)
	for id, v := range r.Volumes {
		if !v.Deleted {
			ids = append(ids, id)
		}
	}
	for id, in := range r.Instances {
		if in.State != "terminated" {
			ids = append(ids, id)
		}
	}
	return ids
}

func s3TagList(tags map[string]string) []s3Tag {
	out := make([]s3Tag, 0, len(tags))
	for _, k := range sortedKeys(tags) {
		out = append(out, s3Tag{k, tags[k]})
	}
	return out
}

// resourceType returns the Tagging API resource type of an ARN:
// "ec2:instance", "s3", "sqs", "lambda:function".
func taggingType(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return ""
	}
	svc, res := parts[2], parts[5]
	if i := strings.IndexAny(res, "/:"); i >= 0 {
		return svc + ":" + res[:i]
	}
	switch svc {
	case "s3", "sqs", "sns":
		return svc
	}
	return svc
}

type taggingTag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

type taggingMapping struct {
	ResourceARN string       `json:"ResourceARN"`
	Tags        []taggingTag `json:"Tags"`
}

func (svc *taggingService) getResources(c *call, body []byte) (any, error) {
	var in struct {
		ResourceARNList []string
		TagFilters      []struct {
			Key    string
			Values []string
		}
		ResourceTypeFilters []string
		ResourcesPerPage    int
		PaginationToken     string
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	if len(in.ResourceARNList) > 0 && (in.ResourcesPerPage != 0 || in.PaginationToken != "") {
		return nil, taggingInvalid("ResourceARNList cannot be used with pagination parameters.")
	}
	if len(in.ResourceARNList) > 100 {
		return nil, taggingInvalid("ResourceARNList must have at most 100 elements.")
	}
	if len(in.TagFilters) > 50 {
		return nil, taggingInvalid("TagFilters must have at most 50 elements.")
	}
	per := in.ResourcesPerPage
	if per == 0 {
		per = 100
	}
	if per < 1 || per > 100 {
		return nil, taggingInvalid("ResourcesPerPage must be between 1 and 100.")
	}
	start := ""
	if in.PaginationToken != "" {
		pos, ok := pagePosition(in.PaginationToken)
		if !ok {
			return nil, errorf(http.StatusBadRequest, "PaginationTokenExpiredException", "The pagination token is not valid.")
		}
		start = pos
	}
	wanted := map[string]bool{}
	for _, arn := range in.ResourceARNList {
		wanted[arn] = true
	}
	var out []taggingMapping
	next := ""
	for _, r := range svc.resources(c) {
		if len(r.Tags) == 0 || r.ARN < start || (len(wanted) > 0 && !wanted[r.ARN]) || !matchesTypes(r.ARN, in.ResourceTypeFilters) {
			continue
		}
		ok := true
		for _, f := range in.TagFilters {
			v, has := r.Tags[f.Key]
			ok = ok && has && (len(f.Values) == 0 || contains(f.Values, v))
		}
		if !ok {
			continue
		}
		if len(out) == per {
			next = pageToken(r.ARN)
			break
		}
		m := taggingMapping{ResourceARN: r.ARN, Tags: []taggingTag{}}
		for _, k := range sortedKeys(r.Tags) {
			m.Tags = append(m.Tags, taggingTag{k, r.Tags[k]})
		}
		out = append(out, m)
	}
	if out == nil {
		out = []taggingMapping{}
	}
	return map[string]any{"PaginationToken": next, "ResourceTagMappingList": out}, nil
}

// matchesTypes reports whether arn is of one of the resource types
// ("ec2", "ec2:instance"); no types match every ARN.
func matchesTypes(arn string, types []string) bool {
	if len(types) == 0 {
		return true
	}
	t := taggingType(arn)
	svc, _, _ := strings.Cut(t, ":")
	for _, want := range types {
		if want == t || want == svc || (svc == "s3" && want == "s3:bucket") {
			return true
		}
	}
	return false
}

type taggingFailure struct {
	StatusCode   int    `json:"StatusCode"`
	ErrorCode    string `json:"ErrorCode"`
	ErrorMessage string `json:"ErrorMessage"`
}

// change applies f to each resource ARN names, reporting the ARNs that
// name no resource of the caller's as failed, as the Tagging API reports
// what the resource's own service refused.
func (svc *taggingService) change(c *call, arns []string, f func(r *taggedResource)) map[string]taggingFailure {
	byARN := map[string]*taggedResource{}
	for _, r := range svc.resources(c) {
		byARN[r.ARN] = r
	}
	failed := map[string]taggingFailure{}
	var res []TrailResource
	for _, arn := range arns {
		r := byARN[arn]
		if r == nil {
			failed[arn] = taggingFailure{StatusCode: http.StatusNotFound, ErrorCode: "InvalidParameterException",
				ErrorMessage: "The resource " + arn + " does not exist or is not in this account and region."}
			continue
		}
		f(r)
		res = append(res, TrailResource{ARN: arn, AccountID: c.Account()})
	}
	c.trailResources = res
	return failed
}

func (svc *taggingService) tagResources(c *call, body []byte) (any, error) {
	var in struct {
		ResourceARNList []string
		Tags            map[string]string
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	if len(in.ResourceARNList) < 1 || len(in.ResourceARNList) > 20 {
		return nil, taggingInvalid("ResourceARNList must have between 1 and 20 elements.")
	}
	if len(in.Tags) < 1 || len(in.Tags) > 50 {
		return nil, taggingInvalid("Tags must have between 1 and 50 elements.")
	}
	for k, v := range in.Tags {
		if k == "" || len(k) > 128 || len(v) > 256 {
			return nil, taggingInvalid("Tag keys must have 1 to 128 characters and values at most 256.")
		}
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			return nil, taggingInvalid("Tag keys starting with 'aws:' are reserved for system use.")
		}
	}
	failed := svc.change(c, in.ResourceARNList, func(r *taggedResource) { r.set(in.Tags) })
	return map[string]any{"FailedResourcesMap": failed}, nil
}

func (svc *taggingService) untagResources(c *call, body []byte) (any, error) {
	var in struct {
		ResourceARNList []string
		TagKeys         []string
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	if len(in.ResourceARNList) < 1 || len(in.ResourceARNList) > 20 {
		return nil, taggingInvalid("ResourceARNList must have between 1 and 20 elements.")
	}
	if len(in.TagKeys) < 1 || len(in.TagKeys) > 50 {
		return nil, taggingInvalid("TagKeys must have between 1 and 50 elements.")
	}
	failed := svc.change(c, in.ResourceARNList, func(r *taggedResource) { r.unset(in.TagKeys) })
	return map[string]any{"FailedResourcesMap": failed}, nil
}
