// Package runbooks finds, cuts out and renders the runbook for an alert, and
// fills in the runnable diagnostics (PromQL/LogQL blocks) it contains.
//
// Lookup order (Finder.Find):
//
//  1. the runbook_url annotation: a local path (absolute, or relative to each
//     runbook folder and the shipped set, confined to it), a file:// URL, or
//     an http(s) URL fetched as raw markdown after the built-in GitHub/GitLab
//     blob→raw rewrites and the configured ones. A #anchor keeps only that
//     section (GitHub slugs). If the URL cannot be used the lookup goes on
//     and the reason is shown as a note at the top of what is found;
//  2. each configured folder in order, then the shipped runbooks when
//     enabled. Within one folder: a file named after the alert
//     (case-insensitive, '-'/'_' ignored), then a file whose front matter
//     lists the alert (alerts: [A, B] or a "- A" list), then a heading naming
//     the alert (equal to it, else containing it as a word) in any file;
//  3. a page generated from the alert: summary, description, labels,
//     generator link, expression and escalation steps.
//
// Only markdown files (.md, .markdown, .mdown, .mkd) are ever read, and at
// most MaxRunbookBytes of them.
//
// Runnable blocks are fenced blocks tagged promql or logql; shell blocks are
// for copying only. Their text is a Go text/template (see Substitute) whose
// printed label values are escaped for the inside of a PromQL/LogQL
// double-quoted string.
package runbooks
