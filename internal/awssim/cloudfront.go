package awssim

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// CloudFront: distributions and their configurations, with ETags. A
// distribution keeps its DistributionConfig as the XML it was given and
// answers it back; the simulator reads the fields it checks (caller
// reference, default root object, origins, enabled). UpdateDistribution
// needs the current ETag in If-Match and a config with the same caller
// reference; every change makes a new ETag and leaves the distribution
// InProgress for cloudfrontDeployTime of simulated time. CloudFront is
// global: state is per account.

const cloudfrontXMLNS = "http://cloudfront.amazonaws.com/doc/2020-05-31/"

// cloudfrontDeployTime is how long a change takes to deploy.
const cloudfrontDeployTime = 2 * time.Minute

type cloudfrontService struct {
	s *Server
	// Distributions is keyed by account, then by ID.
	Distributions map[string]map[string]*cfDistribution
}

type cfDistribution struct {
	ID, ARN, Domain string
	// Config is the inner XML of the DistributionConfig.
	Config   string
	ETag     string
	Modified time.Time
}

// cfConfig is the part of a DistributionConfig the simulator reads.
type cfConfig struct {
	CallerReference   string `xml:"CallerReference"`
	DefaultRootObject string `xml:"DefaultRootObject"`
	Comment           *string
	Enabled           *bool `xml:"Enabled"`
	Origins           struct {
		Quantity int `xml:"Quantity"`
		Items    []struct {
			ID                 string    `xml:"Id"`
			DomainName         string    `xml:"DomainName"`
			S3OriginConfig     *struct{} `xml:"S3OriginConfig"`
			CustomOriginConfig *struct{} `xml:"CustomOriginConfig"`
		} `xml:"Items>Origin"`
	} `xml:"Origins"`
	DefaultCacheBehavior *struct {
		TargetOriginID string `xml:"TargetOriginId"`
	} `xml:"DefaultCacheBehavior"`
}

func newCloudFront(s *Server) *serviceDef {
	svc := &cloudfrontService{s: s, Distributions: map[string]map[string]*cfDistribution{}}
	const base = "/2020-05-31/distribution"
	return &serviceDef{
		Name: "cloudfront", EventSource: "cloudfront.amazonaws.com", Protocol: protoRESTXML, Global: true, WrapXMLErrors: true,
		State: svc,
		REST: []restRoute{
			{http.MethodPost, base, "CreateDistribution", svc.createDistribution},
			{http.MethodGet, base, "ListDistributions", svc.listDistributions},
			{http.MethodGet, base + "/{Id}", "GetDistribution", svc.getDistribution},
			{http.MethodDelete, base + "/{Id}", "DeleteDistribution", svc.deleteDistribution},
			{http.MethodGet, base + "/{Id}/config", "GetDistributionConfig", svc.getDistributionConfig},
			{http.MethodPut, base + "/{Id}/config", "UpdateDistribution", svc.updateDistribution},
		},
		Resources: func(c *call) ([]string, bool) {
			if id := c.Var("Id"); id != "" {
				return []string{"arn:" + c.partition() + ":cloudfront::" + c.Account() + ":distribution/" + id}, true
			}
			if c.op == "CreateDistribution" {
				return []string{"arn:" + c.partition() + ":cloudfront::" + c.Account() + ":distribution/*"}, true
			}
			return noResource()
		},
	}
}

func cfErr(status int, code, format string, args ...any) *Error {
	return errorf(status, code, format, args...)
}

func (svc *cloudfrontService) dists(c *call) map[string]*cfDistribution {
	m := svc.Distributions[c.Account()]
	if m == nil {
		m = map[string]*cfDistribution{}
		svc.Distributions[c.Account()] = m
	}
	return m
}

func (svc *cloudfrontService) dist(c *call) (*cfDistribution, error) {
	d := svc.dists(c)[c.Var("Id")]
	if d == nil {
		return nil, cfErr(http.StatusNotFound, "NoSuchDistribution", "The specified distribution does not exist.")
	}
	c.trailResources = []TrailResource{{ARN: d.ARN, AccountID: c.Account(), Type: "AWS::CloudFront::Distribution", Name: d.ID}}
	return d, nil
}

