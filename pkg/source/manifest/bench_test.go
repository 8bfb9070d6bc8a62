package manifest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkLoad reads the bundled example application and a CRD-sized document no rule
// reads in full, the two shapes that dominate real repositories. The side-by-side
// benchmark against kube-score is bench/run.sh.
func BenchmarkLoad(b *testing.B) {
	var example []byte
	files, _ := filepath.Glob("../../../examples/shop/*.yaml")
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		example = append(append(example, "---\n"...), data...)
	}
	var crd strings.Builder
	crd.WriteString("apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.com\nspec:\n  versions:\n  - name: v1\n    schema:\n      openAPIV3Schema:\n        properties:\n")
	for i := 0; i < 5000; i++ {
		crd.WriteString("          field" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + "" + itoa(i) + ":\n            type: string\n            description: A field of the widget, with a long description of its use.\n")
	}
	for _, c := range []struct {
		name string
		data []byte
	}{{"example", example}, {"crd", []byte(crd.String())}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.data)))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				res := Load("bench.yaml", c.data, Options{Limits: DefaultLimits()})
				if len(res.Errors) > 0 || len(res.Targets) == 0 {
					b.Fatalf("errors %v, %d targets", res.Errors, len(res.Targets))
				}
			}
		})
	}
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var d []byte
	for ; i > 0; i /= 10 {
		d = append([]byte{byte('0' + i%10)}, d...)
	}
	return string(d)
}
