package runbooks

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"text/template"
)

// labelValue is a label or annotation value inside a query template. When
// printed ({{ .Labels.service }}) it comes out escaped for the inside of a
// PromQL/LogQL double-quoted string: `"` → `\"`, `\` → `\\`, newlines and
// other controls as \n, \xNN, … So
//
//	up{service="{{ .Labels.service }}"}
//
// stays a valid query whatever the value holds. The template functions see
// the raw value.
type labelValue string

// String returns the value escaped for a double-quoted PromQL/LogQL string.
func (v labelValue) String() string { return escapeQuoted(string(v)) }

func escapeQuoted(s string) string {
	q := strconv.Quote(s)
	return q[1 : len(q)-1]
}

// templateFuncs are available in runnable blocks:
//
//	quote   {{ quote .Labels.x }}        "value" with quotes, escaped
//	regex   {{ regex .Labels.x }}        regexp-escaped, then string-escaped, for =~"…"
//	raw     {{ raw .Labels.x }}          the unescaped value (for `backtick` strings)
//	default {{ .Labels.x | default "y" }} y when the value is empty
func templateFuncs() template.FuncMap {
	return template.FuncMap{
		"quote": func(v any) string { return strconv.Quote(rawString(v)) },
		"regex": func(v any) labelValue { return labelValue(regexp.QuoteMeta(rawString(v))) },
		"raw":   func(v any) string { return rawString(v) },
		"default": func(def string, v any) labelValue {
			if s := rawString(v); s != "" {
				return labelValue(s)
			}
			return labelValue(def)
		},
	}
}

func rawString(v any) string {
	switch x := v.(type) {
	case labelValue:
		return string(x)
	case string:
		return x
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

type templateData struct {
	Name        labelValue
	Labels      map[string]labelValue
	Annotations map[string]labelValue
}

func newTemplateData(a Alert) templateData {
	conv := func(m map[string]string) map[string]labelValue {
		out := make(map[string]labelValue, len(m))
		for k, v := range m {
			out[k] = labelValue(v)
		}
		return out
	}
	return templateData{Name: labelValue(a.AlertName()), Labels: conv(a.Labels), Annotations: conv(a.Annotations)}
}

// Substitute fills a query template with the alert: .Name, .Labels.x and
// .Annotations.x (missing keys are empty). Printed values are escaped for use
// inside a double-quoted PromQL/LogQL string (see labelValue); use
// {{ quote .Labels.x }} to get the quotes too, {{ regex .Labels.x }} inside
// =~"…", and {{ raw .Labels.x }} inside backtick strings. The string
// arguments of LogQL line_format/label_format stages are Loki's own templates
// and are left as they are. Errors are one line naming the line within code.
func Substitute(code string, a Alert) (string, error) {
	return substitute(code, a, 0)
}

// Substitute fills the block's code with the alert (see the package-level
// Substitute); errors name the line within the runbook.
func (b Block) Substitute(a Alert) (string, error) {
	return substitute(b.Code, a, b.Line)
}

func substitute(code string, a Alert, offset int) (string, error) {
	if !strings.Contains(code, "{{") {
		return code, nil
	}
	tmpl, err := template.New("block").Option("missingkey=zero").Funcs(templateFuncs()).Parse(protectLogQLTemplates(code))
	if err != nil {
		return "", templateError(err, offset)
	}
	var out strings.Builder
	if err := tmpl.Execute(&out, newTemplateData(a)); err != nil {
		return "", templateError(err, offset)
	}
	return out.String(), nil
}

// templateError turns a text/template error ("template: block:3:7: …") into
// one line naming where in the block or runbook it happened.
func templateError(err error, offset int) error {
	msg := strings.ReplaceAll(err.Error(), "\n", " ")
	line := 0
	if m := regexp.MustCompile(`^template: block:(\d+)(?::\d+)?: `).FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = msg[len(m[0]):]
	}
	msg = strings.TrimPrefix(msg, `executing "block" at `)
	where := "query template"
	switch {
	case line > 0 && offset > 0:
		where = fmt.Sprintf("query template at runbook line %d", offset+line)
	case line > 0:
		where = fmt.Sprintf("query template line %d", line)
	}
	return fmt.Errorf("%s: %s", where, msg)
}

// logqlFormatStage finds LogQL stages whose string arguments are Go
// templates of their own, evaluated by Loki per log line.
var logqlFormatStage = regexp.MustCompile(`\b(line_format|label_format)\b`)

// protectLogQLTemplates keeps Loki's own templates — the string arguments of
// line_format and label_format, up to the next "|" stage — out of
// substitution: their {{ and }} are turned into literal template output, so
// `| line_format "{{.msg}}"` survives unchanged.
func protectLogQLTemplates(code string) string {
	locs := logqlFormatStage.FindAllStringIndex(code, -1)
	if locs == nil {
		return code
	}
	var b strings.Builder
	prev := 0
	for _, loc := range locs {
		if loc[0] < prev {
			continue // inside a stage already handled
		}
		b.WriteString(code[prev:loc[1]])
		i := loc[1]
		for i < len(code) && code[i] != '|' {
			c := code[i]
			if c != '"' && c != '`' {
				b.WriteByte(c)
				i++
				continue
			}
			end := i + 1
			for end < len(code) && code[end] != c {
				if c == '"' && code[end] == '\\' {
					end++
				}
				end++
			}
			if end < len(code) {
				end++
			}
			lit := code[i:end]
			lit = strings.NewReplacer("{{", `{{"{{"}}`, "}}", `{{"}}"}}`).Replace(lit)
			b.WriteString(lit)
			i = end
		}
		prev = i
	}
	b.WriteString(code[prev:])
	return b.String()
}
