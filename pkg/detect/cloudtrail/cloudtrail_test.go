package cloudtrail

import (
	"testing"

	"github.com/eksguard/eksguard/pkg/detect"
)

func TestDecodeForms(t *testing.T) {
	rec := `{"eventVersion":"1.09","userIdentity":{"type":"Root","userName":"r"},"eventTime":"2026-11-26T10:00:00Z","eventSource":"iam.amazonaws.com","eventName":"CreateUser","awsRegion":"us-east-1"}`
	name := Source().Field("ct.name")
	ex, _ := name.Bind("")
	for _, in := range []string{
		rec,
		`{"Records":[` + rec + `,` + rec + `]}`,
		`{"version":"0","detail-type":"AWS API Call via CloudTrail","source":"aws.iam","detail":` + rec + `}`,
	} {
		var d Decoder
		var got []string
		err := d.Decode([]byte(in), func(e *Event) error {
			n, _ := ex.Str(e)
			got = append(got, n)
			if e.TimeNs() == 0 {
				t.Error("no event time")
			}
			return nil
		})
		if err != nil || len(got) == 0 || got[0] != "CreateUser" {
			t.Errorf("%.40s: %v %q", in, err, got)
		}
	}
	var d Decoder
	for _, bad := range []string{`[]`, `{"version":"0","detail-type":"Scheduled Event","detail":{}}`, `{"Records":{}}`, `{"eventName":"x"}`, `{`} {
		if err := d.Decode([]byte(bad), func(*Event) error { return nil }); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
	var _ detect.Event = &Event{}
}
