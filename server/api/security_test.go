package api

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"testing"
)

// Filter values reach SQL only as bound parameters: SQL and LIKE
// metacharacters match literally, never as syntax or wildcards.
func TestFiltersAreBoundParameters(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "Plain text for the injection tests.")
	p := e.project.ID
	for _, c := range []struct {
		path string
		want int
	}{
		{"/projects/%d/articles?q=" + url.QueryEscape("%"), 0},
		{"/projects/%d/articles?q=" + url.QueryEscape("_"), 0},
		{"/projects/%d/articles?q=" + url.QueryEscape("' OR '1'='1"), 0},
		{"/projects/%d/articles?q=Art*", 1},
		{"/projects/%d/annotations?label=" + url.QueryEscape("opinion' OR 1=1 --"), 0},
		{"/projects/%d/annotations?annotator=" + url.QueryEscape("x\" OR \"1\"=\"1"), 0},
		{"/projects/%d/annotations?source=" + url.QueryEscape("a.org'; DROP TABLE annotations; --"), 0},
		{"/projects/%d/annotations?origin=" + url.QueryEscape("human') OR ('1'='1"), 0},
		{"/projects/%d/annotations", 1},
	} {
		path := "/api/v1" + strings.Replace(c.path, "%d", fmt.Sprint(p), 1)
		r := e.do("GET", path, "ann", "")
		if r.Status != 200 {
			t.Fatalf("%s: %d %s", path, r.Status, r.Body)
		}
		if n := len(r.JSON(t)["items"].([]any)); n != c.want {
			t.Errorf("%s: %d items, want %d", path, n, c.want)
		}
	}
	for _, path := range []string{"/api/v1/articles/1%20OR%201=1", "/api/v1/articles/-1", "/api/v1/articles/1.0", "/api/v1/projects/0x1"} {
		if r := e.do("GET", path, "ann", ""); r.Status != 404 {
			t.Errorf("%s: %d, want 404", path, r.Status)
		}
	}
	for _, q := range []string{"limit=" + url.QueryEscape("1 OR 1=1"), "limit=-5", "cursor=" + url.QueryEscape("' OR 1=1"), "status=" + url.QueryEscape("done' --")} {
		if r := e.do("GET", fmt.Sprintf("/api/v1/projects/%d/articles?", p)+q, "ann", ""); r.Status != 422 {
			t.Errorf("%s: %d, want 422", q, r.Status)
		}
	}
}

// Passwords and tokens never reach the log. Not parallel: it swaps the
// global logger while no other test of this package runs.
func TestSecretsNeverLogged(t *testing.T) {
	var buf bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, nil)))
	defer slog.SetDefault(old)
	e := newEnv(t, "text for logging")
	e.do("POST", "/api/v1/session", "", `{"name":"ann","password":"`+testPassword+`"}`)
	e.do("POST", "/api/v1/session", "", `{"name":"ann","password":"wrong-secret-pw"}`)
	created := e.do("POST", "/api/v1/tokens", "ann", `{"name":"x"}`)
	e.do("GET", "/api/v1/me?access_token="+e.tokens["other"], "", "")
	e.do("POST", "/api/v1/me/password", "ann", `{"current_password":"`+testPassword+`","new_password":"new-secret-pw-9"}`)
	log := buf.String()
	if !strings.Contains(log, "/api/v1/session") {
		t.Fatalf("requests were not logged at all:\n%s", log)
	}
	for _, secret := range []string{testPassword, "wrong-secret-pw", "new-secret-pw-9", e.tokens["ann"], e.tokens["other"], created.JSON(t)["token"].(string)} {
		if strings.Contains(log, secret) {
			t.Errorf("secret %q appears in the log", secret)
		}
	}
}
