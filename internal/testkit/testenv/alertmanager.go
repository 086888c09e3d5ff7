package testenv

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// AlertmanagerConfig is the default Alertmanager configuration: alerts are
// grouped by alertname with 1s group_wait/group_interval and routed by
// severity to the receivers "critical", "warning" and "info" (everything else
// goes to "default"); no receiver has notifiers. A critical alert inhibits a
// warning alert with the same service label.
const AlertmanagerConfig = `route:
  receiver: default
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
  routes:
    - receiver: critical
      matchers: ['severity="critical"']
    - receiver: warning
      matchers: ['severity="warning"']
    - receiver: info
      matchers: ['severity="info"']
receivers:
  - name: default
  - name: critical
  - name: warning
  - name: info
inhibit_rules:
  - source_matchers: ['severity="critical"']
    target_matchers: ['severity="warning"']
    equal: [service]
`

// AlertmanagerOptions customises StartAlertmanager. The zero value starts a
// single, non-clustered Alertmanager with AlertmanagerConfig.
type AlertmanagerOptions struct {
	// ConfigYAML replaces AlertmanagerConfig when not empty.
	ConfigYAML string
	// Cluster enables gossip on a free loopback port (ClusterAddr).
	Cluster bool
	// Peers are cluster addresses (host:port) to join; non-empty implies Cluster.
	Peers []string
	// ExtraFlags are appended to the command line.
	ExtraFlags []string
}

// Alertmanager is a running prometheus-alertmanager.
type Alertmanager struct {
	// URL is the base URL, e.g. http://127.0.0.1:PORT (API under /api/v2).
	URL string
	// ClusterAddr is the gossip address host:port, empty when not clustered.
	ClusterAddr string
	// ConfigFile is the path of the config file (rewrite it and POST /-/reload).
	ConfigFile string
	// StorageDir is the --storage.path directory.
	StorageDir string

	proc *process
}

// Kill sends SIGKILL and waits for the process to end. It is idempotent.
func (a *Alertmanager) Kill() { a.proc.kill() }

// Stop asks the process to exit (SIGTERM) and kills it if it lingers.
func (a *Alertmanager) Stop() { a.proc.stop() }

// Exited reports whether the server process has ended.
func (a *Alertmanager) Exited() bool { return a.proc.exited() }

// StartAlertmanager starts prometheus-alertmanager on a free loopback port with
// a temporary storage path and waits until it is ready. It is stopped on
// t.Cleanup.
func StartAlertmanager(t testing.TB, opts AlertmanagerOptions) *Alertmanager {
	t.Helper()
	bin := Require(t, "prometheus-alertmanager")
	dir := t.TempDir()
	am := &Alertmanager{
		ConfigFile: filepath.Join(dir, "alertmanager.yml"),
		StorageDir: filepath.Join(dir, "data"),
	}
	cfg := opts.ConfigYAML
	if cfg == "" {
		cfg = AlertmanagerConfig
	}
	writeFile(t, am.ConfigFile, cfg)
	clustered := opts.Cluster || len(opts.Peers) > 0
	am.proc = runServer(t, "alertmanager", bin, dir, func() (launch, error) {
		webPorts, err := freePorts(1, false)
		if err != nil {
			return launch{}, err
		}
		am.URL = "http://127.0.0.1:" + strconv.Itoa(webPorts[0])
		am.ClusterAddr = ""
		args := []string{
			"--config.file=" + am.ConfigFile,
			"--storage.path=" + am.StorageDir,
			"--web.listen-address=127.0.0.1:" + strconv.Itoa(webPorts[0]),
			"--web.external-url=" + am.URL,
			"--log.level=info",
		}
		if clustered {
			clusterPorts, err := freePorts(1, true)
			if err != nil {
				return launch{}, err
			}
			am.ClusterAddr = "127.0.0.1:" + strconv.Itoa(clusterPorts[0])
			args = append(args,
				"--cluster.listen-address="+am.ClusterAddr,
				"--cluster.advertise-address="+am.ClusterAddr,
				"--cluster.gossip-interval=50ms",
				"--cluster.pushpull-interval=1s",
				"--cluster.settle-timeout=2s",
				"--cluster.reconnect-interval=1s",
				"--cluster.peer-timeout=1s",
			)
			for _, peer := range opts.Peers {
				args = append(args, "--cluster.peer="+peer)
			}
		} else {
			args = append(args, "--cluster.listen-address=")
		}
		args = append(args, opts.ExtraFlags...)
		return launch{args: args, readyURL: am.URL + "/-/ready"}, nil
	})
	return am
}

// StartAlertmanagerCluster starts n Alertmanagers gossiping in one cluster on
// loopback and waits until every peer sees all n members in /api/v2/status.
func StartAlertmanagerCluster(t testing.TB, n int) []*Alertmanager {
	t.Helper()
	if n < 1 {
		t.Fatalf("testenv: cluster size must be at least 1, got %d", n)
	}
	ams := make([]*Alertmanager, 0, n)
	var peers []string
	for i := 0; i < n; i++ {
		am := StartAlertmanager(t, AlertmanagerOptions{Cluster: true, Peers: peers})
		ams = append(ams, am)
		peers = append(peers, am.ClusterAddr)
	}
	for i, am := range ams {
		WaitFor(t, 30*time.Second, fmt.Sprintf("alertmanager peer %d sees %d cluster members", i, n), func() bool {
			got, err := clusterPeerCount(am.URL)
			return err == nil && got == n
		})
	}
	return ams
}

// clusterPeerCount returns how many members /api/v2/status lists in cluster.peers.
func clusterPeerCount(baseURL string) (int, error) {
	var status struct {
		Cluster struct {
			Peers []json.RawMessage `json:"peers"`
		} `json:"cluster"`
	}
	err := getJSON(baseURL+"/api/v2/status", &status)
	return len(status.Cluster.Peers), err
}
