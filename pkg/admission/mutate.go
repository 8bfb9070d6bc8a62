package admission

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"

	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
)

// PatchOp is one JSONPatch (RFC 6902) operation.
type PatchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value any    `json:"value,omitempty"`
}

// Mutate answers the mutating endpoint: a JSONPatch that fills the defaults the config opts
// into, on Pods being created. Pod templates are left alone: the pods they create come
// through here, and a changed template would fight whoever manages it (GitOps).
func (h *Handler) Mutate(req *admissionv1.AdmissionRequest) *admissionv1.AdmissionResponse {
	mode := h.cfg.ModeFor(req.Namespace, "")
	if mode == ModeOff || !h.cfg.Mutate.Enabled() || req.Operation != admissionv1.Create || req.SubResource != "" {
		h.metrics.Patch("skipped")
		return allow()
	}
	pod, err := podOf(req)
	if err != nil {
		// The validating endpoint judges an unreadable object; defaults are best effort.
		h.metrics.Patch("invalid")
		resp := allow()
		resp.Warnings = []string{truncate("eksguard: no defaults set: "+err.Error(), maxWarningBytes)}
		return resp
	}
	if pod == nil {
		h.metrics.Patch("skipped")
		return allow()
	}
	ops := Defaults(pod, h.cfg.Mutate)
	if len(ops) == 0 {
		h.metrics.Patch("unchanged")
		return allow()
	}
	patch, err := json.Marshal(ops)
	if err != nil {
		h.metrics.Patch("invalid")
		return allow()
	}
	h.metrics.Patch("patched")
	pt := admissionv1.PatchTypeJSONPatch
	resp := allow()
	resp.Patch = patch
	resp.PatchType = &pt
	return resp
}

// Defaults returns the patch that sets the opted-in defaults on a pod, only where the pod
// leaves the field unset and only where the API would accept the result. Windows pods get
// none: these fields are Linux-only.
func Defaults(pod *corev1.Pod, mc MutateConfig) []PatchOp {
	if pod.Spec.OS != nil && pod.Spec.OS.Name == corev1.Windows {
		return nil
	}
	var ops []PatchOp
	psc := pod.Spec.SecurityContext
	if mc.SeccompRuntimeDefault && !hasSeccompAnnotation(pod.Annotations) && (psc == nil || psc.SeccompProfile == nil) {
		profile := map[string]any{"type": string(corev1.SeccompProfileTypeRuntimeDefault)}
		if psc == nil {
			ops = append(ops, PatchOp{Op: "add", Path: "/spec/securityContext", Value: map[string]any{"seccompProfile": profile}})
		} else {
			ops = append(ops, PatchOp{Op: "add", Path: "/spec/securityContext/seccompProfile", Value: profile})
		}
	}
	lists := []struct {
		name string
		cs   []corev1.Container
	}{{"initContainers", pod.Spec.InitContainers}, {"containers", pod.Spec.Containers}}
	for _, l := range lists {
		for i := range l.cs {
			ops = append(ops, containerDefaults(pod, &l.cs[i], "/spec/"+l.name+"/"+strconv.Itoa(i), mc)...)
		}
	}
	return ops
}

func containerDefaults(pod *corev1.Pod, c *corev1.Container, path string, mc MutateConfig) []PatchOp {
	sc := c.SecurityContext
	privileged := sc != nil && sc.Privileged != nil && *sc.Privileged
	set := map[string]any{} // fields to set in the container's security context
	if mc.AllowPrivilegeEscalation && !privileged && (sc == nil || sc.AllowPrivilegeEscalation == nil) && !addsSysAdmin(sc) {
		set["allowPrivilegeEscalation"] = false
	}
	dropCaps := mc.DropAllCapabilities && !privileged && (sc == nil || sc.Capabilities == nil || len(sc.Capabilities.Drop) == 0)
	if mc.RunAsNonRoot && (sc == nil || sc.RunAsNonRoot == nil) && (pod.Spec.SecurityContext == nil || pod.Spec.SecurityContext.RunAsNonRoot == nil) {
		uid := effectiveUser(pod, sc)
		if (uid != nil && *uid != 0) || (uid == nil && imageListed(c.Image, mc.NonRootImages)) {
			set["runAsNonRoot"] = true
		}
	}
	var ops []PatchOp
	if sc == nil {
		if dropCaps {
			set["capabilities"] = map[string]any{"drop": []string{"ALL"}}
		}
		if len(set) > 0 {
			ops = append(ops, PatchOp{Op: "add", Path: path + "/securityContext", Value: set})
		}
		return ops
	}
	for _, k := range slices.Sorted(maps.Keys(set)) {
		ops = append(ops, PatchOp{Op: "add", Path: path + "/securityContext/" + k, Value: set[k]})
	}
	if dropCaps {
		if sc.Capabilities == nil {
			ops = append(ops, PatchOp{Op: "add", Path: path + "/securityContext/capabilities", Value: map[string]any{"drop": []string{"ALL"}}})
		} else {
			ops = append(ops, PatchOp{Op: "add", Path: path + "/securityContext/capabilities/drop", Value: []string{"ALL"}})
		}
	}
	return ops
}

// addsSysAdmin: the API rejects allowPrivilegeEscalation: false with CAP_SYS_ADMIN added.
func addsSysAdmin(sc *corev1.SecurityContext) bool {
	if sc == nil || sc.Capabilities == nil {
		return false
	}
	for _, c := range sc.Capabilities.Add {
		if strings.EqualFold(string(c), "SYS_ADMIN") || strings.EqualFold(string(c), "CAP_SYS_ADMIN") {
			return true
		}
	}
	return false
}

// effectiveUser is the container's runAsUser, or the pod's.
func effectiveUser(pod *corev1.Pod, sc *corev1.SecurityContext) *int64 {
	if sc != nil && sc.RunAsUser != nil {
		return sc.RunAsUser
	}
	if pod.Spec.SecurityContext != nil {
		return pod.Spec.SecurityContext.RunAsUser
	}
	return nil
}

// imageListed reports whether image starts with one of the vouched-for prefixes, at a
// path boundary.
func imageListed(image string, prefixes []string) bool {
	for _, p := range prefixes {
		p = strings.TrimSuffix(p, "/")
		if image == p || strings.HasPrefix(image, p+"/") || strings.HasPrefix(image, p+":") || strings.HasPrefix(image, p+"@") {
			return true
		}
	}
	return false
}

func hasSeccompAnnotation(a map[string]string) bool {
	for k := range a {
		if strings.HasPrefix(k, "seccomp.security.alpha.kubernetes.io/") || strings.HasPrefix(k, "container.seccomp.security.alpha.kubernetes.io/") {
			return true
		}
	}
	return false
}
