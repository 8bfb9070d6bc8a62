package iampolicy

import "testing"

// FuzzParse: any document parses or fails cleanly, and a parsed one evaluates without panic.
func FuzzParse(f *testing.F) {
	f.Add([]byte(talkPolicy))
	f.Add([]byte(`{"Statement":{"Effect":"Deny","NotAction":["iam:*"],"NotResource":"arn:*","NotPrincipal":{"AWS":"123456789012"},"Condition":{"ForAllValues:StringLikeIfExists":{"k":["*"]},"Null":{"x":"true"},"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}}`))
	f.Add([]byte(`{"Statement":[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]}`))
	f.Add([]byte(`{"Statement":[{"Effect":"Allow","Action":"*","Resource":"` + "\xff\xfe" + `"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse(data)
		if err != nil {
			return
		}
		for _, who := range []Principal{{}, {Type: "AWS", ID: "arn:aws:iam::111122223333:role/r"}, {Type: "Service", ID: "ec2.amazonaws.com"}} {
			p.Evaluate(Request{Principal: who, Action: "ecr:BatchGetImage", Resource: "arn:aws:ecr:us-east-1:111122223333:repository/x",
				Context: map[string][]string{"aws:SourceIp": {"10.1.2.3"}, "k": {"a", "b"}}})
		}
	})
}
