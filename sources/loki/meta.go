package loki

import (
	"context"
	"errors"
	"net/url"
	"time"
)

// timeParams sets start/end (nanosecond epochs) where given.
func timeParams(start, end time.Time) url.Values {
	v := url.Values{}
	if !start.IsZero() {
		v.Set("start", nanos(start))
	}
	if !end.IsZero() {
		v.Set("end", nanos(end))
	}
	return v
}

// Labels lists label names seen in [start, end) via GET
// /loki/api/v1/labels. Zero times leave the bound to Loki (the last hour).
func (c *Client) Labels(ctx context.Context, start, end time.Time) ([]string, error) {
	var names []string
	if err := c.getData(ctx, "labels", "/loki/api/v1/labels", timeParams(start, end), nil, &names); err != nil {
		return nil, err
	}
	if names == nil {
		names = []string{}
	}
	return names, nil
}

// LabelValues lists the values of one label via GET
// /loki/api/v1/label/<name>/values.
func (c *Client) LabelValues(ctx context.Context, name string, start, end time.Time) ([]string, error) {
	if name == "" {
		return nil, errors.New("loki: label values: empty label name")
	}
	var values []string
	path := "/loki/api/v1/label/" + url.PathEscape(name) + "/values"
	if err := c.getData(ctx, "label values", path, timeParams(start, end), nil, &values); err != nil {
		return nil, err
	}
	if values == nil {
		values = []string{}
	}
	return values, nil
}

// Series lists the label sets of streams matching any of the selectors via
// GET /loki/api/v1/series with repeated match[] parameters.
func (c *Client) Series(ctx context.Context, matchers []string, start, end time.Time) ([]map[string]string, error) {
	if len(matchers) == 0 {
		return nil, errors.New("loki: series: at least one matcher is required")
	}
	v := timeParams(start, end)
	for _, m := range matchers {
		v.Add("match[]", m)
	}
	var sets []map[string]string
	if err := c.getData(ctx, "series", "/loki/api/v1/series", v, nil, &sets); err != nil {
		return nil, err
	}
	if sets == nil {
		sets = []map[string]string{}
	}
	return sets, nil
}
