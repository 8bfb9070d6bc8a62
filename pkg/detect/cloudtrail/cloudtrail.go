// Package cloudtrail is the aws_cloudtrail event source of the detect engine: it decodes
// CloudTrail records and offers every ct.*, s3.*, ec2.* and ecr.* field of Falco's
// cloudtrail plugin, plus the json.*/jevt.* and evt.* fields.
package cloudtrail

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/valyala/fastjson"

	"github.com/eksguard/eksguard/pkg/detect"
	"github.com/eksguard/eksguard/pkg/finding"
)

// SourceName is the source name rule files use.
const SourceName = "aws_cloudtrail"

// Event is one decoded CloudTrail record, valid until the decoder decodes the next one.
type Event struct {
	detect.JSONRecord // Num, TimeNs, Raw, JSON

	id, errCode, eventTime, src, name, region, srcIP, userAgent *fastjson.Value
	identity, reqParams, respElems, addData                     *fastjson.Value
	readOnly, mgmt, recipient                                   *fastjson.Value
}

// SourceName implements detect.JSONEvent.
func (e *Event) SourceName() string { return SourceName }

// Info implements detect.JSONEvent: who, from where, what.
func (e *Event) Info() string {
	user, _ := e.user()
	ro := "←"
	if r, _ := e.readonly(); r == "false" {
		ro = "→"
	}
	errSym := ""
	if e.errCode != nil {
		errSym = "!"
	}
	return fmt.Sprintf("%s via %s %s%s %s", user, s(e.srcIP), errSym, ro, s(e.name))
}

// Subject names the AWS service and call.
func (e *Event) Subject() finding.Subject {
	return finding.Subject{Kind: strings.TrimSuffix(s(e.src), ".amazonaws.com"), Name: s(e.name)}
}

