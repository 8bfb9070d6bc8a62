package secret

import (
	"strings"
	"testing"
)

func TestDetect(t *testing.T) {
	text := "a=1\nkey: AKIAZ7QWERTYUIOPASD2\nexample AKIAIOSFODNN7EXAMPLE\n" +
		"aws_secret_access_key = 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\n" +
		"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU=\n" +
		"token ghp_abcdefghijklmnopqrstuvwxyz0123456789 xoxb-1234567890-abcdef\n"
	got := Default.Detect([]byte(text))
	var kinds []string
	for _, m := range got {
		kinds = append(kinds, m.Kind)
		if strings.Count(m.Redacted, "*") < 4 {
			t.Errorf("not redacted: %+v", m)
		}
	}
	want := "AWS access key ID,AWS secret access key,private key,GitHub token,Slack token"
	if strings.Join(kinds, ",") != want {
		t.Fatalf("got %s", strings.Join(kinds, ","))
	}
	if got[0].Line != 2 || got[0].Redacted != "AKIA********" {
		t.Errorf("%+v", got[0])
	}
	if len(Default.Detect([]byte("-----BEGIN PUBLIC KEY-----\nMIIB\n"))) != 0 {
		t.Error("public key reported")
	}
}
