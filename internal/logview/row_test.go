package logview

import (
	"strings"
	"testing"
	"time"

	"oncall/internal/traceid"
	"oncall/sources/loki"
)

func TestBuildFindsServiceLevelAndTrace(t *testing.T) {
	ts := time.Date(2026, 11, 26, 3, 29, 58, 123e6, time.UTC)
	b := NewBuilder(nil, time.UTC)
	cases := []struct {
		name             string
		e                loki.Entry
		service, level   string
		trace, span      string
		traceVisibleText bool
	}{
		{"json fields", loki.Entry{Time: ts, Labels: map[string]string{"service_name": "conectcrm-backend"},
			Line: `{"level":"ERROR","msg":"pool timeout","trace_id":"4BF92F3577B34DA6A3CE929D0E0E4736","span_id":"00f067aa0ba902b7"}`},
			"conectcrm-backend", "error", "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", true},
		{"stream label level wins", loki.Entry{Time: ts, Labels: map[string]string{"service": "api", "level": "warning"}, Line: `{"level":"info"}`},
			"api", "warn", "", "", false},
		{"logfmt", loki.Entry{Time: ts, Labels: map[string]string{"job": "postgres"}, Line: `ts=1 lvl=dbg msg="checkpoint"`},
			"postgres", "debug", "", "", false},
		{"metadata trace", loki.Entry{Time: ts, Labels: map[string]string{"app": "gw"}, StructuredMetadata: map[string]string{"trace_id": "0af7651916cd43dd8448eb211c80319c"}, Line: "GET / 502"},
			"gw", "", "0af7651916cd43dd8448eb211c80319c", "", false},
		{"no service", loki.Entry{Time: ts, Labels: map[string]string{}, Line: "plain"}, "", "", "", "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := b.Build(c.e)
			if r.Service != c.service || r.Level.String() != c.level || r.TraceID != c.trace || r.SpanID != c.span {
				t.Fatalf("got service=%q level=%q trace=%q span=%q", r.Service, r.Level, r.TraceID, r.SpanID)
			}
			if c.traceVisibleText {
				if r.TraceAt < 0 || !strings.EqualFold(r.Text[r.TraceAt:int(r.TraceAt)+len(r.TraceID)], r.TraceID) {
					t.Fatalf("TraceAt %d does not point at the id in %q", r.TraceAt, r.Text)
				}
			} else if r.TraceAt != -1 {
				t.Fatalf("TraceAt = %d, want -1", r.TraceAt)
			}
			if !r.Time.Equal(ts) || r.Time.Location() != time.UTC {
				t.Fatalf("time %v", r.Time)
			}
		})
	}
}

func TestBuildUsesCustomTraceRegex(t *testing.T) {
	x, err := traceid.NewExtractor(`req=(?P<trace>[0-9a-f]{32})`)
	if err != nil {
		t.Fatal(err)
	}
	r := NewBuilder(x, time.UTC).Build(loki.Entry{Line: "handled req=0af7651916cd43dd8448eb211c80319c in 3ms", Labels: map[string]string{}})
	if r.TraceID != "0af7651916cd43dd8448eb211c80319c" || r.TraceAt != int32(len("handled req=")) {
		t.Fatalf("trace %q at %d", r.TraceID, r.TraceAt)
	}
}

func TestBuildEscapesHostileTextAndCutsLongLines(t *testing.T) {
	b := NewBuilder(nil, time.UTC)
	hostile := "a\x1b[2Jb\x1b]0;title\x07c\x1bP1$r\x1b\\d\u009be\u202ef\xffg\nh"
	r := b.Build(loki.Entry{Line: hostile, Labels: map[string]string{"service_name": "x\x1b[31my"}})
	for _, s := range []string{r.Text, r.Service} {
		for _, bad := range []string{"\x1b", "\u009b", "\u202e", "\xff", "\n", "\a"} {
			if strings.Contains(s, bad) {
				t.Fatalf("%q still holds %q", s, bad)
			}
		}
	}
	if !strings.Contains(r.Text, `\x1b[2J`) || !strings.Contains(r.Text, `\u202e`) || !strings.Contains(r.Text, `\xff`) {
		t.Fatalf("escapes not shown: %q", r.Text)
	}
	if r.Line != hostile {
		t.Fatal("the raw line must be kept whole")
	}
	long := strings.Repeat("x", 3*MaxDisplay)
	r = b.Build(loki.Entry{Line: long})
	if n := len([]rune(r.Text)); n != MaxDisplay || !strings.HasSuffix(r.Text, "…") {
		t.Fatalf("display text has %d runes", n)
	}
	if r.Line != long {
		t.Fatal("long line not kept whole")
	}
}

func TestParseLevel(t *testing.T) {
	for in, want := range map[string]Level{"ERR": LevelError, "fatal": LevelError, "Warning": LevelWarn, "notice": LevelInfo, "trace": LevelDebug, "weird": LevelUnknown} {
		if got := ParseLevel(in); got != want {
			t.Errorf("ParseLevel(%q) = %v, want %v", in, got, want)
		}
	}
}
