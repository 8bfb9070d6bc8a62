package manifest

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/eksguard/eksguard/pkg/finding"
	"github.com/eksguard/eksguard/pkg/target"
)

func load(t *testing.T, name, s string) *Result {
	t.Helper()
	return Load(name, []byte(s), Options{Limits: DefaultLimits()})
}

// mustLoad loads and fails on input errors.
func mustLoad(t *testing.T, s string) *Result {
	t.Helper()
	res := load(t, "m.yaml", s)
	if len(res.Errors) > 0 {
		t.Fatalf("input errors: %v", res.Errors)
	}
	return res
}

// lineWith is the 1-based line of the n-th (from 1) line of s that contains sub.
func lineWith(t *testing.T, s, sub string, n int) int {
	t.Helper()
	k := n
	for i, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			if k--; k == 0 {
				return i + 1
			}
		}
	}
	t.Fatalf("no line %d with %q", n, sub)
	return 0
}

type subject struct {
	typ                               string // Object or Workload
	apiVersion, kind, namespace, name string
	doc                               int
}

func subjects(res *Result) []subject {
	var out []subject
	for _, tg := range res.Targets {
		o := tg.(target.Objecter).AsObject()
		typ := "Object"
		if _, ok := tg.(*target.Workload); ok {
			typ = "Workload"
		}
		out = append(out, subject{typ, o.APIVersion, o.Kind, o.Meta.Namespace, o.Meta.Name, o.Origin.Document})
	}
	return out
}

func checkSubjects(t *testing.T, res *Result, want ...subject) {
	t.Helper()
	if got := subjects(res); !reflect.DeepEqual(got, want) {
		t.Fatalf("targets\n got  %+v\n want %+v", got, want)
	}
}

// checkLine asserts the line Locate gives for path.
func checkLine(t *testing.T, tg target.Target, path string, want int) {
	t.Helper()
	if got := tg.Locate(path); got.Line != want {
		t.Errorf("%v: Locate(%q) line %d, want %d", tg.Subject(), path, got.Line, want)
	}
}

const helmOutput = `---
# Source: web/templates/serviceaccount.yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: web
  namespace: shop
---
# Source: web/templates/configmap.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
data:
  nginx.conf: |
    server { listen 80; }
---
# Source: web/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels:
    app.kubernetes.io/managed-by: Helm
spec:
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: sidecar
          image: "envoy:1.30"
        - name: web
          image: "nginx:1.27"
          securityContext:
            privileged: true
`

func TestLoadHelmMultiDocument(t *testing.T) {
	res := mustLoad(t, helmOutput)
	checkSubjects(t, res,
		subject{"Object", "v1", "ServiceAccount", "shop", "web", 1},
		subject{"Object", "v1", "ConfigMap", "", "web-config", 2},
		subject{"Workload", "apps/v1", "Deployment", "shop", "web", 3},
	)
	if res.Documents != 3 || res.Objects != 3 || res.Workloads != 1 || res.NotKubernetes {
		t.Fatalf("counts: %+v", res)
	}
	checkLine(t, res.Targets[0], "metadata.name", lineWith(t, helmOutput, "name: web", 1))
	checkLine(t, res.Targets[1], "metadata.name", lineWith(t, helmOutput, "name: web-config", 1))
	checkLine(t, res.Targets[1], "kind", lineWith(t, helmOutput, "kind: ConfigMap", 1))
	w := res.Targets[2].(*target.Workload)
	if w.Meta.Labels["app.kubernetes.io/managed-by"] != "Helm" || w.PodMeta.Labels["app"] != "web" {
		t.Fatalf("labels: %v / %v", w.Meta.Labels, w.PodMeta.Labels)
	}
	// Nested container fields in the third document: absolute file lines.
	checkLine(t, w, "spec.template.spec.containers[1].securityContext.privileged", lineWith(t, helmOutput, "privileged: true", 1))
	checkLine(t, w, "spec.template.spec.containers[1].image", lineWith(t, helmOutput, `image: "nginx:1.27"`, 1))
	checkLine(t, w, "spec.template.spec.containers[1]", lineWith(t, helmOutput, "- name: web", 1))
	checkLine(t, w, "spec.template.spec.containers[0].image", lineWith(t, helmOutput, "envoy", 1))
	// An absent field: the line of its deepest existing parent.
	checkLine(t, w, "spec.template.spec.containers[0].securityContext.runAsNonRoot", lineWith(t, helmOutput, "- name: sidecar", 1))
	checkLine(t, w, "spec.template.spec.hostNetwork", lineWith(t, helmOutput, "    spec:", 1))
	if loc := w.Locate("metadata.name"); loc.File != "m.yaml" || loc.Document != 3 || loc.Path != "metadata.name" {
		t.Fatalf("location %+v", loc)
	}
}

