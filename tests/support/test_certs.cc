#include "tests/support/test_certs.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"

namespace testsupport {
namespace {

// Owners for the OpenSSL objects used here; each frees with its own
// function.
template <typename T, void (*Free)(T*)>
struct OpenSslDeleter {
  void operator()(T* p) const { Free(p); }
};
using BioPtr = std::unique_ptr<BIO, OpenSslDeleter<BIO, BIO_free_all>>;
using BignumPtr = std::unique_ptr<BIGNUM, OpenSslDeleter<BIGNUM, BN_free>>;
using ExtensionPtr =
    std::unique_ptr<X509_EXTENSION,
                    OpenSslDeleter<X509_EXTENSION, X509_EXTENSION_free>>;
using GeneralNamesPtr =
    std::unique_ptr<GENERAL_NAMES,
                    OpenSslDeleter<GENERAL_NAMES, GENERAL_NAMES_free>>;
using KeyPtr =
    std::unique_ptr<EVP_PKEY, OpenSslDeleter<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, OpenSslDeleter<X509, X509_free>>;

// The validity window: from one hour ago (tolerates clock skew) for one day.
constexpr long kNotBeforeOffsetSeconds = -60 * 60;
constexpr long kLifetimeSeconds = 24 * 60 * 60;

// OpenSslError returns a status with `code` naming the failed step `what`,
// followed by OpenSSL's error queue, which it drains.
absl::Status OpenSslError(absl::string_view what,
                          absl::StatusCode code = absl::StatusCode::kInternal) {
  std::string message = absl::StrCat("test_certs: ", what, " failed");
  while (unsigned long error = ERR_get_error()) {
    char text[256];
    ERR_error_string_n(error, text, sizeof(text));
    absl::StrAppend(&message, "; ", text);
  }
  return absl::Status(code, message);
}

// NoPassphrase refuses to supply a passphrase, so reading an encrypted key
// fails instead of prompting on the terminal (OpenSSL's default).
int NoPassphrase(char* /*buf*/, int /*size*/, int /*rwflag*/,
                 void* /*userdata*/) {
  return 0;
}

absl::StatusOr<KeyPtr> GenerateKey() {
  KeyPtr key(EVP_EC_gen("P-256"));
  if (key == nullptr) return OpenSslError("EVP_EC_gen(P-256)");
  return key;
}

// NewCertificate returns an unsigned v3 certificate for CN=`common_name` and
// `key`, with a random serial number and the validity window; the caller
// sets the issuer and the extensions.
absl::StatusOr<X509Ptr> NewCertificate(const std::string& common_name,
                                       EVP_PKEY* key) {
  X509Ptr cert(X509_new());
  if (cert == nullptr) return OpenSslError("X509_new");
  if (X509_set_version(cert.get(), X509_VERSION_3) != 1) {
    return OpenSslError("X509_set_version");
  }
  // RFC 5280 allows up to 20 octets; 127 random bits with the top one set
  // is positive, non-zero and unique in practice.
  BignumPtr serial(BN_new());
  if (serial == nullptr ||
      BN_rand(serial.get(), 127, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY) != 1 ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) ==
          nullptr) {
    return OpenSslError("serial number");
  }
  X509_NAME* subject = X509_get_subject_name(cert.get());
  if (X509_NAME_add_entry_by_txt(
          subject, "CN", MBSTRING_UTF8,
          reinterpret_cast<const unsigned char*>(common_name.data()),
          static_cast<int>(common_name.size()), -1, 0) != 1) {
    return OpenSslError("subject CN", absl::StatusCode::kInvalidArgument);
  }
  // One `now` for both ends, so the window is exactly kLifetimeSeconds.
  time_t now = time(nullptr);
  if (X509_time_adj_ex(X509_getm_notBefore(cert.get()), 0,
                       kNotBeforeOffsetSeconds, &now) == nullptr ||
      X509_time_adj_ex(X509_getm_notAfter(cert.get()), 0,
                       kNotBeforeOffsetSeconds + kLifetimeSeconds,
                       &now) == nullptr) {
    return OpenSslError("validity");
  }
  if (X509_set_pubkey(cert.get(), key) != 1) {
    return OpenSslError("X509_set_pubkey");
  }
  return cert;
}

// AddExtension adds the extension `nid` written in openssl.cnf syntax, for
// example "critical,CA:TRUE". `issuer` supplies the authority key id.
absl::Status AddExtension(X509* cert, X509* issuer, int nid,
                          const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  ExtensionPtr extension(X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value));
  if (extension == nullptr || X509_add_ext(cert, extension.get(), -1) != 1) {
    return OpenSslError(absl::StrCat(OBJ_nid2sn(nid), "=", value));
  }
  return absl::OkStatus();
}

