package handoff

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"oncall/internal/config"
)

const secretPath = "/services/T0001/B0002/XyZsecretTOKEN123"

func TestPostSendsTextJSON(t *testing.T) {
	var got struct {
		Text string `json:"text"`
	}
	var ctype, path string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctype, path = r.Header.Get("Content-Type"), r.URL.Path
		if err := json.NewDecoder(r.Body).Decode(&got); err != nil {
			t.Error(err)
		}
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	md := "# Shift handoff · prod\n\n| a | b |\n"
	if err := Post(context.Background(), srv.Client(), srv.URL+secretPath, md); err != nil {
		t.Fatal(err)
	}
	if got.Text != md || ctype != "application/json" || path != secretPath {
		t.Fatalf("posted %q as %q to %q", got.Text, ctype, path)
	}
}

func assertScrubbed(t *testing.T, err error, webhook string, want string) {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	for _, secret := range []string{webhook, secretPath, "XyZsecretTOKEN123", "tok3n-in-query"} {
		if strings.Contains(msg, secret) {
			t.Fatalf("error %q shows the secret %q", msg, secret)
		}
	}
	if strings.Contains(msg, "\n") || !strings.Contains(msg, want) {
		t.Fatalf("error %q: want one line containing %q", msg, want)
	}
}

func TestPostErrorsNeverShowTheWebhook(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound)
		// A server that echoes the URL must not leak it either.
		io.WriteString(w, "no_service: "+r.URL.String()+"\nsecond line")
	}))
	defer srv.Close()
	hook := srv.URL + secretPath + "?key=tok3n-in-query"
	assertScrubbed(t, Post(context.Background(), srv.Client(), hook, "x"), hook, "HTTP 404: no_service")

	// Nothing listens: a network error, which would normally quote the URL.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + l.Addr().String() + secretPath
	l.Close()
	assertScrubbed(t, Post(context.Background(), nil, dead, "x"), dead, "connection refused")

	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer slow.Close()
	defer close(release)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	assertScrubbed(t, Post(ctx, slow.Client(), slow.URL+secretPath, "x"), slow.URL+secretPath, "timed out")

	for _, bad := range []string{"hooks.example" + secretPath, "ftp://x" + secretPath, "::" + secretPath} {
		assertScrubbed(t, Post(context.Background(), nil, bad, "x"), bad, "not a valid http(s) URL")
	}
}

func TestCollectReportsAFailingSourceAndGoesOn(t *testing.T) {
	am := &fakeAM{err: errors.New("alertmanager http://am:9093: connection refused")}
	s, err := Collect(context.Background(), Sources{Alertmanager: am, Journal: journalFixture(t)},
		Options{Context: "prod", User: "alice@bastion", Shift: shift, Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.SourceErrors) != 2 || s.SourceErrors[0].Source != SourceAlertmanager {
		t.Fatalf("source errors = %+v", s.SourceErrors)
	}
	// The journal still gives notes, follow-ups and the journaled silences.
	if len(s.Notes) != 3 || len(s.FollowUps) != 2 || len(s.Silences.Created) != 3 || len(s.FailedActions) != 1 {
		t.Fatalf("notes %d, follow-ups %d, created %d, failed %d", len(s.Notes), len(s.FollowUps), len(s.Silences.Created), len(s.FailedActions))
	}
	md := Markdown(s)
	for _, want := range []string{"**Incomplete:** could not read alertmanager, alertmanager", "- alertmanager: alertmanager http://am:9093: connection refused", "## Firing now\n\nNone."} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
}

func TestCollectRejectsBadOptions(t *testing.T) {
	_, err := Collect(context.Background(), Sources{}, Options{Since: "soon", Now: fixedNow})
	if err == nil || !strings.Contains(err.Error(), `--since "soon"`) {
		t.Fatalf("err = %v", err)
	}
	_, err = Collect(context.Background(), Sources{}, Options{Shift: config.Shift{Timezone: "Nowhere/City"}, Now: fixedNow})
	if err == nil || !strings.Contains(err.Error(), "shift.timezone") {
		t.Fatalf("err = %v", err)
	}
}
