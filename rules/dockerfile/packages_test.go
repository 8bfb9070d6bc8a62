package dockerfile

import (
	"context"
	"testing"

	"github.com/eksguard/eksguard/pkg/source/dockerfile"
)

// TestPackagePin holds the pinning semantics, Hadolint's false positives included:
// versions given through ARG, ENV or shell variables are pins.
func TestPackagePin(t *testing.T) {
	cases := []struct {
		src  string
		want int
	}{
		{"RUN apt-get install -y curl", 1},
		{"RUN apt-get install -y curl=7.88.1", 0},
		{"RUN apt-get install -y -t bookworm-backports curl/bookworm-backports", 0},
		{"ARG V=7.88.1\nRUN apt-get install -y curl=${V}", 0},
		{"ARG PKGS=\"curl=1 git=2\"\nRUN apt-get install -y $PKGS", 0},
		{"ARG PKGS=\"curl git\"\nRUN apt-get install -y $PKGS", 1},
		{"RUN deps='python3=3.11.2-1' && apt-get install -y $deps", 0},
		{"RUN deps='python3' && apt-get install -y $deps", 1},
		{"RUN apt-get install -y $(cat /tmp/packages)", 0},
		{"RUN apt-get -o Dpkg::Options::=--force-confnew install -y ./x.deb", 0},
		{"RUN DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends tzdata=2024a-0", 0},
		{"RUN sudo -E apt-get install -y vim", 1},
		{"RUN apk add --no-cache --virtual .deps gcc=13.2.1-r0", 0},
		{"RUN apk add --no-cache curl", 1},
		{"RUN pip install -r requirements.txt", 0},
		{"RUN pip3 install --no-cache-dir 'django>=5,<6' ./wheelhouse/x.whl", 0},
		{"RUN python3 -m pip install flask", 1},
		{"RUN pip install --upgrade pip==24.2", 0},
		{"RUN npm install", 0},
		{"RUN npm ci", 0},
		{"RUN npm install -g @scope/pkg", 1},
		{"RUN npm install -g @scope/pkg@1.2.3 left-pad@latest", 1},
		{"RUN yum install -y httpd-2.4.62", 0},
		{"RUN microdnf install -y shadow-utils", 1},
		{"RUN apt-get update", 0},
	}
	for _, c := range cases {
		res := dockerfile.Parse("Dockerfile", []byte("FROM debian:bookworm\n"+c.src+"\n"), dockerfile.DefaultLimits())
		if res.Target == nil || len(res.Errors) > 0 {
			t.Fatalf("%q: %v", c.src, res.Errors)
		}
		fs, err := PackagePin().Check(context.Background(), res.Target)
		if err != nil {
			t.Fatal(err)
		}
		if len(fs) != c.want {
			t.Errorf("%q: %d findings, want %d (%v)", c.src, len(fs), c.want, fs)
		}
	}
}
