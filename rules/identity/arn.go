package identity

import (
	"fmt"
	"strings"
)

// partitions are the AWS partitions an IAM role ARN may name.
var partitions = map[string]bool{
	"aws": true, "aws-cn": true, "aws-us-gov": true, "aws-iso": true, "aws-iso-b": true,
	"aws-iso-e": true, "aws-iso-f": true, "aws-eusc": true,
}

// maxARN bounds the length of an ARN that is parsed at all.
const maxARN = 2048

// RoleARN is a parsed IAM role ARN: arn:PARTITION:iam::ACCOUNT:role/PATH/NAME.
type RoleARN struct {
	Partition, Account, Path, Name string
}

// ParseRoleARN parses an IAM role ARN as IAM defines it: a known partition, the iam
// service, no region, a 12-digit account, and a role name of 1 to 64 characters from
// [A-Za-z0-9+=,.@_-] under a path that starts and ends with "/" (at most 512 characters of
// printable ASCII).
func ParseRoleARN(s string) (RoleARN, error) {
	var r RoleARN
	if len(s) > maxARN {
		return r, fmt.Errorf("%d characters long", len(s))
	}
	if strings.TrimSpace(s) != s {
		return r, fmt.Errorf("leading or trailing white space")
	}
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" {
		return r, fmt.Errorf("not an ARN (want arn:PARTITION:iam::ACCOUNT:role/NAME)")
	}
	r.Partition, r.Account = parts[1], parts[4]
	if !partitions[r.Partition] {
		return r, fmt.Errorf("unknown partition %q", r.Partition)
	}
	if parts[2] != "iam" {
		return r, fmt.Errorf("service is %q, not iam", parts[2])
	}
	if parts[3] != "" {
		return r, fmt.Errorf("IAM ARNs have no region, found %q", parts[3])
	}
	if len(r.Account) != 12 || strings.Trim(r.Account, "0123456789") != "" {
		return r, fmt.Errorf("account %q is not 12 digits", r.Account)
	}
	res, ok := strings.CutPrefix(parts[5], "role/")
	if !ok {
		return r, fmt.Errorf("resource %q is not a role (role/NAME)", parts[5])
	}
	i := strings.LastIndexByte(res, '/')
	r.Path, r.Name = "/"+res[:i+1], res[i+1:]
	if len(r.Path) > 512 {
		return r, fmt.Errorf("role path is %d characters, over 512", len(r.Path))
	}
	for _, c := range r.Path {
		if c < 0x21 || c > 0x7e {
			return r, fmt.Errorf("role path %q holds a character IAM does not allow", r.Path)
		}
	}
	if strings.Contains(r.Path, "//") {
		return r, fmt.Errorf("role path %q has an empty segment", r.Path)
	}
	if len(r.Name) == 0 || len(r.Name) > 64 {
		return r, fmt.Errorf("role name %q is not 1 to 64 characters", r.Name)
	}
	for _, c := range r.Name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("+=,.@_-", c)) {
			return r, fmt.Errorf("role name %q holds %q, which IAM does not allow", r.Name, c)
		}
	}
	return r, nil
}