const secondDocPod = `apiVersion: v1
kind: ConfigMap
metadata:
  name: first
---
apiVersion: v1
kind: Pod
metadata:
  name: second
spec:
  initContainers:
  - name: init
    image: busybox
  containers:
  - name: a
    image: nginx
  - name: b
    image: redis
    securityContext:
      capabilities:
        add: ["NET_ADMIN", "SYS_ADMIN"]
      runAsUser: 0
  ephemeralContainers:
  - name: debug
    image: busybox
    securityContext:
      privileged: true
`

func TestLoadLinesInSecondDocumentAreFileLines(t *testing.T) {
	res := mustLoad(t, secondDocPod)
	checkSubjects(t, res,
		subject{"Object", "v1", "ConfigMap", "", "first", 1},
		subject{"Workload", "v1", "Pod", "", "second", 2},
	)
	w := res.Targets[1].(*target.Workload)
	if w.SpecPath != "spec" || w.PodMetaPath != "metadata" {
		t.Fatalf("paths %q %q", w.SpecPath, w.PodMetaPath)
	}
	var paths []string
	for _, c := range w.Containers() {
		paths = append(paths, c.List+" "+c.Name+" "+c.Path)
	}
	want := []string{"initContainers init spec.initContainers[0]", "containers a spec.containers[0]", "containers b spec.containers[1]", "ephemeralContainers debug spec.ephemeralContainers[0]"}
	if !reflect.DeepEqual(paths, want) {
		t.Fatalf("containers %q", paths)
	}
	checkLine(t, w, "spec.containers[1].securityContext.capabilities.add[1]", lineWith(t, secondDocPod, "add:", 1))
	checkLine(t, w, "spec.containers[1].securityContext.runAsUser", lineWith(t, secondDocPod, "runAsUser: 0", 1))
	checkLine(t, w, "spec.ephemeralContainers[0].securityContext.privileged", lineWith(t, secondDocPod, "privileged: true", 1))
	checkLine(t, w, "spec.initContainers[0].image", lineWith(t, secondDocPod, "image: busybox", 1))
	checkLine(t, w, "metadata.name", lineWith(t, secondDocPod, "name: second", 1))
	checkLine(t, res.Targets[0], "metadata.name", 4)
	if loc := w.Locate("spec.containers[1].securityContext.privileged"); loc.Column == 0 {
		t.Fatalf("no column: %+v", loc)
	}
}

const listYAML = `apiVersion: v1
kind: List
metadata: {}
items:
- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: cm
- apiVersion: v1
  kind: Pod
  metadata:
    name: pod
    namespace: ns
  spec:
    containers:
    - name: c
      image: nginx
      securityContext:
        privileged: true
- apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: dep
  spec:
    template:
      spec:
        hostPID: true
        containers:
        - name: d
          image: redis
`

