package output

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
)

// TLSOptions configure the TLS of the network outputs.
type TLSOptions struct {
	// CAFile holds PEM certificates of the authorities trusted for the
	// server's certificate, instead of the system's; "" trusts the
	// system's.
	CAFile string
	// CertFile and KeyFile are a PEM client certificate and its key, for
	// receivers that authenticate clients; both or neither.
	CertFile, KeyFile string
	// ServerName overrides the name checked in the server's certificate
	// (default: the host of the address).
	ServerName string
	// InsecureSkipVerify accepts any server certificate. For tests only:
	// it gives up the protection TLS is there for.
	InsecureSkipVerify bool
}

// config builds the tls.Config (TLS 1.2 at least).
func (o TLSOptions) config() (*tls.Config, error) {
	c := &tls.Config{
		MinVersion:         tls.VersionTLS12,
		ServerName:         o.ServerName,
		InsecureSkipVerify: o.InsecureSkipVerify, //nolint:gosec // an explicit, documented choice
	}
	if o.CAFile != "" {
		pem, err := os.ReadFile(o.CAFile)
		if err != nil {
			return nil, fmt.Errorf("tls ca file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("tls ca file %s: no PEM certificate in it", o.CAFile)
		}
		c.RootCAs = pool
	}
	switch {
	case o.CertFile != "" && o.KeyFile != "":
		cert, err := tls.LoadX509KeyPair(o.CertFile, o.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("tls client certificate: %w", err)
		}
		c.Certificates = []tls.Certificate{cert}
	case o.CertFile != "" || o.KeyFile != "":
		return nil, errors.New("tls client certificate: cert file and key file go together")
	}
	return c, nil
}
