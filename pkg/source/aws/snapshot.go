// Package aws reads an AWS account around one EKS cluster: live, through the AWS SDK for Go
// v2 with the standard credential chain and read-only calls, or offline from a snapshot
// directory that holds every API answer as JSON (one file per call, in the SDK's own field
// names). Both paths build the same target.AWS, so the rules cannot tell them apart. A call
// that failed is kept in place of its answer ({"Error": {...}}), so a missing permission
// turns the controls that need it into "unknown: permission denied for <action>".
package aws

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/eksguard/eksguard/pkg/bounded"
	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/target"
)

// Snapshot file names.
const (
	ManifestFile    = "manifest.json"
	fCaller         = "sts/GetCallerIdentity.json"
	fCluster        = "eks/DescribeCluster.json"
	fNodegroups     = "eks/ListNodegroups.json"
	dNodegroup      = "eks/DescribeNodegroup"
	fPodIdentities  = "eks/ListPodIdentityAssociations.json"
	dPodIdentity    = "eks/DescribePodIdentityAssociation"
	fSubnets        = "ec2/DescribeSubnets.json"
	fRouteTables    = "ec2/DescribeRouteTables.json"
	fSecurityGroups = "ec2/DescribeSecurityGroups.json"
	dLaunchTemplate = "ec2/DescribeLaunchTemplateVersions"
	fVpcEndpoints   = "ec2/DescribeVpcEndpoints.json"
	fRoles          = "iam/ListRoles.json"
	dAttached       = "iam/ListAttachedRolePolicies"
	dInline         = "iam/ListRolePolicies"
	dInlineDoc      = "iam/GetRolePolicy"
	dPolicyVersion  = "iam/GetPolicyVersion"
	dParameter      = "ssm/GetParameter"
	fRepositories   = "ecr/DescribeRepositories.json"
	dRepoPolicy     = "ecr/GetRepositoryPolicy"
	dLifecycle      = "ecr/GetLifecyclePolicy"
	fScanning       = "ecr/GetRegistryScanningConfiguration.json"
	fTrails         = "cloudtrail/DescribeTrails.json"
	dTrailStatus    = "cloudtrail/GetTrailStatus"
	// FileServiceAccounts holds the cluster's ServiceAccounts (not an AWS answer).
	FileServiceAccounts = "k8s/ServiceAccounts.json"
)

// Bounds on a snapshot: one file, and the number of files.
const (
	MaxFileBytes = 64 << 20
	MaxFiles     = 200000
)

// key names a file in a per-item directory: the item escaped so that any name (ECR
// repositories hold slashes, ARNs colons) is one file name.
func key(dir string, parts ...string) string {
	esc := make([]string, len(parts))
	for i, p := range parts {
		esc[i] = url.PathEscape(p)
	}
	return dir + "/" + strings.Join(esc, "/") + ".json"
}

// Manifest describes a snapshot.
type Manifest struct {
	Tool    string    `json:"tool"`
	Version string    `json:"version"`
	Cluster string    `json:"cluster"`
	Region  string    `json:"region"`
	Taken   time.Time `json:"taken"`
}

// Store holds the raw answers of a scan by file name.
type Store map[string][]byte

// Put stores an answer (any JSON-encodable value) under a name.
func (s Store) Put(name string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("%s: %v", name, err)
	}
	s[name] = data
	return nil
}

// PutError stores a failed call in place of its answer.
func (s Store) PutError(name string, e *target.APIError) {
	data, _ := json.Marshal(map[string]any{"Error": e})
	s[name] = data
}

// Save writes the store to a directory.
func (s Store) Save(dir string) error {
	names := make([]string, 0, len(s))
	for n := range s {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		p := filepath.Join(dir, filepath.FromSlash(n))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, s[n], 0o644); err != nil {
			return err
		}
	}
	return nil
}

// ReadDir reads a snapshot directory into a store. Only regular files ending in .json are
// read (links are not followed), each at most MaxFileBytes.
func ReadDir(dir string) (Store, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("snapshot: %v", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("snapshot %s: not a directory", dir)
	}
	s := Store{}
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() || !strings.HasSuffix(p, ".json") {
			return nil
		}
		if len(s) >= MaxFiles {
			return fmt.Errorf("%s: more than %d files", dir, MaxFiles)
		}
		rel, _ := filepath.Rel(dir, p)
		data, err := bounded.ReadFile(p, MaxFileBytes)
		if err != nil {
			return err
		}
		s[filepath.ToSlash(rel)] = data
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("snapshot: %v", err)
	}
	if _, ok := s[ManifestFile]; !ok {
		return nil, fmt.Errorf("snapshot %s: no %s (not an eksguard AWS snapshot)", dir, ManifestFile)
	}
	return s, nil
}

