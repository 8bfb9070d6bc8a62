package cloudtrail

import (
	"testing"

	"github.com/eksguard/eksguard/pkg/detect"
	"github.com/eksguard/eksguard/pkg/detect/detecttest"
)

// FuzzDecode: any bytes decode to records or an error, and every field extracts from
// whatever decoded, without panicking.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"eventVersion":"1.08","userIdentity":{"type":"AssumedRole","sessionContext":{"sessionIssuer":{"userName":"r"}}},"eventTime":"2026-01-01T00:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"us-east-1","sourceIPAddress":"1.2.3.4","requestParameters":{"bucketName":"b","key":"k"},"additionalEventData":{"bytesTransferredOut":12.0}}`))
	f.Add([]byte(`{"Records":[{"eventSource":"ec2.amazonaws.com","eventName":"RunInstances","requestParameters":{"tagSpecificationSet":{"items":[{"resourceType":"instance","tags":[{"key":"Name","value":"x"}]}]}},"responseElements":{"instancesSet":{"items":[{"imageId":"ami-1"}]}}}]}`))
	f.Add([]byte(`{"eventSource":1,"eventName":[],"userIdentity":"x","requestParameters":[1]}`))
	f.Add([]byte(`{"Records":{}}`))
	exs := detecttest.Extractors(f, Source(), func(fld detect.Field) string {
		if fld.Arg == detect.ArgRequired {
			return "/requestParameters/bucketName"
		}
		return ""
	})
	f.Fuzz(func(t *testing.T, data []byte) {
		var d Decoder
		_ = d.Decode(data, func(e *Event) error {
			detecttest.ExtractAll(exs, e)
			e.Subject()
			return nil
		})
	})
}
