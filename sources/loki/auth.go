package loki

import (
	"encoding/base64"
	"errors"
	"net/http"
	"os"
	"strings"

	"oncall/internal/httpx"
)

// authHeader renders the config's extra headers, bearer token and basic
// auth as request headers, the same way the httpx transport applies them.
// Errors name the setting, never its value.
func authHeader(cfg httpx.ClientConfig) (http.Header, error) {
	h := http.Header{}
	for k, v := range cfg.Headers {
		h.Set(k, v)
	}
	switch {
	case cfg.BearerToken != "" && cfg.BearerTokenFile != "":
		return nil, errors.New("loki: set bearer_token or bearer_token_file, not both")
	case cfg.BearerToken != "":
		h.Set("Authorization", "Bearer "+cfg.BearerToken)
	case cfg.BearerTokenFile != "":
		b, err := os.ReadFile(cfg.BearerTokenFile)
		if err != nil {
			return nil, errors.New("loki: cannot read bearer_token_file " + cfg.BearerTokenFile)
		}
		h.Set("Authorization", "Bearer "+strings.TrimSpace(string(b)))
	}
	if ba := cfg.BasicAuth; ba != nil {
		pw := ba.Password
		if ba.PasswordFile != "" {
			b, err := os.ReadFile(ba.PasswordFile)
			if err != nil {
				return nil, errors.New("loki: cannot read basic_auth.password_file " + ba.PasswordFile)
			}
			pw = strings.TrimSpace(string(b))
		}
		h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(ba.Username+":"+pw)))
	}
	return h, nil
}
