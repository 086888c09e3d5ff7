package testenv

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// PrometheusOptions customises StartPrometheus. The zero value starts an empty
// Prometheus that only scrapes itself (job "prometheus").
type PrometheusOptions struct {
	// DataDir is the TSDB directory, e.g. one filled by Backfill; a temporary
	// directory when empty.
	DataDir string
	// Rules is the text of a rule file (e.g. FiringRules); none when empty.
	Rules string
	// AlertmanagerURLs are Alertmanagers to send alerts to, as host:port or
	// http://host:port (the Alertmanager.URL form).
	AlertmanagerURLs []string
	// ExtraScrapeConfigs is YAML for additional scrape_configs list items,
	// starting with "- job_name: ...".
	ExtraScrapeConfigs string
	// Retention is --storage.tsdb.retention.time, e.g. "30d"; default when empty.
	Retention string
	// ExtraFlags are appended to the command line.
	ExtraFlags []string
}

// Prometheus is a running Prometheus server.
type Prometheus struct {
	// URL is the base URL, e.g. http://127.0.0.1:PORT (API under /api/v1).
	URL string
	// DataDir is the TSDB directory.
	DataDir string
	// ConfigFile is the generated prometheus.yml (rewrite it and POST /-/reload).
	ConfigFile string
	// RulesFile is the rule file path, empty when no Rules were given.
	RulesFile string

	proc *process
}

// Kill sends SIGKILL and waits for the process to end. It is idempotent.
func (p *Prometheus) Kill() { p.proc.kill() }

// Stop asks the process to exit (SIGTERM) and kills it if it lingers.
func (p *Prometheus) Stop() { p.proc.stop() }

// Exited reports whether the server process has ended.
func (p *Prometheus) Exited() bool { return p.proc.exited() }

// StartPrometheus starts prometheus on a free loopback port with lifecycle
// endpoints enabled, 1s scrape and evaluation intervals, a 1s alert resend
// delay and the given rules, Alertmanagers and scrape configs. It waits for
// /-/ready and, when AlertmanagerURLs are set, until Prometheus lists them all
// as active (up to ~5s). It is stopped on t.Cleanup.
func StartPrometheus(t testing.TB, opts PrometheusOptions) *Prometheus {
	t.Helper()
	bin := Require(t, "prometheus")
	dir := t.TempDir()
	prom := &Prometheus{
		DataDir:    opts.DataDir,
		ConfigFile: filepath.Join(dir, "prometheus.yml"),
	}
	if prom.DataDir == "" {
		prom.DataDir = filepath.Join(dir, "data")
	}
	if opts.Rules != "" {
		prom.RulesFile = filepath.Join(dir, "rules.yml")
		writeFile(t, prom.RulesFile, opts.Rules)
	}
	prom.proc = runServer(t, "prometheus", bin, dir, func() (launch, error) {
		ports, err := freePorts(1, false)
		if err != nil {
			return launch{}, err
		}
		addr := "127.0.0.1:" + strconv.Itoa(ports[0])
		prom.URL = "http://" + addr
		writeFile(t, prom.ConfigFile, prometheusConfig(addr, prom.RulesFile, opts))
		args := []string{
			"--config.file=" + prom.ConfigFile,
			"--storage.tsdb.path=" + prom.DataDir,
			"--web.listen-address=" + addr,
			"--web.external-url=" + prom.URL,
			"--web.enable-lifecycle",
		}
		if !hasFlag(opts.ExtraFlags, "--rules.alert.resend-delay") {
			// the default (1m) would delay alerts that fired before the
			// Alertmanagers were discovered by a minute
			args = append(args, "--rules.alert.resend-delay=1s")
		}
		if opts.Retention != "" {
			args = append(args, "--storage.tsdb.retention.time="+opts.Retention)
		}
		args = append(args, opts.ExtraFlags...)
		return launch{args: args, readyURL: prom.URL + "/-/ready"}, nil
	})
	if len(opts.AlertmanagerURLs) > 0 {
		// Prometheus applies discovered Alertmanagers every 5s
		WaitFor(t, 30*time.Second, "prometheus lists its Alertmanagers as active", func() bool {
			n, err := activeAlertmanagers(prom.URL)
			return err == nil && n == len(opts.AlertmanagerURLs)
		})
	}
	return prom
}

// hasFlag reports whether flags sets the flag name (as name or name=value).
func hasFlag(flags []string, name string) bool {
	for _, f := range flags {
		if f == name || strings.HasPrefix(f, name+"=") {
			return true
		}
	}
	return false
}

// activeAlertmanagers returns how many Alertmanagers Prometheus sends alerts to.
func activeAlertmanagers(baseURL string) (int, error) {
	var body struct {
		Data struct {
			Active []json.RawMessage `json:"activeAlertmanagers"`
		} `json:"data"`
	}
	err := getJSON(baseURL+"/api/v1/alertmanagers", &body)
	return len(body.Data.Active), err
}

// prometheusConfig renders prometheus.yml for a server listening on selfAddr.
func prometheusConfig(selfAddr, rulesFile string, opts PrometheusOptions) string {
	var b strings.Builder
	b.WriteString("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n")
	if rulesFile != "" {
		fmt.Fprintf(&b, "rule_files:\n  - %q\n", rulesFile)
	}
	if len(opts.AlertmanagerURLs) > 0 {
		b.WriteString("alerting:\n  alertmanagers:\n    - api_version: v2\n      static_configs:\n        - targets:\n")
		for _, u := range opts.AlertmanagerURLs {
			u = strings.TrimPrefix(strings.TrimPrefix(u, "http://"), "https://")
			fmt.Fprintf(&b, "            - %q\n", strings.TrimSuffix(u, "/"))
		}
	}
	b.WriteString("scrape_configs:\n")
	fmt.Fprintf(&b, "  - job_name: prometheus\n    static_configs:\n      - targets: [%q]\n", selfAddr)
	if extra := strings.TrimSpace(opts.ExtraScrapeConfigs); extra != "" {
		for _, line := range strings.Split(extra, "\n") {
			b.WriteString("  " + line + "\n")
		}
	}
	return b.String()
}

// Backfill writes openMetrics (OpenMetrics text; "# EOF" is appended when
// missing) to a temporary file and turns it into TSDB blocks in dataDir with
// `promtool tsdb create-blocks-from openmetrics`. The test fails with
// promtool's output if that fails.
func Backfill(t testing.TB, dataDir string, openMetrics string) {
	t.Helper()
	bin := Require(t, "promtool")
	if !strings.HasSuffix(strings.TrimSpace(openMetrics), "# EOF") {
		openMetrics = strings.TrimRight(openMetrics, "\n") + "\n# EOF\n"
	} else if !strings.HasSuffix(openMetrics, "\n") {
		openMetrics += "\n"
	}
	input := filepath.Join(t.TempDir(), "backfill.om")
	writeFile(t, input, openMetrics)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "tsdb", "create-blocks-from", "openmetrics", input, dataDir)
	cmd.SysProcAttr = sysProcAttr()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("testenv: promtool backfill into %s failed (%v): %s", dataDir, err, oneLine(string(out)))
	}
}

// oneLine joins output lines so an error stays on one line.
func oneLine(s string) string {
	var parts []string
	for _, line := range strings.Split(s, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			parts = append(parts, line)
		}
	}
	return strings.Join(parts, " | ")
}
