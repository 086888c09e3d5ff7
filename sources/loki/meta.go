package loki

import (
	"context"
	"errors"
	"net/url"
	"strings"
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

// Labels lists the stream label names seen in [start, end) via GET
// /loki/api/v1/labels. Zero times leave the bound to Loki (its default is
// the last six hours).
func (c *Client) Labels(ctx context.Context, start, end time.Time) ([]string, error) {
	return c.LabelsMatching(ctx, "", start, end)
}

// LabelsMatching lists the stream label names of the streams a selector
// picks in [start, end) (GET /loki/api/v1/labels?query=…); an empty
// selector means every stream. Only stream labels are listed: structured
// metadata and parsed fields never are.
func (c *Client) LabelsMatching(ctx context.Context, selector string, start, end time.Time) ([]string, error) {
	v := timeParams(start, end)
	if s := strings.TrimSpace(selector); s != "" {
		v.Set("query", s)
	}
	var names []string
	if err := c.getData(ctx, "labels", "/loki/api/v1/labels", v, nil, &names); err != nil {
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
	return c.LabelValuesMatching(ctx, name, "", start, end)
}

// LabelValuesMatching lists the values one label takes in the streams a
// selector picks in [start, end); an empty selector means every stream.
func (c *Client) LabelValuesMatching(ctx context.Context, name, selector string, start, end time.Time) ([]string, error) {
	if name == "" {
		return nil, errors.New("loki: label values: empty label name")
	}
	v := timeParams(start, end)
	if s := strings.TrimSpace(selector); s != "" {
		v.Set("query", s)
	}
	var values []string
	path := "/loki/api/v1/label/" + url.PathEscape(name) + "/values"
	if err := c.getData(ctx, "label values", path, v, nil, &values); err != nil {
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
