package awssim

import (
	"net/http"
	"sort"
	"strings"
	"time"
)

// ECR: private repositories with their image scanning, tag mutability and
// encryption settings, and the registry's scanning configuration. No
// images are stored. State is per account and region.

type ecrService struct {
	s *Server
	// Repos is keyed by scopeKey, then by repository name.
	Repos map[string]map[string]*ecrRepo
	// Scanning is the registry scanning configuration by scopeKey.
	Scanning map[string]*ecrRegistryScanning
}

type ecrRepo struct {
	Name, ARN, URI string
	Created        time.Time
	TagMutability  string
	ScanOnPush     bool
	EncryptionType string
	KMSKey         string `json:",omitempty"`
	Tags           map[string]string
}

type ecrRegistryScanning struct {
	ScanType string
	Rules    []map[string]any
}

func newECR(s *Server) *serviceDef {
	svc := &ecrService{s: s, Repos: map[string]map[string]*ecrRepo{}, Scanning: map[string]*ecrRegistryScanning{}}
	return &serviceDef{
		Name: "ecr", EventSource: "ecr.amazonaws.com", Protocol: protoJSON11, TargetPrefix: "AmazonEC2ContainerRegistry_V20150921",
		State: svc,
		JSON: map[string]jsonHandler{
			"CreateRepository":                 svc.createRepository,
			"DescribeRepositories":             svc.describeRepositories,
			"DeleteRepository":                 svc.deleteRepository,
			"PutImageScanningConfiguration":    svc.putImageScanningConfiguration,
			"GetRegistryScanningConfiguration": svc.getRegistryScanning,
			"PutRegistryScanningConfiguration": svc.putRegistryScanning,
		},
		Resources: func(c *call) ([]string, bool) {
			switch c.op {
			case "DescribeRepositories", "GetRegistryScanningConfiguration", "PutRegistryScanningConfiguration":
				return noResource()
			}
			return named(nameARN(c, "ecr", "repository/", c.param("repositoryName")))
		},
	}
}

func ecrErr(code, format string, args ...any) *Error {
	return errorf(http.StatusBadRequest, code, format, args...)
}

func (svc *ecrService) repos(c *call) map[string]*ecrRepo { return scoped(svc.Repos, c) }

// registry checks the registryId a request may give: the caller's account.
func ecrRegistry(c *call, id string) error {
	if id != "" && id != c.Account() {
		return ecrErr("InvalidParameterException", "Invalid parameter at 'registryId' failed to satisfy constraint: 'The registry %s does not belong to the caller's account'", id)
	}
	return nil
}

func (svc *ecrService) repo(c *call, registry, name string) (*ecrRepo, error) {
	if err := ecrRegistry(c, registry); err != nil {
		return nil, err
	}
	r := svc.repos(c)[name]
	if r == nil {
		return nil, ecrErr("RepositoryNotFoundException", "The repository with name '%s' does not exist in the registry with id '%s'", name, c.Account())
	}
	c.trailResources = []TrailResource{{ARN: r.ARN, AccountID: c.Account(), Type: "AWS::ECR::Repository", Name: name}}
	return r, nil
}

func (r *ecrRepo) json(account string) map[string]any {
	enc := map[string]any{"encryptionType": r.EncryptionType}
	if r.KMSKey != "" {
		enc["kmsKey"] = r.KMSKey
	}
	return map[string]any{"repositoryArn": r.ARN, "registryId": account, "repositoryName": r.Name, "repositoryUri": r.URI,
		"createdAt": epochSec(r.Created), "imageTagMutability": r.TagMutability,
		"imageScanningConfiguration": map[string]any{"scanOnPush": r.ScanOnPush}, "encryptionConfiguration": enc}
}

