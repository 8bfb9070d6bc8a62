package k8saudit

import (
	"net/url"
	"strings"
	"unsafe"

	"github.com/valyala/fastjson"

	"github.com/eksguard/eksguard/pkg/detect"
)

func b2s(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}

func ev(e detect.Event) *Event { return e.(*Event) }

func optField(name, desc string, get func(e *Event) opt) detect.Field {
	return detect.StrField(name, desc, func(x detect.Event) (string, bool) {
		o := get(ev(x))
		return o.s, o.ok
	})
}

// req returns the request object's value at keys.
func req(e *Event, keys ...string) *fastjson.Value {
	if e.reqObj == nil {
		return nil
	}
	return e.reqObj.Get(keys...)
}

func reqScalar(name, desc string, keys ...string) detect.Field {
	return detect.StrField(name, desc, func(x detect.Event) (string, bool) {
		e := ev(x)
		return scalar(req(e, keys...))
	})
}

// reqFlag is a pod boolean flag: its value, or "false" when a pod spec does not set it.
func reqFlag(name, desc, key string) detect.Field {
	return detect.StrField(name, desc, func(x detect.Event) (string, bool) {
		spec := req(ev(x), "spec")
		if spec == nil {
			return "", false
		}
		if s, ok := scalar(spec.Get(key)); ok {
			return s, true
		}
		return "false", true
	})
}

// imageRepository strips the tag and digest from an image reference.
func imageRepository(img string) string {
	if i := strings.IndexByte(img, '@'); i >= 0 {
		img = img[:i]
	}
	slash := strings.LastIndexByte(img, '/')
	if c := strings.LastIndexByte(img, ':'); c > slash {
		img = img[:c]
	}
	return img
}

// containerFields builds the per-container list fields for one container list of a pod
// spec (containers, initContainers, ephemeralContainers).
func containerFields(list, what string) []detect.Field {
	each := func(e *Event, buf []string, fn func(c, podSC *fastjson.Value, buf []string) []string) []string {
		spec := req(e, "spec")
		if spec == nil {
			return buf
		}
		podSC := spec.Get("securityContext")
		for _, c := range spec.GetArray(list) {
			buf = fn(c, podSC, buf)
		}
		return buf
	}
	field := func(suffix, desc string, fn func(c, podSC *fastjson.Value, buf []string) []string) detect.Field {
		return detect.ListField("ka.req.pod."+list+"."+suffix, desc, func(x detect.Event, buf []string) []string {
			return each(ev(x), buf, fn)
		})
	}
	str1 := func(keys ...string) func(c, _ *fastjson.Value, buf []string) []string {
		return func(c, _ *fastjson.Value, buf []string) []string {
			if s, ok := scalar(c.Get(keys...)); ok {
				buf = append(buf, s)
			}
			return buf
		}
	}
	flag := func(key string) func(c, _ *fastjson.Value, buf []string) []string {
		return func(c, _ *fastjson.Value, buf []string) []string {
			if s, ok := scalar(c.Get("securityContext", key)); ok {
				return append(buf, s)
			}
			return append(buf, "false")
		}
	}
	joined := func(key string) func(c, _ *fastjson.Value, buf []string) []string {
		return func(c, _ *fastjson.Value, buf []string) []string {
			arr := c.GetArray(key)
			if len(arr) == 0 {
				return buf
			}
			parts := make([]string, 0, len(arr))
			for _, a := range arr {
				if s, ok := scalar(a); ok {
					parts = append(parts, s)
				}
			}
			return append(buf, strings.Join(parts, " "))
		}
	}
	eff := func(key string) func(c, podSC *fastjson.Value, buf []string) []string {
		return func(c, podSC *fastjson.Value, buf []string) []string {
			if s, ok := scalar(c.Get("securityContext", key)); ok {
				return append(buf, s)
			}
			if podSC != nil {
				if s, ok := scalar(podSC.Get(key)); ok {
					return append(buf, s)
				}
			}
			return append(buf, "0")
		}
	}
	return []detect.Field{
		field("name", "When the request object is a pod, the "+what+" names.", str1("name")),
		field("image", "When the request object is a pod, the "+what+" images.", str1("image")),
		field("image.repository", "When the request object is a pod, the repository part of the "+what+" images (no tag or digest).",
			func(c, _ *fastjson.Value, buf []string) []string {
				if s, ok := scalar(c.Get("image")); ok {
					buf = append(buf, imageRepository(s))
				}
				return buf
			}),
		field("command", "When the request object is a pod, the "+what+" commands, one string each.", joined("command")),
		field("args", "When the request object is a pod, the "+what+" args, one string each.", joined("args")),
		field("privileged", "When the request object is a pod, the privileged flag of all "+what+" (false when unset).", flag("privileged")),
		field("allow_privilege_escalation", "When the request object is a pod, the allowPrivilegeEscalation flag of all "+what+" that set it.",
			str1("securityContext", "allowPrivilegeEscalation")),
		field("read_only_fs", "When the request object is a pod, the readOnlyRootFilesystem flag of all "+what+" (false when unset).", flag("readOnlyRootFilesystem")),
		field("run_as_user", "When the request object is a pod, the runAsUser of all "+what+" that set it.", str1("securityContext", "runAsUser")),
		field("eff_run_as_user", "When the request object is a pod, the uid all "+what+" start with: container, else pod security context, else 0.", eff("runAsUser")),
		field("run_as_group", "When the request object is a pod, the runAsGroup of all "+what+" that set it.", str1("securityContext", "runAsGroup")),
		field("eff_run_as_group", "When the request object is a pod, the gid all "+what+" start with: container, else pod security context, else 0.", eff("runAsGroup")),
		field("proc_mount", "When the request object is a pod, the procMount type of all "+what+" that set it.", str1("securityContext", "procMount")),
		field("add_capabilities", "When the request object is a pod, the capabilities all "+what+" add.",
			func(c, _ *fastjson.Value, buf []string) []string {
				for _, a := range c.GetArray("securityContext", "capabilities", "add") {
					if s, ok := scalar(a); ok {
						buf = append(buf, s)
					}
				}
				return buf
			}),
		field("host_port", "When the request object is a pod, all hostPort values of the "+what+".",
			func(c, _ *fastjson.Value, buf []string) []string {
				for _, p := range c.GetArray("ports") {
					if s, ok := scalar(p.Get("hostPort")); ok {
						buf = append(buf, s)
					}
				}
				return buf
			}),
	}
}

