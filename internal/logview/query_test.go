package logview

import (
	"context"
	"strings"
	"testing"
	"time"

	"oncall/sources/loki"
	"oncall/sources/loki/lokitest"
)

func TestSelectorTemplateEscapesAndReportsMissingLabels(t *testing.T) {
	st, err := ParseSelectorTemplate(`{service_name="{{ .Labels.service }}", env="prod"}`)
	if err != nil {
		t.Fatal(err)
	}
	got, err := st.Render(map[string]string{"service": `we"ird\`})
	if err != nil || got != `{service_name="we\"ird\\", env="prod"}` {
		t.Fatalf("got %q, %v", got, err)
	}
	_, err = st.Render(map[string]string{"job": "x"})
	if err == nil || !strings.Contains(err.Error(), "the alert has no label service") {
		t.Fatalf("missing label: %v", err)
	}
	q, _ := ParseSelectorTemplate(`{app={{ quote .Raw.app }}}`)
	if got, err := q.Render(map[string]string{"app": "a\nb"}); err != nil || got != `{app="a\nb"}` {
		t.Fatalf("quote: %q %v", got, err)
	}
	bad, _ := ParseSelectorTemplate(`service="{{ .Labels.service }}"`)
	if _, err := bad.Render(map[string]string{"service": "x"}); err == nil || !strings.Contains(err.Error(), "not a stream selector") {
		t.Fatalf("not a selector: %v", err)
	}
	if _, err := ParseSelectorTemplate(`{a="{{ .Labels.x"}`); err == nil || strings.Contains(err.Error(), "\n") {
		t.Fatalf("parse error: %v", err)
	}
	if empty, _ := ParseSelectorTemplate("  "); !empty.Empty() {
		t.Fatal("blank template is empty")
	}
}

func TestDefaultSelectorMapsServiceAndJob(t *testing.T) {
	cases := []struct {
		known  []string
		labels map[string]string
		want   string
	}{
		{[]string{"service_name", "env"}, map[string]string{"service": "api", "job": "j"}, `{service_name="api"}`},
		{[]string{"service", "env"}, map[string]string{"service": "api"}, `{service="api"}`},
		{[]string{"job", "namespace"}, map[string]string{"job": "pg", "namespace": "crm"}, `{job="pg", namespace="crm"}`},
		{[]string{"service_name"}, map[string]string{"job": "conectcrm-backend"}, `{service_name="conectcrm-backend"}`},
	}
	for _, c := range cases {
		got, err := DefaultSelector(c.known, c.labels)
		if err != nil || got != c.want {
			t.Errorf("DefaultSelector(%v, %v) = %q, %v; want %q", c.known, c.labels, got, err, c.want)
		}
	}
	if _, err := DefaultSelector([]string{"filename"}, map[string]string{"service": "api"}); err == nil || !strings.Contains(err.Error(), "alert_selector") {
		t.Fatalf("no mapping: %v", err)
	}
	if s, err := DefaultTraceSelector([]string{"env", "service"}); err != nil || s != `{service=~".+"}` {
		t.Fatalf("trace selector %q %v", s, err)
	}
}

func TestTraceQueryAndIDs(t *testing.T) {
	id, err := NormTraceID(" 4BF92F3577B34DA6A3CE929D0E0E4736 ")
	if err != nil || id != "4bf92f3577b34da6a3ce929d0e0e4736" {
		t.Fatalf("%q %v", id, err)
	}
	for _, bad := range []string{"xyz", "0000000000000000", "4bf92f3577b34da6a3ce929d0e0e47zz"} {
		if _, err := NormTraceID(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if q := TraceQuery(`{env="prod"} `, id); q != `{env="prod"} |= "4bf92f3577b34da6a3ce929d0e0e4736"` {
		t.Fatalf("%q", q)
	}
	s, e := AlertWindow(time.Unix(1000, 0), time.Unix(2000, 0))
	if !s.Equal(time.Unix(1000-300, 0)) || !e.Equal(time.Unix(2000, 0)) {
		t.Fatalf("window %v %v", s, e)
	}
}

// The error filter is real LogQL: the fake Loki evaluates it.
func TestErrorFilterKeepsErrorsAndWarnings(t *testing.T) {
	srv := lokitest.New()
	defer srv.Close()
	now := time.Now()
	at := now.Add(-time.Minute)
	push := func(ls map[string]string, line string) { at = at.Add(time.Second); srv.Push(ls, at, line, nil) }
	push(map[string]string{"app": "a", "level": "error"}, "stream label error, not json")
	push(map[string]string{"app": "a", "level": "info"}, `{"level":"error","msg":"stream label wins"}`)
	push(map[string]string{"app": "a"}, `{"level":"WARNING","msg":"json level"}`)
	push(map[string]string{"app": "a"}, `{"level":"info","msg":"quiet"}`)
	push(map[string]string{"app": "a"}, `{"lvl":"debug"}`)
	c, err := loki.New(loki.Config{URL: srv.URL()})
	if err != nil {
		t.Fatal(err)
	}
	rows, _, err := Load{Query: WithErrorFilter(`{app="a"}`, true), Start: now.Add(-time.Hour), End: now}.Fetch(context.Background(), c, NewBuilder(nil, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows {
		got = append(got, r.Line)
	}
	if strings.Join(got, "|") != `stream label error, not json|{"level":"WARNING","msg":"json level"}` {
		t.Fatalf("kept %q", got)
	}
	if WithErrorFilter("{a=\"b\"}", false) != `{a="b"}` {
		t.Fatal("filter off must not change the query")
	}
}
