package slo

import (
	"strings"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	ok := def999()
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid definition rejected: %v", err)
	}
	ratio := Definition{Name: "r", Objective: 99, Ratio: `slo:sli_error:ratio_rate${window}{sloth_id="x"}`, Source: SourceSloth}
	if err := ratio.Validate(); err != nil {
		t.Fatalf("valid ratio definition rejected: %v", err)
	}

	cases := []struct {
		name string
		mod  func(*Definition)
		want string
	}{
		{"empty name", func(d *Definition) { d.Name = " " }, "name is empty"},
		{"objective 100", func(d *Definition) { d.Objective = 100 }, "objective must be in (0,100)"},
		{"objective 0", func(d *Definition) { d.Objective = 0 }, "objective must be in (0,100)"},
		{"negative objective", func(d *Definition) { d.Objective = -0.5 }, "objective must be in (0,100)"},
		{"negative window", func(d *Definition) { d.Window = -time.Hour }, "window must be positive"},
		{"tiny window", func(d *Definition) { d.Window = time.Second }, "shorter than one minute"},
		{"errors without total", func(d *Definition) { d.Total = "" }, "errors and total must be set together"},
		{"total without errors", func(d *Definition) { d.Errors = "" }, "errors and total must be set together"},
		{"no queries", func(d *Definition) { d.Errors, d.Total = "", "" }, "need errors+total queries or a ratio query"},
		{"both kinds", func(d *Definition) { d.Ratio = "x[$window]" }, "either errors+total or ratio"},
		{"no placeholder", func(d *Definition) { d.Total = "sum(rate(x[5m]))" }, "has no $window placeholder"},
		{"empty alert", func(d *Definition) { d.Alerts = []string{"HighErrorRate", ""} }, "empty alert"},
		{"bad source", func(d *Definition) { d.Source = "nagios" }, `unknown source "nagios"`},
	}
	for _, c := range cases {
		d := def999()
		c.mod(&d)
		err := d.Validate()
		if err == nil {
			t.Errorf("%s: accepted", c.name)
			continue
		}
		if !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error %q, want one line containing %q", c.name, err, c.want)
		}
	}
}

func TestExpandTemplate(t *testing.T) {
	got := ExpandTemplate(`sum(rate(a[$window])) / sum(rate(b[${window}]))`, 30*day)
	if want := `sum(rate(a[30d])) / sum(rate(b[30d]))`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := ExpandTemplateString(`x[$window]`, "3600s"); got != `x[3600s]` {
		t.Errorf("got %q", got)
	}
}

func TestBurnWindows(t *testing.T) {
	w := BurnWindows()
	var labels []string
	for _, d := range w {
		labels = append(labels, WindowLabel(d))
	}
	if got := strings.Join(labels, ","); got != "5m,30m,1h,2h,6h,1d,3d" {
		t.Errorf("labels %s", got)
	}
	w[0] = 0
	if BurnWindows()[0] != 5*time.Minute {
		t.Error("BurnWindows shares its backing array between calls")
	}
}

func TestFormatParseWindow(t *testing.T) {
	cases := []struct {
		d    time.Duration
		text string
	}{
		{5 * time.Minute, "5m"},
		{90 * time.Minute, "1h30m"},
		{day, "1d"},
		{3 * day, "3d"},
		{30 * day, "30d"},
		{28 * day, "4w"},
		{365 * day, "1y"},
		{45 * time.Second, "45s"},
		{1500 * time.Millisecond, "1s500ms"},
	}
	for _, c := range cases {
		if got := FormatWindow(c.d); got != c.text {
			t.Errorf("FormatWindow(%s) = %q, want %q", c.d, got, c.text)
		}
		back, err := ParseWindow(c.text)
		if err != nil || back != c.d {
			t.Errorf("ParseWindow(%q) = %s, %v; want %s", c.text, back, err, c.d)
		}
	}
	if got := FormatWindow(0); got != "0s" {
		t.Errorf("FormatWindow(0) = %q", got)
	}
	for _, bad := range []string{"", "0d", "30 days", "5x", "1h-5m", "99999999999999999999d"} {
		if _, err := ParseWindow(bad); err == nil {
			t.Errorf("ParseWindow(%q) accepted", bad)
		}
	}
}