// readConfig reads a DistributionConfig request body into its inner XML
// and the fields the simulator checks.
func readConfig(body []byte) (string, *cfConfig, error) {
	var doc struct {
		XMLName xml.Name
		Inner   string `xml:",innerxml"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil || doc.XMLName.Local != "DistributionConfig" {
		return "", nil, cfErr(http.StatusBadRequest, "MalformedXML", "The XML document you provided was not well-formed or did not validate against our published schema.")
	}
	var cfg cfConfig
	if err := xml.Unmarshal(body, &cfg); err != nil {
		return "", nil, cfErr(http.StatusBadRequest, "MalformedXML", "The XML document you provided was not well-formed or did not validate against our published schema.")
	}
	switch {
	case cfg.CallerReference == "":
		return "", nil, cfErr(http.StatusBadRequest, "InvalidArgument", "CallerReference is required.")
	case cfg.Enabled == nil:
		return "", nil, cfErr(http.StatusBadRequest, "InvalidArgument", "Enabled is required.")
	case cfg.Comment == nil:
		return "", nil, cfErr(http.StatusBadRequest, "InvalidArgument", "Comment is required.")
	case len(cfg.Origins.Items) == 0 || cfg.Origins.Quantity != len(cfg.Origins.Items):
		return "", nil, cfErr(http.StatusBadRequest, "InvalidArgument", "The parameter Origins must have at least one origin, and Quantity must match the number of items.")
	case cfg.DefaultCacheBehavior == nil:
		return "", nil, cfErr(http.StatusBadRequest, "InvalidArgument", "DefaultCacheBehavior is required.")
	case strings.HasPrefix(cfg.DefaultRootObject, "/"):
		return "", nil, cfErr(http.StatusBadRequest, "InvalidDefaultRootObject", "The specified default root object is invalid: it must not begin with a slash.")
	}
	ids := map[string]bool{}
	for _, o := range cfg.Origins.Items {
		if o.ID == "" || o.DomainName == "" {
			return "", nil, cfErr(http.StatusBadRequest, "InvalidArgument", "Every origin must have an Id and a DomainName.")
		}
		if (o.S3OriginConfig == nil) == (o.CustomOriginConfig == nil) {
			return "", nil, cfErr(http.StatusBadRequest, "InvalidOrigin", "Origin %s must have exactly one of S3OriginConfig and CustomOriginConfig.", o.ID)
		}
		ids[o.ID] = true
	}
	if !ids[cfg.DefaultCacheBehavior.TargetOriginID] {
		return "", nil, cfErr(http.StatusBadRequest, "NoSuchOrigin", "One or more of your origins or origin groups do not exist.")
	}
	return doc.Inner, &cfg, nil
}

func (svc *cloudfrontService) newETag(c *call) string { return strings.ToUpper(c.newID("E", 13)) }

// status is the distribution's status at now.
func (d *cfDistribution) status(now time.Time) string {
	if now.Before(d.Modified.Add(cloudfrontDeployTime)) {
		return "InProgress"
	}
	return "Deployed"
}

func (d *cfDistribution) distributionXML(now time.Time) []byte {
	var b bytes.Buffer
	b.WriteString(xml.Header + `<Distribution xmlns="` + cloudfrontXMLNS + `">`)
	b.WriteString(`<Id>` + d.ID + `</Id><ARN>` + xmlEscape(d.ARN) + `</ARN><Status>` + d.status(now) + `</Status>`)
	b.WriteString(`<LastModifiedTime>` + d.Modified.UTC().Format("2006-01-02T15:04:05.000Z") + `</LastModifiedTime>`)
	b.WriteString(`<InProgressInvalidationBatches>0</InProgressInvalidationBatches><DomainName>` + d.Domain + `</DomainName>`)
	b.WriteString(`<DistributionConfig>` + d.Config + `</DistributionConfig></Distribution>`)
	return b.Bytes()
}

func (svc *cloudfrontService) createDistribution(c *call) (int, any, error) {
	inner, cfg, err := readConfig(c.body)
	if err != nil {
		return 0, nil, err
	}
	for _, d := range svc.dists(c) {
		var other cfConfig
		_ = xml.Unmarshal([]byte("<DistributionConfig>"+d.Config+"</DistributionConfig>"), &other)
		if other.CallerReference == cfg.CallerReference {
			return 0, nil, cfErr(http.StatusConflict, "DistributionAlreadyExists", "The caller reference that you are using to create a distribution is associated with another distribution. Already exists: %s", d.ID)
		}
	}
	id := strings.ToUpper(c.newID("E", 13))
	d := &cfDistribution{ID: id, ARN: "arn:" + c.partition() + ":cloudfront::" + c.Account() + ":distribution/" + id,
		Domain: strings.ToLower(c.newID("d", 13)) + ".cloudfront.net", Config: inner, ETag: svc.newETag(c), Modified: c.now}
	svc.dists(c)[id] = d
	c.trailResources = []TrailResource{{ARN: d.ARN, AccountID: c.Account(), Type: "AWS::CloudFront::Distribution", Name: id}}
	c.w.Header().Set("ETag", d.ETag)
	c.w.Header().Set("Location", "https://cloudfront.amazonaws.com/2020-05-31/distribution/"+id)
	return http.StatusCreated, d.distributionXML(c.now), nil
}

func (svc *cloudfrontService) getDistribution(c *call) (int, any, error) {
	d, err := svc.dist(c)
	if err != nil {
		return 0, nil, err
	}
	c.w.Header().Set("ETag", d.ETag)
	return 0, d.distributionXML(c.now), nil
}

func (svc *cloudfrontService) getDistributionConfig(c *call) (int, any, error) {
	d, err := svc.dist(c)
	if err != nil {
		return 0, nil, err
	}
	c.w.Header().Set("ETag", d.ETag)
	return 0, []byte(xml.Header + `<DistributionConfig xmlns="` + cloudfrontXMLNS + `">` + d.Config + `</DistributionConfig>`), nil
}

// checkIfMatch checks the If-Match header against the distribution's ETag.
func (d *cfDistribution) checkIfMatch(c *call) error {
	match := c.r.Header.Get("If-Match")
	switch {
	case match == "":
		return cfErr(http.StatusBadRequest, "InvalidIfMatchVersion", "The If-Match version is missing or not valid for the resource.")
	case match != d.ETag:
		return cfErr(http.StatusPreconditionFailed, "PreconditionFailed", "The request failed because it didn't meet the preconditions in one or more request-header fields.")
	}
	return nil
}

func (svc *cloudfrontService) updateDistribution(c *call) (int, any, error) {
	d, err := svc.dist(c)
	if err != nil {
		return 0, nil, err
	}
	if err := d.checkIfMatch(c); err != nil {
		return 0, nil, err
	}
	inner, cfg, err := readConfig(c.body)
	if err != nil {
		return 0, nil, err
	}
	var cur cfConfig
	_ = xml.Unmarshal([]byte("<DistributionConfig>"+d.Config+"</DistributionConfig>"), &cur)
	if cfg.CallerReference != cur.CallerReference {
		return 0, nil, cfErr(http.StatusBadRequest, "IllegalUpdate", "Origin and CallerReference cannot be updated.")
	}
	d.Config, d.ETag, d.Modified = inner, svc.newETag(c), c.now
	c.w.Header().Set("ETag", d.ETag)
	return 0, d.distributionXML(c.now), nil
}

func (svc *cloudfrontService) deleteDistribution(c *call) (int, any, error) {
	d, err := svc.dist(c)
	if err != nil {
		return 0, nil, err
	}
	if err := d.checkIfMatch(c); err != nil {
		return 0, nil, err
	}
	var cur cfConfig
	_ = xml.Unmarshal([]byte("<DistributionConfig>"+d.Config+"</DistributionConfig>"), &cur)
	if (cur.Enabled != nil && *cur.Enabled) || d.status(c.now) != "Deployed" {
		return 0, nil, cfErr(http.StatusConflict, "DistributionNotDisabled", "The distribution you are trying to delete has not been disabled.")
	}
	delete(svc.dists(c), d.ID)
	return http.StatusNoContent, nil, nil
}

func (svc *cloudfrontService) listDistributions(c *call) (int, any, error) {
	q := c.r.URL.Query()
	maxItems, err := atoi(q.Get("MaxItems"), 100)
	if err != nil || maxItems < 1 || maxItems > 1000 {
		return 0, nil, cfErr(http.StatusBadRequest, "InvalidArgument", "MaxItems must be between 1 and 1000.")
	}
	ids := sortedKeys(svc.dists(c))
	start := 0
	if m := q.Get("Marker"); m != "" {
		start = sort.SearchStrings(ids, m)
	}
	end := min(start+maxItems, len(ids))
	var b bytes.Buffer
	b.WriteString(xml.Header + `<DistributionList xmlns="` + cloudfrontXMLNS + `"><Marker>` + xmlEscape(q.Get("Marker")) + `</Marker>`)
	if end < len(ids) {
		b.WriteString(`<NextMarker>` + ids[end] + `</NextMarker>`)
	}
	b.WriteString(`<MaxItems>` + strconv.Itoa(maxItems) + `</MaxItems><IsTruncated>` + boolStr(end < len(ids)) + `</IsTruncated>`)
	b.WriteString(`<Quantity>` + strconv.Itoa(end-start) + `</Quantity>`)
	if end > start {
		b.WriteString(`<Items>`)
		for _, id := range ids[start:end] {
			d := svc.dists(c)[id]
			var cfg struct {
				Comment string `xml:"Comment"`
				Enabled bool   `xml:"Enabled"`
				Origins struct {
					Inner string `xml:",innerxml"`
				} `xml:"Origins"`
			}
			_ = xml.Unmarshal([]byte("<DistributionConfig>"+d.Config+"</DistributionConfig>"), &cfg)
			b.WriteString(`<DistributionSummary><Id>` + d.ID + `</Id><ARN>` + xmlEscape(d.ARN) + `</ARN><Status>` + d.status(c.now) + `</Status>`)
			b.WriteString(`<LastModifiedTime>` + d.Modified.UTC().Format("2006-01-02T15:04:05.000Z") + `</LastModifiedTime><DomainName>` + d.Domain + `</DomainName>`)
			b.WriteString(`<Origins>` + cfg.Origins.Inner + `</Origins><Comment>` + xmlEscape(cfg.Comment) + `</Comment><Enabled>` + boolStr(cfg.Enabled) + `</Enabled>`)
			b.WriteString(`<Staging>false</Staging></DistributionSummary>`)
		}
		b.WriteString(`</Items>`)
	}
	b.WriteString(`</DistributionList>`)
	return 0, b.Bytes(), nil
}
