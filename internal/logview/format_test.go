package logview

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"oncall/sources/loki"
)

// segs renders a formatted text with its segments marked: [m:…] message,
// [k:…] key, [v:…] value.
func segs(f Formatted) string {
	var b strings.Builder
	pos := 0
	for _, s := range f.Segs {
		b.WriteString(f.Text[pos:s.Start])
		b.WriteString("[" + string("mkv"[s.Kind]) + ":" + f.Text[s.Start:s.End] + "]")
		pos = s.End
	}
	b.WriteString(f.Text[pos:])
	return b.String()
}

func TestFormatterJSONAndLogfmt(t *testing.T) {
	f := NewFormatter(nil)
	cases := []struct {
		line, service, text, marked, level, svc string
	}{
		{
			`{"ts":"2026-01-02T03:04:05Z","level":"error","service":"crm","msg":"db down","error":"dial tcp: refused","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","attempt":3,"ok":false,"ctx":{"user":"u1"}}`,
			"crm",
			`db down error="dial tcp: refused" trace_id=4bf92f3577b34da6a3ce929d0e0e4736 attempt=3 ok=false ctx={"user":"u1"}`,
			`[m:db down] [k:error=][v:"dial tcp: refused"] [k:trace_id=][v:4bf92f3577b34da6a3ce929d0e0e4736] [k:attempt=][v:3] [k:ok=][v:false] [k:ctx=][v:{"user":"u1"}]`,
			"error", "crm",
		},
		{
			`time=2026-01-02T03:04:05Z level=warn msg="slow query" dur=1.5s table=users app=other`,
			"crm",
			`slow query dur=1.5s table=users app=other`,
			`[m:slow query] [k:dur=][v:1.5s] [k:table=][v:users] [k:app=][v:other]`,
			"warn", "other",
		},
		{
			// no msg: message, then error lead
			`{"message":"started","port":8080}`, "", `started port=8080`, `[m:started] [k:port=][v:8080]`, "", "",
		},
		{
			`{"level":"error","error":"boom","err":"inner","msg":""}`, "", `boom err=inner`, `[m:boom] [k:err=][v:inner]`, "error", "",
		},
		{
			// no message at all: the fields alone
			`{"level":"info","path":"/x y","empty":"","n":null}`, "", `path="/x y" empty="" n=null`, `[k:path=][v:"/x y"] [k:empty=][v:""] [k:n=][v:null]`, "info", "",
		},
	}
	for _, tc := range cases {
		got := f.Format(tc.line, tc.service)
		if !got.Structured || got.Text != tc.text || segs(got) != tc.marked || got.Level != tc.level || got.Service != tc.svc {
			t.Errorf("%s:\n text  %s\n want  %s\n segs  %s\n want  %s\n level %q service %q", tc.line, got.Text, tc.text, segs(got), tc.marked, got.Level, got.Service)
		}
	}
}

func TestFormatterLeavesPlainTextAndHidesFields(t *testing.T) {
	f := NewFormatter(nil)
	for _, line := range []string{
		"GET /users 200 12ms",
		"a=b plain text with one pair",
		"level=info", // one pair is not logfmt enough
		`{"unterminated": "json"`,
		`{"a":1} {"b":2}`,
		"[1,2,3]",
		"evil \x1b[31mred\x1b[0m line",
	} {
		got := f.Format(line, "")
		if got.Structured || got.Segs != nil || got.Text != Row(NewBuilder(nil, time.UTC).Build(loki.Entry{Line: line})).Text {
			t.Errorf("%q: %+v", line, got)
		}
	}
	hide := NewFormatter([]string{"trace_id", "span_id", "error"})
	got := hide.Format(`{"msg":"x","trace_id":"t","span_id":"s","error":"e","k":"v"}`, "")
	if got.Text != "x k=v" {
		t.Errorf("hidden fields shown: %q", got.Text)
	}
	// hostile keys and values are sanitized, segments still fit the text
	got = f.Format("{\"msg\":\"a\\u001b[2Jb\",\"k\\n\":\"v\\u202e\"}", "")
	if strings.ContainsAny(got.Text, "\x1b\n\u202e") {
		t.Fatalf("unsafe text %q", got.Text)
	}
	for _, s := range got.Segs {
		if s.Start < 0 || s.End > len(got.Text) || s.Start >= s.End {
			t.Fatalf("segment %+v outside %q", s, got.Text)
		}
	}
	// long lines are cut to MaxDisplay runes, segments with them
	long := `{"msg":"` + strings.Repeat("é", 3000) + `","k":"v"}`
	got = f.Format(long, "")
	if n := utf8.RuneCountInString(got.Text); n != MaxDisplay || !strings.HasSuffix(got.Text, "…") || got.Segs[len(got.Segs)-1].End != len(got.Text) {
		t.Fatalf("%d runes, last segment %+v of %d bytes", n, got.Segs[len(got.Segs)-1], len(got.Text))
	}
}