func TestLoadV1List(t *testing.T) {
	res := mustLoad(t, listYAML)
	checkSubjects(t, res,
		subject{"Object", "v1", "ConfigMap", "", "cm", 1},
		subject{"Workload", "v1", "Pod", "ns", "pod", 1},
		subject{"Workload", "apps/v1", "Deployment", "", "dep", 1},
	)
	if res.Objects != 3 || res.Workloads != 2 || res.Documents != 1 {
		t.Fatalf("counts %+v", res)
	}
	pod := res.Targets[1].(*target.Workload)
	if pod.SpecPath != "spec" || !*pod.Spec.Containers[0].SecurityContext.Privileged {
		t.Fatalf("pod %+v", pod.Spec)
	}
	// Paths are relative to the item and resolve inside items[i].
	checkLine(t, res.Targets[0], "metadata.name", lineWith(t, listYAML, "name: cm", 1))
	checkLine(t, pod, "spec.containers[0].securityContext.privileged", lineWith(t, listYAML, "privileged: true", 1))
	checkLine(t, pod, "metadata.namespace", lineWith(t, listYAML, "namespace: ns", 1))
	checkLine(t, pod, "", lineWith(t, listYAML, "kind: Pod", 1)-1) // the item itself: its "-" line
	dep := res.Targets[2].(*target.Workload)
	checkLine(t, dep, "spec.template.spec.hostPID", lineWith(t, listYAML, "hostPID", 1))
	checkLine(t, dep, "spec.template.spec.containers[0].image", lineWith(t, listYAML, "image: redis", 1))
	if loc := dep.Locate("spec.template.spec.hostPID"); loc.Path != "spec.template.spec.hostPID" || loc.Document != 1 {
		t.Fatalf("location %+v", loc)
	}
}

const deploymentList = `# kubectl get deployments -o yaml
apiVersion: apps/v1
kind: DeploymentList
items:
- apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: one
    namespace: a
  spec:
    template:
      spec:
        containers:
        - name: c
          image: nginx
- apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: two
    namespace: b
  spec:
    template:
      spec:
        containers:
        - name: c
          image: nginx
          securityContext:
            allowPrivilegeEscalation: true
`

func TestLoadDeploymentList(t *testing.T) {
	res := mustLoad(t, "---\n"+deploymentList)
	checkSubjects(t, res,
		subject{"Workload", "apps/v1", "Deployment", "a", "one", 1},
		subject{"Workload", "apps/v1", "Deployment", "b", "two", 1},
	)
	in := "---\n" + deploymentList
	two := res.Targets[1].(*target.Workload)
	checkLine(t, two, "spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation", lineWith(t, in, "allowPrivilegeEscalation", 1))
	checkLine(t, res.Targets[0], "metadata.name", lineWith(t, in, "name: one", 1))
	checkLine(t, two, "metadata.name", lineWith(t, in, "name: two", 1))
	// A list kind without items is an object; a List with no items holds nothing.
	res = mustLoad(t, "apiVersion: v1\nkind: PodList\nmetadata: {}\n---\napiVersion: v1\nkind: List\nitems: []\n")
	checkSubjects(t, res, subject{"Object", "v1", "PodList", "", "", 1})
}

const jsonPod = `{
  "apiVersion": "v1",
  "kind": "Pod",
  "metadata": {"name": "json-pod", "namespace": "ns"},
  "spec": {
    "hostNetwork": true,
    "containers": [
      {"name": "c", "image": "nginx",
       "securityContext": {"privileged": true}}
    ]
  }
}
`

