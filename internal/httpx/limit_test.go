package httpx

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestBodyCap: a body announced larger than MaxBodyBytes is refused before
// it is read; a chunked body (no length) is read up to the cap and then
// fails with ErrBodyTooLarge rather than being cut silently; a body of
// exactly the cap is read whole.
func TestBodyCap(t *testing.T) {
	chunk := strings.Repeat("x", 1<<20)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.ParseInt(r.URL.Query().Get("mib"), 10, 64)
		if r.URL.Query().Get("announce") == "1" {
			w.Header().Set("Content-Length", strconv.FormatInt(n<<20, 10))
		}
		for range n {
			if _, err := io.WriteString(w, chunk); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	c, err := NewClient(ClientConfig{Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	get := func(q string) (int64, error) {
		resp, err := c.Get(srv.URL + "?" + q)
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		return io.Copy(io.Discard, resp.Body)
	}

	start := time.Now()
	if _, err := get("mib=200&announce=1"); !errors.Is(err, ErrBodyTooLarge) {
		t.Fatalf("announced 200 MiB: err = %v, want ErrBodyTooLarge", err)
	} else if !strings.Contains(err.Error(), "Content-Length 200 MiB") {
		t.Errorf("error does not say the announced size: %v", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("refusing an announced 200 MiB body took %v; it should not read it", took)
	}
	n, err := get("mib=100")
	if !errors.Is(err, ErrBodyTooLarge) {
		t.Fatalf("chunked 100 MiB: err = %v, want ErrBodyTooLarge", err)
	}
	if n != MaxBodyBytes {
		t.Errorf("chunked: read %d bytes before the error, want exactly the cap %d", n, MaxBodyBytes)
	}
	if n, err := get("mib=64&announce=1"); err != nil || n != MaxBodyBytes {
		t.Errorf("exactly the cap: read %d, err %v", n, err)
	}
	if Cause(err) != ErrBodyTooLarge.Error() {
		t.Errorf("Cause = %q", Cause(err))
	}
}
