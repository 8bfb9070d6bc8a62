package aws

import (
	"testing"
	"time"
)

// FuzzSnapshotFile: any bytes in any snapshot file build a target or input errors naming
// the file, never a panic; the rules then run on what was built.
func FuzzSnapshotFile(f *testing.F) {
	f.Add(fDescribeClusterSeed, []byte(`{"Cluster":{"Name":"shop","Version":"1.34","ResourcesVpcConfig":{"EndpointPublicAccess":true,"PublicAccessCidrs":["0.0.0.0/0"]}}}`))
	f.Add(fRoles, []byte(`{"Roles":[{"RoleName":"r","Arn":"arn:aws:iam::1:role/r","AssumeRolePolicyDocument":"%7B%22Statement%22%3A%5B%5B%5B%5B"}]}`))
	f.Add("ecr/GetRepositoryPolicy/shop%2Fweb.json", []byte(`{"PolicyText":"{\"Statement\":{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"*\"}}"}`))
	f.Add(ManifestFile, []byte(`{"cluster":""}`))
	f.Add(fNodegroups, []byte(`{"Error":{"Code":"AccessDeniedException","Action":"eks:ListNodegroups"}}`))
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		s := Store{}
		_ = s.Put(ManifestFile, Manifest{Cluster: "shop", Region: "us-east-1", Taken: time.Unix(0, 0)})
		_ = s.Put(fRepositories, map[string]any{"Repositories": []map[string]any{{"RepositoryName": "shop/web"}}})
		_ = s.Put(fCluster, map[string]any{"Cluster": map[string]any{"Name": "shop", "Identity": map[string]any{"Oidc": map[string]any{"Issuer": "https://x"}}}})
		_ = s.Put(fCaller, map[string]any{"Account": "111122223333"})
		s[name] = data
		a, errs := Build(s, "fuzz")
		for _, e := range errs {
			if e.Input == "" || e.Message == "" {
				t.Fatalf("input error without a name or message: %+v", e)
			}
		}
		if a != nil {
			checkAll(a)
		}
	})
}

const fDescribeClusterSeed = fCluster
