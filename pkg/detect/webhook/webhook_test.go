package webhook

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHandler(t *testing.T) {
	var bodies []string
	h := &Handler{Token: "s3cret", MaxBody: 1024, Process: func(b []byte) error {
		if !bytes.HasPrefix(b, []byte("{")) {
			return errors.New("not JSON")
		}
		bodies = append(bodies, string(b))
		return nil
	}}
	srv := httptest.NewTLSServer(h)
	defer srv.Close()
	post := func(token, body string) int {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/k8s-audit", strings.NewReader(body))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	cases := []struct {
		token, body string
		want        int
	}{
		{"s3cret", `{"kind":"EventList","items":[]}`, 200},
		{"", `{}`, 401},
		{"wrong", `{}`, 401},
		{"s3cret", strings.Repeat("x", 2000), 413},
		{"s3cret", "garbage", 400},
	}
	for _, c := range cases {
		if got := post(c.token, c.body); got != c.want {
			t.Errorf("token %q body %.20q: status %d, want %d", c.token, c.body, got, c.want)
		}
	}
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d", resp.StatusCode)
	}
	if len(bodies) != 1 {
		t.Errorf("processed %d bodies", len(bodies))
	}
}