func TestLoadJSON(t *testing.T) {
	res := mustLoad(t, jsonPod)
	checkSubjects(t, res, subject{"Workload", "v1", "Pod", "ns", "json-pod", 1})
	w := res.Targets[0].(*target.Workload)
	if !w.Spec.HostNetwork || !*w.Spec.Containers[0].SecurityContext.Privileged {
		t.Fatalf("spec %+v", w.Spec)
	}
	checkLine(t, w, "spec.hostNetwork", lineWith(t, jsonPod, "hostNetwork", 1))
	checkLine(t, w, "spec.containers[0].securityContext.privileged", lineWith(t, jsonPod, `"privileged"`, 1))

	// The same document after a marker and blank lines: lines stay file lines.
	in := "---\n\n\n" + jsonPod
	w = mustLoad(t, in).Targets[0].(*target.Workload)
	checkLine(t, w, "spec.hostNetwork", lineWith(t, in, "hostNetwork", 1))
	checkLine(t, w, "spec.containers[0].securityContext.privileged", lineWith(t, in, `"privileged"`, 1))

	// A JSON object that is not a workload: the document's line.
	res = mustLoad(t, `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"n"}}`)
	checkSubjects(t, res, subject{"Object", "v1", "Namespace", "", "n", 1})
	checkLine(t, res.Targets[0], "metadata.name", 1)

	// JSON List (kubectl get -o json).
	list := `{
  "apiVersion": "v1",
  "kind": "List",
  "items": [
    {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "svc"}},
    {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "ds"},
     "spec": {"template": {"spec": {"hostIPC": true, "containers": [{"name": "c", "image": "x"}]}}}}
  ]
}`
	res = mustLoad(t, list)
	checkSubjects(t, res,
		subject{"Object", "v1", "Service", "", "svc", 1},
		subject{"Workload", "apps/v1", "DaemonSet", "", "ds", 1},
	)
	checkLine(t, res.Targets[1], "spec.template.spec.hostIPC", lineWith(t, list, "hostIPC", 1))

	// Malformed JSON names the document.
	res = load(t, "j.json", `{"apiVersion": "v1", "kind": "Pod",}`)
	if len(res.Errors) != 1 || res.Errors[0].Input != "j.json" || res.Errors[0].Document != 1 || !strings.Contains(res.Errors[0].Message, "malformed JSON") {
		t.Fatalf("errors %v", res.Errors)
	}
}

func TestLoadWorkloadKinds(t *testing.T) {
	podSpec := func(indent int) string {
		p := strings.Repeat(" ", indent)
		return p + "containers:\n" + p + "- name: c\n" + p + "  image: nginx\n" + p + "  securityContext:\n" + p + "    privileged: true\n"
	}
	cases := []struct {
		apiVersion, kind, body, specPath, metaPath string
	}{
		{"v1", "Pod", "spec:\n" + podSpec(2), "spec", "metadata"},
		{"v1", "PodTemplate", "template:\n  metadata:\n    labels: {a: b}\n  spec:\n" + podSpec(4), "template.spec", "template.metadata"},
		{"v1", "ReplicationController", "spec:\n  template:\n    metadata:\n      labels: {a: b}\n    spec:\n" + podSpec(6), "spec.template.spec", "spec.template.metadata"},
		{"apps/v1", "Deployment", "spec:\n  template:\n    metadata:\n      labels: {a: b}\n    spec:\n" + podSpec(6), "spec.template.spec", "spec.template.metadata"},
		{"extensions/v1beta1", "Deployment", "spec:\n  template:\n    metadata:\n      labels: {a: b}\n    spec:\n" + podSpec(6), "spec.template.spec", "spec.template.metadata"},
		{"apps/v1", "StatefulSet", "spec:\n  template:\n    metadata:\n      labels: {a: b}\n    spec:\n" + podSpec(6), "spec.template.spec", "spec.template.metadata"},
		{"apps/v1", "DaemonSet", "spec:\n  template:\n    metadata:\n      labels: {a: b}\n    spec:\n" + podSpec(6), "spec.template.spec", "spec.template.metadata"},
		{"extensions/v1beta1", "DaemonSet", "spec:\n  template:\n    metadata:\n      labels: {a: b}\n    spec:\n" + podSpec(6), "spec.template.spec", "spec.template.metadata"},
		{"apps/v1", "ReplicaSet", "spec:\n  template:\n    metadata:\n      labels: {a: b}\n    spec:\n" + podSpec(6), "spec.template.spec", "spec.template.metadata"},
		{"batch/v1", "Job", "spec:\n  template:\n    metadata:\n      labels: {a: b}\n    spec:\n" + podSpec(6), "spec.template.spec", "spec.template.metadata"},
		{"batch/v1", "CronJob", "spec:\n  schedule: '* * * * *'\n  jobTemplate:\n    spec:\n      template:\n        metadata:\n          labels: {a: b}\n        spec:\n" + podSpec(10), "spec.jobTemplate.spec.template.spec", "spec.jobTemplate.spec.template.metadata"},
	}
	for _, c := range cases {
		t.Run(c.apiVersion+"/"+c.kind, func(t *testing.T) {
			in := "apiVersion: " + c.apiVersion + "\nkind: " + c.kind + "\nmetadata:\n  name: w\n" + c.body
			res := mustLoad(t, "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: before\n---\n"+in)
			full := "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: before\n---\n" + in
			checkSubjects(t, res, subject{"Object", "v1", "ConfigMap", "", "before", 1}, subject{"Workload", c.apiVersion, c.kind, "", "w", 2})
			w := res.Targets[1].(*target.Workload)
			if w.SpecPath != c.specPath || w.PodMetaPath != c.metaPath {
				t.Fatalf("paths %q %q, want %q %q", w.SpecPath, w.PodMetaPath, c.specPath, c.metaPath)
			}
			if len(w.Spec.Containers) != 1 || w.Spec.Containers[0].Image != "nginx" || !*w.Spec.Containers[0].SecurityContext.Privileged {
				t.Fatalf("spec %+v", w.Spec)
			}
			if c.kind != "Pod" && w.PodMeta.Labels["a"] != "b" {
				t.Fatalf("pod metadata %+v", w.PodMeta)
			}
			c0 := w.Containers()[0]
			if c0.Path != c.specPath+".containers[0]" {
				t.Fatalf("container path %q", c0.Path)
			}
			checkLine(t, w, c0.Path+".securityContext.privileged", lineWith(t, full, "privileged: true", 1))
			checkLine(t, w, c0.Path+".image", lineWith(t, full, "image: nginx", 1))
			checkLine(t, w, c.specPath, lineWith(t, full, "containers:", 1)-1)
		})
	}
}

