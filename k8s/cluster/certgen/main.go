// rbxw-certgen does, for the offline lab, what github.com/cilium/certgen does in the Cilium
// chart's certificate Jobs (templates/clustermesh-apiserver/tls-cronjob/_job-spec.tpl of
// Cilium 1.19.0): load or create the CA secret, then issue each certificate that
// CILIUM_CERTGEN_CONFIG lists into a kubernetes.io/tls secret (ca.crt, tls.crt, tls.key).
// The upstream module is not served by the Go module proxy here, and `cilium clustermesh
// enable` always asks for the Job (cilium-cli/clustermesh/clustermesh.go, method cronJob).
// Flags are certgen's, as the chart passes them.
package main

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"math/big"
	"net"
	"os"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/yaml"
)

type certSpec struct {
	Name       string   `json:"name"`
	Namespace  string   `json:"namespace"`
	CommonName string   `json:"commonName"`
	Hosts      []string `json:"hosts"`
	Usage      []string `json:"usage"`
	Validity   string   `json:"validity"`
}

type config struct {
	Certs []certSpec `json:"certs"`
}

type ca struct {
	cert    *x509.Certificate
	key     crypto.Signer
	certPEM []byte
}

func main() {
	caGenerate := flag.Bool("ca-generate", false, "create the CA secret when missing")
	flag.Bool("ca-reuse-secret", false, "reuse the CA secret when present (always)")
	caNS := flag.String("ca-secret-namespace", "kube-system", "CA secret namespace")
	caName := flag.String("ca-secret-name", "cilium-ca", "CA secret name")
	caCN := flag.String("ca-common-name", "Cilium CA", "CA common name")
	flag.Bool("debug", false, "ignored")
	flag.Parse()
	if err := run(*caGenerate, *caNS, *caName, *caCN); err != nil {
		fmt.Fprintln(os.Stderr, "rbxw-certgen:", err)
		os.Exit(1)
	}
}

func run(generate bool, ns, name, cn string) error {
	var cfg config
	if err := yaml.Unmarshal([]byte(os.Getenv("CILIUM_CERTGEN_CONFIG")), &cfg); err != nil {
		return fmt.Errorf("CILIUM_CERTGEN_CONFIG: %w", err)
	}
	rc, err := rest.InClusterConfig()
	if err != nil {
		return err
	}
	cs, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return err
	}
	ctx := context.Background()
	authority, err := loadOrCreateCA(ctx, cs, generate, ns, name, cn)
	if err != nil {
		return err
	}
	for _, c := range cfg.Certs {
		if err := issue(ctx, cs, authority, c); err != nil {
			return fmt.Errorf("%s/%s: %w", c.Namespace, c.Name, err)
		}
		fmt.Printf("rbxw-certgen: wrote %s/%s\n", c.Namespace, c.Name)
	}
	return nil
}

func loadOrCreateCA(ctx context.Context, cs kubernetes.Interface, generate bool, ns, name, cn string) (*ca, error) {
	s, err := cs.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
	if err == nil {
		return parseCA(s.Data["ca.crt"], s.Data["ca.key"])
	}
	if !apierrors.IsNotFound(err) || !generate {
		return nil, fmt.Errorf("CA secret %s/%s: %w", ns, name, err)
	}
	key, certPEM, err := newCA(cn)
	if err != nil {
		return nil, err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, err
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
	sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Data: map[string][]byte{"ca.crt": certPEM, "ca.key": keyPEM}}
	if _, err := cs.CoreV1().Secrets(ns).Create(ctx, sec, metav1.CreateOptions{}); err != nil {
		return nil, err
	}
	return parseCA(certPEM, keyPEM)
}

func newCA(cn string) (*ecdsa.PrivateKey, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{SerialNumber: serial(), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(3 * 365 * 24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	return key, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), nil
}

func parseCA(certPEM, keyPEM []byte) (*ca, error) {
	cb, _ := pem.Decode(certPEM)
	kb, _ := pem.Decode(keyPEM)
	if cb == nil || kb == nil {
		return nil, errors.New("CA secret lacks PEM ca.crt or ca.key")
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, err
	}
	key, err := parseKey(kb)
	if err != nil {
		return nil, err
	}
	return &ca{cert: cert, key: key, certPEM: certPEM}, nil
}

// parseKey: the chart's helm method writes an RSA CA (sprig's genCA, PKCS#1), certgen and
// newCA an ECDSA one.
func parseKey(b *pem.Block) (crypto.Signer, error) {
	if k, err := x509.ParseECPrivateKey(b.Bytes); err == nil {
		return k, nil
	}
	if k, err := x509.ParsePKCS1PrivateKey(b.Bytes); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		return nil, fmt.Errorf("the CA key: %w", err)
	}
	if signer, ok := k.(crypto.Signer); ok {
		return signer, nil
	}
	return nil, errors.New("the CA key cannot sign")
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	return n
}

func issue(ctx context.Context, cs kubernetes.Interface, a *ca, c certSpec) error {
	validity, err := time.ParseDuration(c.Validity)
	if err != nil || validity <= 0 {
		validity = 365 * 24 * time.Hour
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{SerialNumber: serial(), Subject: pkix.Name{CommonName: c.CommonName},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(validity)}
	for _, h := range c.Hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	for _, u := range c.Usage {
		switch u {
		case "signing", "digital signature":
			tmpl.KeyUsage |= x509.KeyUsageDigitalSignature
		case "key encipherment":
			tmpl.KeyUsage |= x509.KeyUsageKeyEncipherment
		case "server auth":
			tmpl.ExtKeyUsage = append(tmpl.ExtKeyUsage, x509.ExtKeyUsageServerAuth)
		case "client auth":
			tmpl.ExtKeyUsage = append(tmpl.ExtKeyUsage, x509.ExtKeyUsageClientAuth)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, a.cert, &key.PublicKey, a.key)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	data := map[string][]byte{"ca.crt": a.certPEM,
		"tls.crt": pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		"tls.key": pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})}
	return upsert(ctx, cs, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: c.Name, Namespace: c.Namespace},
		Type: corev1.SecretTypeTLS, Data: data})
}

func upsert(ctx context.Context, cs kubernetes.Interface, s *corev1.Secret) error {
	_, err := cs.CoreV1().Secrets(s.Namespace).Create(ctx, s, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		_, err = cs.CoreV1().Secrets(s.Namespace).Update(ctx, s, metav1.UpdateOptions{})
	}
	return err
}
