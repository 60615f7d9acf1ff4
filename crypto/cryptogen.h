// `milk crypto generate`: an org's root key, member certificates and keys from a YAML file,
// in the spirit of Fabric's cryptogen. The YAML schema and output layout are in docs/crypto.md.
//
// Example input:
//   orgs:
//     - name: TICA
//       members:
//         - {name: peer0, role: peer}
//         - {name: orderer0, role: consenter}
//         - {name: admin, role: admin}
//       validity_days: 365      # optional, default 365
//   wallets: [alice, bob]       # optional: customer wallet keys (not org members)
//
// Output (under out_dir):
//   orgs/<org>/root.key, orgs/<org>/root.pub
//   orgs/<org>/members/<name>/key, orgs/<org>/members/<name>/cert
//   wallets/<name>/key, wallets/<name>/address
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

}  // namespace milk::crypto
