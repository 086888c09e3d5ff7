package serve

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	gossh "golang.org/x/crypto/ssh"
)

func TestHostKeyCreatedOnceWith0600(t *testing.T) {
	p := filepath.Join(t.TempDir(), "state", "oncall", "host_key")
	s1, created, err := LoadOrCreateHostKey(p)
	if err != nil || !created {
		t.Fatalf("first load: created=%v err=%v", created, err)
	}
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("host key mode %04o, want 0600", st.Mode().Perm())
	}
	if dst, _ := os.Stat(filepath.Dir(p)); dst.Mode().Perm() != 0o700 {
		t.Fatalf("host key dir mode %04o, want 0700", dst.Mode().Perm())
	}
	s2, created, err := LoadOrCreateHostKey(p)
	if err != nil || created {
		t.Fatalf("second load: created=%v err=%v", created, err)
	}
	if gossh.FingerprintSHA256(s1.PublicKey()) != gossh.FingerprintSHA256(s2.PublicKey()) {
		t.Fatal("the host key changed between loads")
	}
	if s1.PublicKey().Type() != gossh.KeyAlgoED25519 {
		t.Fatalf("host key type %s", s1.PublicKey().Type())
	}
	if err := os.Chmod(p, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadOrCreateHostKey(p); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("a world-readable host key must be refused, got %v", err)
	}
}

func TestDefaultHostKeyPath(t *testing.T) {
	got := DefaultHostKeyPath(func(k string) string {
		if k == "XDG_STATE_HOME" {
			return "/var/lib/x"
		}
		return ""
	})
	if got != "/var/lib/x/oncall/ssh_host_ed25519_key" {
		t.Fatalf("DefaultHostKeyPath = %q", got)
	}
}
