package lokitest

import (
	"errors"
	"strings"
)

// pattern is a compiled `| pattern "<a> - <_> <b>"` expression: literals
// and captures alternate; <_> captures nothing.
type pattern struct {
	parts []patPart
}

type patPart struct {
	literal string
	capture string // "" for a literal, "_" for an unnamed capture
}

// parsePattern compiles a pattern expression. Like Loki it needs at least
// one named capture and refuses two captures in a row.
func parsePattern(src string) (*pattern, error) {
	p := &pattern{}
	named := false
	for rest := src; rest != ""; {
		open := strings.IndexByte(rest, '<')
		if open < 0 {
			p.parts = append(p.parts, patPart{literal: rest})
			break
		}
		end := strings.IndexByte(rest[open:], '>')
		name := ""
		if end > 0 {
			name = rest[open+1 : open+end]
		}
		if end < 0 || !validCapture(name) {
			// not a capture: "<" is literal text
			p.parts = append(p.parts, patPart{literal: rest[:open+1]})
			rest = rest[open+1:]
			continue
		}
		if open > 0 {
			p.parts = append(p.parts, patPart{literal: rest[:open]})
		}
		if n := len(p.parts); n > 0 && p.parts[n-1].capture != "" {
			return nil, errors.New("found consecutive capture '" + name + "': syntax error")
		}
		p.parts = append(p.parts, patPart{capture: name})
		named = named || name != "_"
		rest = rest[open+end+1:]
	}
	p.merge()
	if !named {
		return nil, errors.New("at least one capture is required")
	}
	return p, nil
}

// merge joins adjacent literals (a "<" that was not a capture).
func (p *pattern) merge() {
	var out []patPart
	for _, pp := range p.parts {
		if n := len(out); n > 0 && pp.capture == "" && out[n-1].capture == "" {
			out[n-1].literal += pp.literal
			continue
		}
		out = append(out, pp)
	}
	p.parts = out
}

func validCapture(name string) bool {
	if name == "_" {
		return true
	}
	if name == "" {
		return false
	}
	for i, r := range name {
		ok := r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9'
		if !ok {
			return false
		}
	}
	return true
}

// match extracts the named captures, or nothing when the line does not
// follow the pattern.
func (p *pattern) match(line string) map[string]string {
	out := map[string]string{}
	pos := 0
	for i, pp := range p.parts {
		if pp.capture == "" {
			if !strings.HasPrefix(line[pos:], pp.literal) {
				return nil
			}
			pos += len(pp.literal)
			continue
		}
		end := len(line)
		if i+1 < len(p.parts) {
			j := strings.Index(line[pos:], p.parts[i+1].literal)
			if j < 0 {
				return nil
			}
			end = pos + j
		}
		if pp.capture != "_" {
			out[pp.capture] = line[pos:end]
		}
		pos = end
	}
	return out
}

// levelKeys are the keys Loki's level discovery reads, in order.
var levelKeys = [...]string{"level", "LEVEL", "Level", "severity", "SEVERITY", "Severity", "lvl", "LVL", "Lvl"}

// detectLevel is the detected_level a Loki 3 ingester with
// discover_log_levels stores for a line. The fake follows the documented
// rules in a simplified form: a level stream label or structured-metadata
// field, else a level field of a JSON or logfmt line, normalized to trace,
// debug, info, warn, error, critical or fatal; "unknown" otherwise.
func detectLevel(stream, sm map[string]string, line string) string {
	for _, k := range levelKeys {
		if v, ok := stream[k]; ok {
			return normLevel(v)
		}
		if v, ok := sm[k]; ok {
			return normLevel(v)
		}
	}
	fields := map[string]string{}
	if strings.HasPrefix(strings.TrimSpace(line), "{") {
		parseJSONLine(line, nil, nil, fields)
	} else {
		parseLogfmtLine(line, nil, nil, fields)
	}
	for _, k := range levelKeys {
		if v, ok := fields[k]; ok {
			return normLevel(v)
		}
	}
	return "unknown"
}

func normLevel(v string) string {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "trace", "trc":
		return "trace"
	case "debug", "dbg":
		return "debug"
	case "info", "inf", "information", "informational", "notice":
		return "info"
	case "warn", "warning", "wrn":
		return "warn"
	case "error", "err", "eror":
		return "error"
	case "critical", "crit":
		return "critical"
	case "fatal", "panic", "emerg", "alert":
		return "fatal"
	}
	return "unknown"
}
