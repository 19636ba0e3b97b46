package output

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"flag"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/engine"
	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/rules"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// golden compares got with testdata/name.golden (rewritten with -update).
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs from %s:\n got: %s\nwant: %s", name, path, got, want)
	}
}

var testTime = time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC)

// testAlert is a typical alert, with an event; n tells alerts apart.
func testAlert(n int) *engine.Alert {
	msg := "Shell spawned in a container (user=root shell=bash parent=runc cmdline=bash -c id n=" + strconv.Itoa(n) + ")"
	return &engine.Alert{
		Time:     testTime,
		Rule:     "Terminal shell in container",
		Priority: rules.Notice,
		Source:   "syscall",
		Tags:     []string{"shell", "container", "mitre_execution"},
		Hostname: "node-1",
		Message:  msg,
		Output:   "07:08:09.123456789: Notice " + msg,
		Fields: []engine.FieldValue{
			{Name: "user.name", Value: "root"},
			{Name: "proc.name", Value: "bash"},
			{Name: "proc.pid", Value: uint64(4242)},
			{Name: "container.id", Value: nil},
		},
		Event: &event.Event{
			Time: testTime, Type: event.TypeExecve, Host: "node-1",
			Process:   event.Process{PID: 4242, ExecID: "e1", Exe: "/usr/bin/bash", Name: "bash"},
			Ancestors: []event.Ancestor{{PID: 1, ExecID: "e0", Exe: "/sbin/init"}},
		},
	}
}

// oddAlert has everything a format must escape or survive.
func oddAlert() *engine.Alert {
	msg := "quote \" backslash \\ bracket ] newline\nreturn\r tab\t <NA> bad\xffutf8 é"
	return &engine.Alert{
		Time:     testTime,
		Rule:     `Rule "with" ] and \ and é`,
		Priority: rules.Emergency,
		Source:   "syscall",
		Tags:     []string{"b", "a"},
		Hostname: "host with spaces",
		Message:  msg,
		Output:   "07:08:09.123456789: Emergency " + msg,
		Fields:   []engine.FieldValue{{Name: "fd.name", Value: "/etc/\"shadow\""}, {Name: "flag", Value: true}},
	}
}

// waitFor polls cond until it holds; it fails the test after a long
// deadline (a stuck test, not a slow machine).
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// memSink records alerts.
type memSink struct {
	mu     sync.Mutex
	alerts []*engine.Alert
}

func (m *memSink) WriteAlert(a *engine.Alert) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.alerts = append(m.alerts, a)
	return nil
}
func (m *memSink) Flush() error { return nil }
func (m *memSink) len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.alerts)
}

// pki is a test certificate authority with a server certificate for
// 127.0.0.1 and a client certificate, written as PEM files.
type pki struct {
	caFile, certFile, keyFile string // CA; client cert and key
	server                    *tls.Config
	clientCAs                 *x509.CertPool
}

func newPKI(t testing.TB) *pki {
	t.Helper()
	dir := t.TempDir()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "vigil test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	issue := func(serial int64, tmpl *x509.Certificate) (certPEM, keyPEM []byte) {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl.SerialNumber = big.NewInt(serial)
		tmpl.NotBefore, tmpl.NotAfter = time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour)
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		kder, _ := x509.MarshalECPrivateKey(key)
		return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
			pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})
	}
	srvCert, srvKey := issue(2, &x509.Certificate{Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	cliCert, cliKey := issue(3, &x509.Certificate{Subject: pkix.Name{CommonName: "vigil"},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	p := &pki{
		caFile:   filepath.Join(dir, "ca.pem"),
		certFile: filepath.Join(dir, "client.pem"),
		keyFile:  filepath.Join(dir, "client.key"),
	}
	for name, b := range map[string][]byte{
		p.caFile:   pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		p.certFile: cliCert, p.keyFile: cliKey,
	} {
		if err := os.WriteFile(name, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	pair, err := tls.X509KeyPair(srvCert, srvKey)
	if err != nil {
		t.Fatal(err)
	}
	p.clientCAs = x509.NewCertPool()
	p.clientCAs.AddCert(ca)
	p.server = &tls.Config{Certificates: []tls.Certificate{pair}, ClientCAs: p.clientCAs, MinVersion: tls.VersionTLS12}
	return p
}

func tlsListen(p *pki) (net.Listener, error) {
	return tls.Listen("tcp", "127.0.0.1:0", p.server)
}
