package loki

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"oncall/internal/httpx"
)

// maxErrorLen caps the server text quoted in an error.
const maxErrorLen = 300

// HTTPError is a non-2xx answer from Loki (or a proxy in front of it).
type HTTPError struct {
	// StatusCode is the HTTP status, e.g. 400 or 429.
	StatusCode int
	// Status is the status line, e.g. "400 Bad Request".
	Status string
	// Message is the server's error text: one line, control characters
	// removed, secrets scrubbed, at most ~300 characters.
	Message string
	// HTML is set when the body was an HTML page (a proxy's error page).
	HTML bool
}

// Error renders e.g. `loki: 400 Bad Request: parse error at line 1, col 5: …`.
func (e *HTTPError) Error() string {
	if e.HTML {
		return fmt.Sprintf("loki: unexpected HTML response (status %d)", e.StatusCode)
	}
	if e.Message == "" {
		return "loki: " + e.Status
	}
	return "loki: " + e.Status + ": " + e.Message
}

// RateLimited reports whether Loki refused the request for rate limits.
func (e *HTTPError) RateLimited() bool { return e.StatusCode == http.StatusTooManyRequests }

func statusLine(code int) string {
	if t := http.StatusText(code); t != "" {
		return fmt.Sprintf("%d %s", code, t)
	}
	return fmt.Sprintf("%d", code)
}

// newHTTPError builds the error for a non-2xx answer from its (already
// capped) body.
func newHTTPError(resp *http.Response, body []byte, secrets []string) *HTTPError {
	e := &HTTPError{StatusCode: resp.StatusCode, Status: statusLine(resp.StatusCode)}
	if looksHTML(resp.Header.Get("Content-Type"), body) {
		e.HTML = true
		return e
	}
	text := string(body)
	// Some Loki versions and gateways answer errors as JSON.
	if t := bytes.TrimSpace(body); len(t) > 0 && t[0] == '{' {
		var j struct {
			Message string `json:"message"`
			Error   string `json:"error"`
		}
		if json.Unmarshal(t, &j) == nil {
			if j.Message != "" {
				text = j.Message
			} else if j.Error != "" {
				text = j.Error
			}
		}
	}
	e.Message = oneLine(text, secrets)
	return e
}

// looksHTML reports whether a body is an HTML page.
func looksHTML(contentType string, body []byte) bool {
	if strings.Contains(strings.ToLower(contentType), "text/html") {
		return true
	}
	t := bytes.ToLower(bytes.TrimSpace(body[:min(len(body), 512)]))
	return bytes.HasPrefix(t, []byte("<!doctype html")) || bytes.HasPrefix(t, []byte("<html")) ||
		bytes.HasPrefix(t, []byte("<head")) || bytes.HasPrefix(t, []byte("<body"))
}

// oneLine makes server text safe for a one-line error: secrets scrubbed,
// control characters dropped (newlines and tabs become spaces), whitespace
// collapsed, invalid UTF-8 removed, capped at maxErrorLen characters.
func oneLine(s string, secrets []string) string {
	s = httpx.Scrub(s, secrets)
	var b strings.Builder
	space := false
	n := 0
	for _, r := range s {
		if r == utf8.RuneError {
			continue
		}
		if unicode.IsSpace(r) {
			space = b.Len() > 0
			continue
		}
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			continue
		}
		if space {
			b.WriteByte(' ')
			n++
			space = false
		}
		if n >= maxErrorLen {
			b.WriteString("…")
			break
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}
