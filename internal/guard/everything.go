package guard

import (
	"strings"

	"github.com/prometheus/alertmanager/pkg/labels"
)

// MatchesEveryValue reports whether m selects every value its label can
// hold on a live alert: every sample value below, which mixes each
// printable ASCII character alone, typical label values (names, numbers,
// hosts, IPs, paths, versions), non-ASCII text, blanks, and long strings.
//
// Regex equivalence cannot be decided by looking at the pattern (.*, .+,
// (.*), .*.*, .{0,}, [\s\S]*, (?s).*, .*|x, x|.+, (?i).* …), so m is run
// through pkg/labels' own Matches, which anchors the regex as Alertmanager
// does, on the samples. The empty value (the label absent) is not required:
// =~".+" selects every alert that has the label. A newline is not sampled:
// Alertmanager's "." does not match it, and label values do not hold one.
func MatchesEveryValue(m *labels.Matcher) bool {
	for _, s := range sampleValues() {
		if !m.Matches(s) {
			return false
		}
	}
	return true
}

// sampleValues returns the values MatchesEveryValue tries (built per call:
// a few hundred short strings, and no package state).
func sampleValues() []string {
	out := []string{
		"prod", "staging", "dev", "eu-west-1", "us-east-1a", "kube-system", "default",
		"critical", "warning", "info", "none", "page", "ticket",
		"APIDown", "HighErrorRate", "node_exporter", "api.example.com", "api.example.com:443",
		"10.0.0.1", "10.0.0.1:9100", "[::1]:9090", "fe80::1", "pod-7d9f8b6c5-x2x4q", "redis-0",
		"/var/lib/data", "C:\\Temp", "https://example.com/x?y=1&z=2", "v1.2.3-rc.1+build.5",
		"0", "1", "42", "-1", "3.14", "1e9", "0x1F", "true", "false", "null", "NaN",
		"a b", " leading", "trailing ", "\ttab", "UPPER", "MiXeD", "ümlaut", "日本語", "Привет", "🙂", "\u00a0",
		"\x7f", "\x01", "a\"quote", "back\\slash", "{json:1}", "*", "^$", ".*", "$1",
		strings.Repeat("x", 300), strings.Repeat("ab1-", 256),
	}
	var all strings.Builder
	for c := byte(' '); c <= '~'; c++ {
		out = append(out, string(c), string(c)+string(c)+"z"+string(c))
		all.WriteByte(c)
	}
	return append(out, all.String())
}
