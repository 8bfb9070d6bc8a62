package netpol

import (
	"bytes"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/eksguard/eksguard/pkg/snapshot"
	"github.com/eksguard/eksguard/pkg/source/manifest"
	"github.com/eksguard/eksguard/pkg/target"
)

func loadSnapshot(t *testing.T, file string) *snapshot.Snapshot {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	s := snapshot.New()
	res := manifest.LoadEach(file, data, manifest.Options{Limits: manifest.DefaultLimits(), FullMetadata: true}, func(tg target.Target) { s.AddTarget(tg) })
	if len(res.Errors) > 0 {
		t.Fatal(res.Errors)
	}
	return s
}

// TestShopView works the shop example by hand:
//   - default-deny isolates every shop pod both ways; dns lets every shop pod reach the
//     kube-dns pods of kube-system on UDP 53 (namespace AND pod selector).
//   - web: ingress from any IPv4 address outside 192.0.2.0/24 on its named port http
//     (8080); egress to api on api's named port (9000), resolved on the api pods.
//   - api: ingress from web on any port; egress to db on 5432.
//   - db: ingress from api on 5432; egress only DNS (default-deny, dns).
//   - kube-system has no policy: its pods may reach anything; shop pods deny them.
func TestShopView(t *testing.T) {
	set, pods, errs := FromSnapshot(loadSnapshot(t, "testdata/shop.yaml"))
	v := BuildView(set, pods, errs)
	if len(v.Errors) > 0 {
		t.Fatal(v.Errors)
	}
	var ids []string
	for _, g := range v.Groups {
		ids = append(ids, g.ID)
	}
	wantGroups := []string{"kube-system/k8s-app=kube-dns", "shop/app=api", "shop/app=db", "shop/app=web"}
	if !slices.Equal(ids, wantGroups) {
		t.Fatalf("groups %v, want %v", ids, wantGroups)
	}
	if m := v.Groups[0].Members; !slices.Equal(m, []string{"Pod/coredns-1", "Pod/coredns-2"}) {
		t.Errorf("kube-dns members %v", m)
	}
	got := map[string]string{}
	for _, c := range v.Connections() {
		got[c.From+" -> "+c.To] = strings.Join(c.Ports, ", ")
	}
	want := map[string]string{
		"shop/app=web -> shop/app=api":                                 "TCP 9000",
		"shop/app=api -> shop/app=db":                                  "TCP 5432",
		"shop/app=web -> kube-system/k8s-app=kube-dns":                 "UDP 53",
		"shop/app=api -> kube-system/k8s-app=kube-dns":                 "UDP 53",
		"shop/app=db -> kube-system/k8s-app=kube-dns":                  "UDP 53",
		"kube-system/k8s-app=kube-dns -> kube-system/k8s-app=kube-dns": "*",
		// kube-dns is open both ways, but api admits only web and db only api, on their
		// ports, and web only addresses: no kube-dns -> shop connection.
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: %q, want %q", k, got[k], w)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected connection %s: %s", k, got[k])
		}
	}
	var ext []string
	for _, e := range v.External {
		ext = append(ext, e.Group+" "+e.Direction+" "+e.Peer+" "+strings.Join(e.Ports, ",")+" "+strings.Join(e.Policies, ","))
	}
	wantExt := []string{
		"kube-system/k8s-app=kube-dns egress * * ",
		"kube-system/k8s-app=kube-dns ingress * * ",
		"shop/app=web ingress 0.0.0.0/0 except 192.0.2.0/24 TCP 8080 web",
	}
	if !slices.Equal(ext, wantExt) {
		t.Errorf("external:\n%s\nwant:\n%s", strings.Join(ext, "\n"), strings.Join(wantExt, "\n"))
	}
	var buf bytes.Buffer
	if err := WriteJSON(&buf, v); err != nil || !json.Valid(buf.Bytes()) {
		t.Fatal("JSON output", err)
	}
	buf.Reset()
	if err := WriteTable(&buf, v); err != nil || !slices.ContainsFunc(strings.Split(buf.String(), "\n"), func(l string) bool {
		return slices.Equal(strings.Fields(l), []string{"shop/app=web", "shop/app=api", "TCP", "9000"})
	}) {
		t.Errorf("table output:\n%s", buf.String())
	}
}

// Pods with the same labels but different named ports are told apart.
func TestGroupingByNamedPorts(t *testing.T) {
	a := withPort(pod("ns", "app=x"), "http", 80, "")
	a.Name = "Deployment/a"
	b := withPort(pod("ns", "app=x"), "http", 8080, "")
	b.Name = "Deployment/b"
	c := withPort(pod("ns", "app=x"), "http", 80, "")
	c.Name = "Deployment/c"
	d := withPort(pod("ns", "app=x"), "", 1234, "") // unnamed ports do not split
	d.Name = "Deployment/d"
	groups := groupPods([]*Pod{a, b, c, d})
	var ids []string
	for _, g := range groups {
		ids = append(ids, g.ID+"="+strings.Join(g.Members, "+"))
	}
	want := []string{"ns/app=x #1=Deployment/d", "ns/app=x #2=Deployment/a+Deployment/c", "ns/app=x #3=Deployment/b"}
	if !slices.Equal(ids, want) {
		t.Errorf("groups %v, want %v", ids, want)
	}
}
