// Package yamldocs writes Kubernetes objects as a stream of YAML documents, the form
// `kubectl apply -f -` takes.
package yamldocs

import (
	"bytes"

	"sigs.k8s.io/yaml"
)

// Marshal writes objects (typed API objects or maps) as YAML documents separated by
// "---", dropping the null creationTimestamp and empty status fields typed objects carry.
func Marshal(objs []any) ([]byte, error) {
	var b bytes.Buffer
	for i, o := range objs {
		y, err := yaml.Marshal(o)
		if err != nil {
			return nil, err
		}
		var m map[string]any
		if err := yaml.Unmarshal(y, &m); err != nil {
			return nil, err
		}
		delete(m, "status")
		clean(m)
		y, err = yaml.Marshal(m)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			b.WriteString("---\n")
		}
		b.Write(y)
	}
	return b.Bytes(), nil
}

// clean removes null creationTimestamp fields and empty status maps at any depth.
func clean(v any) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if (k == "creationTimestamp" && e == nil) || (k == "status" && isEmptyMap(e)) {
				delete(x, k)
				continue
			}
			clean(e)
		}
	case []any:
		for _, e := range x {
			clean(e)
		}
	}
}

func isEmptyMap(v any) bool {
	m, ok := v.(map[string]any)
	return ok && len(m) == 0
}
