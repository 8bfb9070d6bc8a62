package snapshot

import (
	"hash/maphash"
	"maps"
	"slices"

	rbacv1 "k8s.io/api/rbac/v1"
)

// interner shares the strings and label sets many objects repeat (namespaces, service
// account names, the labels of the pods of one workload, annotation sets of generated
// objects), so that a snapshot holds each once. The caller holds the snapshot's lock.
type interner struct {
	strs  map[string]string
	maps  map[uint64][]map[string]string
	lists map[uint64][][]string
	keys  []string // scratch
}

func (in *interner) str(s string) string {
	if s == "" {
		return ""
	}
	if in.strs == nil {
		in.strs = map[string]string{}
	}
	if c, ok := in.strs[s]; ok {
		return c
	}
	in.strs[s] = s
	return s
}

// labels returns a map equal to m, shared with every other object whose map is equal. The
// snapshot's maps are read-only (see read.go).
func (in *interner) labels(m map[string]string) map[string]string {
	if len(m) == 0 {
		return m
	}
	in.keys = in.keys[:0]
	for k := range m {
		in.keys = append(in.keys, k)
	}
	slices.Sort(in.keys)
	var h maphash.Hash
	h.SetSeed(seed)
	for _, k := range in.keys {
		h.WriteString(k)
		h.WriteByte(0)
		h.WriteString(m[k])
		h.WriteByte(0)
	}
	sum := h.Sum64()
	for _, c := range in.maps[sum] {
		if maps.Equal(c, m) {
			return c
		}
	}
	if in.maps == nil {
		in.maps = map[uint64][]map[string]string{}
	}
	c := make(map[string]string, len(m))
	for k, v := range m {
		c[in.str(k)] = in.str(v)
	}
	in.maps[sum] = append(in.maps[sum], c)
	return c
}

var seed = maphash.MakeSeed()

// list returns a slice equal to l, shared with every other equal list (an RBAC rule's
// verbs, API groups and resources repeat across roles). Read-only, like the maps.
func (in *interner) list(l []string) []string {
	if len(l) == 0 {
		return l
	}
	var h maphash.Hash
	h.SetSeed(seed)
	for _, x := range l {
		h.WriteString(x)
		h.WriteByte(0)
	}
	sum := h.Sum64()
	for _, c := range in.lists[sum] {
		if slices.Equal(c, l) {
			return c
		}
	}
	if in.lists == nil {
		in.lists = map[uint64][][]string{}
	}
	c := make([]string, len(l))
	for i, x := range l {
		c[i] = in.str(x)
	}
	in.lists[sum] = append(in.lists[sum], c)
	return c
}

// rules shares the lists of RBAC policy rules.
func (in *interner) rules(rs []rbacv1.PolicyRule) {
	for i := range rs {
		r := &rs[i]
		r.Verbs, r.APIGroups, r.Resources = in.list(r.Verbs), in.list(r.APIGroups), in.list(r.Resources)
		r.ResourceNames, r.NonResourceURLs = in.list(r.ResourceNames), in.list(r.NonResourceURLs)
	}
}

// subjects shares the strings of RBAC subjects and role references.
func (in *interner) subjects(ss []rbacv1.Subject, ref *rbacv1.RoleRef) {
	for i := range ss {
		s := &ss[i]
		s.Kind, s.APIGroup, s.Namespace, s.Name = in.str(s.Kind), in.str(s.APIGroup), in.str(s.Namespace), in.str(s.Name)
	}
	ref.APIGroup, ref.Kind, ref.Name = in.str(ref.APIGroup), in.str(ref.Kind), in.str(ref.Name)
}
