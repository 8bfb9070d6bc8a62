package manifest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// seedManifests are realistic inputs for the fuzz targets (added with f.Add, and written to
// the committed corpora by TestWriteFuzzSeeds).
var seedManifests = []string{
	// A Deployment as people write it.
	`apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels:
    app.kubernetes.io/name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels:
        app: web
      annotations:
        note: "it's quoted"
    spec:
      initContainers:
      - name: init
        image: busybox:1.36
        command: ["sh", "-c", "echo hi"]
      containers:
      - name: app
        image: nginx:1.27
        ports:
        - containerPort: 80
          hostPort: 8080
        securityContext:
          privileged: true
          allowPrivilegeEscalation: yes
          runAsUser: 0
        resources:
          limits: {cpu: 500m, memory: 128Mi}
`,
	// Helm-rendered output.
	`---
# Source: chart/templates/serviceaccount.yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: release-chart
  labels:
    helm.sh/chart: chart-0.1.0
---
# Source: chart/templates/configmap.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: release-chart-config
data:
  app.properties: |
    key="value
    other: 'x
  empty: ""
---
# Source: chart/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: release-chart
spec:
  template:
    spec:
      serviceAccountName: release-chart
      containers:
        - name: chart
          image: "nginx:1.16.0"
          imagePullPolicy: IfNotPresent
`,
	// A v1 List and a typed list.
	`apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Pod
  metadata:
    name: a
  spec:
    hostNetwork: true
    containers:
    - name: c
      image: x
- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: b
`,
	`{"apiVersion":"apps/v1","kind":"DeploymentList","items":[{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d1","namespace":"n"},"spec":{"template":{"spec":{"containers":[{"name":"c","image":"x","securityContext":{"privileged":true}}]}}}}]}`,
	`{
  "apiVersion": "v1",
  "kind": "Pod",
  "metadata": {"name": "json-pod", "labels": {"a": "b"}},
  "spec": {"hostPID": true, "containers": [{"name": "c", "image": "busybox"}]}
}
`,
	// A CRD: long descriptions with quotes, block scalars, compact sequences.
	`apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  annotations:
    controller-gen.kubebuilder.io/version: v0.14.0
  name: widgets.example.com
spec:
  group: example.com
  names:
    kind: Widget
    plural: widgets
  scope: Namespaced
  versions:
  - name: v1
    schema:
      openAPIV3Schema:
        description: Widget is the Schema for the widgets API. It's "quoted" here.
        properties:
          spec:
            description: |-
              Spec says what's wanted: "a
              b" and [c
            type: object
        type: object
    served: true
    storage: true
`,
	// RBAC with compact top-level sequences and flow sequences.
	`apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: reader
rules:
- apiGroups: [""]
  resources: ["pods", "pods/log"]
  verbs: ["get", "list", "watch"]
- apiGroups: ['apps']
  resources:
  - deployments
  verbs: [get]
`,
	// CronJob and Job.
	`apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - name: job
            image: alpine
            securityContext: {runAsNonRoot: true}
---
apiVersion: batch/v1
kind: Job
metadata: {name: once}
spec:
  template:
    spec:
      containers: [{name: j, image: alpine}]
`,
	// Duplicate keys, YAML 1.1 booleans, anchors and merge keys.
	`apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  template:
    spec:
      containers:
      - &c
        name: db
        image: postgres
        securityContext:
          privileged: no
          privileged: yes
      - <<: *c
        name: sidecar
`,
	// CRLF line ends.
	"apiVersion: v1\r\nkind: Pod\r\nmetadata:\r\n  name: crlf\r\nspec:\r\n  containers:\r\n  - name: c\r\n    image: x\r\n---\r\napiVersion: v1\r\nkind: Secret\r\nmetadata:\r\n  name: s\r\n",
	// Not Kubernetes.
	`name: CI
on:
  push:
    branches: [main]
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
    - uses: actions/checkout@v4
`,
	// Document end markers and "--- value".
	"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns\n...\n--- \napiVersion: v1\nkind: Service\nmetadata:\n  name: svc # comment\n  namespace: 'ns'\n--- |\n  a block scalar document\n",
	// Old API groups and other workload kinds.
	"apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata:\n  name: old\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n        image: x\n---\napiVersion: v1\nkind: ReplicationController\nmetadata:\n  name: rc\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n        image: x\n---\napiVersion: v1\nkind: PodTemplate\nmetadata:\n  name: pt\ntemplate:\n  spec:\n    containers:\n    - name: c\n      image: x\n---\napiVersion: example.com/v1\nkind: Deployment\nmetadata:\n  name: crd\n",
	// Ephemeral containers and terminal escapes kept as data.
	"apiVersion: v1\nkind: Pod\nmetadata:\n  name: \"evil\\e[31mred\"\n  annotations:\n    x: \"\\x1b]0;title\\x07\"\nspec:\n  containers:\n  - name: c\n    image: x\n  ephemeralContainers:\n  - name: debug\n    image: busybox\n    securityContext:\n      privileged: true\n",
}

