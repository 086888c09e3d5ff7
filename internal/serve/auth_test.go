package serve

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"oncall/tui"
)

func TestRolesResolve(t *testing.T) {
	r := Roles{Responders: []string{"alice", "SHA256:resp"}, Viewers: []string{"bob", "SHA256:view"}}
	cases := []struct {
		user, fp, owner string
		want            Role
	}{
		{"alice", "SHA256:x", "alice", RoleResponder},
		{"alice", "SHA256:x", "alice@laptop", RoleResponder},
		{"alice", "SHA256:x", "mallory", RoleViewer},      // login name not backed by the key
		{"alice", "SHA256:x", "", RoleViewer},             // key without an owner comment
		{"carol", "SHA256:x", "carol", RoleViewer},        // not listed: viewer by default
		{"bob", "SHA256:x", "bob", RoleViewer},            // listed viewer
		{"anyone", "SHA256:resp", "", RoleResponder},      // fingerprint decides
		{"alice", "SHA256:view", "alice", RoleViewer},     // fingerprint beats name
		{"alice", "SHA256:resp", "alice", RoleResponder},  // both agree
		{"", "SHA256:x", "", RoleViewer},                  // no name at all
		{"alice@laptop", "SHA256:x", "alice", RoleViewer}, // names compare exactly
	}
	for _, c := range cases {
		if got := r.Resolve(c.user, c.fp, c.owner); got != c.want {
			t.Errorf("Resolve(%q, %q, %q) = %s, want %s", c.user, c.fp, c.owner, got, c.want)
		}
	}
	both := Roles{Responders: []string{"SHA256:k"}, Viewers: []string{"SHA256:k"}}
	if got := both.Resolve("x", "SHA256:k", ""); got != RoleViewer {
		t.Errorf("a key listed as both must be a viewer, got %s", got)
	}
}

func TestIdentityName(t *testing.T) {
	id := Identity{User: "alice", Fingerprint: "SHA256:AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefg"}
	if got, want := id.Name(), "alice (SHA256:AbCdEfGhIjKl)"; got != want {
		t.Fatalf("Name() = %q, want %q", got, want)
	}
	// A hostile login name cannot inject separators, escapes or newlines.
	id.User = "eve: \x1b[31mroot\n"
	got := id.Name()
	if strings.ContainsAny(got[:strings.Index(got, " (")], ": \x1b\n") {
		t.Fatalf("unsafe characters kept in %q", got)
	}
	if long := (Identity{User: strings.Repeat("x", 100), Fingerprint: "SHA256:ab"}).Name(); len(long) > 32+len(" (SHA256:ab)") {
		t.Fatalf("long login name not cut: %q", long)
	}
}

func TestLoadAuthorizedKeys(t *testing.T) {
	a, b, c := newSigner(t), newSigner(t), newSigner(t)
	dir := t.TempDir()
	p := filepath.Join(dir, "ak")
	content := "# operators\n\n" + authorizedLine(a, "alice@laptop") +
		`from="10.0.0.0/8" ` + authorizedLine(b, "bob") +
		"not a key at all\n" + authorizedLine(c, "")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	keys, warnings, err := loadAuthorizedKeys(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 {
		t.Fatalf("want 2 usable keys (the one with options skipped), got %d", len(keys))
	}
	if k, ok := findKey(keys, a.PublicKey()); !ok || k.comment != "alice@laptop" {
		t.Fatalf("alice's key: ok=%v comment=%q", ok, k.comment)
	}
	if _, ok := findKey(keys, b.PublicKey()); ok {
		t.Fatal("a key with options must not be accepted")
	}
	if _, ok := findKey(keys, c.PublicKey()); !ok {
		t.Fatal("a key without comment must be accepted")
	}
	joined := strings.Join(warnings, "\n")
	if !strings.Contains(joined, ":4: key options") || !strings.Contains(joined, ":5: not a public key") {
		t.Fatalf("warnings do not name the lines: %v", warnings)
	}
	if _, _, err := loadAuthorizedKeys(filepath.Join(dir, "missing")); err == nil {
		t.Fatal("missing file: no error")
	}
	if _, err := New(Config{AuthorizedKeys: p + ".none", HostKey: filepath.Join(dir, "hk"), Deps: func(Identity) (tui.Deps, error) { return tui.Deps{}, nil }}); err == nil {
		t.Fatal("New accepted a missing authorized_keys file")
	}
}