func b2s(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// s is the string value of v, or "".
func s(v *fastjson.Value) string {
	if v == nil || v.Type() != fastjson.TypeString {
		return ""
	}
	b, _ := v.StringBytes()
	return b2s(b)
}

func sok(v *fastjson.Value) (string, bool) {
	if v == nil || v.Type() != fastjson.TypeString {
		return "", false
	}
	b, _ := v.StringBytes()
	return b2s(b), true
}

// Decoder decodes records, reusing its memory from one to the next.
type Decoder struct {
	p   fastjson.Parser
	num uint64
	ev  Event
}

// ErrNotCloudTrail is returned for JSON that is not a CloudTrail record.
var ErrNotCloudTrail = errors.New("not a CloudTrail record (want eventName, eventSource and eventTime)")

// Decode decodes one record, an object holding "Records" (a CloudTrail file), or an
// EventBridge event whose detail is a record, calling fn for each record.
func (d *Decoder) Decode(data []byte, fn func(*Event) error) error {
	v, err := d.p.ParseBytes(data)
	if err != nil {
		return fmt.Errorf("invalid JSON: %w", err)
	}
	if v.Type() != fastjson.TypeObject {
		return ErrNotCloudTrail
	}
	if recs := v.Get("Records"); recs != nil {
		arr, err := recs.Array()
		if err != nil {
			return errors.New("Records is not an array")
		}
		for _, r := range arr {
			if err := d.one(r, nil, fn); err != nil {
				return err
			}
		}
		return nil
	}
	// An EventBridge event carrying a CloudTrail record ("AWS API Call via CloudTrail").
	if det := v.Get("detail"); det != nil && strings.Contains(string(v.GetStringBytes("detail-type")), "via CloudTrail") {
		return d.one(det, nil, fn)
	}
	return d.one(v, data, fn)
}

func (d *Decoder) one(v *fastjson.Value, raw []byte, fn func(*Event) error) error {
	if v.Type() != fastjson.TypeObject || v.Get("eventName") == nil || v.Get("eventSource") == nil {
		return ErrNotCloudTrail
	}
	d.num++
	e := &d.ev
	*e = Event{JSONRecord: detect.JSONRecord{Number: d.num, Text: raw, Tree: v}}
	o, _ := v.Object()
	o.Visit(func(k []byte, x *fastjson.Value) {
		switch string(k) {
		case "eventID":
			e.id = x
		case "errorCode":
			e.errCode = x
		case "eventTime":
			e.eventTime = x
		case "eventSource":
			e.src = x
		case "eventName":
			e.name = x
		case "awsRegion":
			e.region = x
		case "sourceIPAddress":
			e.srcIP = x
		case "userAgent":
			e.userAgent = x
		case "userIdentity":
			e.identity = x
		case "requestParameters":
			e.reqParams = x
		case "responseElements":
			e.respElems = x
		case "additionalEventData":
			e.addData = x
		case "readOnly":
			e.readOnly = x
		case "managementEvent":
			e.mgmt = x
		case "recipientAccountId":
			e.recipient = x
		}
	})
	if t, ok := sok(e.eventTime); ok {
		if tt, err := time.Parse(time.RFC3339Nano, t); err == nil {
			e.Time = tt.UnixNano()
		}
	}
	return fn(e)
}

// user is ct.user as the plugin computes it from the identity type.
func (e *Event) user() (string, bool) {
	if e.identity == nil {
		return "", false
	}
	typ, ok := sok(e.identity.Get("type"))
	if !ok {
		return "", false
	}
	switch typ {
	case "Root", "IAMUser":
		return sok(e.identity.Get("userName"))
	case "AWSService":
		return sok(e.identity.Get("invokedBy"))
	case "AssumedRole":
		if u, ok := sok(e.identity.Get("sessionContext", "sessionIssuer", "userName")); ok {
			return u, true
		}
		return "AssumedRole", true
	case "AWSAccount", "FederatedUser":
		return typ, true
	}
	return "", false
}

// writePrefixes are the event-name prefixes of calls that change state, used for
// ct.readonly when a record lacks readOnly.
var writePrefixes = []string{"Start", "Stop", "Create", "Destroy", "Delete", "Add", "Remove", "Terminate", "Put",
	"Associate", "Disassociate", "Attach", "Detach", "Open", "Close", "Wipe", "Update", "Upgrade", "Unlink",
	"Assign", "Unassign", "Suspend", "Set", "Run", "Register", "Deregister", "Reboot", "Purchase", "Modify",
	"Initialize", "Enable", "Disable", "Cancel", "Admin", "Activate"}

func (e *Event) readonly() (string, bool) {
	if e.readOnly != nil {
		if e.readOnly.Type() == fastjson.TypeTrue {
			return "true", true
		}
		return "false", true
	}
	n, ok := sok(e.name)
	if !ok {
		return "", false
	}
	for _, p := range writePrefixes {
		if strings.HasPrefix(n, p) {
			return "false", true
		}
	}
	return "true", true
}

func ev(x detect.Event) *Event { return x.(*Event) }

func top(name, desc string, get func(e *Event) *fastjson.Value) detect.Field {
	return detect.StrField(name, desc, func(x detect.Event) (string, bool) { return sok(get(ev(x))) })
}

func param(name, desc string, parent func(e *Event) *fastjson.Value, key string) detect.Field {
	return detect.StrField(name, desc, func(x detect.Event) (string, bool) {
		p := parent(ev(x))
		if p == nil {
			return "", false
		}
		return sok(p.Get(key))
	})
}

func reqP(e *Event) *fastjson.Value  { return e.reqParams }
func respE(e *Event) *fastjson.Value { return e.respElems }

func num(v *fastjson.Value) uint64 {
	if u, err := v.Uint64(); err == nil {
		return u
	}
	if f, err := v.Float64(); err == nil && f >= 0 {
		return uint64(f)
	}
	return 0
}

// Fields is the ct.*, s3.*, ec2.* and ecr.* field table.
func Fields() []detect.Field {
	return []detect.Field{
		top("ct.id", "The unique ID of the event (eventID).", func(e *Event) *fastjson.Value { return e.id }),
		top("ct.error", "The error code of the event (errorCode); absent when the call succeeded.", func(e *Event) *fastjson.Value { return e.errCode }),
		top("ct.time", "The event time as written in the record (eventTime).", func(e *Event) *fastjson.Value { return e.eventTime }),
		top("ct.src", "The AWS service of the event (eventSource).", func(e *Event) *fastjson.Value { return e.src }),
		detect.StrField("ct.shortsrc", "The AWS service of the event without the .amazonaws.com suffix.", func(x detect.Event) (string, bool) {
			v, ok := sok(ev(x).src)
			return strings.TrimSuffix(v, ".amazonaws.com"), ok
		}),
		top("ct.name", "The name of the event (eventName).", func(e *Event) *fastjson.Value { return e.name }),
		detect.StrField("ct.user", "The user of the event: userName for Root and IAMUser, invokedBy for AWSService, the session issuer for AssumedRole.",
			func(x detect.Event) (string, bool) { return ev(x).user() }),
		detect.StrField("ct.user.accountid", "The account ID of the user (userIdentity.accountId).", func(x detect.Event) (string, bool) {
			return sok(ev(x).identity.Get("accountId"))
		}),
		detect.StrField("ct.user.identitytype", "The kind of identity (Root, IAMUser, AssumedRole, AWSService, ...).", func(x detect.Event) (string, bool) {
			return sok(ev(x).identity.Get("type"))
		}),
		detect.StrField("ct.user.principalid", "The unique identifier of the principal that made the request.", func(x detect.Event) (string, bool) {
			return sok(ev(x).identity.Get("principalId"))
		}),
		detect.StrField("ct.user.arn", "The ARN of the principal that made the request.", func(x detect.Event) (string, bool) {
			return sok(ev(x).identity.Get("arn"))
		}),
		top("ct.region", "The region of the event (awsRegion).", func(e *Event) *fastjson.Value { return e.region }),
		param("ct.response.subnetid", "The subnet ID in the response.", respE, "subnetId"),
		param("ct.response.reservationid", "The reservation ID in the response.", respE, "reservationId"),
		param("ct.request.availabilityzone", "The availability zone in the request.", reqP, "availabilityZone"),
		param("ct.request.cluster", "The cluster in the request.", reqP, "cluster"),
		param("ct.request.functionname", "The function name in the request.", reqP, "functionName"),
		param("ct.request.groupname", "The group name in the request.", reqP, "groupName"),
		param("ct.request.host", "The host in the request.", reqP, "Host"),
		param("ct.request.name", "The name of the entity acted on in the request.", reqP, "name"),
		param("ct.request.policy", "The policy in the request.", reqP, "policy"),
		param("ct.request.serialnumber", "The serial number in the request.", reqP, "serialNumber"),
		param("ct.request.servicename", "The service name in the request.", reqP, "serviceName"),
		param("ct.request.subnetid", "The subnet ID in the request.", reqP, "subnetId"),
		param("ct.request.taskdefinition", "The task definition in the request.", reqP, "taskDefinition"),
		param("ct.request.username", "The user name in the request.", reqP, "userName"),
		top("ct.srcip", "The IP address the call came from (sourceIPAddress).", func(e *Event) *fastjson.Value { return e.srcIP }),
		top("ct.useragent", "The user agent of the call (userAgent).", func(e *Event) *fastjson.Value { return e.userAgent }),
		detect.StrField("ct.info", "A summary of the event: who, from where, what.", func(x detect.Event) (string, bool) { return ev(x).Info(), true }),
		detect.StrField("ct.managementevent", "true when the event is a management event.", func(x detect.Event) (string, bool) {
			if ev(x).mgmt != nil && ev(x).mgmt.Type() == fastjson.TypeTrue {
				return "true", true
			}
			return "false", true
		}),
		detect.StrField("ct.readonly", "true when the call only reads; from readOnly, else guessed from the event name.", func(x detect.Event) (string, bool) {
			return ev(x).readonly()
		}),
		detect.StrField("s3.uri", "The S3 URI s3://bucket/key.", func(x detect.Event) (string, bool) {
			p := ev(x).reqParams
			b, ok1 := sok(p.Get("bucketName"))
			k, ok2 := sok(p.Get("key"))
			if !ok1 || !ok2 {
				return "", false
			}
			return "s3://" + b + "/" + k, true
		}),
		param("s3.bucket", "The bucket name of S3 events.", reqP, "bucketName"),
		param("s3.key", "The S3 key name.", reqP, "key"),
		detect.NumField("s3.bytes", "The size of an S3 download or upload, in bytes.", func(x detect.Event) (uint64, bool) {
			a := ev(x).addData
			in, out := a.Get("bytesTransferredIn"), a.Get("bytesTransferredOut")
			if in == nil && out == nil {
				return 0, false
			}
			var t uint64
			if in != nil {
				t += num(in)
			}
			if out != nil {
				t += num(out)
			}
			return t, true
		}),
		detect.NumField("s3.bytes.in", "The size of an S3 upload, in bytes.", func(x detect.Event) (uint64, bool) {
			v := ev(x).addData.Get("bytesTransferredIn")
			if v == nil {
				return 0, false
			}
			return num(v), true
		}),
		detect.NumField("s3.bytes.out", "The size of an S3 download, in bytes.", func(x detect.Event) (uint64, bool) {
			v := ev(x).addData.Get("bytesTransferredOut")
			if v == nil {
				return 0, false
			}
			return num(v), true
		}),
		detect.NumField("s3.cnt.get", "1 for GetObject events; absent otherwise.", func(x detect.Event) (uint64, bool) {
			return 1, s(ev(x).name) == "GetObject"
		}),
		detect.NumField("s3.cnt.put", "1 for PutObject events; absent otherwise.", func(x detect.Event) (uint64, bool) {
			return 1, s(ev(x).name) == "PutObject"
		}),
		detect.NumField("s3.cnt.other", "1 for events other than GetObject and PutObject; absent otherwise.", func(x detect.Event) (uint64, bool) {
			n := s(ev(x).name)
			return 1, n != "GetObject" && n != "PutObject"
		}),
		detect.StrField("ec2.name", "The Name tag of the EC2 instances in the request.", func(x detect.Event) (string, bool) {
			for _, item := range ev(x).reqParams.GetArray("tagSpecificationSet", "items") {
				if string(item.GetStringBytes("resourceType")) != "instance" {
					continue
				}
				for _, tag := range item.GetArray("tags") {
					if string(tag.GetStringBytes("key")) == "Name" {
						if v, ok := sok(tag.Get("value")); ok && v != "" {
							return v, true
						}
					}
				}
			}
			return "", false
		}),
		detect.StrField("ec2.imageid", "The image ID of the EC2 instance in the response.", func(x detect.Event) (string, bool) {
			items := ev(x).respElems.GetArray("instancesSet", "items")
			if len(items) == 0 {
				return "", false
			}
			v, ok := sok(items[0].Get("imageId"))
			return v, ok && v != ""
		}),
		param("ecr.repository", "The ECR repository name in the request.", reqP, "repositoryName"),
		param("ecr.image.tag", "The image tag in the request.", reqP, "imageTag"),
	}
}

// Source is the aws_cloudtrail source with its full field table.
func Source() *detect.Source {
	s := detect.NewSource(SourceName, Fields(), detect.JSONFields(nil), detect.EventFields(SourceName))
	s.IndexField = "ct.name"
	return s
}

var _ = strconv.Itoa
