package action

import (
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/rectify-dev/rectify/internal/event"
)

// What an action creates when a parameter asks for it.
//
// A parameter naming something a fix needs (a bucket, a log group, a role,
// a topic, a key) may take the value [Create]: the action then makes it
// under a deterministic name starting "rectify-", finds it again by that
// name on later runs, tags it [ManagedTag]=true and [PurposeTag]=<purpose>,
// and lists it in Result.Output["created"]. Something found under that
// name without the managed tag is not rectify's: the action refuses to
// touch it and says which parameter to set instead.

// Create is the parameter value that asks an action to create what the
// parameter names.
const Create = "create"

// Tags on what rectify creates.
const (
	ManagedTag = "rectify:managed"
	PurposeTag = "rectify:purpose"
)

// managedTags returns the tags of something rectify creates for purpose.
func managedTags(purpose string) map[string]string {
	return map[string]string{ManagedTag: "true", PurposeTag: purpose}
}

// sortedTagKeys returns the keys of tags in order, for deterministic
// requests.
func sortedTagKeys(tags map[string]string) []string {
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// partitionOf returns the partition of the input's target: the one its
// event named, or the one its region belongs to.
func partitionOf(in Input) string {
	if in.Target.Partition != "" {
		return in.Target.Partition
	}
	return event.Partition(in.Target.Region)
}

// inRegion returns cfg for region: a resource named by an ARN is reached
// in its own region, whichever region its finding came from.
func inRegion(cfg aws.Config, region string) aws.Config {
	if region == "" {
		return cfg
	}
	c := cfg.Copy()
	c.Region = region
	return c
}

// arnParts are the fields of an ARN.
type arnParts struct {
	Partition, Service, Region, Account, Resource string
}

// parseARN splits an ARN into its fields; ok is false for a string that
// is not one.
func parseARN(s string) (arnParts, bool) {
	f := strings.SplitN(s, ":", 6)
	if len(f) != 6 || f[0] != "arn" || f[1] == "" || f[2] == "" {
		return arnParts{}, false
	}
	return arnParts{f[1], f[2], f[3], f[4], f[5]}, true
}

// addCreated records that what (a name or ARN) was created in out's
// "created" list.
func addCreated(out map[string]any, what string) {
	list, _ := out["created"].([]string)
	out["created"] = append(list, what)
}

// createdNote returns " (created)" when created, for messages.
func createdNote(created bool) string {
	if created {
		return " (created)"
	}
	return ""
}

// notOurs is the error for something found under a name rectify would
// have made, but without rectify's tag: someone else's, which rectify
// leaves alone.
func notOurs(kind, name, param string) error {
	return Permanent(fmt.Errorf("%s %s exists but is not rectify's (it has no %s=true tag), so rectify will not change it: set the parameter %s to the %s to use, or to another name",
		kind, name, ManagedTag, param, kind))
}

// rectifyBucketName returns the name of a bucket rectify creates for
// purpose in the target's account and region.
func rectifyBucketName(purpose string, in Input) string {
	return "rectify-" + purpose + "-" + in.Target.Account + "-" + in.Target.Region
}