func TestLoadKindInAnotherGroupIsAnObject(t *testing.T) {
	in := "apiVersion: example.com/v1\nkind: Deployment\nmetadata:\n  name: crd\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n        image: x\n---\napiVersion: v1\nkind: Job\nmetadata:\n  name: core-job\n"
	res := mustLoad(t, in)
	checkSubjects(t, res,
		subject{"Object", "example.com/v1", "Deployment", "", "crd", 1},
		subject{"Object", "v1", "Job", "", "core-job", 2},
	)
	if res.Workloads != 0 {
		t.Fatalf("workloads %d", res.Workloads)
	}
}

func TestLoadNotKubernetes(t *testing.T) {
	for name, in := range map[string]string{
		"github actions": "name: CI\non:\n  push:\n    branches: [main]\njobs:\n  build:\n    runs-on: ubuntu-latest\n",
		"scalar":         "just some text\n",
		"sequence":       "- a\n- b\n",
		"kind only":      "kind: Pod\nmetadata:\n  name: x\n",
		"empty":          "",
		"comments only":  "# nothing here\n---\n# nor here\n",
		"whitespace":     "\n  \n\t\n",
	} {
		t.Run(name, func(t *testing.T) {
			res := load(t, "x.yaml", in)
			if len(res.Errors) != 0 || len(res.Targets) != 0 || !res.NotKubernetes || res.Objects != 0 {
				t.Fatalf("%+v", res)
			}
		})
	}
	if res := load(t, "x.yaml", ""); res.Documents != 0 {
		t.Fatalf("empty file: %d documents", res.Documents)
	}
}

