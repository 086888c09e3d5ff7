package serve

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strings"

	gossh "golang.org/x/crypto/ssh"
)

// Role is what a session may do.
type Role string

// Roles.
const (
	// RoleResponder may silence, ack, expire and extend.
	RoleResponder Role = "responder"
	// RoleViewer is read-only: the UI refuses writes and the session has no
	// action service at all.
	RoleViewer Role = "viewer"
)

// Identity is who a session is.
type Identity struct {
	// User is the SSH login name (chosen by the client).
	User string
	// Fingerprint is the SHA256 fingerprint of the key that authenticated.
	Fingerprint string
	// Owner is the comment of the matching authorized_keys line ("alice" or
	// "alice@laptop"); the administrator wrote it, so it is trusted.
	Owner string
	// Role is the resolved role.
	Role Role
}

// Name is the identity used as createdBy and in ack comments:
// "<ssh user> (SHA256:<first 12 characters of the fingerprint>)". The
// fingerprint part makes it impossible to pose as another user by picking
// their login name.
func (id Identity) Name() string {
	fp := strings.TrimPrefix(id.Fingerprint, "SHA256:")
	if len(fp) > 12 {
		fp = fp[:12]
	}
	return fmt.Sprintf("%s (SHA256:%s)", cleanUser(id.User), fp)
}

// cleanUser keeps a client-chosen login name printable, short and free of
// the characters ack comments and logs use as separators.
func cleanUser(u string) string {
	var b strings.Builder
	for _, r := range u {
		switch {
		case b.Len() >= 32:
			return b.String()
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune("._-@+", r):
			b.WriteRune(r)
		default:
			b.WriteRune('_')
		}
	}
	if b.Len() == 0 {
		return "unknown"
	}
	return b.String()
}

// authorizedKey is one usable line of the authorized_keys file.
type authorizedKey struct {
	key     gossh.PublicKey
	comment string
}

// loadAuthorizedKeys reads an OpenSSH authorized_keys file. Lines with key
// options (from=, command=, restrict, …) are skipped and reported, because
// oncall does not enforce options: honouring the key without them would
// grant more than the file says.
func loadAuthorizedKeys(path string) ([]authorizedKey, []string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("authorized keys: %w", err)
	}
	var keys []authorizedKey
	var warnings []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, comment, opts, _, err := gossh.ParseAuthorizedKey([]byte(line))
		if err != nil {
			warnings = append(warnings, fmt.Sprintf("%s:%d: not a public key, skipped", path, n))
			continue
		}
		if len(opts) > 0 {
			warnings = append(warnings, fmt.Sprintf("%s:%d: key options (%s) are not supported, key skipped", path, n, strings.Join(opts, ",")))
			continue
		}
		keys = append(keys, authorizedKey{key: k, comment: strings.TrimSpace(comment)})
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("authorized keys %s: %w", path, err)
	}
	return keys, warnings, nil
}

// findKey returns the authorized line for key, if any.
func findKey(keys []authorizedKey, key gossh.PublicKey) (authorizedKey, bool) {
	want := key.Marshal()
	for _, k := range keys {
		if bytes.Equal(k.key.Marshal(), want) {
			return k, true
		}
	}
	return authorizedKey{}, false
}

// Roles resolves a session's role from the responders and viewers lists.
type Roles struct {
	Responders []string
	Viewers    []string
}

// Resolve picks the role for an authenticated key:
//
//  1. a fingerprint ("SHA256:…") listed in viewers or responders decides
//     (viewers first: when in doubt, least privilege);
//  2. otherwise a listed user name decides, but only when the key's
//     authorized_keys comment names that user ("alice" or "alice@host"):
//     the SSH login name alone is chosen by the client and proves nothing;
//  3. anyone else is a viewer.
func (r Roles) Resolve(user, fingerprint, owner string) Role {
	if contains(r.Viewers, fingerprint) {
		return RoleViewer
	}
	if contains(r.Responders, fingerprint) {
		return RoleResponder
	}
	ownerName, _, _ := strings.Cut(owner, "@")
	if user == "" || ownerName != user {
		return RoleViewer
	}
	if contains(r.Viewers, user) {
		return RoleViewer
	}
	if contains(r.Responders, user) {
		return RoleResponder
	}
	return RoleViewer
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if strings.TrimSpace(v) == s {
			return true
		}
	}
	return false
}