// AddSubjectAltNames adds one subjectAltName per entry of `sans`. Each entry
// is converted on its own, so a value may contain any character, commas
// included (the openssl.cnf syntax would split on them).
absl::Status AddSubjectAltNames(X509* cert,
                                const std::vector<std::string>& sans) {
  if (sans.empty()) return absl::OkStatus();
  GeneralNamesPtr names(sk_GENERAL_NAME_new_null());
  if (names == nullptr) return OpenSslError("sk_GENERAL_NAME_new_null");
  for (const std::string& san : sans) {
    absl::string_view value = san;
    int type;
    if (absl::ConsumePrefix(&value, "URI:")) {
      type = GEN_URI;
    } else if (absl::ConsumePrefix(&value, "DNS:")) {
      type = GEN_DNS;
    } else if (absl::ConsumePrefix(&value, "IP:")) {
      type = GEN_IPADD;
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "test_certs: SAN \"", san, "\" is not URI:, DNS: or IP:<value>"));
    }
    if (value.empty() || absl::StrContains(value, '\0')) {
      return absl::InvalidArgumentError(
          absl::StrCat("test_certs: SAN \"", san, "\" has no usable value"));
    }
    GENERAL_NAME* name = a2i_GENERAL_NAME(nullptr, nullptr, nullptr, type,
                                          std::string(value).c_str(), 0);
    if (name == nullptr) {
      return OpenSslError(absl::StrCat("SAN \"", san, "\""),
                          absl::StatusCode::kInvalidArgument);
    }
    if (sk_GENERAL_NAME_push(names.get(), name) == 0) {
      GENERAL_NAME_free(name);
      return OpenSslError("sk_GENERAL_NAME_push");
    }
  }
  if (X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), 0,
                        X509V3_ADD_APPEND) != 1) {
    return OpenSslError("subjectAltName");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> BioContents(BIO* bio) {
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  if (size <= 0 || data == nullptr) return OpenSslError("BIO_get_mem_data");
  return std::string(data, static_cast<size_t>(size));
}

// SignAndEncode signs `cert` with `signing_key` (SHA-256) and returns it and
// `key` as PEM.
absl::StatusOr<Pem> SignAndEncode(X509* cert, EVP_PKEY* signing_key,
                                  EVP_PKEY* key) {
  if (X509_sign(cert, signing_key, EVP_sha256()) <= 0) {
    return OpenSslError("X509_sign");
  }
  BioPtr cert_bio(BIO_new(BIO_s_mem()));
  BioPtr key_bio(BIO_new(BIO_s_mem()));
  if (cert_bio == nullptr || key_bio == nullptr) {
    return OpenSslError("BIO_new");
  }
  if (PEM_write_bio_X509(cert_bio.get(), cert) != 1) {
    return OpenSslError("PEM_write_bio_X509");
  }
  // PKCS#8, unencrypted.
  if (PEM_write_bio_PrivateKey(key_bio.get(), key, nullptr, nullptr, 0, nullptr,
                               nullptr) != 1) {
    return OpenSslError("PEM_write_bio_PrivateKey");
  }
  Pem pem;
  absl::StatusOr<std::string> text = BioContents(cert_bio.get());
  if (!text.ok()) return text.status();
  pem.cert = *std::move(text);
  text = BioContents(key_bio.get());
  if (!text.ok()) return text.status();
  pem.key = *std::move(text);
  return pem;
}

absl::StatusOr<BioPtr> ReadOnlyBio(const std::string& text) {
  BioPtr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  if (bio == nullptr) return OpenSslError("BIO_new_mem_buf");
  return bio;
}

}  // namespace

