package runbooks

import "strings"

// frontMatter is the small YAML-ish header some runbooks carry:
//
//	---
//	title: Storage
//	alerts: [DiskSpaceLow, DiskFull]
//	---
//
// or with a block list ("alerts:" then "  - DiskSpaceLow" lines). Only the
// keys title, alert and alerts are read; anything else is ignored.
type frontMatter struct {
	title  string
	alerts []string
	end    int // index of the first line after the front matter (0 if none)
}

// parseFrontMatter reads front matter starting on the first line, if any.
func parseFrontMatter(lines []string) frontMatter {
	var fm frontMatter
	if len(lines) == 0 || strings.TrimSpace(strings.TrimPrefix(lines[0], "\ufeff")) != "---" {
		return fm
	}
	end := -1
	for i := 1; i < len(lines); i++ {
		if t := strings.TrimSpace(lines[i]); t == "---" || t == "..." {
			end = i
			break
		}
	}
	if end < 0 {
		return fm
	}
	fm.end = end + 1
	listKey := ""
	for _, raw := range lines[1:end] {
		line := strings.TrimRight(raw, " \t")
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		if strings.HasPrefix(t, "- ") || t == "-" {
			if listKey == "alerts" || listKey == "alert" {
				fm.alerts = appendAlert(fm.alerts, strings.TrimPrefix(t, "-"))
			}
			continue
		}
		key, val, ok := strings.Cut(t, ":")
		if !ok || line != strings.TrimLeft(line, " \t") {
			continue // nested mapping or junk
		}
		key = strings.ToLower(strings.TrimSpace(key))
		val = strings.TrimSpace(stripComment(val))
		listKey = ""
		switch key {
		case "title":
			fm.title = unquote(val)
		case "alert", "alerts":
			if val == "" {
				listKey = key
				continue
			}
			if strings.HasPrefix(val, "[") && strings.HasSuffix(val, "]") {
				val = val[1 : len(val)-1]
			}
			for _, item := range strings.Split(val, ",") {
				fm.alerts = appendAlert(fm.alerts, item)
			}
		}
	}
	return fm
}

func appendAlert(list []string, item string) []string {
	if v := unquote(strings.TrimSpace(stripComment(item))); v != "" {
		return append(list, v)
	}
	return list
}

// stripComment drops a YAML " # comment" tail.
func stripComment(s string) string {
	if i := strings.Index(s, " #"); i >= 0 {
		return s[:i]
	}
	return s
}

func unquote(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && (s[0] == '"' && s[len(s)-1] == '"' || s[0] == '\'' && s[len(s)-1] == '\'') {
		return s[1 : len(s)-1]
	}
	return s
}

// lists reports whether the front matter names the alert (case-insensitive).
func (fm frontMatter) lists(alert string) bool {
	for _, a := range fm.alerts {
		if strings.EqualFold(a, alert) {
			return true
		}
	}
	return false
}
