package handoff

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"oncall/internal/httpx"
	"oncall/internal/journal"
	"oncall/internal/sanitize"
)

// JSON renders the summary as indented JSON (schema: docs/handoff-schema.md).
func JSON(s *Summary) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(s); err != nil {
		return nil, fmt.Errorf("handoff json: %w", err)
	}
	return b.Bytes(), nil
}

// PostTimeout bounds a webhook post when ctx has no deadline.
const PostTimeout = 15 * time.Second

// Post sends text (Markdown or mrkdwn, as the caller rendered it) to a
// Slack-compatible incoming webhook as {"text": text}, cut at a line
// boundary to Slack's message size (see PostSummary, which also picks the
// format). The URL is a secret: it never appears in the error, which names
// only the cause (status and the first line of the answer, or the network
// error with the URL scrubbed). client nil means a plain client.
func Post(ctx context.Context, client *http.Client, webhook, text string) error {
	text, _ = cut(text, maxSlackText)
	body, err := payload(text, FormatMarkdown)
	if err != nil {
		return err
	}
	return post(ctx, client, webhook, body)
}

func post(ctx context.Context, client *http.Client, webhook string, body []byte) error {
	u, err := url.Parse(strings.TrimSpace(webhook))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("posting the handoff: the webhook URL is not a valid http(s) URL")
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, PostTimeout)
		defer cancel()
	}
	if client == nil {
		client = &http.Client{Timeout: PostTimeout}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return errors.New("posting the handoff: the webhook URL is not a valid http(s) URL")
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("posting the handoff to the webhook: %s", scrubURL(transportCause(ctx, err), u))
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		msg := fmt.Sprintf("posting the handoff to the webhook: HTTP %d", resp.StatusCode)
		if a := strings.TrimSpace(oneLine(string(answer))); a != "" {
			msg += ": " + sanitize.Truncate(scrubURL(a, u), 160)
		}
		return errors.New(msg)
	}
	return nil
}

func transportCause(ctx context.Context, err error) string {
	if ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) {
		return "timed out"
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Op + ": " + op.Err.Error()
	}
	return err.Error()
}

// scrubURL removes the webhook URL and every part of it that may carry the
// secret (path segments, query values, user info) from s.
func scrubURL(s string, u *url.URL) string { return httpx.Scrub(s, urlSecrets(u)) }

// urlSecrets lists the webhook URL and its parts that may carry the secret.
func urlSecrets(u *url.URL) []string {
	secrets := []string{u.String(), u.RawQuery, u.EscapedPath(), u.Path}
	if pw, ok := u.User.Password(); ok {
		secrets = append(secrets, pw)
	}
	for _, seg := range strings.Split(u.Path, "/") {
		if len(seg) >= 6 {
			secrets = append(secrets, seg)
		}
	}
	for _, vs := range u.Query() {
		for _, v := range vs {
			if len(v) >= 4 {
				secrets = append(secrets, v, url.QueryEscape(v))
			}
		}
	}
	return secrets
}

// Export targets, as journaled.
const (
	TargetStdout    = "stdout"
	TargetFile      = "file"
	TargetWebhook   = "webhook"
	TargetClipboard = "clipboard"
)

// ExportEntry is the journal entry of one export of s to target (stdout,
// file, webhook or clipboard) in format (md or json); failed marks it as an
// error. The webhook URL is a secret and is never journaled.
func ExportEntry(user, context string, s *Summary, target, format string, at time.Time, failed error) journal.Entry {
	e := journal.Entry{Time: at, User: user, Context: context, Action: journal.ActionHandoff, Target: target, Result: journal.ResultOK,
		Extra: map[string]string{"format": format, "from": s.Window.From.UTC().Format(time.RFC3339), "to": s.Window.To.UTC().Format(time.RFC3339)}}
	if failed != nil {
		e.Result, e.Error = journal.ResultError, oneLine(failed.Error())
	}
	return e
}
