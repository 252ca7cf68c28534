package awssim

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"sort"
	"strings"
)

// EC2 instance profile associations: an instance's IAM instance profile,
// associated at launch (RunInstances' IamInstanceProfile) or later, and
// disassociated. Associating a profile needs it to exist in IAM; an
// instance has at most one association. Associations take effect at once:
// a new one is reported "associating" by the call that makes it and
// "associated" afterwards.

func (svc *ec2Service) profileOps() map[string]queryHandler {
	return map[string]queryHandler{
		"AssociateIamInstanceProfile":            svc.associateIamInstanceProfile,
		"DescribeIamInstanceProfileAssociations": svc.describeIamInstanceProfileAssociations,
		"DisassociateIamInstanceProfile":         svc.disassociateIamInstanceProfile,
	}
}

type xProfileAssociation struct {
	AssociationID string   `xml:"associationId"`
	InstanceID    string   `xml:"instanceId"`
	Profile       xProfile `xml:"iamInstanceProfile"`
	State         string   `xml:"state"`
	Timestamp     string   `xml:"timestamp"`
}

// associationID returns the ID of the instance's profile association. An
// instance saved before associations were simulated gets one derived from
// its ID.
func (inst *ec2Instance) associationID() string {
	if inst.ProfileAssociation != "" {
		return inst.ProfileAssociation
	}
	sum := sha256.Sum256([]byte(inst.ID))
	return "iip-assoc-" + hex.EncodeToString(sum[:])[:17]
}

func (inst *ec2Instance) profileAssociation(state string) xProfileAssociation {
	return xProfileAssociation{AssociationID: inst.associationID(), InstanceID: inst.ID,
		Profile: xProfile{inst.ProfileARN, inst.ProfileID}, State: state, Timestamp: isoTime(inst.Launched)}
}

func (svc *ec2Service) associateIamInstanceProfile(c *call, in url.Values) (any, error) {
	id, err := required(in, "InstanceId")
	if err != nil {
		return nil, err
	}
	arn, name := in.Get("IamInstanceProfile.Arn"), in.Get("IamInstanceProfile.Name")
	if arn == "" && name == "" {
		return nil, errMissingParameter("IamInstanceProfile")
	}
	_, inst, err := svc.instance(c, id)
	if err != nil {
		return nil, err
	}
	if inst.State == "terminated" || inst.State == "shutting-down" {
		return nil, ec2Err("IncorrectInstanceState", "The instance '%s' is not in a state from which it can be associated with an instance profile.", id)
	}
	var acct *iamAccount
	if svc.s.iam != nil {
		acct = svc.s.iam.accounts[c.Account()]
	}
	var p *iamInstanceProfile
	if acct != nil {
		if arn != "" {
			p = acct.profileByARN(arn)
		} else {
			p = acct.Profiles[name]
		}
	}
	if p == nil {
		if arn != "" {
			return nil, errEC2Value("Value (%s) for parameter iamInstanceProfile.arn is invalid. Invalid IAM Instance Profile ARN", arn)
		}
		return nil, errEC2Value("Value (%s) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name", name)
	}
	if inst.ProfileARN != "" {
		return nil, ec2Err("IncorrectState", "There is an existing association for instance %s", id)
	}
	inst.ProfileARN, inst.ProfileID = p.ARN, p.ID
	inst.ProfileAssociation = c.newID("iip-assoc-", 17)
	return struct {
		Association xProfileAssociation `xml:"iamInstanceProfileAssociation"`
	}{inst.profileAssociation("associating")}, nil
}

func (svc *ec2Service) describeIamInstanceProfileAssociations(c *call, in url.Values) (any, error) {
	ids := queryList(in, "AssociationId")
	filters, err := ec2Filters(in, "instance-id", "state")
	if err != nil {
		return nil, err
	}
	if len(ids) > 0 && len(filters) > 0 {
		return nil, ec2Err("InvalidParameterCombination", "The parameter AssociationIds cannot be used with the parameter Filters")
	}
	limit, err := atoi(in.Get("MaxResults"), 1000)
	if err != nil {
		return nil, err
	}
	if limit < 5 || limit > 1000 {
		return nil, errEC2Value("Value ( %d ) for parameter maxResults is invalid. Parameter must be between 5 and 1000.", limit)
	}
	r := svc.region(c)
	var found []xProfileAssociation
	for _, inst := range r.Instances {
		if inst.ProfileARN == "" || inst.State == "terminated" {
			continue
		}
		if len(ids) > 0 && !contains(ids, inst.associationID()) {
			continue
		}
		ok := r.matchFilters(inst.ID, filters, func(name string) []string {
			switch name {
			case "instance-id":
				return []string{inst.ID}
			case "state":
				return []string{"associated"}
			}
			return nil
		})
		if ok {
			found = append(found, inst.profileAssociation("associated"))
		}
	}
	for _, id := range ids {
		seen := false
		for _, a := range found {
			seen = seen || a.AssociationID == id
		}
		if !seen {
			return nil, ec2Err("InvalidAssociationID.NotFound", "An association ID '%s' does not exist", id)
		}
	}
	sort.Slice(found, func(i, j int) bool { return found[i].AssociationID < found[j].AssociationID })
	start := 0
	if tok := in.Get("NextToken"); tok != "" {
		pos, ok := pagePosition(tok)
		if !ok {
			return nil, ec2Err("InvalidPaginationToken", "Invalid pagination token")
		}
		start = sort.Search(len(found), func(i int) bool { return found[i].AssociationID >= pos })
	}
	end := min(start+limit, len(found))
	next := ""
	if end < len(found) {
		next = pageToken(found[end].AssociationID)
	}
	return struct {
		Associations []xProfileAssociation `xml:"iamInstanceProfileAssociationSet>item"`
		NextToken    string                `xml:"nextToken,omitempty"`
	}{found[start:end], next}, nil
}

func (svc *ec2Service) disassociateIamInstanceProfile(c *call, in url.Values) (any, error) {
	id, err := required(in, "AssociationId")
	if err != nil {
		return nil, err
	}
	for _, inst := range svc.region(c).Instances {
		if inst.ProfileARN == "" || inst.associationID() != id {
			continue
		}
		out := inst.profileAssociation("disassociating")
		inst.ProfileARN, inst.ProfileID, inst.ProfileAssociation = "", "", ""
		return struct {
			Association xProfileAssociation `xml:"iamInstanceProfileAssociation"`
		}{out}, nil
	}
	if !strings.HasPrefix(id, "iip-assoc-") {
		return nil, errEC2Value("Value (%s) for parameter associationId is invalid.", id)
	}
	return nil, ec2Err("InvalidAssociationID.NotFound", "An association ID '%s' does not exist", id)
}
