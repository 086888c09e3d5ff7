// Package httpx builds the HTTP clients every source uses: auth (bearer
// token, basic auth), TLS, extra headers, a per-request timeout, and a cap on
// how much of a response body is read. Secrets never appear in its errors.
package httpx

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"

	"oncall/internal/sanitize"
)

// DefaultTimeout is used when a source sets no timeout.
const DefaultTimeout = 10 * time.Second

// MaxBodyBytes caps how much of one response body a source reads.
const MaxBodyBytes int64 = 64 << 20

// BasicAuth is HTTP basic auth. The password is read from a file so that it
// never has to sit in the config itself.
type BasicAuth struct {
	Username     string `toml:"username" json:"username"`
	Password     string `toml:"password" json:"-"`
	PasswordFile string `toml:"password_file" json:"password_file"`
}

// TLS configures the client side of TLS.
type TLS struct {
	CAFile             string `toml:"ca_file" json:"ca_file"`
	CertFile           string `toml:"cert_file" json:"cert_file"`
	KeyFile            string `toml:"key_file" json:"key_file"`
	ServerName         string `toml:"server_name" json:"server_name"`
	InsecureSkipVerify bool   `toml:"insecure_skip_verify" json:"insecure_skip_verify"`
}

// ClientConfig is the connection part every source shares.
type ClientConfig struct {
	BearerToken     string            `toml:"bearer_token" json:"-"`
	BearerTokenFile string            `toml:"bearer_token_file" json:"bearer_token_file"`
	BasicAuth       *BasicAuth        `toml:"basic_auth" json:"basic_auth,omitempty"`
	TLS             *TLS              `toml:"tls" json:"tls,omitempty"`
	Headers         map[string]string `toml:"headers" json:"-"`
	Timeout         time.Duration     `toml:"timeout" json:"timeout"`
}

// Secrets returns every secret value the config holds or points to (read
// from files where needed), so callers can scrub them from any output.
func (c ClientConfig) Secrets() []string {
	var out []string
	add := func(s string) {
		s = strings.TrimSpace(s)
		if len(s) >= 4 {
			out = append(out, s)
		}
	}
	add(c.BearerToken)
	if c.BearerTokenFile != "" {
		if b, err := os.ReadFile(c.BearerTokenFile); err == nil {
			add(string(b))
		}
	}
	if c.BasicAuth != nil {
		add(c.BasicAuth.Password)
		pw := c.BasicAuth.Password // what RoundTrip sends: the file wins
		if c.BasicAuth.PasswordFile != "" {
			if b, err := os.ReadFile(c.BasicAuth.PasswordFile); err == nil {
				pw = strings.TrimSpace(string(b))
				add(pw)
			}
		}
		if pw != "" {
			// What the Authorization header carries: a server echoing it
			// back must not reveal the password either.
			add(base64.StdEncoding.EncodeToString([]byte(c.BasicAuth.Username + ":" + pw)))
		}
	}
	for k, v := range c.Headers {
		if isSecretHeader(k) {
			add(v)
		}
	}
	return out
}

func isSecretHeader(k string) bool {
	k = strings.ToLower(k)
	return strings.Contains(k, "auth") || strings.Contains(k, "token") ||
		strings.Contains(k, "key") || strings.Contains(k, "secret") || strings.Contains(k, "cookie")
}

// EffectiveTimeout is the configured timeout or the default.
func (c ClientConfig) EffectiveTimeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return DefaultTimeout
}

// NewClient builds an *http.Client for the config. The returned client's
// Timeout is the configured timeout; callers still pass a context.
func NewClient(c ClientConfig) (*http.Client, error) {
	rt, err := NewTransport(c)
	if err != nil {
		return nil, err
	}
	return &http.Client{Transport: rt, Timeout: c.EffectiveTimeout()}, nil
}

// NewTransport builds the RoundTripper (auth, headers, TLS) for the config.
func NewTransport(c ClientConfig) (http.RoundTripper, error) {
	base := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:          32,
		MaxIdleConnsPerHost:   8,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: c.EffectiveTimeout(),
		ForceAttemptHTTP2:     true,
	}
	if c.TLS != nil {
		tc, err := TLSConfig(*c.TLS)
		if err != nil {
			return nil, err
		}
		base.TLSClientConfig = tc
	}
	if c.BearerToken != "" && c.BearerTokenFile != "" {
		return nil, errors.New("set bearer_token or bearer_token_file, not both")
	}
	if c.BearerTokenFile != "" {
		if _, err := os.Stat(c.BearerTokenFile); err != nil {
			return nil, fmt.Errorf("bearer_token_file: %w", err)
		}
	}
	if c.BasicAuth != nil && c.BasicAuth.PasswordFile != "" {
		if _, err := os.Stat(c.BasicAuth.PasswordFile); err != nil {
			return nil, fmt.Errorf("basic_auth.password_file: %w", err)
		}
	}
	return &authTransport{cfg: c, next: base}, nil
}

