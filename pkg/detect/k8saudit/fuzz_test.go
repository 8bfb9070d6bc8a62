package k8saudit

import (
	"testing"

	"github.com/eksguard/eksguard/pkg/detect"
)

// FuzzDecode: any bytes decode to events or an error, and every field of the table
// extracts (and renders) from whatever decoded, without panicking.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"kind":"Event","auditID":"a","verb":"create","stage":"ResponseComplete","user":{"username":"u","groups":["g"]},"objectRef":{"resource":"pods","namespace":"n","name":"p"},"responseStatus":{"code":201},"requestObject":{"spec":{"containers":[{"image":"a/b:1","securityContext":{"privileged":true,"capabilities":{"add":["NET_ADMIN"]}},"ports":[{"hostPort":80}]}],"volumes":[{"name":"v","hostPath":{"path":"/"}}]}},"stageTimestamp":"2026-01-01T00:00:00Z"}`))
	f.Add([]byte(`{"kind":"EventList","items":[{"kind":"Event","auditID":"b","verb":"get","requestURI":"/x?a=b"}]}`))
	f.Add([]byte(`{"kind":"Event","requestObject":{"rules":[{"verbs":["*"]}],"subjects":[{"kind":"User","name":"x"}],"roleRef":{"name":"cluster-admin"}}}`))
	f.Add([]byte(`[1,2]`))
	f.Add([]byte(`{"kind":"Event","requestObject":{"spec":{"containers":"nope","volumes":[1,{"hostPath":7}]}}}`))
	src := Source()
	var exs []detect.Extractor
	for _, fld := range src.Fields {
		arg := ""
		switch {
		case fld.Arg == detect.ArgRequired && (fld.Name == "json.value" || fld.Name == "jevt.value"):
			arg = "/requestObject/spec/containers/0"
		case fld.Arg == detect.ArgRequired:
			arg = "a"
		}
		ex, err := fld.Bind(arg)
		if err != nil {
			f.Fatal(fld.Name, err)
		}
		exs = append(exs, ex)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var d Decoder
		_ = d.Decode(data, func(e *Event) error {
			for _, ex := range exs {
				switch {
				case ex.Str != nil:
					ex.Str(e)
				case ex.Strs != nil:
					ex.Strs(e, nil)
				case ex.Num != nil:
					ex.Num(e)
				}
			}
			e.Subject()
			e.Info()
			return nil
		})
	})
}