func TestLoadBinaryFile(t *testing.T) {
	png := "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01"
	res := load(t, "image.yaml", png)
	want := []finding.InputError{{Input: "image.yaml", Line: 3, Message: "binary data (a NUL byte): not read as YAML or JSON (UTF-16 text is not supported)"}}
	if !reflect.DeepEqual(res.Errors, want) || len(res.Targets) != 0 || res.NotKubernetes {
		t.Fatalf("%+v", res)
	}
	// UTF-16 text holds NUL bytes: kubectl would decode it, so it is not skipped in silence.
	utf16 := "\xff\xfea\x00p\x00i\x00V\x00"
	if res := load(t, "u16.yaml", utf16); len(res.Errors) != 1 || res.Errors[0].Input != "u16.yaml" {
		t.Fatalf("UTF-16: %+v", res)
	}
}

const malformedSecond = `apiVersion: v1
kind: ConfigMap
metadata:
  name: one
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: broken
spec:
  template:
    spec:
      containers:
      - name: c
        image: [unclosed
---
apiVersion: v1
kind: Pod
metadata:
  name: three
spec:
  containers:
  - name: c
    image: x
`

func TestLoadMalformedDocument(t *testing.T) {
	res := load(t, "m.yaml", malformedSecond)
	checkSubjects(t, res,
		subject{"Object", "v1", "ConfigMap", "", "one", 1},
		subject{"Workload", "v1", "Pod", "", "three", 3},
	)
	if len(res.Errors) != 1 {
		t.Fatalf("errors %v", res.Errors)
	}
	e := res.Errors[0]
	// The line of the flow sequence that is never closed.
	if e.Input != "m.yaml" || e.Document != 2 || e.Line != lineWith(t, malformedSecond, "image: [unclosed", 1) || !strings.HasPrefix(e.Message, "malformed YAML: ") {
		t.Fatalf("error %+v", e)
	}

	// A mapping error inside the document: the line of the offending key.
	in := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: bad\n   oops: 1\n"
	res = load(t, "m.yaml", in)
	if len(res.Errors) != 1 || res.Errors[0].Document != 2 || res.Errors[0].Line != 10 || len(res.Targets) != 1 {
		t.Fatalf("%+v", res)
	}
	if res.NotKubernetes {
		t.Fatal("a file with an error is not 'not Kubernetes'")
	}

	// An error at the end of the input names the last line, with or without a final newline.
	for in, line := range map[string]int{
		"[":                                      1,
		"apiVersion: v1\nkind: Pod\nspec: [x,\n": 3,
		"apiVersion: v1\nkind: Pod\nspec: [x,\n\n": 3,
		"apiVersion: v1\nkind: Pod\nspec: {x: 1":   3,
		"a: 1\n---\nb: \"open\n":                   3,
	} {
		res := load(t, "e.yaml", in)
		if len(res.Errors) != 1 || res.Errors[0].Line != line {
			t.Errorf("%q: errors %v, want one at line %d", in, res.Errors, line)
		}
	}
}

func TestLoadTypeErrorNamesTheDocument(t *testing.T) {
	in := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: one\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n        image: x\n        securityContext:\n          privileged: \"yes please\"\n"
	res := load(t, "t.yaml", in)
	checkSubjects(t, res, subject{"Object", "v1", "ConfigMap", "", "one", 1})
	if len(res.Errors) != 1 {
		t.Fatalf("errors %v", res.Errors)
	}
	e := res.Errors[0]
	if e.Input != "t.yaml" || e.Document != 2 || e.Line != 6 || !strings.Contains(e.Message, "Deployment web") || !strings.Contains(e.Message, "privileged") {
		t.Fatalf("error %+v", e)
	}
	if res.Workloads != 0 {
		t.Fatalf("workloads %d", res.Workloads)
	}
}