// hostileSeeds are small versions of the hostile inputs, for the committed corpora.
func hostileSeeds() map[string]string {
	return map[string]string{
		"alias-bomb":         aliasBomb(6, 6),
		"deep-flow":          "apiVersion: v1\nkind: Pod\nspec: " + strings.Repeat("[", 300) + strings.Repeat("]", 300) + "\n",
		"deep-json":          `{"apiVersion":"v1","kind":"Pod","spec":` + strings.Repeat(`{"a":`, 300) + "1" + strings.Repeat("}", 300) + "}",
		"deep-block":         deepBlock(40),
		"cve-2022-28948":     "0: [:!00 \xef",
		"nul":                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\x00b\n",
		"invalid-utf8":       "apiVersion: v1\nkind: Pod\nmetadata:\n  name: \xff\xfe\nspec:\n  containers: []\n",
		"kind-hidden-quote":  "apiVersion: apps/v1\nx: \"\nkind: ConfigMap\"\nkind : Deployment\nmetadata:\n  name: evil\n",
		"kind-hidden-cr":     "apiVersion: apps/v1\nkind: ConfigMap\rkind: Deployment\nmetadata:\n  name: evil\n",
		"kind-hidden-ls":     "apiVersion: apps/v1\nkind: ConfigMap\u2028kind: Deployment\nmetadata:\n  name: evil\n",
		"kind-hidden-nel":    "apiVersion: apps/v1\nkind: ConfigMap\u0085kind: Deployment\nmetadata:\n  name: evil\n",
		"name-hidden-quoted": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  generateName: \"x\n  name: fake\"\n",
		"name-quoted-key":    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n  \"name\": evil\n",
		"name-nbsp":          "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\u00a0\n",
		"bom":                "\ufeffapiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n",
		"many-docs":          strings.Repeat("a: 1\n---\n", 100),
		"list-over-limit":    "apiVersion: v1\nkind: List\nitems:\n" + strings.Repeat("- {apiVersion: v1, kind: ConfigMap}\n", 70),
		"type-error":         "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    securityContext:\n      privileged: \"yes please\"\n",
	}
}

// aliasBomb is a workload document whose aliases expand to width^levels nodes.
func aliasBomb(levels, width int) string {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: Pod\nmetadata:\n  name: lol\nx0: &a0 [lol]\n")
	for i := 1; i <= levels; i++ {
		fmt.Fprintf(&b, "x%d: &a%d [", i, i)
		for j := 0; j < width; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "*a%d", i-1)
		}
		b.WriteString("]\n")
	}
	b.WriteString("spec:\n  containers:\n  - name: c\n    image: x\n")
	return b.String()
}

// deepBlock is a Pod with n nested block mappings under spec.
func deepBlock(n int) string {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: Pod\nmetadata:\n  name: deep\nspec:\n")
	for i := 0; i < n; i++ {
		b.WriteString(strings.Repeat("  ", i+1))
		b.WriteString("a:\n")
	}
	b.WriteString(strings.Repeat("  ", n+1))
	b.WriteString("b: 1\n")
	return b.String()
}

// TestWriteFuzzSeeds writes the seed corpora; run with EKSGUARD_WRITE_SEEDS=1 after changing
// the seeds. Files the fuzzer found are left as they are.
func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("EKSGUARD_WRITE_SEEDS") == "" {
		t.Skip("set EKSGUARD_WRITE_SEEDS=1 to rewrite testdata/fuzz seeds")
	}
	write := func(fuzz, name, data string) {
		dir := filepath.Join("testdata", "fuzz", fuzz)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", data)
		if err := os.WriteFile(filepath.Join(dir, "seed-"+name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, fuzz := range []string{"FuzzLoad", "FuzzHeaderAgreesWithParser"} {
		for i, s := range seedManifests {
			write(fuzz, fmt.Sprintf("manifest-%02d", i), s)
		}
		for name, s := range hostileSeeds() {
			write(fuzz, name, s)
		}
	}
}
