package respond

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// Query picks the pods an incident involves. Every field given must match.
type Query struct {
	// Namespace limits the search (empty: every namespace).
	Namespace string
	// Image matches a container's image: by repository and tag when REF has a tag, by
	// repository alone when it has none, by digest (in the spec or the running image ID)
	// when it has one. Docker Hub spellings are equal ("nginx", "docker.io/library/nginx").
	Image string
	// ServiceAccount is NS/NAME: the pods that run as it.
	ServiceAccount string
	// Label is a label selector (as kubectl -l).
	Label string
}

// Found is what a Query matched.
type Found struct {
	Pods  []corev1.Pod
	Nodes []string
}

// imageQuery is a parsed Query.Image.
type imageQuery struct {
	repo, tag, digest string
}

func parseImageQuery(ref string) (imageQuery, error) {
	var q imageQuery
	if strings.HasPrefix(ref, "sha256:") {
		if len(ref) != len("sha256:")+64 {
			return q, fmt.Errorf("--image %q: a digest is sha256: and 64 hex digits", ref)
		}
		q.digest = ref
		return q, nil
	}
	r, err := name.ParseReference(ref, name.WeakValidation)
	if err != nil {
		return q, fmt.Errorf("--image %q: %w", ref, err)
	}
	q.repo = r.Context().Name()
	switch t := r.(type) {
	case name.Digest:
		q.digest = t.DigestStr()
	case name.Tag:
		// ParseReference adds "latest" to a reference without a tag; only an explicit
		// tag narrows the match.
		last := ref[strings.LastIndexByte(ref, '/')+1:]
		if strings.Contains(last, ":") {
			q.tag = t.TagStr()
		}
	}
	return q, nil
}

// matches reports whether an image (and the running image ID, when known) matches.
func (q imageQuery) matches(image, imageID string) bool {
	if q.digest != "" && (strings.HasSuffix(image, "@"+q.digest) || strings.HasSuffix(imageID, q.digest)) {
		return true
	}
	if q.repo == "" {
		return false
	}
	r, err := name.ParseReference(image, name.WeakValidation)
	if err != nil || r.Context().Name() != q.repo {
		return false
	}
	if q.digest != "" {
		return false // the digest did not match above
	}
	if q.tag == "" {
		return true
	}
	t, ok := r.(name.Tag)
	return ok && t.TagStr() == q.tag
}

// Find lists the pods that match q and the nodes they run on.
func (r *Responder) Find(ctx context.Context, q Query) (*Found, error) {
	opts := metav1.ListOptions{}
	ns := q.Namespace
	var saNS, saName string
	if q.ServiceAccount != "" {
		var ok bool
		saNS, saName, ok = strings.Cut(q.ServiceAccount, "/")
		if !ok {
			return nil, fmt.Errorf("--service-account %q: want NAMESPACE/NAME", q.ServiceAccount)
		}
		if err := validName("namespace", saNS, false); err != nil {
			return nil, fmt.Errorf("--service-account: %w", err)
		}
		if err := validName("service account", saName, true); err != nil {
			return nil, fmt.Errorf("--service-account: %w", err)
		}
		if ns != "" && ns != saNS {
			return nil, fmt.Errorf("--service-account %s is not in namespace %s", q.ServiceAccount, ns)
		}
		ns = saNS
	}
	if ns != "" {
		if err := validName("namespace", ns, false); err != nil {
			return nil, err
		}
	}
	if q.Label != "" {
		sel, err := labels.Parse(q.Label)
		if err != nil {
			return nil, fmt.Errorf("--label %q: %w", q.Label, err)
		}
		opts.LabelSelector = sel.String()
	}
	var iq *imageQuery
	if q.Image != "" {
		p, err := parseImageQuery(q.Image)
		if err != nil {
			return nil, err
		}
		iq = &p
	}
	if iq == nil && q.ServiceAccount == "" && q.Label == "" {
		return nil, fmt.Errorf("give --image, --service-account or --label")
	}
	f := &Found{}
	nodes := map[string]bool{}
	opts.Limit = 500
	for {
		list, err := r.cs.CoreV1().Pods(ns).List(ctx, opts)
		if err != nil {
			return nil, fmt.Errorf("listing pods: %w", err)
		}
		for i := range list.Items {
			p := &list.Items[i]
			if saName != "" && serviceAccount(p) != saName {
				continue
			}
			if iq != nil && !podImage(p, *iq) {
				continue
			}
			f.Pods = append(f.Pods, *p)
			if p.Spec.NodeName != "" {
				nodes[p.Spec.NodeName] = true
			}
		}
		if list.Continue == "" {
			break
		}
		opts.Continue = list.Continue
	}
	sort.Slice(f.Pods, func(i, j int) bool { return podKey(&f.Pods[i]) < podKey(&f.Pods[j]) })
	f.Nodes = slices.Sorted(maps.Keys(nodes))
	return f, nil
}

func serviceAccount(p *corev1.Pod) string {
	if p.Spec.ServiceAccountName == "" {
		return "default"
	}
	return p.Spec.ServiceAccountName
}

func podImage(p *corev1.Pod, q imageQuery) bool {
	ids := map[string]string{}
	for _, st := range [][]corev1.ContainerStatus{p.Status.InitContainerStatuses, p.Status.ContainerStatuses, p.Status.EphemeralContainerStatuses} {
		for _, s := range st {
			ids[s.Name] = s.ImageID
		}
	}
	for _, c := range allContainers(p) {
		if q.matches(c.image, ids[c.name]) {
			return true
		}
	}
	return false
}
