package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCompletionScripts(t *testing.T) {
	for shell, marker := range map[string]string{
		"bash": "__start_oncall",
		"zsh":  "#compdef oncall",
		"fish": "complete -c oncall",
	} {
		code, out, errOut := run(t, nil, "completion", shell)
		if code != 0 || !strings.Contains(out, marker) {
			t.Fatalf("%s: code %d, stderr %q, marker %q missing", shell, code, errOut, marker)
		}
		// The script knows the subcommands, the new ones included.
		if shell != "zsh" && !strings.Contains(out, "serve") && !strings.Contains(out, "__complete") {
			t.Fatalf("%s script does not complete commands", shell)
		}
	}
	code, _, errOut := run(t, nil, "completion", "tcsh")
	if code == 0 || strings.Count(strings.TrimSpace(errOut), "\n") != 0 || !strings.Contains(errOut, "tcsh") {
		t.Fatalf("unknown shell: code %d, stderr %q", code, errOut)
	}
}

func TestManPages(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "man1")
	code, _, errOut := run(t, map[string]string{"SOURCE_DATE_EPOCH": "1767225600"}, "man", "--dir", dir)
	if code != 0 {
		t.Fatalf("man: code %d: %s", code, errOut)
	}
	for _, page := range []string{"oncall.1", "oncall-serve.1", "oncall-silence-add.1", "oncall-completion.1"} {
		b, err := os.ReadFile(filepath.Join(dir, page))
		if err != nil {
			t.Fatalf("%s not written: %v", page, err)
		}
		text := string(b)
		if !strings.Contains(text, `.TH "ONCALL" "1" "Jan 2026"`) || !strings.Contains(text, ".SH NAME") {
			t.Fatalf("%s is not a dated section 1 man page:\n%.300s", page, text)
		}
	}
	serve, _ := os.ReadFile(filepath.Join(dir, "oncall-serve.1"))
	if !strings.Contains(string(serve), `\fB--authorized-keys\fP`) {
		t.Fatalf("oncall-serve.1 does not document its flags:\n%s", serve)
	}
}