// list returns the item names (unescaped) stored directly under dir.
func (s Store) list(dir string) []string {
	var out []string
	for n := range s {
		rest, ok := strings.CutPrefix(n, dir+"/")
		if !ok || strings.Contains(rest, "/") {
			continue
		}
		name, err := url.PathUnescape(strings.TrimSuffix(rest, ".json"))
		if err == nil {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// loader decodes files of a store, collecting errors that name the file.
type loader struct {
	s    Store
	base string // shown in error messages: the snapshot directory
	errs []finding.InputError
}

// decode reads one answer into v (a pointer to a *XAnswer). It reports whether the file was
// there and well formed.
func (l *loader) decode(name string, v any) bool {
	data, ok := l.s[name]
	if !ok {
		return false
	}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	if err := dec.Decode(v); err != nil {
		l.errs = append(l.errs, finding.InputError{Input: path.Join(l.base, name), Message: "malformed snapshot file: " + err.Error()})
		return false
	}
	if dec.More() {
		l.errs = append(l.errs, finding.InputError{Input: path.Join(l.base, name), Message: "malformed snapshot file: data after the JSON value"})
		return false
	}
	return true
}

// answer decodes name into a new T and sets its file; nil when missing or malformed.
func answer[T any](l *loader, name string, file func(*T) *target.Answer) *T {
	v := new(T)
	if !l.decode(name, v) {
		return nil
	}
	file(v).File = path.Join(l.base, name)
	return v
}

// Build turns a store into the target the rules see. base names the snapshot in messages.
// Malformed files are input errors naming the file; the rest of the snapshot is still used.
func Build(s Store, base string) (*target.AWS, []finding.InputError) {
	l := &loader{s: s, base: base}
	var m Manifest
	if !l.decode(ManifestFile, &m) {
		if len(l.errs) == 0 {
			l.errs = append(l.errs, finding.InputError{Input: path.Join(base, ManifestFile), Message: "missing"})
		}
		return nil, l.errs
	}
	if m.Cluster == "" {
		return nil, []finding.InputError{{Input: path.Join(base, ManifestFile), Message: "names no cluster"}}
	}
	a := &target.AWS{Source: base, Region: m.Region, Cluster: m.Cluster, Taken: m.Taken,
		Nodegroups: map[string]*target.NodegroupAnswer{}, PodIdentity: map[string]*target.PodIdentityAnswer{},
		LaunchTemplates: map[string]*target.LaunchTemplateAnswer{}, RolePolicies: map[string]*target.RolePolicies{},
		Parameters: map[string]*target.ParameterAnswer{}, RepoPolicies: map[string]*target.RepositoryPolicyAnswer{},
		RepoLifecycle: map[string]*target.LifecyclePolicyAnswer{}, TrailStatus: map[string]*target.TrailStatusAnswer{}}
	a.Caller = answer(l, fCaller, func(v *target.CallerAnswer) *target.Answer { return &v.Answer })
	a.ClusterInfo = answer(l, fCluster, func(v *target.ClusterAnswer) *target.Answer { return &v.Answer })
	a.NodegroupNames = answer(l, fNodegroups, func(v *target.NamesAnswer) *target.Answer { return &v.Answer })
	for _, n := range s.list(dNodegroup) {
		if v := answer(l, key(dNodegroup, n), func(v *target.NodegroupAnswer) *target.Answer { return &v.Answer }); v != nil {
			a.Nodegroups[n] = v
		}
	}
	a.PodIdentities = answer(l, fPodIdentities, func(v *target.PodIdentityListAnswer) *target.Answer { return &v.Answer })
	for _, n := range s.list(dPodIdentity) {
		if v := answer(l, key(dPodIdentity, n), func(v *target.PodIdentityAnswer) *target.Answer { return &v.Answer }); v != nil {
			a.PodIdentity[n] = v
		}
	}
	a.Subnets = answer(l, fSubnets, func(v *target.SubnetsAnswer) *target.Answer { return &v.Answer })
	a.RouteTables = answer(l, fRouteTables, func(v *target.RouteTablesAnswer) *target.Answer { return &v.Answer })
	a.SecurityGroups = answer(l, fSecurityGroups, func(v *target.SecurityGroupsAnswer) *target.Answer { return &v.Answer })
	for _, n := range s.list(dLaunchTemplate) {
		if v := answer(l, key(dLaunchTemplate, n), func(v *target.LaunchTemplateAnswer) *target.Answer { return &v.Answer }); v != nil {
			a.LaunchTemplates[n] = v
		}
	}
	a.VpcEndpoints = answer(l, fVpcEndpoints, func(v *target.VpcEndpointsAnswer) *target.Answer { return &v.Answer })
	a.Roles = answer(l, fRoles, func(v *target.RolesAnswer) *target.Answer { return &v.Answer })
	rp := func(role string) *target.RolePolicies {
		if a.RolePolicies[role] == nil {
			a.RolePolicies[role] = &target.RolePolicies{InlineDocs: map[string]*target.RolePolicyAnswer{}, ManagedDocs: map[string]*target.PolicyVersionAnswer{}}
		}
		return a.RolePolicies[role]
	}
	for _, role := range s.list(dAttached) {
		rp(role).Attached = answer(l, key(dAttached, role), func(v *target.AttachedPoliciesAnswer) *target.Answer { return &v.Answer })
	}
	for _, role := range s.list(dInline) {
		r := rp(role)
		r.Inline = answer(l, key(dInline, role), func(v *target.PolicyNamesAnswer) *target.Answer { return &v.Answer })
		if r.Inline != nil {
			for _, pn := range r.Inline.PolicyNames {
				if v := answer(l, key(dInlineDoc, role, pn), func(v *target.RolePolicyAnswer) *target.Answer { return &v.Answer }); v != nil {
					r.InlineDocs[pn] = v
				}
			}
		}
	}
	policyDocs := map[string]*target.PolicyVersionAnswer{}
	for _, arn := range s.list(dPolicyVersion) {
		if v := answer(l, key(dPolicyVersion, arn), func(v *target.PolicyVersionAnswer) *target.Answer { return &v.Answer }); v != nil {
			policyDocs[arn] = v
		}
	}
	for _, r := range a.RolePolicies {
		if r.Attached == nil {
			continue
		}
		for _, ap := range r.Attached.AttachedPolicies {
			if d, ok := policyDocs[ap.PolicyArn]; ok {
				r.ManagedDocs[ap.PolicyArn] = d
			}
		}
	}
	for _, n := range s.list(dParameter) {
		if v := answer(l, key(dParameter, n), func(v *target.ParameterAnswer) *target.Answer { return &v.Answer }); v != nil {
			a.Parameters[n] = v
		}
	}
	a.Repositories = answer(l, fRepositories, func(v *target.RepositoriesAnswer) *target.Answer { return &v.Answer })
	for _, n := range s.list(dRepoPolicy) {
		if v := answer(l, key(dRepoPolicy, n), func(v *target.RepositoryPolicyAnswer) *target.Answer { return &v.Answer }); v != nil {
			a.RepoPolicies[n] = v
		}
	}
	for _, n := range s.list(dLifecycle) {
		if v := answer(l, key(dLifecycle, n), func(v *target.LifecyclePolicyAnswer) *target.Answer { return &v.Answer }); v != nil {
			a.RepoLifecycle[n] = v
		}
	}
	a.RegistryScanning = answer(l, fScanning, func(v *target.ScanningAnswer) *target.Answer { return &v.Answer })
	a.Trails = answer(l, fTrails, func(v *target.TrailsAnswer) *target.Answer { return &v.Answer })
	for _, n := range s.list(dTrailStatus) {
		if v := answer(l, key(dTrailStatus, n), func(v *target.TrailStatusAnswer) *target.Answer { return &v.Answer }); v != nil {
			a.TrailStatus[n] = v
		}
	}
	a.ServiceAccounts = answer(l, FileServiceAccounts, func(v *target.ServiceAccountsAnswer) *target.Answer { return &v.Answer })
	return a, l.errs
}

// Load reads a snapshot directory.
func Load(dir string) (*target.AWS, []finding.InputError, error) {
	s, err := ReadDir(dir)
	if err != nil {
		return nil, nil, err
	}
	a, errs := Build(s, dir)
	if a == nil {
		return nil, errs, errors.New("snapshot " + dir + " cannot be used")
	}
	return a, errs, nil
}
