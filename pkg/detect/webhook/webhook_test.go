package webhook

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHandler(t *testing.T) {
	q := make(chan []byte, 1)
	h := &Handler{Token: "s3cret", MaxBody: 1024, Queue: q}
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
		{"s3cret", `{"kind":"EventList","items":[]}`, 503}, // the queue holds one body
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
	if len(q) != 1 || h.Dropped.Load() != 1 {
		t.Errorf("queued %d bodies, dropped %d", len(q), h.Dropped.Load())
	}
	// The byte budget refuses a body that would not fit, even with room in the channel.
	h.Release(len(<-q))
	h.MaxQueued = 40
	if got := post("s3cret", `{"kind":"EventList","items":[],"pad":"xxxxxxxxxxxxxx"}`); got != 503 {
		t.Errorf("over the byte budget: %d", got)
	}
	if got := post("s3cret", `{"kind":"EventList","items":[]}`); got != 200 {
		t.Errorf("within the byte budget: %d", got)
	}
}
