package trace

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"oncall/internal/logview"
	"oncall/internal/sanitize"
	"oncall/internal/traceid"
	"oncall/internal/waterfall"
	"oncall/sources/loki"
	"oncall/tui/kit"
)

// maxLogLine is how much of a log line is kept for display.
const maxLogLine = 2000

// rowText is a waterfall row's text, sanitized once when the trace
// arrives.
type rowText struct {
	indent  string
	service string
	op      string
	dur     string
}

func buildRows(wf *waterfall.Waterfall) []rowText {
	out := make([]rowText, len(wf.Rows))
	for i := range wf.Rows {
		sp := wf.Span(i)
		out[i] = rowText{
			indent:  strings.Repeat("  ", min(wf.Rows[i].Depth, 10)),
			service: sanitize.Truncate(sp.Service, 60),
			op:      sanitize.Truncate(sp.Operation, 200),
			dur:     waterfall.FormatDuration(wf.Rows[i].Duration),
		}
	}
	return out
}

// logRow is one log line of the trace, sanitized once.
type logRow struct {
	t       time.Time
	service string
	level   string
	line    string
	spanID  string
	// lead is where the message (and an error= right after it) ends in
	// line: the fields after it are drawn dim. 0 for plain text.
	lead int
}

// buildLogs sorts the entries by time and extracts what each row
// shows: service (the first of the stream labels service_name, service,
// app, job, container), level, the line made readable by f (the logs
// screen's formatter, without the trace's own ids) and the span id it
// belongs to.
func buildLogs(entries []loki.Entry, ext *traceid.Extractor, f *logview.Formatter) []logRow {
	out := make([]logRow, 0, len(entries))
	for _, e := range entries {
		r := logRow{t: e.Time}
		for _, k := range [...]string{"service_name", "service", "app", "job", "container"} {
			if v := e.Labels[k]; v != "" {
				r.service = sanitize.Truncate(v, 40)
				break
			}
		}
		r.level = sanitize.Truncate(logLevel(e), 8)
		ids := ext.Extract(e.Line, e.StructuredMetadata)
		r.spanID = ids.SpanID
		fm := f.Format(e.Line, r.service)
		if r.level == "" && fm.Level != "" {
			r.level = sanitize.Truncate(strings.ToLower(fm.Level), 8)
		}
		r.line, r.lead = sanitize.Truncate(fm.Text, maxLogLine), fm.Lead()
		r.lead = min(r.lead, len(r.line))
		out = append(out, r)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].t.Before(out[j].t) })
	return out
}

// logLevel is the level label, else a JSON line's level field.
func logLevel(e loki.Entry) string {
	for _, k := range []string{"level", "detected_level", "severity"} {
		if v := e.Labels[k]; v != "" {
			return strings.ToLower(v)
		}
		if v := e.StructuredMetadata[k]; v != "" {
			return strings.ToLower(v)
		}
	}
	if strings.HasPrefix(strings.TrimSpace(e.Line), "{") {
		var f struct {
			Level    string `json:"level"`
			Severity string `json:"severity"`
			Lvl      string `json:"lvl"`
		}
		if json.Unmarshal([]byte(e.Line), &f) == nil {
			for _, v := range []string{f.Level, f.Severity, f.Lvl} {
				if v != "" {
					return strings.ToLower(v)
				}
			}
		}
	}
	return ""
}

// spanDetail lists a span's identity, tags, events and process tags,
// sanitized.
func spanDetail(wf *waterfall.Waterfall, row int, st *kit.Styles) []string {
	if wf == nil || row < 0 || row >= len(wf.Rows) {
		return nil
	}
	sp, r := wf.Span(row), &wf.Rows[row]
	var l []string
	l = append(l, st.Title.Render(sanitize.Text(sp.Service)+": "+sanitize.Text(sp.Operation)))
	info := []string{"span " + sanitize.Text(sp.SpanID)}
	if sp.Kind != "" {
		info = append(info, sanitize.Text(sp.Kind))
	}
	info = append(info, "+"+waterfall.FormatDuration(r.Offset), waterfall.FormatDuration(sp.Duration))
	status := st.Muted.Render(strings.Join(info, " · "))
	if sp.Error {
		status += " " + st.Error.Render("✗ error")
	}
	if r.Critical {
		status += " " + st.Accent.Render("● critical path")
	}
	l = append(l, status)
	if sp.ParentSpanID != "" {
		p := "parent " + sanitize.Text(sp.ParentSpanID)
		if r.Orphan {
			p += " (not in this trace)"
		}
		l = append(l, st.Muted.Render(p))
	}
	if msg := sp.Tags["otel.status_description"]; msg != "" {
		l = append(l, st.Error.Render("status: "+sanitize.Text(msg)))
	}
	// section adds a titled block after a blank line, when it has lines.
	section := func(title string, lines []string) {
		if len(lines) > 0 {
			l = append(l, "", st.Header.Render(title))
			l = append(l, lines...)
		}
	}
	section("Tags", kit.KVLines(sp.Tags, st))
	var events []string
	for _, e := range sp.Events {
		at := "+" + waterfall.FormatDuration(e.Time.Sub(wf.Start))
		events = append(events, "  "+st.Accent.Render(at)+" "+st.Bold.Render(sanitize.Text(e.Name)))
		for _, k := range slices.Sorted(maps.Keys(e.Attrs)) {
			events = append(events, "    "+st.Label.Render(sanitize.Text(k)+"=")+sanitize.Text(e.Attrs[k]))
		}
	}
	section("Events", events)
	section("Process", kit.KVLines(sp.Process, st))
	var warnings []string
	for _, w := range sp.Warnings {
		warnings = append(warnings, "  "+st.Muted.Render(sanitize.Text(w)))
	}
	section("Warnings", warnings)
	return l
}

// summary is the header line of a trace.
func summary(wf *waterfall.Waterfall) string {
	s := fmt.Sprintf("%d spans · %d services · %s", len(wf.Rows), len(wf.Services), waterfall.FormatDuration(wf.Duration))
	return s
}
