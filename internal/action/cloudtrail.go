package action

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
)

// CloudTrail actions.

func cloudtrailActions() []Spec {
	return []Spec{{
		Name: "cloudtrail.summarize-activity",
		Description: "Summarize an IAM user's recent API activity from CloudTrail's event history: calls by " +
			"service and name, source IPs, errors, access keys used, first and last seen.",
		Params: []Param{
			{Name: "user_name", Type: String, Required: true, Description: "the user whose activity to summarize"},
			{Name: "window", Type: Duration, Default: "24h", Description: "how far back to look"},
			{Name: "max_events", Type: Int, Default: 1000, Description: "stop after this many events"},
			{Name: "access_key_id", Type: String, Description: "mark the calls made with this key"},
		},
		Reads: []string{"cloudtrail:LookupEvents"},
		Describe: func(in Input) string {
			return fmt.Sprintf("look up the last %s of CloudTrail activity of %s in %s/%s and summarize it",
				in.Duration("window"), in.String("user_name"), in.Target.Account, in.Target.Region)
		},
		Run: summarizeActivity,
	}, {
		Name: "cloudtrail.start-logging",
		Description: "Start logging of a CloudTrail trail that was stopped, so that API activity is recorded again. " +
			"The trail is changed in its home region: run the action there, or name a multi-region trail by ARN from its home region.",
		Params: []Param{
			{Name: "trail", Type: String, Required: true, Description: "the trail's name or ARN"},
		},
		Reads: []string{"cloudtrail:GetTrailStatus"}, Writes: []string{"cloudtrail:StartLogging"},
		Describe: func(in Input) string {
			return fmt.Sprintf("start logging of CloudTrail trail %s in %s/%s", in.String("trail"), in.Target.Account, in.Target.Region)
		},
		Run:    startLogging,
		Verify: verifyLogging,
	}}
}

// CloudTrail error codes the actions act on.
const (
	codeTrailNotFound     = "TrailNotFoundException"
	codeInvalidHomeRegion = "InvalidHomeRegionException"
)

func startLogging(ctx context.Context, in Input) (Result, error) {
	trail := in.String("trail")
	cli := cloudtrail.NewFromConfig(in.AWS)
	out := map[string]any{"trail": trail, "was_logging": false}
	st, err := cli.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: aws.String(trail)})
	if HasCode(err, codeTrailNotFound) {
		return Result{Outcome: NotFound, Output: out, Message: fmt.Sprintf("CloudTrail trail %s does not exist in %s/%s", trail, in.Target.Account, in.Target.Region)}, nil
	}
	if err != nil {
		return Result{}, fmt.Errorf("get the status of CloudTrail trail %s: %w", trail, err)
	}
	if aws.ToBool(st.IsLogging) {
		out["was_logging"] = true
		return Result{Outcome: AlreadyDone, Output: out, Message: fmt.Sprintf("CloudTrail trail %s is already logging", trail)}, nil
	}
	_, err = cli.StartLogging(ctx, &cloudtrail.StartLoggingInput{Name: aws.String(trail)})
	switch {
	case HasCode(err, codeTrailNotFound):
		return Result{Outcome: NotFound, Output: out, Message: fmt.Sprintf("CloudTrail trail %s does not exist in %s/%s", trail, in.Target.Account, in.Target.Region)}, nil
	case HasCode(err, codeInvalidHomeRegion):
		return Result{}, Permanent(fmt.Errorf("start logging of CloudTrail trail %s: the trail must be changed from its home region, not %s: %w", trail, in.Target.Region, err))
	case err != nil:
		return Result{}, fmt.Errorf("start logging of CloudTrail trail %s: %w", trail, err)
	}
	msg := fmt.Sprintf("started logging of CloudTrail trail %s", trail)
	if t := st.StopLoggingTime; t != nil {
		msg += fmt.Sprintf(" (stopped since %s)", t.UTC().Format(time.RFC3339))
	}
	return Result{Outcome: Changed, Output: out, Message: msg}, nil
}

func verifyLogging(ctx context.Context, in Input, _ Result) error {
	trail := in.String("trail")
	st, err := cloudtrail.NewFromConfig(in.AWS).GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: aws.String(trail)})
	if HasCode(err, codeTrailNotFound) {
		return Mismatch("CloudTrail trail %s no longer exists", trail)
	}
	if err != nil {
		return fmt.Errorf("get the status of CloudTrail trail %s: %w", trail, err)
	}
	if !aws.ToBool(st.IsLogging) {
		return Mismatch("CloudTrail trail %s is not logging", trail)
	}
	return nil
}