func TestLoadYAML11BooleansAsKubectl(t *testing.T) {
	in := `apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  hostNetwork: on
  hostPID: Yes
  hostIPC: off
  containers:
  - name: c
    image: x
    stdin: y
    tty: N
    securityContext:
      privileged: yes
      allowPrivilegeEscalation: TRUE
      readOnlyRootFilesystem: no
      runAsNonRoot: False
      runAsUser: 0x10
      runAsGroup: 0777
`
	res := mustLoad(t, in)
	w := res.Targets[0].(*target.Workload)
	s := w.Spec
	c := s.Containers[0]
	sc := c.SecurityContext
	got := fmt.Sprint(s.HostNetwork, s.HostPID, s.HostIPC, c.Stdin, c.TTY, *sc.Privileged, *sc.AllowPrivilegeEscalation, *sc.ReadOnlyRootFilesystem, *sc.RunAsNonRoot, *sc.RunAsUser, *sc.RunAsGroup)
	if want := "true true false true false true true false false 16 511"; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
	// And exactly what kubectl decodes.
	objs, ok := kubectlObjects([]byte(in))
	if !ok || len(objs) != 1 {
		t.Fatal("kubectl cannot read the document")
	}
	_, spec, err := podOf("Pod", objs[0].js)
	if err != nil || !reflect.DeepEqual(spec, w.Spec) {
		t.Fatalf("kubectl: %+v %v", spec, err)
	}
	// Quoted, the same words are strings: a type error, as kubectl reports.
	res = load(t, "q.yaml", strings.Replace(in, "privileged: yes", `privileged: "yes"`, 1))
	if len(res.Errors) != 1 || res.Errors[0].Document != 1 {
		t.Fatalf("quoted yes: %+v", res)
	}
}

func TestLoadDuplicateKeys(t *testing.T) {
	in := `apiVersion: v1
kind: ConfigMap
metadata:
  name: first
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: dup
  name: dup2
spec:
  template:
    spec:
      containers:
      - name: c
        image: x
        securityContext:
          privileged: false
          runAsUser: 1000
          privileged: true
`
	res := mustLoad(t, in)
	checkSubjects(t, res, subject{"Object", "v1", "ConfigMap", "", "first", 1}, subject{"Workload", "apps/v1", "Deployment", "", "dup2", 2})
	w := res.Targets[1].(*target.Workload)
	want := []target.DuplicateKey{
		{Path: "metadata.name", Line: lineWith(t, in, "name: dup2", 1), FirstLine: lineWith(t, in, "name: dup", 1)},
		{Path: "spec.template.spec.containers[0].securityContext.privileged", Line: lineWith(t, in, "privileged: true", 1), FirstLine: lineWith(t, in, "privileged: false", 1)},
	}
	if !reflect.DeepEqual(w.Duplicates, want) {
		t.Fatalf("duplicates\n got  %+v\n want %+v", w.Duplicates, want)
	}
	if !*w.Spec.Containers[0].SecurityContext.Privileged {
		t.Fatal("the last value must win, as the API server stores it")
	}
	// The locator points at the value that won.
	checkLine(t, w, "spec.template.spec.containers[0].securityContext.privileged", lineWith(t, in, "privileged: true", 1))
	// A duplicate top-level key of a fast-path kind: the document is parsed in full.
	res = mustLoad(t, "apiVersion: v1\nkind: ConfigMap\nkind: Secret\nmetadata:\n  name: s\n")
	checkSubjects(t, res, subject{"Object", "v1", "Secret", "", "s", 1})
	o := res.Targets[0].(*target.Object)
	if !reflect.DeepEqual(o.Duplicates, []target.DuplicateKey{{Path: "kind", Line: 3, FirstLine: 2}}) {
		t.Fatalf("duplicates %+v", o.Duplicates)
	}
}

func TestLoadFastPathMatchesFullParse(t *testing.T) {
	inputs := append([]string{helmOutput, secondDocPod, listYAML, deploymentList, jsonPod}, seedManifests...)
	for i, in := range inputs {
		fast := Load("f.yaml", []byte(in), Options{Limits: DefaultLimits()})
		full := Load("f.yaml", []byte(in), Options{Limits: DefaultLimits(), FullMetadata: true})
		if !reflect.DeepEqual(subjects(fast), subjects(full)) || len(fast.Errors) != len(full.Errors) {
			t.Errorf("input %d: fast %+v %v\nfull %+v %v", i, subjects(fast), fast.Errors, subjects(full), full.Errors)
		}
		for j, tg := range fast.Targets {
			for _, p := range []string{"kind", "metadata.name", "metadata.namespace"} {
				if a, b := tg.Locate(p).Line, full.Targets[j].Locate(p).Line; a != b {
					t.Errorf("input %d target %d: %s at line %d (fast) and %d (full)", i, j, p, a, b)
				}
			}
		}
	}
}

