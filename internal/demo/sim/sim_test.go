package sim

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	httptransport "github.com/go-openapi/runtime/client"
	"github.com/go-openapi/strfmt"
	amclient "github.com/prometheus/alertmanager/api/v2/client"
	"github.com/prometheus/alertmanager/api/v2/client/alert"
	promapi "github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
)

func TestTLS(t *testing.T) {
	b, err := Start(context.Background(), Options{TLS: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	if !strings.HasPrefix(b.Alertmanager.URL(), "https://") || !strings.HasPrefix(b.Prometheus.URL(), "https://") {
		t.Fatalf("URLs %s %s are not https", b.Alertmanager.URL(), b.Prometheus.URL())
	}

	clientWith := func(pool *x509.CertPool) *http.Client {
		return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	}
	wrongCA := clientWith(x509.NewCertPool())
	goodPool := x509.NewCertPool()
	if !goodPool.AppendCertsFromPEM(b.CACertPEM()) {
		t.Fatal("CACertPEM is not a usable PEM certificate")
	}
	good := clientWith(goodPool)

	u, _ := url.Parse(b.Alertmanager.URL())
	am := func(hc *http.Client) error {
		c := amclient.New(httptransport.NewWithClient(u.Host, "/api/v2", []string{"https"}, hc), strfmt.Default)
		_, err := c.Alert.GetAlerts(alert.NewGetAlertsParams().WithContext(ctxTimeout(t, 5*time.Second)))
		return err
	}
	prom := func(hc *http.Client) error {
		c, err := promapi.NewClient(promapi.Config{Address: b.Prometheus.URL(), Client: hc})
		if err != nil {
			return err
		}
		_, err = v1.NewAPI(c).Alerts(ctxTimeout(t, 5*time.Second))
		return err
	}
	var unknown x509.UnknownAuthorityError
	if err := am(wrongCA); !errors.As(err, &unknown) {
		t.Errorf("Alertmanager with the wrong CA: %v, want unknown authority", err)
	}
	if err := prom(wrongCA); !errors.As(err, &unknown) {
		t.Errorf("Prometheus with the wrong CA: %v, want unknown authority", err)
	}
	if err := am(good); err != nil {
		t.Errorf("Alertmanager with the right CA: %v", err)
	}
	if err := prom(good); err != nil {
		t.Errorf("Prometheus with the right CA: %v", err)
	}
}

func TestPlainHasNoCert(t *testing.T) {
	b, _ := startSim(t)
	if len(b.CACertPEM()) != 0 {
		t.Error("plain HTTP backend returned a certificate")
	}
	if !strings.HasPrefix(b.Alertmanager.URL(), "http://127.0.0.1:") {
		t.Errorf("URL %s", b.Alertmanager.URL())
	}
}

func TestStopsWhenContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	b, err := Start(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if code, _, _ := httpGet(t, b.Prometheus.URL()+"/-/ready"); code != 200 {
		t.Fatalf("ready → %d", code)
	}
	cancel()
	deadline := time.Now().Add(3 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", strings.TrimPrefix(b.Prometheus.URL(), "http://"), time.Second)
		if err != nil {
			break
		}
		conn.Close()
		if time.Now().After(deadline) {
			t.Fatal("server still accepting connections after the context ended")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := b.Close(); err != nil {
		t.Errorf("Close after context end: %v", err)
	}
}

func TestFixedPorts(t *testing.T) {
	// Find two adjacent free ports.
	var port int
	for range 20 {
		l1, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		p := l1.Addr().(*net.TCPAddr).Port
		l2, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p+1))
		l1.Close()
		if err == nil {
			l2.Close()
			port = p
			break
		}
	}
	if port == 0 {
		t.Skip("no two adjacent free ports")
	}
	b, err := Start(context.Background(), Options{Addr: "127.0.0.1:" + strconv.Itoa(port)})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if want := "http://127.0.0.1:" + strconv.Itoa(port); b.Alertmanager.URL() != want {
		t.Errorf("Alertmanager URL %s, want %s", b.Alertmanager.URL(), want)
	}
	if want := "http://127.0.0.1:" + strconv.Itoa(port+1); b.Prometheus.URL() != want {
		t.Errorf("Prometheus URL %s, want %s", b.Prometheus.URL(), want)
	}

	// The same ports again: a clear error, nothing left listening.
	_, err = Start(context.Background(), Options{Addr: "127.0.0.1:" + strconv.Itoa(port)})
	if err == nil || !strings.Contains(err.Error(), "alertmanager cannot listen") {
		t.Errorf("second Start on the same ports: %v", err)
	}
}

func TestBadAddr(t *testing.T) {
	for _, addr := range []string{"nonsense", "127.0.0.1:http", "127.0.0.1:70000"} {
		if _, err := Start(context.Background(), Options{Addr: addr}); err == nil || !strings.Contains(err.Error(), addr) {
			t.Errorf("Start(Addr %q) err = %v, want one naming the address", addr, err)
		}
	}
}
