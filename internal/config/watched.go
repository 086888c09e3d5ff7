package config

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Watched resolves the contexts to watch at once: --all-contexts, then
// --context a,b (names, or what the command line set in Watching), then
// [view] contexts, then the current context. Names are checked and kept in
// the order given, without repeats.
func (c *Config) Watched(names []string, all bool) ([]string, error) {
	if len(names) == 0 && !all {
		names = c.Watching
	}
	switch {
	case all:
		names = c.ContextNames()
	case len(names) == 0 && len(c.View.Contexts) > 0:
		names = c.View.Contexts
	case len(names) == 0:
		if _, err := c.Current(); err != nil {
			return nil, err
		}
		return []string{c.CurrentContext}, nil
	}
	var out []string
	seen := map[string]bool{}
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n == "" || seen[n] {
			continue
		}
		if _, ok := c.Contexts[n]; !ok {
			return nil, fmt.Errorf("context %q not found (known: %s)", n, strings.Join(c.ContextNames(), ", "))
		}
		seen[n] = true
		out = append(out, n)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no context to watch: define one under [contexts.<name>]")
	}
	return out, nil
}

// SplitNames splits "a,b" (and repeated flags) into names.
func SplitNames(vals []string) []string {
	var out []string
	for _, v := range vals {
		for _, n := range strings.Split(v, ",") {
			if n = strings.TrimSpace(n); n != "" {
				out = append(out, n)
			}
		}
	}
	return out
}

var hexColor = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// AccentColor turns a [contexts.X.ui] accent into a colour lipgloss takes
// ("#rrggbb" or an ANSI number as text); "" stays "".
func AccentColor(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" || hexColor.MatchString(s) {
		return s, nil
	}
	if n, err := strconv.Atoi(s); err == nil {
		if n < 0 || n > 255 {
			return "", fmt.Errorf("ANSI colour %d is out of range 0-255", n)
		}
		return s, nil
	}
	names := []string{"black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"}
	for i, n := range names {
		if s == n {
			return strconv.Itoa(i), nil
		}
		if s == "bright-"+n {
			return strconv.Itoa(i + 8), nil
		}
	}
	return "", fmt.Errorf("%q is not a colour: use a name (red, bright-red…), 0-255 or #rrggbb", s)
}
