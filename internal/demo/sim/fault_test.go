package sim

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/alertmanager/api/v2/client/alert"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
)

func TestFaultsThroughOfficialClients(t *testing.T) {
	b, _ := startSim(t)
	isEOF := func(err error) bool {
		return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || strings.Contains(err.Error(), "EOF") || strings.Contains(err.Error(), "connection reset")
	}
	isDeadline := func(err error) bool { return errors.Is(err, context.DeadlineExceeded) }
	cases := []struct {
		fault   Fault
		timeout time.Duration
		minTime time.Duration
		am      func(error) bool
		prom    func(error) bool
	}{
		{Hang, 500 * time.Millisecond, 450 * time.Millisecond, isDeadline, isDeadline},
		{SlowDrip, 500 * time.Millisecond, 450 * time.Millisecond, isDeadline, isDeadline},
		{Refuse, 5 * time.Second, 0, isEOF, isEOF},
		{Truncated, 5 * time.Second, 0,
			func(err error) bool { return errors.Is(err, io.ErrUnexpectedEOF) },
			func(err error) bool { return errors.Is(err, io.ErrUnexpectedEOF) }},
		{HTML500, 5 * time.Second, 0,
			func(err error) bool {
				var e *alert.GetAlertsInternalServerError
				return errors.As(err, &e) && strings.Contains(e.Payload, "<html>")
			},
			func(err error) bool {
				var e *v1.Error
				return errors.As(err, &e) && e.Type == v1.ErrServer && strings.Contains(e.Detail, "<html>")
			}},
		{Garbage, 5 * time.Second, 0,
			func(err error) bool {
				var e *json.SyntaxError
				return errors.As(err, &e)
			},
			func(err error) bool {
				var e *v1.Error
				return errors.As(err, &e) && e.Type == v1.ErrBadResponse
			}},
	}
	for _, c := range cases {
		t.Run(c.fault.String(), func(t *testing.T) {
			b.Alertmanager.SetFault(c.fault)
			b.Prometheus.SetFault(c.fault)
			t.Cleanup(func() { b.Alertmanager.SetFault(None); b.Prometheus.SetFault(None) })

			start := time.Now()
			_, err := amClient(t, b).Alert.GetAlerts(alert.NewGetAlertsParams().WithContext(ctxTimeout(t, c.timeout)))
			el := time.Since(start)
			if err == nil || !c.am(err) {
				t.Errorf("Alertmanager client: err = %T %v", err, err)
			}
			if el < c.minTime || el > c.timeout+time.Second {
				t.Errorf("Alertmanager client returned after %v", el)
			}

			start = time.Now()
			_, err = promClient(t, b).Alerts(ctxTimeout(t, c.timeout))
			el = time.Since(start)
			if err == nil || !c.prom(err) {
				t.Errorf("Prometheus client: err = %T %v", err, err)
			}
			if el < c.minTime || el > c.timeout+time.Second {
				t.Errorf("Prometheus client returned after %v", el)
			}

			// Health endpoints are never faulted.
			if code, _, _ := httpGet(t, b.Alertmanager.URL()+"/-/ready"); code != 200 {
				t.Errorf("/-/ready under %s → %d", c.fault, code)
			}
		})
	}

	// Back to normal.
	if got := listAlerts(t, b, nil); len(got) != 9 {
		t.Errorf("after clearing faults: %d alerts", len(got))
	}
}

func TestFaultTruncatedSendsAPrefix(t *testing.T) {
	b, _ := startSim(t)
	_, full, _ := httpGet(t, b.Alertmanager.URL()+"/api/v2/receivers")
	b.Alertmanager.SetFault(Truncated)
	req, _ := http.NewRequestWithContext(ctxTimeout(t, 5*time.Second), http.MethodGet, b.Alertmanager.URL()+"/api/v2/receivers", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("read err = %v, want unexpected EOF", err)
	}
	if resp.ContentLength != int64(len(full)) || len(got) == 0 || len(got) >= len(full) || !strings.HasPrefix(full, string(got)) {
		t.Errorf("got %d of %d bytes (Content-Length %d): %q", len(got), len(full), resp.ContentLength, got)
	}
}