// Activity is a summary of a principal's CloudTrail events.
type Activity struct {
	User      string         `json:"user"`
	Window    string         `json:"window"`
	Total     int            `json:"total"`
	Truncated bool           `json:"truncated"`
	BySource  map[string]int `json:"by_source"`
	ByEvent   map[string]int `json:"by_event"`
	SourceIPs map[string]int `json:"source_ips"`
	Errors    map[string]int `json:"errors"`
	AccessKey map[string]int `json:"access_keys"`
	// WithKey counts the calls made with the key of interest.
	WithKey   int       `json:"with_key"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
}

func summarizeActivity(ctx context.Context, in Input) (Result, error) {
	user, window, limit := in.String("user_name"), in.Duration("window"), in.Int("max_events")
	end := in.Now
	if end.IsZero() {
		end = time.Now()
	}
	a := Activity{User: user, Window: window.String(), BySource: map[string]int{}, ByEvent: map[string]int{},
		SourceIPs: map[string]int{}, Errors: map[string]int{}, AccessKey: map[string]int{}}
	cli := cloudtrail.NewFromConfig(in.AWS)
	p := cloudtrail.NewLookupEventsPaginator(cli, &cloudtrail.LookupEventsInput{
		LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyUsername, AttributeValue: aws.String(user)}},
		StartTime:        aws.Time(end.Add(-window)),
		EndTime:          aws.Time(end),
		MaxResults:       aws.Int32(50),
	})
	for p.HasMorePages() && !a.Truncated {
		page, err := p.NextPage(ctx)
		if err != nil {
			return Result{}, fmt.Errorf("look up CloudTrail events of %s: %w", user, err)
		}
		for _, ev := range page.Events {
			if a.Total >= limit {
				a.Truncated = true
				break
			}
			a.add(ev, in.String("access_key_id"))
		}
	}
	out, err := toMap(a)
	if err != nil {
		return Result{}, err
	}
	out["summary"] = a.Text()
	return Result{Outcome: NoOp, Message: fmt.Sprintf("%d CloudTrail events of %s in the last %s", a.Total, user, window), Output: out}, nil
}

func (a *Activity) add(ev cttypes.Event, key string) {
	a.Total++
	t := aws.ToTime(ev.EventTime)
	if a.FirstSeen.IsZero() || t.Before(a.FirstSeen) {
		a.FirstSeen = t
	}
	if t.After(a.LastSeen) {
		a.LastSeen = t
	}
	src := strings.TrimSuffix(aws.ToString(ev.EventSource), ".amazonaws.com")
	a.BySource[src]++
	a.ByEvent[src+":"+aws.ToString(ev.EventName)]++
	if k := aws.ToString(ev.AccessKeyId); k != "" {
		a.AccessKey[k]++
		if k == key {
			a.WithKey++
		}
	}
	var rec struct {
		SourceIP  string `json:"sourceIPAddress"`
		ErrorCode string `json:"errorCode"`
	}
	if json.Unmarshal([]byte(aws.ToString(ev.CloudTrailEvent)), &rec) == nil {
		if rec.SourceIP != "" {
			a.SourceIPs[rec.SourceIP]++
		}
		if rec.ErrorCode != "" {
			a.Errors[rec.ErrorCode]++
		}
	}
}

// Text renders the summary for a notification.
func (a *Activity) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "CloudTrail activity of %s in the last %s: %d calls", a.User, a.Window, a.Total)
	if a.Truncated {
		b.WriteString(" (more not counted)")
	}
	b.WriteString("\n")
	if a.Total == 0 {
		return b.String()
	}
	fmt.Fprintf(&b, "First seen %s, last seen %s\n", a.FirstSeen.UTC().Format(time.RFC3339), a.LastSeen.UTC().Format(time.RFC3339))
	section := func(title string, m map[string]int) {
		if len(m) == 0 {
			return
		}
		fmt.Fprintf(&b, "%s:\n", title)
		for _, kv := range byCount(m) {
			fmt.Fprintf(&b, "  %6d  %s\n", kv.n, kv.k)
		}
	}
	section("By service", a.BySource)
	section("By call", a.ByEvent)
	section("Source IPs", a.SourceIPs)
	section("Errors", a.Errors)
	section("Access keys", a.AccessKey)
	return b.String()
}

type kv struct {
	k string
	n int
}

// byCount sorts a count map by count, descending, then by key.
func byCount(m map[string]int) []kv {
	out := make([]kv, 0, len(m))
	for k, n := range m {
		out = append(out, kv{k, n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].n != out[j].n {
			return out[i].n > out[j].n
		}
		return out[i].k < out[j].k
	})
	return out
}

// toMap converts a value to the generic map form of step outputs.
func toMap(v any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode output: %w", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("decode output: %w", err)
	}
	return m, nil
}
