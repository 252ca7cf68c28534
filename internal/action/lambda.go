package action

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
)

// Lambda actions.

func lambdaActions() []Spec {
	return []Spec{
		{
			Name: "lambda.remove-public-access",
			Description: "Remove, by statement ID, the statements of a Lambda function's resource policy that let anyone " +
				"invoke it: a principal of * (or AWS *), or an AWS service, unless a condition ties the call to an account " +
				"or organization (aws:SourceAccount, aws:SourceOwner, aws:PrincipalAccount, aws:PrincipalOrgID, an " +
				"aws:SourceArn naming an account) or, for function URLs, to IAM auth. Every other statement is kept.",
			Params: []Param{
				{Name: "function_name", Type: String, Required: true, Description: "the function's name or ARN"},
			},
			Reads:  []string{"lambda:GetFunction", "lambda:GetPolicy"},
			Writes: []string{"lambda:RemovePermission"},
			Describe: func(in Input) string {
				return fmt.Sprintf("remove the public statements of the resource policy of Lambda function %s in %s/%s", functionName(in.String("function_name")), in.Target.Account, in.Target.Region)
			},
			Run:    removePublicLambdaAccess,
			Verify: verifyLambdaNotPublic,
		},
	}
}

// functionName returns the function's name from a name or an unqualified
// or qualified ARN.
func functionName(ref string) string {
	if i := strings.Index(ref, ":function:"); i >= 0 {
		name := ref[i+len(":function:"):]
		name, _, _ = strings.Cut(name, ":")
		return name
	}
	return ref
}

// lambdaStatement is a statement of a function's resource policy.
type lambdaStatement struct {
	Sid       string
	Effect    string
	Principal any
	Condition map[string]map[string]any
}

var accountInARN = regexp.MustCompile(`^arn:[^:]+:[^:]*:[^:]*:\d{12}:`)

// publicStatement reports whether st lets anyone (any account) invoke the
// function, and says why.
func publicStatement(st lambdaStatement) (bool, string) {
	if !strings.EqualFold(st.Effect, "Allow") {
		return false, ""
	}
	who := ""
	switch p := st.Principal.(type) {
	case string:
		if p == "*" {
			who = "anyone (*)"
		}
	case map[string]any:
		for k, v := range p {
			vals := []any{v}
			if list, ok := v.([]any); ok {
				vals = list
			}
			for _, e := range vals {
				s, _ := e.(string)
				switch {
				case strings.EqualFold(k, "AWS") && s == "*":
					who = "anyone (AWS *)"
				case strings.EqualFold(k, "Service") && s != "" && who == "":
					who = "service " + s + " on behalf of any account"
				}
			}
		}
	}
	if who == "" {
		return false, ""
	}
	for op, keys := range st.Condition {
		lop := strings.ToLower(op)
		if strings.HasSuffix(lop, "ifexists") || strings.HasPrefix(lop, "stringnot") || strings.HasPrefix(lop, "arnnot") || lop == "null" {
			continue
		}
		for key, v := range keys {
			vals := []any{v}
			if list, ok := v.([]any); ok {
				vals = list
			}
			restricts := len(vals) > 0
			for _, e := range vals {
				s, _ := e.(string)
				switch strings.ToLower(key) {
				case "aws:sourceaccount", "aws:sourceowner", "aws:principalaccount", "aws:principalorgid", "aws:principalorgpaths":
					restricts = restricts && s != "" && !strings.Contains(s, "*")
				case "aws:sourcearn":
					restricts = restricts && accountInARN.MatchString(s)
				case "lambda:functionurlauthtype":
					restricts = restricts && s == "AWS_IAM"
				default:
					restricts = false
				}
			}
			if restricts {
				return false, ""
			}
		}
	}
	return true, who
}

// functionPolicy returns the function's resource policy statements; exists
// is false when the function does not exist.
func functionPolicy(ctx context.Context, cli *lambda.Client, name string) (stmts []lambdaStatement, exists bool, err error) {
	_, err = cli.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(name)})
	if IsNotFound(err, "ResourceNotFoundException") {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("get Lambda function %s: %w", name, err)
	}
	out, err := cli.GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: aws.String(name)})
	if IsNotFound(err, "ResourceNotFoundException") {
		return nil, true, nil // no resource policy
	}
	if err != nil {
		return nil, true, fmt.Errorf("get the resource policy of Lambda function %s: %w", name, err)
	}
	var doc struct{ Statement []lambdaStatement }
	if err := json.Unmarshal([]byte(aws.ToString(out.Policy)), &doc); err != nil {
		return nil, true, fmt.Errorf("read the resource policy of Lambda function %s: %w", name, err)
	}
	return doc.Statement, true, nil
}

func removePublicLambdaAccess(ctx context.Context, in Input) (Result, error) {
	name := functionName(in.String("function_name"))
	cli := lambda.NewFromConfig(in.AWS)
	out := map[string]any{"function_name": name, "removed_statements": []string{}}
	stmts, exists, err := functionPolicy(ctx, cli, name)
	if err != nil {
		return Result{}, err
	}
	if !exists {
		return Result{Outcome: NotFound, Message: fmt.Sprintf("Lambda function %s does not exist in %s/%s", name, in.Target.Account, in.Target.Region), Output: out}, nil
	}
	var removed, lines []string
	for _, st := range stmts {
		public, who := publicStatement(st)
		if !public {
			continue
		}
		if st.Sid == "" {
			return Result{}, Permanent(fmt.Errorf("a public statement of Lambda function %s's policy has no Sid, so it cannot be removed by RemovePermission", name))
		}
		_, err := cli.RemovePermission(ctx, &lambda.RemovePermissionInput{FunctionName: aws.String(name), StatementId: aws.String(st.Sid)})
		if IsNotFound(err, "ResourceNotFoundException") {
			continue // removed meanwhile
		}
		if err != nil {
			return Result{}, fmt.Errorf("remove statement %s of Lambda function %s's policy: %w", st.Sid, name, err)
		}
		removed = append(removed, st.Sid)
		lines = append(lines, st.Sid+" ("+who+")")
	}
	if len(removed) == 0 {
		return Result{Outcome: AlreadyDone, Message: fmt.Sprintf("the resource policy of Lambda function %s lets no one outside invoke it (%d statement(s) kept)", name, len(stmts)), Output: out}, nil
	}
	out["removed_statements"] = removed
	return Result{Outcome: Changed, Message: fmt.Sprintf("removed statement(s) %s of Lambda function %s's resource policy; kept %d other statement(s)",
		strings.Join(lines, ", "), name, len(stmts)-len(removed)), Output: out}, nil
}

func verifyLambdaNotPublic(ctx context.Context, in Input, _ Result) error {
	name := functionName(in.String("function_name"))
	stmts, exists, err := functionPolicy(ctx, lambda.NewFromConfig(in.AWS), name)
	if err != nil || !exists {
		return err
	}
	for _, st := range stmts {
		if public, who := publicStatement(st); public {
			return Mismatch("statement %s of Lambda function %s's policy still lets %s invoke it", st.Sid, name, who)
		}
	}
	return nil
}
