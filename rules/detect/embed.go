// Package detect embeds eksguard's own detection rules, written in the Falco rule format
// for the detect engine (pkg/detect): one YAML file per event source.
package detect

import (
	"embed"
	"sort"
)

//go:embed *.yaml
var files embed.FS

// File is one embedded rule file.
type File struct {
	Name string
	Data []byte
}

// Files returns the embedded rule files in name order.
func Files() []File {
	entries, err := files.ReadDir(".")
	if err != nil {
		panic(err)
	}
	var out []File
	for _, e := range entries {
		data, err := files.ReadFile(e.Name())
		if err != nil {
			panic(err)
		}
		out = append(out, File{Name: "builtin:" + e.Name(), Data: data})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
