// test_certs.h: a throwaway PKI for mTLS tests, generated in memory with
// OpenSSL: a self-signed CA and leaf certificates it signs, as PEM text ready
// for grpc::SslServerCredentials and grpc::SslCredentials.
//
//   absl::StatusOr<testsupport::Pem> ca = testsupport::MakeCa("test CA");
//   ASSERT_TRUE(ca.ok()) << ca.status();
//   absl::StatusOr<testsupport::Pem> server = testsupport::MakeLeaf(
//       *ca, "server", {"DNS:localhost", "IP:127.0.0.1"});
//   absl::StatusOr<testsupport::Pem> client = testsupport::MakeLeaf(
//       *ca, "team-a", {"URI:spiffe://example.org/team-a"});
//
//   grpc::SslServerCredentialsOptions options(
//       GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
//   options.pem_root_certs = ca->cert;
//   options.pem_key_cert_pairs.push_back({server->key, server->cert});
//
// Keys are ECDSA P-256 (fast to generate, so every test can make its own
// PKI) and leave this process only as the unencrypted PKCS#8 PEM returned
// here. Certificates are X.509 v3 signed with SHA-256, with a random serial
// number, valid from one hour ago (tolerates clock skew between the
// test and the code under test) for one day. None of this is fit for
// anything but tests.
//
// All functions are thread-safe and keep no state between calls.
#ifndef TESTS_SUPPORT_TEST_CERTS_H_
#define TESTS_SUPPORT_TEST_CERTS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace testsupport {

// Pem is a certificate and its private key, both PEM-encoded: `cert` holds
// one "CERTIFICATE" block, `key` one unencrypted "PRIVATE KEY" (PKCS#8)
// block.
struct Pem {
  std::string cert;
  std::string key;
};

// MakeCa returns a new self-signed CA certificate whose subject is
// CN=`common_name`, with basicConstraints critical CA:TRUE and keyUsage
// critical keyCertSign, cRLSign. Returns InvalidArgument if `common_name` is
// empty and Internal if OpenSSL fails (the message carries OpenSSL's error
// queue).
absl::StatusOr<Pem> MakeCa(const std::string& common_name);

// MakeLeaf returns a new certificate for CN=`common_name` signed by `ca` (as
// returned by MakeCa), usable for both server and client authentication:
// basicConstraints critical CA:FALSE, keyUsage critical digitalSignature,
// extendedKeyUsage serverAuth, clientAuth. Each entry of `sans` becomes one
// subjectAltName and must be "URI:<uri>", "DNS:<name>" or "IP:<address>"
// (IPv4 or IPv6), for example "URI:spiffe://example.org/team-a"; an empty
// `sans` omits the extension. Returns InvalidArgument for an empty
// `common_name`, a malformed SAN, or a `ca` whose PEM does not parse or
// whose key does not match its certificate, and Internal if OpenSSL fails.
absl::StatusOr<Pem> MakeLeaf(const Pem& ca, const std::string& common_name,
                             const std::vector<std::string>& sans);

}  // namespace testsupport

#endif  // TESTS_SUPPORT_TEST_CERTS_H_
