package action

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// Revoking an IAM role's active sessions, as the IAM console's "Revoke
// active sessions" does: an inline policy on the role that denies every
// action to credentials issued before a point in time. Sessions issued
// later, such as an instance's next credentials, are unaffected.

// RevokeSessionsPolicy is the name of the inline role policy that revokes
// older sessions, the name the IAM console uses.
const RevokeSessionsPolicy = "AWSRevokeOlderSessions"

func iamSessionActions() []Spec {
	return []Spec{{
		Name: "iam.revoke-role-sessions",
		Description: "Revoke an IAM role's active sessions: put the inline policy " + RevokeSessionsPolicy +
			" denying every action to credentials issued before now.",
		Params: []Param{
			{Name: "role_name", Type: String, Required: true, Description: "the IAM role whose sessions to revoke"},
			{Name: "event_time", Type: String, Required: true, Description: "when the credentials were misused (RFC 3339); " +
				"a revocation at or after this time is already enough"},
		},
		Reads: []string{"iam:GetRolePolicy"}, Writes: []string{"iam:PutRolePolicy"},
		Describe: func(in Input) string {
			return fmt.Sprintf("deny every action to sessions of IAM role %s in account %s issued before %s (inline policy %s)",
				in.String("role_name"), in.Target.Account, revokeTime(in.Now).Format(time.RFC3339), RevokeSessionsPolicy)
		},
		Run:    revokeRoleSessions,
		Verify: verifySessionsRevoked,
	}}
}

// revokeTime is now rounded up to the next whole second, so that a
// session issued earlier in the same second is revoked too.
func revokeTime(now time.Time) time.Time {
	t := now.UTC().Truncate(time.Second)
	if t.Before(now) {
		t = t.Add(time.Second)
	}
	return t
}

// revokePolicy returns the policy document denying every action to
// sessions issued before t.
func revokePolicy(t time.Time) string {
	doc := map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{map[string]any{
			"Effect":    "Deny",
			"Action":    []string{"*"},
			"Resource":  []string{"*"},
			"Condition": map[string]any{"DateLessThan": map[string]any{"aws:TokenIssueTime": t.Format(time.RFC3339)}},
		}},
	}
	b, _ := json.Marshal(doc)
	return string(b)
}

// revokedBefore returns the latest aws:TokenIssueTime of a DateLessThan
// condition in a Deny-everything statement of doc, or the zero time.
func revokedBefore(doc string) time.Time {
	var p struct {
		Statement json.RawMessage
	}
	if json.Unmarshal([]byte(doc), &p) != nil {
		return time.Time{}
	}
	type stmt struct {
		Effect    string
		Action    any
		Condition map[string]map[string]any
	}
	var stmts []stmt
	if json.Unmarshal(p.Statement, &stmts) != nil {
		var one stmt
		if json.Unmarshal(p.Statement, &one) != nil {
			return time.Time{}
		}
		stmts = []stmt{one}
	}
	var latest time.Time
	for _, s := range stmts {
		if s.Effect != "Deny" || !deniesEverything(s.Action) {
			continue
		}
		for op, kv := range s.Condition {
			if op != "DateLessThan" {
				continue
			}
			for key, v := range kv {
				if !strings.EqualFold(key, "aws:TokenIssueTime") {
					continue
				}
				str, _ := v.(string)
				if t, err := time.Parse(time.RFC3339, str); err == nil && t.After(latest) {
					latest = t
				}
			}
		}
	}
	return latest
}

func deniesEverything(action any) bool {
	switch a := action.(type) {
	case string:
		return a == "*"
	case []any:
		for _, e := range a {
			if e == "*" {
				return true
			}
		}
	}
	return false
}

func revokeRoleSessions(ctx context.Context, in Input) (Result, error) {
	role := in.String("role_name")
	eventTime, err := time.Parse(time.RFC3339, in.String("event_time"))
	if err != nil {
		return Result{}, fmt.Errorf("iam.revoke-role-sessions: param event_time: %q is not an RFC 3339 time: %w", in.String("event_time"), err)
	}
	cli := iam.NewFromConfig(in.AWS)
	t, err := revocation(ctx, cli, role)
	switch {
	case err == nil:
		if !t.IsZero() && !t.Before(eventTime) {
			return Result{Outcome: AlreadyDone,
				Message: fmt.Sprintf("sessions of role %s issued before %s are already revoked", role, t.Format(time.RFC3339)),
				Output:  map[string]any{"role_name": role, "revoked_before": t.Format(time.RFC3339)}}, nil
		}
	case HasCode(err, "NoSuchEntity"):
		// No revocation yet; the role itself is checked by PutRolePolicy.
	default:
		return Result{}, err
	}
	t = revokeTime(in.Now)
	_, err = cli.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String(RevokeSessionsPolicy),
		PolicyDocument: aws.String(revokePolicy(t))})
	if IsNotFound(err, "NoSuchEntity") {
		return Result{Outcome: NotFound, Message: fmt.Sprintf("IAM role %s does not exist", role)}, nil
	}
	if err != nil {
		return Result{}, fmt.Errorf("put policy %s on role %s: %w", RevokeSessionsPolicy, role, err)
	}
	return Result{Outcome: Changed, Message: fmt.Sprintf("sessions of role %s issued before %s revoked", role, t.Format(time.RFC3339)),
		Output: map[string]any{"role_name": role, "revoked_before": t.Format(time.RFC3339)}}, nil
}

// revocation returns the time before which the role's sessions are
// revoked, or the zero time; the error is NoSuchEntity when the role or
// its revocation policy does not exist.
func revocation(ctx context.Context, cli *iam.Client, role string) (time.Time, error) {
	cur, err := cli.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String(RevokeSessionsPolicy)})
	if err != nil {
		return time.Time{}, fmt.Errorf("get policy %s of role %s: %w", RevokeSessionsPolicy, role, err)
	}
	doc, uerr := url.QueryUnescape(aws.ToString(cur.PolicyDocument))
	if uerr != nil {
		doc = aws.ToString(cur.PolicyDocument)
	}
	return revokedBefore(doc), nil
}

// verifySessionsRevoked checks that the role's policy still revokes the
// sessions issued before the time Run wrote.
func verifySessionsRevoked(ctx context.Context, in Input, res Result) error {
	role := in.String("role_name")
	want, err := time.Parse(time.RFC3339, fmt.Sprint(res.Output["revoked_before"]))
	if err != nil {
		return fmt.Errorf("verify the revocation of role %s: the result has no revoked_before time: %w", role, err)
	}
	t, err := revocation(ctx, iam.NewFromConfig(in.AWS), role)
	if HasCode(err, "NoSuchEntity") {
		return Mismatch("IAM role %s has no inline policy %s", role, RevokeSessionsPolicy)
	}
	if err != nil {
		return err
	}
	if t.IsZero() {
		return Mismatch("the inline policy %s of IAM role %s no longer denies sessions by issue time", RevokeSessionsPolicy, role)
	}
	if t.Before(want) {
		return Mismatch("the inline policy %s of IAM role %s revokes only sessions issued before %s, not before %s",
			RevokeSessionsPolicy, role, t.Format(time.RFC3339), want.Format(time.RFC3339))
	}
	return nil
}
