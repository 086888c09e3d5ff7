package jaeger

import "testing"

func TestTraceURLLeavesCredentialsOut(t *testing.T) {
	for _, tc := range []struct{ ui, id, want string }{
		{"http://jaeger:16686/", "abc", "http://jaeger:16686/trace/abc"},
		{"https://ops:s3cret@jaeger.example/ui?tok=1#x", "abc", "https://jaeger.example/ui/trace/abc"},
		{" http://jaeger:16686 ", "abc", "http://jaeger:16686/trace/abc"},
		{"", "abc", ""},
		{"http://jaeger:16686", "", ""},
	} {
		if got := TraceURL(tc.ui, tc.id); got != tc.want {
			t.Errorf("TraceURL(%q, %q) = %q, want %q", tc.ui, tc.id, got, tc.want)
		}
	}
}

func TestAlertService(t *testing.T) {
	for _, tc := range []struct {
		labels, services map[string]string
		want             string
	}{
		{map[string]string{"service": "conectcrm-backend", "job": "crm"}, nil, "conectcrm-backend"},
		{map[string]string{"job": "conectcrm-backend"}, nil, "conectcrm-backend"},
		{map[string]string{"service": " ", "job": "crm"}, nil, "crm"},
		{map[string]string{"service": "conectcrm-backend"}, map[string]string{"conectcrm-backend": "crm-api"}, "crm-api"},
		{map[string]string{"job": "crm"}, map[string]string{"crm": "crm-api", "other": "x"}, "crm-api"},
		{map[string]string{"alertname": "Watchdog"}, map[string]string{"": "x"}, ""},
		{nil, nil, ""},
	} {
		if got := AlertService(tc.labels, tc.services); got != tc.want {
			t.Errorf("AlertService(%v, %v) = %q, want %q", tc.labels, tc.services, got, tc.want)
		}
	}
}