absl::StatusOr<Pem> MakeCa(const std::string& common_name) {
  if (common_name.empty()) {
    return absl::InvalidArgumentError("test_certs: empty CA common name");
  }
  ERR_clear_error();  // Report only our own failures.
  absl::StatusOr<KeyPtr> key = GenerateKey();
  if (!key.ok()) return key.status();
  absl::StatusOr<X509Ptr> cert = NewCertificate(common_name, key->get());
  if (!cert.ok()) return cert.status();
  X509* x = cert->get();
  if (X509_set_issuer_name(x, X509_get_subject_name(x)) != 1) {
    return OpenSslError("X509_set_issuer_name");
  }
  for (const auto& [nid, value] :
       {std::pair<int, const char*>{NID_basic_constraints, "critical,CA:TRUE"},
        {NID_key_usage, "critical,keyCertSign,cRLSign"},
        {NID_subject_key_identifier, "hash"}}) {
    absl::Status status = AddExtension(x, x, nid, value);
    if (!status.ok()) return status;
  }
  return SignAndEncode(x, key->get(), key->get());
}

absl::StatusOr<Pem> MakeLeaf(const Pem& ca, const std::string& common_name,
                             const std::vector<std::string>& sans) {
  if (common_name.empty()) {
    return absl::InvalidArgumentError("test_certs: empty leaf common name");
  }
  ERR_clear_error();  // Report only our own failures.
  absl::StatusOr<BioPtr> ca_cert_bio = ReadOnlyBio(ca.cert);
  if (!ca_cert_bio.ok()) return ca_cert_bio.status();
  X509Ptr ca_cert(
      PEM_read_bio_X509(ca_cert_bio->get(), nullptr, NoPassphrase, nullptr));
  if (ca_cert == nullptr) {
    return OpenSslError("reading the CA certificate",
                        absl::StatusCode::kInvalidArgument);
  }
  absl::StatusOr<BioPtr> ca_key_bio = ReadOnlyBio(ca.key);
  if (!ca_key_bio.ok()) return ca_key_bio.status();
  KeyPtr ca_key(PEM_read_bio_PrivateKey(ca_key_bio->get(), nullptr,
                                        NoPassphrase, nullptr));
  if (ca_key == nullptr) {
    return OpenSslError("reading the CA key",
                        absl::StatusCode::kInvalidArgument);
  }
  if (X509_check_private_key(ca_cert.get(), ca_key.get()) != 1) {
    return OpenSslError("matching the CA key to the CA certificate",
                        absl::StatusCode::kInvalidArgument);
  }

  absl::StatusOr<KeyPtr> key = GenerateKey();
  if (!key.ok()) return key.status();
  absl::StatusOr<X509Ptr> cert = NewCertificate(common_name, key->get());
  if (!cert.ok()) return cert.status();
  X509* x = cert->get();
  if (X509_set_issuer_name(x, X509_get_subject_name(ca_cert.get())) != 1) {
    return OpenSslError("X509_set_issuer_name");
  }
  for (const auto& [nid, value] :
       {std::pair<int, const char*>{NID_basic_constraints, "critical,CA:FALSE"},
        {NID_key_usage, "critical,digitalSignature"},
        {NID_ext_key_usage, "serverAuth,clientAuth"},
        {NID_subject_key_identifier, "hash"},
        {NID_authority_key_identifier, "keyid:always"}}) {
    absl::Status status = AddExtension(x, ca_cert.get(), nid, value);
    if (!status.ok()) return status;
  }
  absl::Status status = AddSubjectAltNames(x, sans);
  if (!status.ok()) return status;
  return SignAndEncode(x, ca_key.get(), key->get());
}

}  // namespace testsupport
