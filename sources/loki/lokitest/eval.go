package lokitest

import (
	"bytes"
	"encoding/json"
	"sort"
	"strconv"
	"strings"

	"github.com/go-logfmt/logfmt"
)

// evalResult is what a pipeline makes of one entry.
type evalResult struct {
	parsed  map[string]string // labels extracted by parsers (and __error__)
	parsers int               // parser stages that ran on the line
	line    string            // the line after the pipeline (unpack may replace it)
}

// run applies the pipeline to one entry. It reports whether the entry is
// kept and which labels the parsers extracted.
func (q *logQuery) run(line string, stream, sm map[string]string) (evalResult, bool) {
	res := evalResult{line: line}
	for _, st := range q.stages {
		switch st.kind {
		case stageLineFilter:
			var hit bool
			if st.re != nil {
				hit = st.re.MatchString(res.line)
			} else {
				hit = strings.Contains(res.line, st.substr)
			}
			if hit == st.negate {
				return res, false
			}
		case stageJSON, stageLogfmt, stageRegexp, stagePattern, stageUnpack:
			res.parsers++
			if res.parsed == nil {
				res.parsed = map[string]string{}
			}
			st.parse(&res, stream, sm)
		case stageLabelFilter:
			if !st.labelsMatch(stream, sm, &res) {
				return res, false
			}
		}
	}
	return res, true
}

// parse runs one parser stage on the current line.
func (st stage) parse(res *evalResult, stream, sm map[string]string) {
	setErr := func(e string) {
		if _, set := res.parsed["__error__"]; !set {
			res.parsed["__error__"] = e
		}
	}
	switch st.kind {
	case stageJSON:
		if !parseJSONLine(res.line, stream, sm, res.parsed) {
			setErr("JSONParserErr")
		}
	case stageLogfmt:
		if !parseLogfmtLine(res.line, stream, sm, res.parsed) {
			setErr("LogfmtParserErr")
		}
	case stageRegexp:
		if m := st.re.FindStringSubmatch(res.line); m != nil {
			for i, name := range st.re.SubexpNames() {
				if name != "" {
					addParsed(res.parsed, stream, sm, name, m[i])
				}
			}
		}
	case stagePattern:
		for name, v := range st.pat.match(res.line) {
			addParsed(res.parsed, stream, sm, name, v)
		}
	case stageUnpack:
		var obj map[string]any
		if json.Unmarshal([]byte(res.line), &obj) != nil || obj == nil {
			setErr("JSONParserErr")
			return
		}
		for k, v := range obj {
			s, ok := v.(string)
			if !ok {
				continue
			}
			if k == "_entry" {
				res.line = s
				continue
			}
			addParsed(res.parsed, stream, sm, k, s)
		}
	}
}

// labelsMatch applies a label filter. As in Loki, a numeric filter keeps
// a line that already has an error, drops one without the label, and
// keeps one whose value is not a number, marking it with
// __error__="LabelFilterErr" (a metric query over it then fails).
func (st stage) labelsMatch(stream, sm map[string]string, res *evalResult) bool {
	get := func(name string) (string, bool) {
		if v, ok := res.parsed[name]; ok {
			return v, true
		}
		if v, ok := sm[name]; ok {
			return v, true
		}
		v, ok := stream[name]
		return v, ok
	}
	for _, conj := range st.anyOf {
		all := true
		for _, m := range conj {
			v, has := get(m.name)
			if m.numeric() {
				if _, failed := res.parsed["__error__"]; failed {
					continue
				}
				if !has {
					all = false
					break
				}
				if _, err := strconv.ParseFloat(v, 64); err != nil {
					if res.parsed == nil {
						res.parsed = map[string]string{}
					}
					res.parsed["__error__"] = "LabelFilterErr"
					res.parsed["__error_details__"] = err.Error()
					continue
				}
			}
			if !m.matches(v) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

// sanitizeKey turns a JSON/logfmt key into a valid label name as Loki does:
// every character outside [a-zA-Z0-9_] becomes '_', and a leading digit
// gets a '_' prefix.
func sanitizeKey(k string) string {
	var b strings.Builder
	for i, r := range k {
		ok := r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
		if i == 0 && r >= '0' && r <= '9' {
			b.WriteByte('_')
		}
		if ok {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// addParsed adds an extracted label; names clashing with stream labels or
// structured metadata get the "_extracted" suffix, and the first value of a
// repeated key wins.
func addParsed(out, stream, sm map[string]string, key, value string) {
	key = sanitizeKey(key)
	if key == "" {
		return
	}
	if _, clash := stream[key]; clash {
		key += "_extracted"
	} else if _, clash := sm[key]; clash {
		key += "_extracted"
	}
	if _, seen := out[key]; !seen {
		out[key] = value
	}
}

// parseJSONLine extracts every scalar field of a JSON object, flattening
// nested objects with '_' and skipping arrays, as Loki's json parser does.
func parseJSONLine(line string, stream, sm, out map[string]string) bool {
	dec := json.NewDecoder(strings.NewReader(line))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil || obj == nil {
		return false
	}
	if dec.More() {
		return false
	}
	flattenJSON("", obj, stream, sm, out)
	return true
}

func flattenJSON(prefix string, obj map[string]any, stream, sm, out map[string]string) {
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		name := k
		if prefix != "" {
			name = prefix + "_" + k
		}
		switch v := obj[k].(type) {
		case map[string]any:
			flattenJSON(name, v, stream, sm, out)
		case []any:
			// arrays are skipped
		case string:
			addParsed(out, stream, sm, name, v)
		case json.Number:
			addParsed(out, stream, sm, name, v.String())
		case bool:
			if v {
				addParsed(out, stream, sm, name, "true")
			} else {
				addParsed(out, stream, sm, name, "false")
			}
		case nil:
			addParsed(out, stream, sm, name, "")
		}
	}
}

// parseLogfmtLine extracts logfmt key/value pairs.
func parseLogfmtLine(line string, stream, sm, out map[string]string) bool {
	dec := logfmt.NewDecoder(bytes.NewReader([]byte(line)))
	for dec.ScanRecord() {
		for dec.ScanKeyval() {
			addParsed(out, stream, sm, string(dec.Key()), string(dec.Value()))
		}
	}
	return dec.Err() == nil
}
