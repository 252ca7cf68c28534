package config

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"

	"github.com/rectify-dev/rectify/internal/cloud"
	"github.com/rectify-dev/rectify/internal/notify"
)

// LoadAWS returns the SDK's standard configuration (environment, shared
// files, AWS_ENDPOINT_URL) with the profile and region of c applied when set.
func (c *Config) LoadAWS(ctx context.Context, optFns ...func(*awsconfig.LoadOptions) error) (aws.Config, error) {
	var opts []func(*awsconfig.LoadOptions) error
	if c.AWS.Profile != "" {
		opts = append(opts, awsconfig.WithSharedConfigProfile(c.AWS.Profile))
	}
	if c.AWS.Region != "" {
		opts = append(opts, awsconfig.WithRegion(c.AWS.Region))
	}
	opts = append(opts, optFns...)
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("config: load AWS configuration: %w", err)
	}
	return cfg, nil
}

// CloudOptions returns the cloud.Options that c.AWS describes, with external
// IDs read from the environment by Load.
func (c *Config) CloudOptions(logger *slog.Logger) cloud.Options {
	a := c.AWS
	opts := cloud.Options{
		RoleName:         a.RoleName,
		ExternalID:       a.ExternalID,
		SessionPrefix:    a.SessionPrefix,
		Duration:         a.SessionDuration,
		AlwaysAssumeRole: a.AlwaysAssumeRole,
		AllowAccounts:    a.AllowAccounts,
		DenyAccounts:     a.DenyAccounts,
		AllowRegions:     a.AllowRegions,
		DenyRegions:      a.DenyRegions,
		MaxAttempts:      a.MaxAttempts,
		RetryMode:        aws.RetryMode(a.RetryMode),
		Logger:           logger,
	}
	if len(a.Accounts) > 0 {
		opts.Accounts = make(map[string]cloud.Account, len(a.Accounts))
		for id, acct := range a.Accounts {
			opts.Accounts[id] = cloud.Account{RoleName: acct.RoleName, ExternalID: acct.ExternalID}
		}
	}
	return opts
}

// Router returns the notification router that c.Notify describes. SNS
// channels publish with awsCfg's credentials in their topic's region; log
// channels and channels without a destination write to logger.
func (c *Config) Router(awsCfg aws.Config, logger *slog.Logger) (*notify.Router, error) {
	if logger == nil {
		logger = slog.Default()
	}
	channels := make(map[string]notify.Notifier, len(c.Notify.Channels))
	for _, name := range sortedKeys(c.Notify.Channels) {
		ch := c.Notify.Channels[name]
		switch ch.Type {
		case ChannelSNS:
			n, err := notify.NewSNSFromConfig(awsCfg, ch.TopicARN)
			if err != nil {
				return nil, fmt.Errorf("config: notify.channels.%s: %w", name, err)
			}
			channels[name] = n
		case ChannelLog:
			channels[name] = notify.NewLog(logger.With("channel", name))
		default:
			return nil, fmt.Errorf("config: notify.channels.%s: unknown channel type %q", name, ch.Type)
		}
	}
	r, err := notify.NewRouter(notify.RouterOptions{
		Channels:     channels,
		SecurityTeam: c.Notify.SecurityTeam,
		Owners:       c.Notify.Owners,
		Logger:       logger,
	})
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return r, nil
}