func (svc *ecrService) createRepository(c *call, body []byte) (any, error) {
	var in struct {
		RegistryID                 string `json:"registryId"`
		RepositoryName             string `json:"repositoryName"`
		Tags                       []struct{ Key, Value string }
		ImageTagMutability         string `json:"imageTagMutability"`
		ImageScanningConfiguration *struct {
			ScanOnPush bool `json:"scanOnPush"`
		} `json:"imageScanningConfiguration"`
		EncryptionConfiguration *struct {
			EncryptionType string `json:"encryptionType"`
			KMSKey         string `json:"kmsKey"`
		} `json:"encryptionConfiguration"`
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	if err := ecrRegistry(c, in.RegistryID); err != nil {
		return nil, err
	}
	name := in.RepositoryName
	if len(name) < 2 || len(name) > 256 || strings.Trim(name, "abcdefghijklmnopqrstuvwxyz0123456789._/-") != "" || strings.ContainsAny(name[:1], "._/-") {
		return nil, ecrErr("InvalidParameterException", "Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must satisfy regular expression '(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*''")
	}
	if svc.repos(c)[name] != nil {
		return nil, ecrErr("RepositoryAlreadyExistsException", "The repository with name '%s' already exists in the registry with id '%s'", name, c.Account())
	}
	r := &ecrRepo{Name: name, ARN: c.arn("ecr", "repository/"+name), URI: c.Account() + ".dkr.ecr." + c.region + ".amazonaws.com/" + name,
		Created: c.now, TagMutability: "MUTABLE", EncryptionType: "AES256", Tags: map[string]string{}}
	if m := in.ImageTagMutability; m != "" {
		if m != "MUTABLE" && m != "IMMUTABLE" {
			return nil, ecrErr("InvalidParameterException", "Invalid parameter at 'imageTagMutability' failed to satisfy constraint: 'Member must satisfy enum value set: [MUTABLE, IMMUTABLE]'")
		}
		r.TagMutability = m
	}
	if in.ImageScanningConfiguration != nil {
		r.ScanOnPush = in.ImageScanningConfiguration.ScanOnPush
	}
	if e := in.EncryptionConfiguration; e != nil {
		switch e.EncryptionType {
		case "AES256":
		case "KMS", "KMS_DSSE":
			r.KMSKey = e.KMSKey
			if r.KMSKey == "" {
				r.KMSKey = "arn:" + c.partition() + ":kms:" + c.region + ":" + c.Account() + ":alias/aws/ecr"
			}
		default:
			return nil, ecrErr("InvalidParameterException", "Invalid parameter at 'encryptionType' failed to satisfy constraint: 'Member must satisfy enum value set: [AES256, KMS, KMS_DSSE]'")
		}
		r.EncryptionType = e.EncryptionType
	}
	for _, t := range in.Tags {
		r.Tags[t.Key] = t.Value
	}
	svc.repos(c)[name] = r
	c.trailResources = []TrailResource{{ARN: r.ARN, AccountID: c.Account(), Type: "AWS::ECR::Repository", Name: name}}
	return map[string]any{"repository": r.json(c.Account())}, nil
}

func (svc *ecrService) describeRepositories(c *call, body []byte) (any, error) {
	var in struct {
		RegistryID      string   `json:"registryId"`
		RepositoryNames []string `json:"repositoryNames"`
		NextToken       string   `json:"nextToken"`
		MaxResults      *int     `json:"maxResults"`
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	if err := ecrRegistry(c, in.RegistryID); err != nil {
		return nil, err
	}
	var names []string
	if len(in.RepositoryNames) > 0 {
		if in.NextToken != "" || in.MaxResults != nil {
			return nil, ecrErr("InvalidParameterException", "Invalid parameter: maxResults and nextToken cannot be used with repositoryNames")
		}
		for _, n := range in.RepositoryNames {
			if _, err := svc.repo(c, "", n); err != nil {
				return nil, err
			}
			names = append(names, n)
		}
	} else {
		names = sortedKeys(svc.repos(c))
	}
	max := 100
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > 1000 {
			return nil, ecrErr("InvalidParameterException", "Invalid parameter at 'maxResults' failed to satisfy constraint: 'Member must have value between 1 and 1000'")
		}
		max = *in.MaxResults
	}
	start := 0
	if in.NextToken != "" {
		pos, ok := pagePosition(in.NextToken)
		if !ok {
			return nil, ecrErr("InvalidParameterException", "Invalid parameter at 'nextToken'")
		}
		start = sort.SearchStrings(names, pos)
	}
	out := map[string]any{}
	repos := []any{}
	for i := start; i < len(names); i++ {
		if len(repos) == max {
			out["nextToken"] = pageToken(names[i])
			break
		}
		repos = append(repos, svc.repos(c)[names[i]].json(c.Account()))
	}
	out["repositories"] = repos
	return out, nil
}

func (svc *ecrService) deleteRepository(c *call, body []byte) (any, error) {
	var in struct {
		RegistryID     string `json:"registryId"`
		RepositoryName string `json:"repositoryName"`
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	r, err := svc.repo(c, in.RegistryID, in.RepositoryName)
	if err != nil {
		return nil, err
	}
	delete(svc.repos(c), r.Name)
	return map[string]any{"repository": r.json(c.Account())}, nil
}

func (svc *ecrService) putImageScanningConfiguration(c *call, body []byte) (any, error) {
	var in struct {
		RegistryID                 string `json:"registryId"`
		RepositoryName             string `json:"repositoryName"`
		ImageScanningConfiguration *struct {
			ScanOnPush bool `json:"scanOnPush"`
		} `json:"imageScanningConfiguration"`
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	if in.ImageScanningConfiguration == nil {
		return nil, ecrErr("InvalidParameterException", "Invalid parameter: imageScanningConfiguration is required")
	}
	r, err := svc.repo(c, in.RegistryID, in.RepositoryName)
	if err != nil {
		return nil, err
	}
	r.ScanOnPush = in.ImageScanningConfiguration.ScanOnPush
	return map[string]any{"registryId": c.Account(), "repositoryName": r.Name, "imageScanningConfiguration": map[string]any{"scanOnPush": r.ScanOnPush}}, nil
}

func (svc *ecrService) scanning(c *call) *ecrRegistryScanning {
	s := svc.Scanning[scopeKey(c)]
	if s == nil {
		s = &ecrRegistryScanning{ScanType: "BASIC"}
		svc.Scanning[scopeKey(c)] = s
	}
	return s
}

func (svc *ecrService) getRegistryScanning(c *call, body []byte) (any, error) {
	s := svc.scanning(c)
	rules := s.Rules
	if rules == nil {
		rules = []map[string]any{}
	}
	return map[string]any{"registryId": c.Account(), "scanningConfiguration": map[string]any{"scanType": s.ScanType, "rules": rules}}, nil
}

func (svc *ecrService) putRegistryScanning(c *call, body []byte) (any, error) {
	var in struct {
		ScanType string           `json:"scanType"`
		Rules    []map[string]any `json:"rules"`
	}
	if err := jsonInput(body, &in); err != nil {
		return nil, err
	}
	if in.ScanType != "" && in.ScanType != "BASIC" && in.ScanType != "ENHANCED" {
		return nil, ecrErr("ValidationException", "1 validation error detected: Value '%s' at 'scanType' failed to satisfy constraint: Member must satisfy enum value set: [BASIC, ENHANCED]", in.ScanType)
	}
	s := svc.scanning(c)
	if in.ScanType != "" {
		s.ScanType = in.ScanType
	}
	s.Rules = in.Rules
	return map[string]any{"registryScanningConfiguration": map[string]any{"scanType": s.ScanType, "rules": in.Rules}}, nil
}