func TestFaultSlowDrip(t *testing.T) {
	b, _ := startSim(t)
	_, full, _ := httpGet(t, b.Prometheus.URL()+"/api/v1/status/buildinfo")
	b.Prometheus.SetFault(SlowDrip)
	ctx := ctxTimeout(t, 1050*time.Millisecond)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, b.Prometheus.URL()+"/api/v1/status/buildinfo", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err == nil {
		t.Fatal("slow drip finished within a second")
	}
	// One byte at once, then one per 100ms: about 11 in 1.05s.
	if len(got) < 6 || len(got) > 16 || !strings.HasPrefix(full, string(got)) {
		t.Errorf("dripped %d bytes %q, want ~11 bytes of the real body", len(got), got)
	}
}

func TestFaultHugeStreamsWithoutBuffering(t *testing.T) {
	b, _ := startSim(t)
	b.Prometheus.SetFault(Huge)
	// Sample the heap while the body streams: buffering it anywhere would
	// push the peak past the body size.
	var peak uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()

	req, _ := http.NewRequestWithContext(ctxTimeout(t, 60*time.Second), http.MethodGet, b.Prometheus.URL()+"/api/v1/alerts", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	// Walk the body as JSON tokens: it must be one valid array.
	cr := &countingReader{r: resp.Body}
	dec := json.NewDecoder(bufio.NewReaderSize(cr, 1<<16))
	elems := 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("body is not valid JSON after %d bytes: %v", cr.n, err)
		}
		if _, ok := tok.(string); ok {
			elems++
		}
	}
	close(stop)
	<-sampled
	if cr.n != HugeBodyBytes {
		t.Errorf("body is %d bytes, want %d", cr.n, HugeBodyBytes)
	}
	if elems < 100000 {
		t.Errorf("body holds %d elements", elems)
	}
	if int64(peak) > HugeBodyBytes/2 {
		t.Errorf("heap peaked at %d bytes while streaming %d; the body must not be held in memory", peak, HugeBodyBytes)
	}

	// A client that caps bodies (as httpx does) stops early.
	b.Prometheus.SetFault(Huge)
	req, _ = http.NewRequestWithContext(ctxTimeout(t, 10*time.Second), http.MethodGet, b.Prometheus.URL()+"/api/v1/alerts", nil)
	resp2, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := io.Copy(io.Discard, io.LimitReader(resp2.Body, 1<<20))
	resp2.Body.Close()
	if n != 1<<20 {
		t.Errorf("capped read got %d bytes", n)
	}
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func TestDelay(t *testing.T) {
	b, _ := startSim(t)
	b.Alertmanager.SetDelay(time.Second)
	start := time.Now()
	if got := listAlerts(t, b, nil); len(got) != 9 {
		t.Errorf("%d alerts", len(got))
	}
	if el := time.Since(start); el < time.Second {
		t.Errorf("delayed answer came after %v", el)
	}
	_, err := amClient(t, b).Alert.GetAlerts(alert.NewGetAlertsParams().WithContext(ctxTimeout(t, 100*time.Millisecond)))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("short deadline: %v", err)
	}
	// Prometheus is independent: it answers while the Alertmanager request
	// cut short above is still held for its second (a bound far from both,
	// for a loaded machine).
	start = time.Now()
	if _, err := promClient(t, b).Alerts(ctxTimeout(t, 5*time.Second)); err != nil || time.Since(start) > 600*time.Millisecond {
		t.Errorf("Prometheus affected by Alertmanager delay: %v after %v", err, time.Since(start))
	}
}

func TestCloseEndsHungRequests(t *testing.T) {
	clk := &fakeClock{t: epoch()}
	b, err := Start(context.Background(), Options{Clock: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	b.Alertmanager.SetFault(Hang)
	done := make(chan error, 1)
	go func() {
		resp, err := http.Get(b.Alertmanager.URL() + "/api/v2/alerts")
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	time.Sleep(100 * time.Millisecond)
	closed := make(chan error, 1)
	go func() { closed <- b.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Errorf("Close: %v", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("Close blocked on a hung request")
	}
	select {
	case err := <-done:
		if err == nil {
			t.Error("hung request got a response")
		}
	case <-time.After(3 * time.Second):
		t.Fatal("hung request still running after Close")
	}
}

func TestParseFault(t *testing.T) {
	for f := None; f <= SlowDrip; f++ {
		got, err := ParseFault(f.String())
		if err != nil || got != f {
			t.Errorf("ParseFault(%q) = %v, %v", f.String(), got, err)
		}
	}
	if _, err := ParseFault("explode"); err == nil || !strings.Contains(err.Error(), `"explode"`) {
		t.Errorf("ParseFault(explode) err = %v", err)
	}
}
