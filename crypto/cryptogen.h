// `milk crypto generate`: an org's root key, member certificates and keys from a YAML file,
// in the spirit of Fabric's cryptogen. The YAML schema and output layout are in docs/crypto.md.
//
// Example input:
//   orgs:
//     - name: TICA
//       members:
//         - {name: peer0, role: peer}
//         - {name: orderer0, role: consenter}
//         - {name: admin, role: admin, hosts: [admin.tica.example]}  # hosts: TLS only
//       validity_days: 365      # optional, default 365
//   wallets: [alice, bob]       # optional: customer wallet keys (not org members)
//
// Output (under out_dir):
//   orgs/<org>/root.key, orgs/<org>/root.pub
//   orgs/<org>/members/<name>/key, orgs/<org>/members/<name>/cert
//   wallets/<name>/key, wallets/<name>/address
// and, when given a TlsIssuer (below), the X.509 material for gRPC over mutual TLS
// (docs/tls.md):
//   orgs/<org>/tls/ca.crt, orgs/<org>/tls/ca.key
//   orgs/<org>/members/<name>/tls.crt, orgs/<org>/members/<name>/tls.key
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "crypto/status.h"

namespace milk::crypto {

struct GeneratedFile {
  std::string path;
  std::string description;  // e.g. "TICA peer0 (peer) certificate, serial 2"; "(kept)" appended
  bool kept = false;        // true when the file already existed and was left untouched
};

// One member's TLS certificate as the YAML asks for it.
struct TlsMemberSpec {
  std::string org;
  std::string name;
  std::string role;                // lower-case role name, as RoleName() spells it: "peer"
  std::vector<std::string> hosts;  // DNS names and IP addresses, unique, at least one
  int64_t validity_days = 0;       // the org's validity_days
};

// The X.509 work of cryptogen, behind an interface so that milk_crypto stays libsodium-only: the
// OpenSSL implementation lives in milk_tls (crypto::tls::OpenSslTlsIssuer(), crypto/tls/issuer.h).
// Keys and certificates are PEM text; cryptogen owns the files. Implementations are thread-safe.
// Check functions return kDataLoss when a PEM does not parse, kFailedPrecondition when it parses
// but contradicts the other arguments; their messages say what differs, not which file.
class TlsIssuer {
 public:
  virtual ~TlsIssuer() = default;
  // A new private key.
  virtual Result<std::string> NewKey() const = 0;
  // OK if key_pem is a private key this issuer can use.
  virtual Status CheckKey(const std::string& key_pem) const = 0;
  // A self-signed CA certificate for org's TLS CA with the key ca_key_pem, valid from now_ms.
  virtual Result<std::string> IssueCa(const std::string& org, const std::string& ca_key_pem,
                                      int64_t now_ms) const = 0;
  // OK if ca_cert_pem is a self-signed CA certificate of org whose key is ca_key_pem.
  virtual Status CheckCa(const std::string& org, const std::string& ca_cert_pem,
                         const std::string& ca_key_pem) const = 0;
  // A certificate for the public key of key_pem, signed by the CA, valid from now_ms.
  // kFailedPrecondition if the CA certificate has expired at now_ms.
  virtual Result<std::string> IssueMember(const TlsMemberSpec& member, const std::string& key_pem,
                                          const std::string& ca_cert_pem,
                                          const std::string& ca_key_pem, int64_t now_ms) const = 0;
  // OK if cert_pem is for key_pem, chains to ca_cert_pem, and names the member's org, name, role
  // and exactly its hosts. Validity dates are not checked (a kept certificate may have expired).
  virtual Status CheckMember(const TlsMemberSpec& member, const std::string& cert_pem,
                             const std::string& key_pem, const std::string& ca_cert_pem) const = 0;
};

// Generates everything the YAML asks for. Existing org roots are reused (so members can be added
// later); existing member files are left untouched and reported as kept. now_ms sets
// not_before_ms; serials are unique per org (kept in orgs/<org>/serial).
// Every existing file is read and checked before anything is written, so a failing run changes
// nothing. Errors:
//   kInvalidArgument    the YAML is invalid (message names the field and the org or member),
//                       or now_ms is outside years 1970..9999
//   kNotFound           yaml_path does not exist
//   kFailedPrecondition existing files contradict each other or the YAML (a cert without its key,
//                       a root.pub not matching root.key, a kept member with another role, ...);
//                       the message says which file to restore or remove
//   kPermissionDenied / kDataLoss  as ReadSecretKeyFile and friends report for existing files
// Not safe to run twice at once on one out_dir (the serial counter is not locked).
Result<std::vector<GeneratedFile>> GenerateFromYaml(const std::string& yaml_path,
                                                    const std::string& out_dir, int64_t now_ms);

// As above, and also each org's TLS CA and each member's TLS key and certificate, issued by tls.
// Rules for TLS files as for the others (docs/crypto.md, docs/tls.md): keys 0600 and never
// overwritten; a kept file is checked (ca.crt against ca.key; tls.crt against tls.key, the org's
// TLS CA and the YAML's role and hosts) and a contradiction is kFailedPrecondition naming the file
// to remove; a key without its certificate gets one for that key.
Result<std::vector<GeneratedFile>> GenerateFromYaml(const std::string& yaml_path,
                                                    const std::string& out_dir, int64_t now_ms,
                                                    const TlsIssuer& tls);

}  // namespace milk::crypto
