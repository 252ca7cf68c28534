package cloud

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"strings"
)

// Limits STS places on a role session name.
const (
	maxSessionName = 64
	minSessionName = 2
	// maxPrefix leaves room in a session name for a run identifier.
	maxPrefix = 32
)

// validSessionChar reports whether STS accepts c in a role session name
// (the character class [\w+=,.@-]).
func validSessionChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("_+=,.@-", c) >= 0
}

// SessionName returns the role session name rectify uses for session: the
// prefix, a hyphen and session with every character STS does not accept
// replaced by '-' (one per character). A name longer than the 64 characters STS allows keeps its
// beginning and ends in a hash of the whole session, so distinct sessions get
// distinct names.
func SessionName(prefix, session string) string {
	var b strings.Builder
	b.Grow(len(prefix) + 1 + len(session))
	b.WriteString(prefix)
	b.WriteByte('-')
	for _, r := range session {
		if r < 0x80 && validSessionChar(byte(r)) {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	name := b.String()
	if len(name) <= maxSessionName {
		return name
	}
	sum := sha256.Sum256([]byte(session))
	tail := "-" + hex.EncodeToString(sum[:])[:12]
	return name[:maxSessionName-len(tail)] + tail
}

// CheckSessionPrefix reports whether prefix can begin a role session name:
// 1 to 32 of the characters STS accepts.
func CheckSessionPrefix(prefix string) error {
	if prefix == "" {
		return fmt.Errorf("session prefix is empty")
	}
	if len(prefix) > maxPrefix {
		return fmt.Errorf("session prefix %q is longer than %d characters", prefix, maxPrefix)
	}
	for i := 0; i < len(prefix); i++ {
		if !validSessionChar(prefix[i]) {
			return fmt.Errorf("session prefix %q: character %q is not allowed in a role session name", prefix, prefix[i])
		}
	}
	return nil
}

// Placeholders a role template may contain.
var placeholders = []string{"{account}", "{region}", "{partition}"}

// CheckRoleTemplate reports whether tmpl is a usable role name or role ARN
// template (see Options.RoleName). The empty template is valid.
func CheckRoleTemplate(tmpl string) error {
	if tmpl == "" {
		return nil
	}
	rest := tmpl
	for _, p := range placeholders {
		rest = strings.ReplaceAll(rest, p, "x")
	}
	if i := strings.IndexAny(rest, "{}"); i >= 0 {
		return fmt.Errorf("role template %q: unknown placeholder (allowed: %s)", tmpl, strings.Join(placeholders, ", "))
	}
	if strings.HasPrefix(tmpl, "arn:") {
		parts := strings.SplitN(tmpl, ":", 6)
		if len(parts) != 6 || parts[2] != "iam" || !strings.HasPrefix(parts[5], "role/") || len(parts[5]) == len("role/") {
			return fmt.Errorf("role template %q: want an IAM role ARN such as arn:{partition}:iam::{account}:role/NAME", tmpl)
		}
		return nil
	}
	if strings.ContainsAny(rest, ": ") || strings.HasPrefix(rest, "/") || strings.HasSuffix(rest, "/") {
		return fmt.Errorf("role template %q: want a role name (optionally with a path, as in team/name) or a role ARN", tmpl)
	}
	return nil
}

// RoleARN expands a role template for account and region. A template that is
// not an ARN is a role name (optionally preceded by its path) in account.
func RoleARN(tmpl, partition, account, region string) string {
	r := strings.NewReplacer("{account}", account, "{region}", region, "{partition}", partition)
	s := r.Replace(tmpl)
	if strings.HasPrefix(s, "arn:") {
		return s
	}
	return "arn:" + partition + ":iam::" + account + ":role/" + s
}

// PartitionOf returns the AWS partition a region belongs to.
func PartitionOf(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	case strings.HasPrefix(region, "us-isob-"):
		return "aws-iso-b"
	case strings.HasPrefix(region, "us-isof-"), strings.HasPrefix(region, "eu-isof-"):
		return "aws-iso-f"
	case strings.HasPrefix(region, "eu-isoe-"):
		return "aws-iso-e"
	case strings.HasPrefix(region, "us-iso-"):
		return "aws-iso"
	}
	return "aws"
}

// ValidAccount reports whether s is a 12-digit AWS account ID.
func ValidAccount(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ValidRegion reports whether s looks like an AWS region name
// (lowercase letters, digits and hyphens, such as eu-west-1).
func ValidRegion(s string) bool {
	if s == "" || len(s) > 32 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// sessionFromARN returns the session name of an STS assumed-role ARN
// (arn:PARTITION:sts::ACCOUNT:assumed-role/ROLE/SESSION).
func sessionFromARN(arn string) (string, bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "sts" {
		return "", false
	}
	res, ok := strings.CutPrefix(parts[5], "assumed-role/")
	if !ok {
		return "", false
	}
	i := strings.LastIndexByte(res, '/')
	if i <= 0 || i == len(res)-1 {
		return "", false
	}
	return res[i+1:], true
}

// matchList reports whether value matches one of the patterns, where a
// pattern is an exact value or a glob with '*' and '?' (as in eu-*).
func matchList(patterns []string, value string) bool {
	for _, p := range patterns {
		if p == value {
			return true
		}
		if ok, _ := path.Match(p, value); ok {
			return true
		}
	}
	return false
}

// checkList reports whether every pattern in list is well formed.
func checkList(name string, list []string) error {
	for i, p := range list {
		if err := CheckPattern(p); err != nil {
			return fmt.Errorf("%s[%d]: %w", name, i, err)
		}
	}
	return nil
}

// CheckPattern reports whether p is a usable allow or deny list entry: an
// exact value or a glob with '*', '?' and character classes.
func CheckPattern(p string) error {
	if p == "" {
		return fmt.Errorf("empty pattern")
	}
	if _, err := path.Match(p, ""); err != nil {
		return fmt.Errorf("pattern %q: %w", p, err)
	}
	return nil
}