func TestBuilderWithFormatterKeepsSearchAndTraceJump(t *testing.T) {
	b := NewBuilder(nil, time.UTC).WithFormatter(NewFormatter(nil))
	line := `{"ts":"x","level":"error","msg":"payment failed","trace_id":"4BF92F3577B34DA6A3CE929D0E0E4736","amount":12}`
	r := b.Build(loki.Entry{Time: time.Unix(0, 0), Line: line, Labels: map[string]string{"service_name": "crm"}})
	if r.Text != `payment failed trace_id=4BF92F3577B34DA6A3CE929D0E0E4736 amount=12` || r.Line != line || r.Level != LevelError || r.Service != "crm" {
		t.Fatalf("row %+v", r)
	}
	if r.TraceID != "4bf92f3577b34da6a3ce929d0e0e4736" || r.TraceAt < 0 || !strings.EqualFold(r.Text[r.TraceAt:int(r.TraceAt)+32], r.TraceID) {
		t.Fatalf("trace id at %d in %q", r.TraceAt, r.Text)
	}
	if s := NewSearch("amount=12"); !s.Match(&r) {
		t.Error("search does not see the formatted text")
	}
	if starts := Wrap(r.Text, 20, 0); len(starts) != 4 {
		t.Errorf("wrap %v", starts)
	}
	// the service comes from the line when no label names one
	r = b.Build(loki.Entry{Line: `level=warn service=billing msg="late"`})
	if r.Service != "billing" || r.Level != LevelWarn || r.Text != "late" {
		t.Errorf("row %+v", r)
	}
	// without a formatter rows stay as they were
	plain := NewBuilder(nil, time.UTC).Build(loki.Entry{Line: line})
	if plain.Text != line || plain.Lead != 0 {
		t.Errorf("plain builder changed the text: %q", plain.Text)
	}
}

func BenchmarkFormatJSONLine(b *testing.B) {
	f := NewFormatter(nil)
	line := `{"ts":"2026-01-02T03:04:05.123Z","level":"info","service":"conectcrm-backend","msg":"request done","method":"GET","path":"/api/contacts/123","status":200,"duration_ms":12.5,"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7"}`
	b.ReportAllocs()
	for b.Loop() {
		f.Format(line, "conectcrm-backend")
	}
}

// FuzzFormat: any line gives safe text within MaxDisplay runes, segments
// in order inside it, and JSON accepted by the scanner is valid JSON.
func FuzzFormat(f *testing.F) {
	for _, s := range []string{
		`{"msg":"a","k":{"x":[1,2,{"y":null}]},"n":-1.5e3}`,
		`level=info msg="x y" k=v`,
		`{"a":"\u00e9\n"}`, `{}`, `{"a":}`, `{"a":1,}`, "plain", `{"a":tru}`,
	} {
		f.Add(s)
	}
	fm := NewFormatter([]string{"hidden"})
	f.Fuzz(func(t *testing.T, line string) {
		got := fm.Format(line, "svc")
		if utf8.RuneCountInString(got.Text) > MaxDisplay || strings.ContainsAny(got.Text, "\x1b\n\r\x00") {
			t.Fatalf("unsafe or long text %q", got.Text)
		}
		pos := 0
		for _, s := range got.Segs {
			if s.Start < pos || s.End <= s.Start || s.End > len(got.Text) {
				t.Fatalf("segment %+v after %d in %q", s, pos, got.Text)
			}
			pos = s.End
		}
		if _, ok := jsonFields(line); ok && !json.Valid([]byte(strings.TrimSpace(line))) {
			t.Fatalf("scanner accepted invalid JSON %q", line)
		}
	})
}

func TestLeadSetsTheMessageApart(t *testing.T) {
	f := NewFormatter(nil)
	for line, want := range map[string]string{
		`{"level":"error","msg":"request failed","error":"pool timeout","err":"x","status":500}`: `request failed error="pool timeout" err=x`,
		`{"msg":"request done","status":200}`:                                                    `request done`,
		`level=warn msg="slow query" duration_ms=1800`:                                           `slow query`,
		`{"status":200,"path":"/x"}`:                                                             ``, // no message: nothing dim
		`plain text`:                                                                             ``,
	} {
		fm := f.Format(line, "")
		if got := fm.Text[:fm.Lead()]; got != want {
			t.Errorf("%s: lead %q, want %q (text %q)", line, got, want, fm.Text)
		}
		r := NewBuilder(nil, time.UTC).WithFormatter(f).Build(loki.Entry{Line: line})
		if int(r.Lead) != fm.Lead() {
			t.Errorf("%s: row lead %d, want %d", line, r.Lead, fm.Lead())
		}
	}
}
