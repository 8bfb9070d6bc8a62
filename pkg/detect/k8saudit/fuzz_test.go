package k8saudit

import (
	"testing"

	"github.com/eksguard/eksguard/pkg/detect"
	"github.com/eksguard/eksguard/pkg/detect/detecttest"
)

// FuzzDecode: any bytes decode to events or an error, and every field of the table
// extracts (and renders) from whatever decoded, without panicking.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"kind":"Event","auditID":"a","verb":"create","stage":"ResponseComplete","user":{"username":"u","groups":["g"]},"objectRef":{"resource":"pods","namespace":"n","name":"p"},"responseStatus":{"code":201},"requestObject":{"spec":{"containers":[{"image":"a/b:1","securityContext":{"privileged":true,"capabilities":{"add":["NET_ADMIN"]}},"ports":[{"hostPort":80}]}],"volumes":[{"name":"v","hostPath":{"path":"/"}}]}},"stageTimestamp":"2026-01-01T00:00:00Z"}`))
	f.Add([]byte(`{"kind":"EventList","items":[{"kind":"Event","auditID":"b","verb":"get","requestURI":"/x?a=b"}]}`))
	f.Add([]byte(`{"kind":"Event","requestObject":{"rules":[{"verbs":["*"]}],"subjects":[{"kind":"User","name":"x"}],"roleRef":{"name":"cluster-admin"}}}`))
	f.Add([]byte(`[1,2]`))
	f.Add([]byte(`{"kind":"Event","requestObject":{"spec":{"containers":"nope","volumes":[1,{"hostPath":7}]}}}`))
	exs := detecttest.Extractors(f, Source(), func(fld detect.Field) string {
		switch {
		case fld.Arg == detect.ArgRequired && (fld.Name == "json.value" || fld.Name == "jevt.value"):
			return "/requestObject/spec/containers/0"
		case fld.Arg == detect.ArgRequired:
			return "a"
		}
		return ""
	})
	f.Fuzz(func(t *testing.T, data []byte) {
		var d Decoder
		_ = d.Decode(data, func(e *Event) error {
			detecttest.ExtractAll(exs, e)
			e.Subject()
			e.Info()
			return nil
		})
	})
}