// TLSConfig turns the TLS section into a *tls.Config.
func TLSConfig(t TLS) (*tls.Config, error) {
	tc := &tls.Config{ServerName: t.ServerName, InsecureSkipVerify: t.InsecureSkipVerify, MinVersion: tls.VersionTLS12} //nolint:gosec // operator's explicit choice
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, fmt.Errorf("tls.ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("tls.ca_file %s: no PEM certificates found", t.CAFile)
		}
		tc.RootCAs = pool
	}
	if (t.CertFile == "") != (t.KeyFile == "") {
		return nil, errors.New("tls: cert_file and key_file must be set together")
	}
	if t.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("tls client certificate: %w", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}

type authTransport struct {
	cfg  ClientConfig
	next http.RoundTripper
}

func (a *authTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	for k, v := range a.cfg.Headers {
		r.Header.Set(k, v)
	}
	switch {
	case a.cfg.BearerToken != "":
		r.Header.Set("Authorization", "Bearer "+a.cfg.BearerToken)
	case a.cfg.BearerTokenFile != "":
		b, err := os.ReadFile(a.cfg.BearerTokenFile)
		if err != nil {
			return nil, fmt.Errorf("bearer_token_file: %w", err)
		}
		r.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(b)))
	}
	if ba := a.cfg.BasicAuth; ba != nil {
		pw := ba.Password
		if ba.PasswordFile != "" {
			b, err := os.ReadFile(ba.PasswordFile)
			if err != nil {
				return nil, fmt.Errorf("basic_auth.password_file: %w", err)
			}
			pw = strings.TrimSpace(string(b))
		}
		r.SetBasicAuth(ba.Username, pw)
	}
	resp, err := a.next.RoundTrip(r)
	if err != nil {
		return nil, CleanError(err)
	}
	if resp.StatusCode == http.StatusSwitchingProtocols { // a WebSocket needs the raw body
		return resp, nil
	}
	if resp.ContentLength > MaxBodyBytes {
		// Announced too large: refuse before reading a byte of it.
		resp.Body.Close()
		return nil, fmt.Errorf("%w (Content-Length %d MiB)", ErrBodyTooLarge, resp.ContentLength>>20)
	}
	resp.Body = LimitBody(resp.Body, MaxBodyBytes)
	return resp, nil
}

// ErrBodyTooLarge is returned when a response exceeds MaxBodyBytes.
var ErrBodyTooLarge = fmt.Errorf("response body larger than %d MiB: refused", MaxBodyBytes>>20)

type limitedBody struct {
	rc   io.ReadCloser
	left int64
}

// LimitBody wraps a body so reading past max bytes fails with ErrBodyTooLarge
// instead of silently truncating.
func LimitBody(rc io.ReadCloser, max int64) io.ReadCloser {
	return &limitedBody{rc: rc, left: max}
}

func (l *limitedBody) Read(p []byte) (int, error) {
	if l.left <= 0 {
		// One probe byte tells a body of exactly max bytes from a longer one.
		var one [1]byte
		n, err := l.rc.Read(one[:])
		if n > 0 {
			return 0, ErrBodyTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.rc.Read(p)
	l.left -= int64(n)
	return n, err
}

func (l *limitedBody) Close() error { return l.rc.Close() }

// CleanError strips URL userinfo and query strings (which may carry tokens)
// from a transport error.
func CleanError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return &url.Error{Op: ue.Op, URL: RedactURL(ue.URL), Err: ue.Err}
	}
	return err
}

// RedactURL removes userinfo and the query string from a URL for display.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "<invalid url>"
	}
	u.User = nil
	if u.RawQuery != "" {
		u.RawQuery = ""
	}
	u.Fragment = ""
	return u.String()
}

// Scrub replaces every occurrence of each secret in s with "[redacted]".
func Scrub(s string, secrets []string) string {
	for _, sec := range secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, "[redacted]")
		}
	}
	return s
}

// ScrubLine is s as one line safe for a terminal (sanitize.Line) without
// the secrets. It scrubs before and after escaping, so a secret is caught
// whether or not it holds a character the escaping rewrites.
func ScrubLine(s string, secrets []string) string {
	return Scrub(sanitize.Line(Scrub(s, secrets)), secrets)
}

// Cause names, in a few plain words, the cause of a common transport or
// decoding failure: refused connection, timeout, TLS trust, an answer cut
// off, a body over the cap, malformed JSON. It returns "" for anything
// else, so callers keep their own message.
func Cause(err error) string {
	var (
		uae x509.UnknownAuthorityError
		hne x509.HostnameError
		cie x509.CertificateInvalidError
		tve *tls.CertificateVerificationError
		se  *json.SyntaxError
		te  *json.UnmarshalTypeError
	)
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrBodyTooLarge):
		return ErrBodyTooLarge.Error()
	case errors.Is(err, context.DeadlineExceeded), isTimeout(err):
		return "timed out"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.As(err, &uae):
		return "TLS: certificate signed by an unknown authority (check tls.ca_file)"
	case errors.As(err, &hne):
		return "TLS: certificate is not valid for this host (check the URL or tls.server_name)"
	case errors.As(err, &cie):
		return "TLS: invalid certificate: " + cie.Error()
	case errors.As(err, &tve):
		return "TLS: certificate verification failed"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "answer cut off midway (unexpected EOF)"
	case errors.As(err, &se):
		return "malformed JSON answer: " + se.Error()
	case errors.As(err, &te):
		return "malformed JSON answer: " + te.Error()
	}
	return ""
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
