package lokitest

import (
	"strings"
	"testing"
)

func TestParseErrors(t *testing.T) {
	cases := map[string]string{
		``:                                  "parse error : syntax error: unexpected $end",
		`app="api"`:                         "parse error at line 1, col 1: syntax error: unexpected IDENTIFIER",
		`{app="api"`:                        "parse error at line 1, col 11: syntax error: unexpected $end",
		`{app=api}`:                         "parse error at line 1, col 6: syntax error: unexpected IDENTIFIER",
		`{app="api"} |= foo`:                "parse error at line 1, col 16: syntax error: unexpected IDENTIFIER",
		`{app="api"} | line_format "{{.}}"`: "parse error at line 1, col 27: syntax error: unexpected STRING",
		`{app="api"} | json | level > "3"`:  `parse error at line 1, col 28: syntax error: unexpected ">"`,
		`rate({app="api"}[1m])`:             "parse error at line 1, col 1: syntax error: unexpected IDENTIFIER",
		`{app=~".*"}`:                       `parse error at line 1, col 1: queries require at least one regexp or equality matcher that does not have an empty-compatible value. For instance, app=~".*" does not meet this requirement, but app=~".+" will`,
		`{app="api"} |~ "("`:                "parse error at line 1, col 16: error parsing regexp: missing closing ): `(`",
		`{app="api"}` + "\n" + `|= "x" |`:   "parse error at line 2, col 9: syntax error: unexpected $end",
		`{app="unterminated}`:               "parse error at line 1, col 6: literal not terminated",
		`{app="api"} | json foo="bar"`:      "parse error at line 1, col 20: syntax error: unexpected IDENTIFIER",
	}
	for q, want := range cases {
		_, err := parseQuery(q)
		if err == nil {
			t.Errorf("%q parsed, want error %q", q, want)
			continue
		}
		if err.Error() != want {
			t.Errorf("%q:\n got %q\nwant %q", q, err.Error(), want)
		}
	}
}

func TestPipelineEvaluation(t *testing.T) {
	stream := map[string]string{"app": "api", "level": "stream-level", "env": "prod"}
	sm := map[string]string{"trace_id": "abc123"}
	cases := []struct {
		query, line string
		keep        bool
		parsed      map[string]string
	}{
		{`{app="api"}`, "anything", true, nil},
		{`{app="api"} |= "err"`, "an error", true, nil},
		{`{app="api"} |= "err"`, "all fine", false, nil},
		{`{app="api"} != "debug"`, "debug: x", false, nil},
		{`{app="api"} |~ "status=5\\d\\d"`, "GET / status=503", true, nil},
		{`{app="api"} !~ "^GET"`, "GET /", false, nil},
		{`{app="api"} |= "a" |= "b" != "c"`, "a b", true, nil},
		{`{app="api"} |= "a" |= "b" != "c"`, "a b c", false, nil},
		{`{app="api"} | json | lvl="error"`, `{"lvl":"error","n":5}`, true, map[string]string{"lvl": "error", "n": "5"}},
		{`{app="api"} | json | lvl=~"error|warn"`, `{"lvl":"warn"}`, true, map[string]string{"lvl": "warn"}},
		{`{app="api"} | json | lvl!~"error|warn"`, `{"lvl":"warn"}`, false, nil},
		{`{app="api"} | json | lvl!="info"`, `{"lvl":"info"}`, false, nil},
		{`{app="api"} | json | req_path="/x"`, `{"req":{"path":"/x","tags":["a"]},"ok":true,"nil":null,"a-b.c":"d"}`, true,
			map[string]string{"req_path": "/x", "ok": "true", "nil": "", "a_b_c": "d"}},
		{`{app="api"} | json | level_extracted="error"`, `{"level":"error"}`, true, map[string]string{"level_extracted": "error"}},
		{`{app="api"} | json`, `not json`, true, map[string]string{"__error__": "JSONParserErr"}},
		{`{app="api"} | json | __error__=""`, `not json`, false, nil},
		{`{app="api"} | logfmt | status="500"`, `msg="request done" status=500 dur=1.5s`, true, map[string]string{"msg": "request done", "status": "500", "dur": "1.5s"}},
		{`{app="api"} | logfmt | status="500" and dur="2s"`, `status=500 dur=1.5s`, false, nil},
		{`{app="api"} | logfmt | status="404" or dur="1.5s"`, `status=500 dur=1.5s`, true, nil},
		{`{app="api"} | logfmt | status="500", dur=~"1.*"`, `status=500 dur=1.5s`, true, nil},
		{`{app="api"} | logfmt | trace_id="abc123"`, `x=1`, true, nil},
		{`{app="api"} | level="stream-level"`, `x`, true, nil},
		{`{app="api"} | logfmt | level="info"`, `level=info msg=boom`, false, nil}, // stream label wins
		{`{app="api"} | logfmt | level_extracted="info" |= "boom"`, `level=info msg=boom`, true, map[string]string{"level_extracted": "info"}},
	}
	for _, tc := range cases {
		q, err := parseQuery(tc.query)
		if err != nil {
			t.Errorf("%s: %v", tc.query, err)
			continue
		}
		if !matchesSelector(q.selector, stream) {
			t.Errorf("%s: selector does not match its stream", tc.query)
			continue
		}
		res, keep := q.run(tc.line, stream, sm)
		if keep != tc.keep {
			t.Errorf("%s on %q: keep=%v, want %v", tc.query, tc.line, keep, tc.keep)
			continue
		}
		for k, v := range tc.parsed {
			if res.parsed[k] != v {
				t.Errorf("%s on %q: parsed[%s]=%q, want %q (all: %v)", tc.query, tc.line, k, res.parsed[k], v, res.parsed)
			}
		}
	}
}

func TestSelectorMatchers(t *testing.T) {
	labels := map[string]string{"app": "api", "env": "prod"}
	cases := map[string]bool{
		`{app="api"}`:                    true,
		`{app="web"}`:                    false,
		`{app!="web", env="prod"}`:       true,
		`{app=~"a.*"}`:                   true,
		`{app=~"p"}`:                     false, // anchored
		`{app!~"a.*", env="prod"}`:       false,
		`{app=~"api|web", zone=""}`:      true, // missing label is ""
		`{app="api", zone=~".+"}`:        false,
		"{app=`api`}":                    true,
		`{app="api",}`:                   false, // parse error below
		`{ app = "api" , env != "dev" }`: true,
	}
	for q, want := range cases {
		ms, err := parseSelector(q)
		if err != nil {
			if strings.HasSuffix(q, ",}") {
				continue
			}
			t.Errorf("%s: %v", q, err)
			continue
		}
		if strings.HasSuffix(q, ",}") {
			t.Errorf("%s: trailing comma accepted", q)
		}
		if got := matchesSelector(ms, labels); got != want {
			t.Errorf("%s: match=%v, want %v", q, got, want)
		}
	}
}