func TestLoadFullMetadataReadsLabels(t *testing.T) {
	in := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels:\n    team: a\n  annotations:\n    eksguard.io/exempt: \"x\"\n"
	fast := mustLoad(t, in).Targets[0].(*target.Object)
	if fast.Meta.Labels != nil {
		t.Fatalf("fast path read labels: %v", fast.Meta.Labels)
	}
	full := Load("f.yaml", []byte(in), Options{Limits: DefaultLimits(), FullMetadata: true}).Targets[0].(*target.Object)
	if full.Meta.Labels["team"] != "a" || full.Meta.Annotations["eksguard.io/exempt"] != "x" {
		t.Fatalf("full: %+v", full.Meta)
	}
}

func TestLoadTerminalEscapesAreData(t *testing.T) {
	in := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: \"evil\\e[31mred\\e[0m\"\n  annotations:\n    x: \"\\x1b]0;title\\x07\"\nspec:\n  containers:\n  - name: c\n    image: \"img\\r\\e[2K\"\n"
	res := mustLoad(t, in)
	w := res.Targets[0].(*target.Workload)
	if w.Meta.Name != "evil\x1b[31mred\x1b[0m" || w.Meta.Annotations["x"] != "\x1b]0;title\x07" || w.Spec.Containers[0].Image != "img\r\x1b[2K" {
		t.Fatalf("%q %q %q", w.Meta.Name, w.Meta.Annotations["x"], w.Spec.Containers[0].Image)
	}
	if s := w.Subject(); s.Name != w.Meta.Name {
		t.Fatalf("subject %q", s.Name)
	}
}

// TestLoadBypassesStayClosed: documents a line scanner could misread as something harmless
// while kubectl reads a privileged Deployment.
func TestLoadBypassesStayClosed(t *testing.T) {
	dep := "metadata:\n  name: evil\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n        image: x\n        securityContext:\n          privileged: true\n"
	for name, head := range map[string]string{
		"quoted scalar hides a kind": "apiVersion: apps/v1\nx: \"\nkind: ConfigMap\"\nkind : Deployment\n",
		"space before colon":         "apiVersion: apps/v1\nkind : Deployment\n",
		"bare CR":                    "apiVersion: apps/v1\nkind: ConfigMap\rkind: Deployment\n",
		"LS":                         "apiVersion: apps/v1\nkind: ConfigMap\u2028kind: Deployment\n",
		"NEL":                        "apiVersion: apps/v1\nkind: ConfigMap\u0085kind: Deployment\n",
		"PS":                         "apiVersion: apps/v1\nkind: ConfigMap\u2029kind: Deployment\n",
	} {
		t.Run(name, func(t *testing.T) {
			res := load(t, "b.yaml", head+dep)
			objs, ok := kubectlObjects([]byte(head + dep))
			if !ok || len(objs) != 1 || objs[0].kind != "Deployment" {
				t.Fatalf("kubectl reads %+v (%v)", objs, ok)
			}
			if len(res.Errors) > 0 {
				return // reported: not a bypass
			}
			if res.Workloads != 1 {
				t.Fatalf("kubectl reads a Deployment, eksguard: %+v", subjects(res))
			}
			w := res.Targets[0].(*target.Workload)
			if want := (corev1.SecurityContext{Privileged: w.Spec.Containers[0].SecurityContext.Privileged}); want.Privileged == nil || !*want.Privileged {
				t.Fatal("privileged lost")
			}
		})
	}
}
