package sgpolicy

import (
	"encoding/json"
	"testing"
)

func TestMatch(t *testing.T) {
	decode := func(text string) *Policy {
		var m map[string]any
		if err := json.Unmarshal([]byte(text), &m); err != nil {
			t.Fatal(err)
		}
		return Decode(m)
	}
	both := decode(`{"spec":{"podSelector":{"matchLabels":{"app":"api"}},"serviceAccountSelector":{"matchLabels":{"sg":"db"}},"securityGroups":{"groupIds":["sg-1"]}}}`)
	sa := func(l map[string]string, ok bool) func() (map[string]string, bool) {
		return func() (map[string]string, bool) { return l, ok }
	}
	for _, tc := range []struct {
		pod  map[string]string
		sa   func() (map[string]string, bool)
		want Match
	}{
		{map[string]string{"app": "api"}, sa(map[string]string{"sg": "db"}, true), Yes},
		{map[string]string{"app": "web"}, sa(map[string]string{"sg": "db"}, true), No},
		{map[string]string{"app": "api"}, sa(map[string]string{"sg": "x"}, true), No},
		{map[string]string{"app": "api"}, sa(nil, false), Unknown},
	} {
		if got := both.Match(tc.pod, tc.sa); got != tc.want {
			t.Errorf("%v: %v, want %v", tc.pod, got, tc.want)
		}
	}
	for _, bad := range []string{
		`{"spec":{"securityGroups":{"groupIds":["sg-1"]}}}`,
		`{"spec":{"podSelector":{"matchLabels":{"app":"api"}}}}`,
		`{"spec":{"podSelector":{"matchExpressions":[{"key":"a","operator":"Bogus"}]},"securityGroups":{"groupIds":["sg-1"]}}}`,
		`{"spec":{"podSelector":"x"}}`,
	} {
		p := decode(bad)
		if p.Invalid == "" || p.Match(map[string]string{"app": "api"}, sa(nil, true)) != No {
			t.Errorf("%s: invalid %q", bad, p.Invalid)
		}
	}
}