// subjects lists binding subjects, optionally of one kind, formatted by fn.
func subjects(kind string, fn func(s *fastjson.Value) (string, bool)) func(x detect.Event, buf []string) []string {
	return func(x detect.Event, buf []string) []string {
		for _, s := range req(ev(x), "subjects").GetArray() {
			if kind != "" && string(s.GetStringBytes("kind")) != kind {
				continue
			}
			if v, ok := fn(s); ok {
				buf = append(buf, v)
			}
		}
		return buf
	}
}

func subjectName(s *fastjson.Value) (string, bool) { return scalar(s.Get("name")) }

func ruleLists(key string) func(x detect.Event, buf []string) []string {
	return func(x detect.Event, buf []string) []string {
		for _, r := range req(ev(x), "rules").GetArray() {
			for _, v := range r.GetArray(key) {
				if s, ok := scalar(v); ok {
					buf = append(buf, s)
				}
			}
		}
		return buf
	}
}

func volumes(fn func(v *fastjson.Value, buf []string) []string) func(x detect.Event, buf []string) []string {
	return func(x detect.Event, buf []string) []string {
		for _, v := range req(ev(x), "spec", "volumes").GetArray() {
			buf = fn(v, buf)
		}
		return buf
	}
}

// Fields is the ka.* field table.
func Fields() []detect.Field {
	fs := []detect.Field{
		optField("ka.auditid", "The unique id of the audit event.", func(e *Event) opt { return e.auditID }),
		optField("ka.stage", "Stage of the request (e.g. RequestReceived, ResponseComplete).", func(e *Event) opt { return e.stage }),
		optField("ka.auth.decision", "The authorization decision (annotation authorization.k8s.io/decision).", func(e *Event) opt { return e.decision }),
		optField("ka.auth.reason", "The authorization reason (annotation authorization.k8s.io/reason).", func(e *Event) opt { return e.reason }),
		optField("ka.user.name", "The user name performing the request.", func(e *Event) opt { return e.user }),
		detect.Field{Name: "ka.user.groups", List: true, Desc: "The groups to which the user belongs.",
			Bind: func(string) (detect.Extractor, error) {
				return detect.Extractor{Strs: func(x detect.Event, buf []string) []string { return strs(ev(x).userGroups, buf) }}, nil
			}},
		optField("ka.impuser.name", "The impersonated user name.", func(e *Event) opt { return e.impUser }),
		optField("ka.verb", "The action being performed.", func(e *Event) opt { return e.verb }),
		optField("ka.uri", "The request URI as sent from client to server.", func(e *Event) opt { return e.uri }),
		detect.KeyField("ka.uri.param", "The value of a query parameter of the URI (e.g. when uri=/foo?key=val, ka.uri.param[key] is val).",
			func(key string) (func(detect.Event) (string, bool), error) {
				return func(x detect.Event) (string, bool) {
					u := ev(x).uri
					_, q, ok := strings.Cut(u.s, "?")
					if !u.ok || !ok {
						return "", false
					}
					vals, _ := url.ParseQuery(q)
					if v, ok := vals[key]; ok && len(v) > 0 {
						return v[0], true
					}
					return "", false
				}, nil
			}),
		optField("ka.target.name", "The target object name.", func(e *Event) opt { return e.name }),
		optField("ka.target.namespace", "The target object namespace.", func(e *Event) opt { return e.namespace }),
		optField("ka.target.resource", "The target object resource.", func(e *Event) opt { return e.resource }),
		optField("ka.target.subresource", "The target object subresource.", func(e *Event) opt { return e.subresource }),
		optField("ka.target.pod.name", "The target pod name, when the target is a pod or one of its subresources.", func(e *Event) opt {
			if e.resource.s == "pods" {
				return e.name
			}
			return opt{}
		}),
		detect.ListField("ka.req.binding.subjects", "When the request object is a (cluster) role binding, the names of its subjects.", subjects("", subjectName)),
		detect.ListField("ka.req.binding.subjects.user_names", "When the request object is a (cluster) role binding, the names of its User subjects.", subjects("User", subjectName)),
		detect.ListField("ka.req.binding.subjects.serviceaccount_names", "When the request object is a (cluster) role binding, the names of its ServiceAccount subjects.", subjects("ServiceAccount", subjectName)),
		detect.ListField("ka.req.binding.subjects.serviceaccount_ns_names", "When the request object is a (cluster) role binding, its ServiceAccount subjects as namespace:name.",
			subjects("ServiceAccount", func(s *fastjson.Value) (string, bool) {
				return string(s.GetStringBytes("namespace")) + ":" + string(s.GetStringBytes("name")), true
			})),
		detect.ListField("ka.req.binding.subjects.group_names", "When the request object is a (cluster) role binding, the names of its Group subjects.", subjects("Group", subjectName)),
		reqScalar("ka.req.binding.role", "When the request object is a (cluster) role binding, the name of the role it binds.", "roleRef", "name"),
		detect.KeyField("ka.req.binding.subject.has_name", "Deprecated: always N/A; kept for old rule files.",
			func(string) (func(detect.Event) (string, bool), error) {
				return func(detect.Event) (string, bool) { return "N/A", true }, nil
			}),
		reqScalar("ka.req.configmap.name", "When the request object is a configmap, its name.", "metadata", "name"),
		detect.StrField("ka.req.configmap.obj", "When the request object is a configmap, its data as JSON.", func(x detect.Event) (string, bool) {
			d := req(ev(x), "data")
			if d == nil {
				return "", false
			}
			return string(d.MarshalTo(nil)), true
		}),
		detect.StrField("ka.req.container.image", "Deprecated by ka.req.pod.containers.image: the image of the first container.", func(x detect.Event) (string, bool) {
			return scalar(req(ev(x), "spec", "containers", "0", "image"))
		}),
		detect.StrField("ka.req.container.image.repository", "Deprecated by ka.req.pod.containers.image.repository: the repository of the first container's image.",
			func(x detect.Event) (string, bool) {
				s, ok := scalar(req(ev(x), "spec", "containers", "0", "image"))
				if !ok {
					return "", false
				}
				return imageRepository(s), true
			}),
		reqFlag("ka.req.pod.host_ipc", "When the request object is a pod, the hostIPC flag (false when unset).", "hostIPC"),
		reqFlag("ka.req.pod.host_network", "When the request object is a pod, the hostNetwork flag (false when unset).", "hostNetwork"),
		reqFlag("ka.req.container.host_network", "Deprecated alias of ka.req.pod.host_network.", "hostNetwork"),
		reqFlag("ka.req.pod.host_pid", "When the request object is a pod, the hostPID flag (false when unset).", "hostPID"),
		detect.StrField("ka.req.container.privileged", "Deprecated by ka.req.pod.containers.privileged: true when any container is privileged.",
			func(x detect.Event) (string, bool) {
				spec := req(ev(x), "spec")
				if spec == nil {
					return "", false
				}
				for _, list := range []string{"containers", "initContainers", "ephemeralContainers"} {
					for _, c := range spec.GetArray(list) {
						if c.GetBool("securityContext", "privileged") {
							return "true", true
						}
					}
				}
				return "false", true
			}),
		reqScalar("ka.req.pod.run_as_user", "When the request object is a pod, the runAsUser of the pod security context.", "spec", "securityContext", "runAsUser"),
		reqScalar("ka.req.pod.run_as_group", "When the request object is a pod, the runAsGroup of the pod security context.", "spec", "securityContext", "runAsGroup"),
		reqScalar("ka.req.pod.fs_group", "When the request object is a pod, the fsGroup of the pod security context.", "spec", "securityContext", "fsGroup"),
		detect.Field{Name: "ka.req.pod.supplemental_groups", List: true, Desc: "When the request object is a pod, the supplementalGroups of the pod security context.",
			Bind: func(string) (detect.Extractor, error) {
				return detect.Extractor{Strs: func(x detect.Event, buf []string) []string {
					for _, g := range req(ev(x), "spec", "securityContext", "supplementalGroups").GetArray() {
						if s, ok := scalar(g); ok {
							buf = append(buf, s)
						}
					}
					return buf
				}}, nil
			}},
		detect.Field{Name: "ka.req.role.rules", List: true, Desc: "When the request object is a role or cluster role, its rules, each as JSON.",
			Bind: func(string) (detect.Extractor, error) {
				return detect.Extractor{Strs: func(x detect.Event, buf []string) []string {
					for _, r := range req(ev(x), "rules").GetArray() {
						buf = append(buf, string(r.MarshalTo(nil)))
					}
					return buf
				}}, nil
			}},
		detect.ListField("ka.req.role.rules.apiGroups", "When the request object is a role or cluster role, the apiGroups of its rules.", ruleLists("apiGroups")),
		detect.ListField("ka.req.role.rules.nonResourceURLs", "When the request object is a role or cluster role, the nonResourceURLs of its rules.", ruleLists("nonResourceURLs")),
		detect.ListField("ka.req.role.rules.verbs", "When the request object is a role or cluster role, the verbs of its rules.", ruleLists("verbs")),
		detect.ListField("ka.req.role.rules.resources", "When the request object is a role or cluster role, the resources of its rules.", ruleLists("resources")),
		reqScalar("ka.req.service.type", "When the request object is a service, its type.", "spec", "type"),
		detect.ListField("ka.req.service.ports", "When the request object is a service, its ports, each as JSON.", func(x detect.Event, buf []string) []string {
			for _, p := range req(ev(x), "spec", "ports").GetArray() {
				buf = append(buf, string(p.MarshalTo(nil)))
			}
			return buf
		}),
		detect.ListField("ka.req.pod.volumes.hostpath", "When the request object is a pod, the hostPath paths of its volumes.", volumes(func(v *fastjson.Value, buf []string) []string {
			if s, ok := scalar(v.Get("hostPath", "path")); ok {
				buf = append(buf, s)
			}
			return buf
		})),
		detect.KeyField("ka.req.volume.hostpath", "Deprecated by ka.req.pod.volumes.hostpath: true when a hostPath volume's path starts with the argument.",
			func(prefix string) (func(detect.Event) (string, bool), error) {
				return func(x detect.Event) (string, bool) {
					vols := req(ev(x), "spec", "volumes")
					if vols == nil {
						return "", false
					}
					for _, v := range vols.GetArray() {
						if strings.HasPrefix(string(v.GetStringBytes("hostPath", "path")), prefix) && v.Get("hostPath") != nil {
							return "true", true
						}
					}
					return "false", true
				}, nil
			}),
		detect.ListField("ka.req.pod.volumes.flexvolume_driver", "When the request object is a pod, the flexVolume drivers of its volumes.", volumes(func(v *fastjson.Value, buf []string) []string {
			if s, ok := scalar(v.Get("flexVolume", "driver")); ok {
				buf = append(buf, s)
			}
			return buf
		})),
		detect.ListField("ka.req.pod.volumes.volume_type", "When the request object is a pod, the type of each volume (hostPath, secret, configMap, ...).", volumes(func(v *fastjson.Value, buf []string) []string {
			o, err := v.Object()
			if err != nil {
				return buf
			}
			found := ""
			o.Visit(func(k []byte, _ *fastjson.Value) {
				if found == "" && string(k) != "name" {
					found = string(k)
				}
			})
			if found != "" {
				buf = append(buf, found)
			}
			return buf
		})),
		detect.StrField("ka.resp.name", "The response object name.", func(x detect.Event) (string, bool) {
			e := ev(x)
			if e.respObj == nil {
				return "", false
			}
			return scalar(e.respObj.Get("metadata", "name"))
		}),
		optField("ka.response.code", "The response code.", func(e *Event) opt { return e.respCode }),
		optField("ka.response.reason", "The response reason (usually present only for failures).", func(e *Event) opt { return e.respReason }),
		optField("ka.useragent", "The user agent of the client that made the request.", func(e *Event) opt { return e.userAgent }),
		detect.ListField("ka.sourceips", "The IP addresses of the client that made the request.", func(x detect.Event, buf []string) []string {
			return strs(ev(x).sourceIPs, buf)
		}),
		detect.StrField("ka.cluster.name", "The name of the cluster, as set with --cluster-name (audit events do not carry it).", func(x detect.Event) (string, bool) {
			c := ev(x).cluster
			return c, c != ""
		}),
	}
	fs = append(fs, containerFields("containers", "containers")...)
	fs = append(fs, containerFields("initContainers", "init containers")...)
	fs = append(fs, containerFields("ephemeralContainers", "ephemeral containers")...)
	return fs
}

