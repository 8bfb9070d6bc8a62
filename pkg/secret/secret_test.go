package secret

import (
	"strings"
	"testing"
)

func TestAssignment(t *testing.T) {
	cases := []struct {
		name, value string
		want        bool
	}{
		{"AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzK3pQ8vB2m", true},
		{"AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", false}, // the documentation example
		{"AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLQ", true},
		{"DB_PASSWORD", "S3cr3t-Passw0rd!", true},
		{"GITHUB_TOKEN", "ghp_" + strings.Repeat("a1B2", 9), true},
		{"SLACK", "xoxb-123456789012-abcdefghijkl", true},
		{"DB_PASSWORD", "${DB_PASSWORD}", false},
		{"DB_PASSWORD", "$DB_PASSWORD", false},
		{"DB_PASSWORD", "changeme", false},
		{"DB_PASSWORD", "", false},
		{"DB_PASSWORD_FILE", "/run/secrets/db", false},
		{"GPG_KEY", "A035C8C19219BA821ECEA86B64E628F8D684696D", false},
		{"TOKEN_URL", "https://auth.example.com/token", false},
		{"API_KEY", "<your-api-key>", false},
		{"PASSWORD", "xxxxxxxxxxxx", false},
		{"JAVA_HOME", "/opt/java/openjdk", false},
		{"PYTHON_VERSION", "3.12.7", false},
	}
	for _, c := range cases {
		_, got := Assignment(c.name, c.value)
		if got != c.want {
			t.Errorf("Assignment(%q, %q) = %v, want %v", c.name, c.value, got, c.want)
		}
	}
}

func TestRedact(t *testing.T) {
	cases := []struct{ in, secret string }{
		{"RUN aws configure set aws_secret_access_key wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "wJalrXUtnFEMI"},
		{"ENV AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLQ", "AKIAIOSFODNN7EXAMPLQ"},
		{"RUN echo '-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----' > k", "MIIEow"},
		{"RUN git clone https://user:hunter2hunter2@github.com/x/y", "hunter2hunter2"},
		{"RUN mysql --password=Tr0ub4dor&3x -e 'select 1'", "Tr0ub4dor"},
		{"RUN curl -H 'X: 1' https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX", "hooks.slack.com/services/T0000"},
		{"ENV KEY=AIzaSyA1234567890abcdefghijklmnopqrstuv", "AIzaSyA1234567890"},
	}
	for _, c := range cases {
		got := Redact(c.in)
		if strings.Contains(got, c.secret) || !strings.Contains(got, Mask) {
			t.Errorf("Redact(%q) = %q: secret not masked", c.in, got)
		}
	}
	for _, clean := range []string{
		"RUN apt-get install -y libsecret-1-0 python3-keyring",
		"RUN echo $PASSWORD | docker login --password-stdin",
		"ENV PASSWORD_FILE=/run/secrets/password",
		"RUN pip install --no-cache-dir tokenizers==0.20.1",
		"RUN ./generate-keys --private-key matrix_key.pem",
		"RUN app --tls-key server.key --password-file secrets.json",
	} {
		if got := Redact(clean); got != clean {
			t.Errorf("Redact(%q) = %q: want unchanged", clean, got)
		}
	}
}

func TestScan(t *testing.T) {
	text := "a=1\nkey: AKIAZ7QWERTYUIOPASD2\nexample AKIAIOSFODNN7EXAMPLE\n" +
		"aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzzzzzzzzz\n" +
		"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU=\n" +
		"token ghp_abcdefghijklmnopqrstuvwxyz0123456789 xoxb-1234567890-abcdef\n" +
		"gitlab glpat-abcdefghij0123456789\n"
	got := Scan([]byte(text))
	var kinds []string
	for _, f := range got {
		kinds = append(kinds, string(f.Kind))
	}
	want := "AWS access key ID,AWS secret access key,private key,GitHub token,Slack token,GitLab token"
	if strings.Join(kinds, ",") != want {
		t.Fatalf("got %s", strings.Join(kinds, ","))
	}
	if got[0].Line != 2 || got[0].Redacted != "AKIA********" || got[2].Line != 5 || got[2].Redacted != "b3Bl********" || got[5].Line != 8 {
		t.Fatalf("%+v", got)
	}
	// Shapes only: none of these is a secret in a file's content.
	for _, clean := range []string{
		"-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n",
		`const pemHeader = "-----BEGIN RSA PRIVATE KEY-----"` + "\n",
		"aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
		"AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n",
		"aws-sdk task 0123456789abcdef0123456789abcdef01234567\n", // a hex digest near "aws ... sk"
		"password = S3cr3t-Passw0rd!\nurl = https://user:hunter2hunter2@example.com/\n",
		"DB_PASSWORD=changeme\n",
	} {
		if got := Scan([]byte(clean)); len(got) != 0 {
			t.Errorf("Scan(%q) = %+v, want nothing", clean, got)
		}
	}
	// At most MaxFoundPerKind of one kind.
	many := strings.Repeat("AKIAZ7QWERTYUIOPASD2\n", 3*MaxFoundPerKind)
	if n := len(Scan([]byte(many))); n != MaxFoundPerKind {
		t.Fatalf("%d found", n)
	}
	if Preview("short") != "****" || Preview("AKIAZ7QWERTYUIOPASD2") != "AKIA********" {
		t.Fatal("preview")
	}
}

func FuzzScan(f *testing.F) {
	f.Add([]byte("key: AKIAZ7QWERTYUIOPASD2\naws_secret_access_key = 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\n"))
	f.Add([]byte("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU=\n"))
	f.Add([]byte("ghp_abcdefghijklmnopqrstuvwxyz0123456789 xoxb-1234567890-abcdef glpat-abcdefghij0123456789"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, s := range Scan(data) {
			if s.Line < 1 || strings.Count(s.Redacted, "*") < 4 || len(s.Redacted) > 12 {
				t.Fatalf("bad match %+v", s)
			}
		}
	})
}
