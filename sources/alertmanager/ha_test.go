package alertmanager_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"oncall/internal/testkit/testenv"
)

// gossipWait bounds how long a silence may take to reach the other peer.
const gossipWait = 10 * time.Second

// waitOnEveryPeer waits until every peer holds at least one silence with the
// comment, then gives gossip a moment more so late duplicates would show.
func waitOnEveryPeer(t *testing.T, ams []*testenv.Alertmanager, comment string) {
	t.Helper()
	for i, am := range ams {
		testenv.WaitFor(t, gossipWait, "peer "+strconv.Itoa(i)+" holds the silence "+strconv.Quote(comment), func() bool {
			return len(withComment(rawSilences(t, am.URL), comment)) > 0
		})
	}
	time.Sleep(time.Second)
}

// assertOnePerPeer fails unless every peer holds exactly one silence with the
// comment, and it has ID want.
func assertOnePerPeer(t *testing.T, ams []*testenv.Alertmanager, comment, want string) {
	t.Helper()
	for i, am := range ams {
		got := withComment(rawSilences(t, am.URL), comment)
		if len(got) != 1 {
			var ids []string
			for _, s := range got {
				ids = append(ids, s.ID+"("+s.Status.State+")")
			}
			t.Errorf("peer %d holds %d silences %q, want exactly 1: %v", i, len(got), comment, ids)
			continue
		}
		if got[0].ID != want {
			t.Errorf("peer %d holds silence %s, want %s", i, got[0].ID, want)
		}
	}
}

// dropAfterPost is a reverse proxy in front of one Alertmanager. It forwards
// everything, but after forwarding a POST of a silence (which Alertmanager
// then stores) it drops the client's connection without answering: the
// client cannot tell whether the write happened.
type dropAfterPost struct {
	target *url.URL
	proxy  *httputil.ReverseProxy
	posts  atomic.Int32
}

func newDropAfterPost(t *testing.T, target string) *httptest.Server {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	d := &dropAfterPost{target: u, proxy: httputil.NewSingleHostReverseProxy(u)}
	srv := httptest.NewServer(d)
	t.Cleanup(srv.Close)
	t.Cleanup(func() {
		if n := d.posts.Load(); n != 1 {
			t.Errorf("proxy forwarded %d silence POSTs, want 1", n)
		}
	})
	return srv
}

func (d *dropAfterPost) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/silences") {
		d.proxy.ServeHTTP(w, r)
		return
	}
	d.posts.Add(1)
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.target.String()+r.URL.Path, bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	req.Header.Set("Content-Type", r.Header.Get("Content-Type"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	// the write happened upstream; now vanish without an answer
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

// TestCluster runs the HA behaviour against a real two-peer cluster.
func TestCluster(t *testing.T) {
	t.Parallel()
	ams := testenv.StartAlertmanagerCluster(t, 2)
	c := newClient(t, ams[0].URL, ams[1].URL)

	t.Run("a silence is written once per cluster", func(t *testing.T) {
		comment := "integration: write once"
		id, err := c.PostSilence(testCtx(t), postable("WriteOnce", "alice", comment, time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if c.Active() != ams[0].URL {
			t.Errorf("Active() = %s, want the first peer %s", c.Active(), ams[0].URL)
		}
		waitOnEveryPeer(t, ams, comment)
		assertOnePerPeer(t, ams, comment, id)
	})

	t.Run("an unclear failure is retried without a duplicate", func(t *testing.T) {
		proxy := newDropAfterPost(t, ams[0].URL)
		pc := newClient(t, proxy.URL, ams[1].URL)
		comment := "integration: idempotent retry"
		id, err := pc.PostSilence(testCtx(t), postable("Retry", "alice", comment, time.Hour))
		if err != nil {
			t.Fatalf("PostSilence after a dropped connection: %v", err)
		}
		waitOnEveryPeer(t, ams, comment)
		assertOnePerPeer(t, ams, comment, id)
		if pc.Active() != ams[1].URL {
			t.Errorf("Active() = %s, want the second peer %s after the first failed", pc.Active(), ams[1].URL)
		}
	})

	t.Run("a dead first URL fails over for reads", func(t *testing.T) {
		dead := "http://127.0.0.1:" + strconv.Itoa(testenv.FreePort(t))
		dc := newClient(t, dead, ams[1].URL)
		sils, err := dc.Silences(testCtx(t), nil)
		if err != nil {
			t.Fatalf("Silences with a dead first peer: %v", err)
		}
		if len(sils) == 0 {
			t.Error("Silences through the live peer returned nothing")
		}
		if dc.Active() != ams[1].URL {
			t.Errorf("Active() = %s, want the live peer %s", dc.Active(), ams[1].URL)
		}
		if _, err := dc.PeerStatus(testCtx(t), 0); err == nil {
			t.Error("PeerStatus of the dead peer succeeded")
		} else {
			oneLineNaming(t, err, dead)
		}
	})

	t.Run("reads and writes survive losing peer 0", func(t *testing.T) {
		ctx := testCtx(t)
		comment := "integration: after failover"
		ams[0].Kill()

		if _, err := c.Alerts(ctx, nil); err != nil {
			t.Fatalf("Alerts with peer 0 down: %v", err)
		}
		if c.Active() != ams[1].URL {
			t.Errorf("Active() = %s after failover, want %s", c.Active(), ams[1].URL)
		}
		id, err := c.PostSilence(ctx, postable("Failover", "bob", comment, time.Hour))
		if err != nil {
			t.Fatalf("PostSilence with peer 0 down: %v", err)
		}
		if got := withComment(rawSilences(t, ams[1].URL), comment); len(got) != 1 || got[0].ID != id {
			t.Fatalf("peer 1 holds %v, want exactly silence %s", got, id)
		}
		newEnd := time.Now().Add(3 * time.Hour).UTC()
		if got, err := c.ExtendSilence(ctx, id, newEnd); err != nil || got != id {
			t.Fatalf("ExtendSilence with peer 0 down = %s, %v; want %s in place", got, err, id)
		}
		if s := rawSilenceByID(t, ams[1].URL, id); s.EndsAt.Sub(newEnd).Abs() > time.Second {
			t.Errorf("endsAt = %s, want %s", s.EndsAt, newEnd)
		}
		if err := c.ExpireSilence(ctx, id); err != nil {
			t.Fatalf("ExpireSilence with peer 0 down: %v", err)
		}
		if s := rawSilenceByID(t, ams[1].URL, id); s.Status.State != "expired" {
			t.Errorf("state = %s, want expired", s.Status.State)
		}

		// a client whose only peer is dead reports it on one line
		only := newClient(t, ams[0].URL)
		_, err = only.Silences(ctx, nil)
		oneLineNaming(t, err, ams[0].URL)
	})
}
