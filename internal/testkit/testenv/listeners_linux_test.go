//go:build linux

package testenv

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// listeningPorts returns the TCP ports pid listens on and the UDP ports it has
// bound without a peer, read from /proc.
func listeningPorts(t *testing.T, pid int) (tcp, udp []int) {
	t.Helper()
	inodes := map[string]bool{}
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		t.Fatalf("cannot list fds of %d: %v", pid, err)
	}
	for _, fd := range fds {
		link, err := os.Readlink(filepath.Join(fmt.Sprintf("/proc/%d/fd", pid), fd.Name()))
		if err == nil && strings.HasPrefix(link, "socket:[") {
			inodes[strings.TrimSuffix(strings.TrimPrefix(link, "socket:["), "]")] = true
		}
	}
	scan := func(file, wantState string, wantNoPeer bool) []int {
		f, err := os.Open(file)
		if err != nil {
			return nil
		}
		defer f.Close()
		var ports []int
		sc := bufio.NewScanner(f)
		sc.Scan() // header
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) < 10 || !inodes[fields[9]] || (wantState != "" && fields[3] != wantState) {
				continue
			}
			if wantNoPeer && !strings.HasSuffix(fields[2], ":0000") {
				continue
			}
			local := fields[1]
			port, err := strconv.ParseInt(local[strings.LastIndex(local, ":")+1:], 16, 32)
			if err == nil && !slices.Contains(ports, int(port)) {
				ports = append(ports, int(port))
			}
		}
		return ports
	}
	tcp = append(scan("/proc/net/tcp", "0A", false), scan("/proc/net/tcp6", "0A", false)...)
	udp = append(scan("/proc/net/udp", "", true), scan("/proc/net/udp6", "", true)...)
	slices.Sort(tcp)
	slices.Sort(udp)
	return tcp, udp
}

// portsOf extracts the ports of host:port or http://host:port strings.
func portsOf(t *testing.T, addrs ...string) []int {
	t.Helper()
	var ports []int
	for _, a := range addrs {
		_, p, err := net.SplitHostPort(strings.TrimPrefix(a, "http://"))
		if err != nil {
			t.Fatalf("bad address %q: %v", a, err)
		}
		n, _ := strconv.Atoi(p)
		ports = append(ports, n)
	}
	slices.Sort(ports)
	return ports
}

func TestServersListenOnlyOnTheirPorts(t *testing.T) {
	t.Parallel()
	j := StartJaeger(t)
	am := StartAlertmanager(t, AlertmanagerOptions{})
	peer := StartAlertmanager(t, AlertmanagerOptions{Cluster: true})
	prom := StartPrometheus(t, PrometheusOptions{})
	for _, c := range []struct {
		name    string
		pid     int
		wantTCP []int
		wantUDP []int
	}{
		{"jaeger", j.proc.cmd.Process.Pid, portsOf(t, j.OTLPGRPC, j.OTLPHTTP, j.QueryGRPC, j.QueryHTTP), nil},
		{"alertmanager", am.proc.cmd.Process.Pid, portsOf(t, am.URL), nil},
		{"clustered alertmanager", peer.proc.cmd.Process.Pid, portsOf(t, peer.URL, peer.ClusterAddr), portsOf(t, peer.ClusterAddr)},
		{"prometheus", prom.proc.cmd.Process.Pid, portsOf(t, prom.URL), nil},
	} {
		tcp, udp := listeningPorts(t, c.pid)
		if !slices.Equal(tcp, c.wantTCP) {
			t.Errorf("%s listens on TCP %v, want exactly %v", c.name, tcp, c.wantTCP)
		}
		if !slices.Equal(udp, c.wantUDP) {
			t.Errorf("%s bound UDP %v, want %v", c.name, udp, c.wantUDP)
		}
	}
}
