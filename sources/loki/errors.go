package loki

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/prometheus/common/model"

	"oncall/internal/httpx"
	"oncall/internal/sanitize"
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
	// Hint is one sentence oncall adds to say what to do (e.g. which
	// setting names the tenant), empty when it has none.
	Hint string
}

// Error renders e.g. `loki: 400 Bad Request: parse error at line 1, col 5: …`,
// followed by the hint when there is one.
func (e *HTTPError) Error() string {
	var s string
	switch {
	case e.HTML:
		s = fmt.Sprintf("loki: unexpected HTML response (status %d)", e.StatusCode)
	case e.Message == "":
		s = "loki: " + e.Status
	default:
		s = "loki: " + e.Status + ": " + e.Message
	}
	if e.Hint != "" {
		s += "; " + e.Hint
	}
	return s
}

// NoOrgID reports Loki's refusal of a request without a tenant
// (auth_enabled, no X-Scope-OrgID): 401 "no org id".
func (e *HTTPError) NoOrgID() bool {
	return e.StatusCode == http.StatusUnauthorized && strings.Contains(strings.ToLower(e.Message), "no org id")
}

var (
	maxEntriesRe = regexp.MustCompile(`max entries limit per query exceeded, limit > max_entries_limit_per_query \((\d+) > (\d+)\)`)
	tooLongRe    = regexp.MustCompile(`the query time range exceeds the limit \(query length: ([^,]+), limit: ([^)]+)\)`)
)

// MaxEntries parses Loki's max_entries_limit_per_query refusal: "max
// entries limit per query exceeded, limit > max_entries_limit_per_query
// (6000 > 5000)" gives 6000 and 5000.
func (e *HTTPError) MaxEntries() (requested, limit int, ok bool) {
	if e.StatusCode != http.StatusBadRequest {
		return 0, 0, false
	}
	m := maxEntriesRe.FindStringSubmatch(e.Message)
	if m == nil {
		return 0, 0, false
	}
	requested, err1 := strconv.Atoi(m[1])
	limit, err2 := strconv.Atoi(m[2])
	return requested, limit, err1 == nil && err2 == nil && limit > 0
}

// QueryTooLong parses Loki's max_query_length refusal: "the query time
// range exceeds the limit (query length: 721h0m1s, limit: 30d1h)". The
// length is a Go duration, the limit a Prometheus one; ok is false when
// the message is not this one or the limit cannot be read.
func (e *HTTPError) QueryTooLong() (length, limit time.Duration, ok bool) {
	if e.StatusCode != http.StatusBadRequest {
		return 0, 0, false
	}
	m := tooLongRe.FindStringSubmatch(e.Message)
	if m == nil {
		return 0, 0, false
	}
	length, _ = parseAnyDuration(m[1])
	limit, err := parseAnyDuration(m[2])
	return length, limit, err == nil && limit > 0
}

// parseAnyDuration reads a Prometheus duration (30d1h) or a Go one
// (721h0m1.5s).
func parseAnyDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if d, err := model.ParseDuration(s); err == nil {
		return time.Duration(d), nil
	}
	return time.ParseDuration(s)
}

// hint adds what to do to errors oncall recognises. It is applied to every
// error answer of this client.
func (c *Client) hint(e *HTTPError) *HTTPError {
	if e.NoOrgID() {
		ctx := c.context
		if ctx == "" {
			ctx = "<name>"
		}
		if c.tenant == "" {
			e.Hint = fmt.Sprintf(`this Loki is multi-tenant: set tenant = "<org id>" in [contexts.%s.loki] (or pass --org-id)`, ctx)
		} else {
			e.Hint = fmt.Sprintf("X-Scope-OrgID %q was sent but did not reach Loki: a proxy in front of it may drop the header", sanitize.Truncate(c.tenant, 64))
		}
	}
	return e
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
