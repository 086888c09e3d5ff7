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

// oneLine makes server text safe for a one-line error: control and format
// characters and invalid UTF-8 dropped (newlines and tabs become spaces),
// whitespace collapsed, secrets scrubbed, capped at maxErrorLen characters.
//
// Secrets are scrubbed after the dropping, which can join a token split by a
// dropped byte ("SECRET-TOKEN-1\xc523"), and before the cap, which could
// leave a token's first half.
func oneLine(s string, secrets []string) string {
	keep := maxErrorLen + 1 // runes kept before scrubbing: the cap, plus the longest secret
	for _, sec := range secrets {
		keep = max(keep, maxErrorLen+1+utf8.RuneCountInString(sec))
	}
	var b strings.Builder
	space, cut := false, false
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
		if n >= keep {
			cut = true
			break
		}
		b.WriteRune(r)
		n++
	}
	out := httpx.Scrub(b.String(), secrets)
	if utf8.RuneCountInString(out) > maxErrorLen {
		out, cut = string([]rune(out)[:maxErrorLen]), true
	}
	if cut {
		out += "…"
	}
	return out
}
