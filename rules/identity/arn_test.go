package identity

import (
	"strings"
	"testing"
)

func TestParseRoleARN(t *testing.T) {
	good := []string{
		"arn:aws:iam::111122223333:role/billing",
		"arn:aws:iam::111122223333:role/teams/shop/billing-role",
		"arn:aws-us-gov:iam::111122223333:role/a+b=c,d.e@f_g-h",
		"arn:aws:iam::111122223333:role/" + strings.Repeat("n", 64),
	}
	for _, s := range good {
		if _, err := ParseRoleARN(s); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
	r, _ := ParseRoleARN("arn:aws:iam::111122223333:role/teams/shop/billing")
	if r.Path != "/teams/shop/" || r.Name != "billing" || r.Account != "111122223333" || r.Partition != "aws" {
		t.Errorf("parsed %+v", r)
	}
	bad := []string{
		"", "billing", "arn:aws:iam::111122223333", "arn:aws:iam::1111222233334:role/x", "arn:aws:iam::11112222333a:role/x",
		"arn:azure:iam::111122223333:role/x", "arn:aws:sts::111122223333:role/x", "arn:aws:iam:us-east-1:111122223333:role/x",
		"arn:aws:iam::111122223333:user/x", "arn:aws:iam::111122223333:role/", "arn:aws:iam::111122223333:role/a b",
		" arn:aws:iam::111122223333:role/x", "arn:aws:iam::111122223333:role/" + strings.Repeat("n", 65),
		"arn:aws:iam::111122223333:role//x", "arn:aws:iam::111122223333:role/é/x",
	}
	for _, s := range bad {
		if _, err := ParseRoleARN(s); err == nil {
			t.Errorf("%q: want an error", s)
		}
	}
}

func FuzzParseRoleARN(f *testing.F) {
	f.Add("arn:aws:iam::111122223333:role/teams/shop/billing")
	f.Add("arn:aws:iam::111122223333:role/")
	f.Add("arn:::::")
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRoleARN(s)
		if err != nil {
			return
		}
		// A valid ARN is rebuilt exactly from its parts.
		if back := "arn:" + r.Partition + ":iam::" + r.Account + ":role" + r.Path + r.Name; back != s {
			t.Fatalf("%q parsed to %+v, which rebuilds as %q", s, r, back)
		}
	})
}

func TestValidPSAVersion(t *testing.T) {
	for v, want := range map[string]bool{"latest": true, "v1.0": true, "v1.30": true, "v1.030": false, "1.30": false, "v2.1": false, "v1.": false, "v1.3x": false} {
		if got := validPSAVersion(v); got != want {
			t.Errorf("%q: got %v, want %v", v, got, want)
		}
	}
}