// fastPointers answers common JSON pointers from the decoded event.
func fastPointers(ptr string) (func(detect.Event) (string, bool), bool) {
	var get func(e *Event) opt
	switch ptr {
	case "/stage":
		get = func(e *Event) opt { return e.stage }
	case "/verb":
		get = func(e *Event) opt { return e.verb }
	case "/auditID":
		get = func(e *Event) opt { return e.auditID }
	case "/requestURI":
		get = func(e *Event) opt { return e.uri }
	case "/user/username":
		get = func(e *Event) opt { return e.user }
	case "/objectRef/resource":
		get = func(e *Event) opt { return e.resource }
	case "/objectRef/subresource":
		get = func(e *Event) opt { return e.subresource }
	case "/objectRef/namespace":
		get = func(e *Event) opt { return e.namespace }
	case "/objectRef/name":
		get = func(e *Event) opt { return e.name }
	default:
		return nil, false
	}
	return func(x detect.Event) (string, bool) {
		o := get(ev(x))
		return o.s, o.ok
	}, true
}

// Source is the k8s_audit source with its full field table.
func Source() *detect.Source {
	s := detect.NewSource(SourceName, Fields(), detect.JSONFields(fastPointers), detect.EventFields(SourceName))
	s.IndexField = "ka.target.resource"
	return s
}
