package jaeger

import (
	"strings"

	"oncall/internal/httpx"
)

// TraceURL is the Jaeger UI link of a trace ("" without a UI base or an
// id). Any credentials, query or fragment of the base are left out: the
// link is shown and copied.
func TraceURL(uiBase, id string) string {
	base := strings.TrimSpace(uiBase)
	if base == "" || id == "" {
		return ""
	}
	return strings.TrimRight(httpx.RedactURL(base), "/") + "/trace/" + id
}

// AlertService is the Jaeger service an alert's traces are searched under:
// its "service" label, else its "job" label, mapped through services (the
// [jaeger] services table) when listed there. "" when it has neither.
func AlertService(labels, services map[string]string) string {
	for _, l := range []string{"service", "job"} {
		if v := strings.TrimSpace(labels[l]); v != "" {
			if mapped := services[v]; mapped != "" {
				return mapped
			}
			return v
		}
	}
	return ""
}
