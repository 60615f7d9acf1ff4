// `milk chain create`: a chain profile (YAML) becomes the chain's genesis block.
//
// Profile schema (docs/cli.md has the full reference; every default is stated there):
//   chain_id: demo              # [a-z0-9][a-z0-9.-]{0,63}
//   orgs:
//     - name: TICA
//       root_public_key_file: ../crypto/orgs/TICA/root.pub
//       revoked_serials: []     # optional
//       tls_ca_file: ../crypto/orgs/TICA/tls/ca.crt   # optional, this path by default
//   consenters:
//     - {org: TICA, cert_file: ../crypto/orgs/TICA/members/orderer0/cert, endpoint: "h:7051"}
//       # tls_cert_file: optional, default members/orderer0/tls.crt beside cert_file
//   A TLS file left out is taken from where `milk crypto generate` writes it when it is there,
//   and left empty otherwise (a chain without TLS bindings); a TLS file named must exist.
//   chaincodes:                 # optional
//     - name: token
//       version: 1
//       endorsement_policy: "OR('TICA.peer')"
//       acl: {issue: [client, admin], balance: ["*"]}  # "*" role = every role; function "*" =
//       init_args: [MLKT]                              #   default for unlisted functions
//   batch: {max_tx_count: 500, max_bytes: 4194304, batch_timeout_ms: 200}   # optional
//   max_timestamp_skew_ms: 300000                                           # optional
// Relative file paths are resolved against the directory of the YAML file.
#pragma once

#include <cstdint>
#include <string>

#include "crypto/status.h"
#include "milk/ledger.pb.h"
#include "tools/client/signer.h"

namespace milk::client {

struct ChainProfile {
  milkpb::ChainConfig config;  // version 1, sequence 0, defaults filled in; not yet validated
};

// Parses the profile and reads the key and certificate files it names. Unknown keys, wrong
// types and unreadable files are kInvalidArgument (or the file's own error) naming the file,
// line and key. Semantic checks are left to ValidateChainConfig.
Result<ChainProfile> LoadChainProfile(const std::string& path);
// The same from text; base_dir resolves relative paths. Errors carry no file name.
Result<ChainProfile> ParseChainProfile(const std::string& yaml_text, const std::string& base_dir);

// Everything a genesis config must satisfy (kInvalidArgument naming the offending entry):
// chain_id syntax; at least one org and one consenter; org and chaincode names unique and well
// formed; root keys 32 bytes; each consenter's certificate verifies under its org's root key at
// now_ms, is not revoked, has role consenter and that org; TLS: org TLS CAs parse, every
// consenter or none has a TLS certificate, each chains to its org's TLS CA at now_ms (client
// authentication allowed) and is no other consenter's; endpoints are host:port; chaincode
// versions >= 1; endorsement policies non-empty and naming only orgs of the chain; ACL roles are
// real roles; batch limits and the timestamp skew positive. Pure; thread-safe.
Status ValidateChainConfig(const milkpb::ChainConfig& config, int64_t now_ms);

// The genesis block (docs/cli.md, "chain create"): one CONFIG envelope signed by admin, the
// header hash signed by admin in the metadata, validation codes and commit hash left empty for
// the committing node. admin must be a member with role admin of an org in the profile, with a
// certificate valid under that org's root at now_ms. Validates the config first.
Result<milkpb::Block> BuildGenesisBlock(const ChainProfile& profile, const Signer& admin,
                                        int64_t now_ms);

}  // namespace milk::client
