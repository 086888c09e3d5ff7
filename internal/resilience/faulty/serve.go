package faulty

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"time"
)

const htmlPage = `<!DOCTYPE html>
<html><head><title>500 Internal Server Error</title></head>
<body><center><h1>500 Internal Server Error</h1></center><hr><center>nginx</center></body></html>
`

// garbage starts like an API answer and stops being JSON.
const garbage = `{"status":"success","data":{"resultType":"streams","result":[{"stream":{"a":"b"},,<<<not json>>>`

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if d := s.currentDelay(); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			panic(http.ErrAbortHandler)
		}
	}
	switch s.current() {
	case Hang:
		<-r.Context().Done()
		panic(http.ErrAbortHandler)
	case HTML500:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = io.WriteString(w, htmlPage)
	case Garbage:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, garbage)
	case Truncated:
		rec := httptest.NewRecorder()
		s.handler.ServeHTTP(rec, r)
		copyHeader(w, rec.Header())
		body := rec.Body.Bytes()
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body[:len(body)/2])
		if fl, ok := w.(http.Flusher); ok {
			fl.Flush()
		}
		panic(http.ErrAbortHandler) // drop the connection mid-body
	case Huge:
		streamHuge(w, r)
	case SlowDrip:
		rec := httptest.NewRecorder()
		s.handler.ServeHTTP(rec, r)
		copyHeader(w, rec.Header())
		w.Header().Set("Content-Length", strconv.Itoa(rec.Body.Len()))
		w.WriteHeader(rec.Code)
		drip(w, r, rec.Body.Bytes())
	default:
		s.handler.ServeHTTP(w, r)
	}
}

func copyHeader(w http.ResponseWriter, h http.Header) {
	for k, v := range h {
		if k != "Content-Length" {
			w.Header()[k] = append([]string(nil), v...)
		}
	}
}

// streamHuge writes a HugeBytes JSON array of strings in fixed chunks,
// stopping when the client goes away.
func streamHuge(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.FormatInt(HugeBytes, 10))
	w.WriteHeader(http.StatusOK)
	elem := bytes.Repeat([]byte{'x'}, 1024)
	elem[0], elem[len(elem)-2], elem[len(elem)-1] = '"', '"', ','
	chunk := bytes.Repeat(elem, 64)
	written := int64(0)
	if _, err := io.WriteString(w, "["); err != nil {
		return
	}
	written++
	for written+int64(len(chunk)) < HugeBytes-1 {
		if _, err := w.Write(chunk); err != nil || r.Context().Err() != nil {
			return
		}
		written += int64(len(chunk))
	}
	last := bytes.Repeat([]byte{'x'}, int(HugeBytes-1-written))
	if len(last) >= 2 {
		last[0], last[len(last)-1] = '"', '"'
	}
	_, _ = w.Write(last)
	_, _ = io.WriteString(w, "]")
}

// drip writes body one byte per DripInterval.
func drip(w http.ResponseWriter, r *http.Request, body []byte) {
	fl, _ := w.(http.Flusher)
	t := time.NewTicker(DripInterval)
	defer t.Stop()
	for i := range body {
		if _, err := w.Write(body[i : i+1]); err != nil {
			return
		}
		if fl != nil {
			fl.Flush()
		}
		select {
		case <-t.C:
		case <-r.Context().Done():
			return
		}
	}
}

// selfSigned makes a throw-away ECDSA certificate for the loopback
// addresses that is its own CA.
func selfSigned(name string) (tls.Certificate, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("faulty: generate key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("faulty: serial: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("faulty: create certificate: %w", err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("faulty: marshal key: %w", err)
	}
	cert, err := tls.X509KeyPair(certPEM, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}))
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("faulty: key pair: %w", err)
	}
	return cert, certPEM, nil
}
