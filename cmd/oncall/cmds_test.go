package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"
)

// scriptCmds are the custom commands the scripts use:
//
//	amget PATH
//	    GET $ONCALL_ALERTMANAGER_URL+PATH through Alertmanager's own API (not
//	    oncall's client) and print the body.
//	jsonget FILE PATH VAR
//	    set $VAR to the value at PATH (dot-separated keys and array indexes,
//	    e.g. 0.id) in the JSON document FILE ("stdout" is the last output).
//	jsonfind FILE PATH VALUE
//	    FILE holds a JSON array; print, as compact JSON on one line, the first
//	    element whose PATH equals VALUE. With !, assert that none does.
func scriptCmds() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	return map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"amget":    cmdAMGet,
		"jsonget":  cmdJSONGet,
		"jsonfind": cmdJSONFind,
	}
}

func cmdAMGet(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: amget PATH")
	}
	base := ts.Getenv("ONCALL_ALERTMANAGER_URL")
	if base == "" {
		ts.Fatalf("amget: $ONCALL_ALERTMANAGER_URL is not set")
	}
	body, err := get(strings.TrimRight(base, "/") + args[0])
	if neg {
		if err == nil {
			ts.Fatalf("amget %s succeeded", args[0])
		}
		return
	}
	ts.Check(err)
	_, err = ts.Stdout().Write(body)
	ts.Check(err)
}

func cmdJSONGet(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! jsonget")
	}
	if len(args) != 3 {
		ts.Fatalf("usage: jsonget FILE PATH VAR")
	}
	doc := readJSON(ts, args[0])
	v, err := lookup(doc, args[1])
	ts.Check(err)
	s, ok := v.(string)
	if !ok {
		b, err := json.Marshal(v)
		ts.Check(err)
		s = string(b)
	}
	ts.Setenv(args[2], s)
}

func cmdJSONFind(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: jsonfind FILE PATH VALUE")
	}
	arr, ok := readJSON(ts, args[0]).([]any)
	if !ok {
		ts.Fatalf("jsonfind: %s is not a JSON array", args[0])
	}
	for _, el := range arr {
		v, err := lookup(el, args[1])
		if err != nil || fmt.Sprint(v) != args[2] {
			continue
		}
		if neg {
			ts.Fatalf("jsonfind: an element has %s = %s", args[1], args[2])
		}
		b, err := json.Marshal(el)
		ts.Check(err)
		_, err = fmt.Fprintf(ts.Stdout(), "%s\n", b)
		ts.Check(err)
		return
	}
	if !neg {
		ts.Fatalf("jsonfind: no element of %s has %s = %s", args[0], args[1], args[2])
	}
}

// readJSON decodes the file name (relative to $WORK; "stdout" and "stderr"
// are the last command's output).
func readJSON(ts *testscript.TestScript, name string) any {
	var v any
	dec := json.NewDecoder(bytes.NewReader([]byte(ts.ReadFile(name))))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		ts.Fatalf("%s is not JSON: %v", name, err)
	}
	return v
}

// lookup follows a dot-separated path of object keys and array indexes.
func lookup(v any, path string) (any, error) {
	for _, key := range strings.Split(path, ".") {
		switch node := v.(type) {
		case map[string]any:
			next, ok := node[key]
			if !ok {
				return nil, fmt.Errorf("no key %q in path %s", key, path)
			}
			v = next
		case []any:
			i, err := strconv.Atoi(key)
			if err != nil || i < 0 || i >= len(node) {
				return nil, fmt.Errorf("bad index %q in path %s (array of %d)", key, path, len(node))
			}
			v = node[i]
		default:
			return nil, fmt.Errorf("path %s goes through a scalar at %q", path, key)
		}
	}
	return v, nil
}
