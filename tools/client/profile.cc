// LoadChainProfile / ParseChainProfile (declared in genesis.h): YAML to milkpb::ChainConfig.
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include "crypto/key_files.h"
#include "node/ledger/formats.h"
#include "tools/client/genesis.h"

namespace milk::client {
namespace {

// A profile lists a handful of orgs and chaincodes; a megabyte is far beyond any real one and
// stops a wrong path (a block file, a log) from being parsed as YAML.
constexpr size_t kProfileBytesMax = 1024 * 1024;
// A PEM certificate is about 1 KiB; a file far larger is the wrong file.
constexpr uintmax_t kPemBytesMax = 64 * 1024;

constexpr uint32_t kDefaultMaxTxCount = 500;
constexpr uint32_t kDefaultMaxBytes = 4 * 1024 * 1024;
constexpr uint32_t kDefaultBatchTimeoutMs = 200;
constexpr int64_t kDefaultMaxTimestampSkewMs = 5 * 60 * 1000;

// Where a node sits, for error messages: "line 12: orgs[0].name".
std::string Where(const YAML::Node& node, const std::string& context) {
  const YAML::Mark mark = node.Mark();
  if (mark.line < 0) return context;
  return "line " + std::to_string(mark.line + 1) + ": " + context;
}

Status Error(const YAML::Node& node, const std::string& context, const std::string& message) {
  return InvalidArgument(Where(node, context) + ": " + message);
}

// A typo ("endorsment_policy") must be an error, not a silently applied default.
Status CheckKeys(const YAML::Node& node, const std::string& context,
                 const std::set<std::string>& allowed) {
  if (!node.IsMap()) return Error(node, context, "must be a mapping");
  for (const auto& entry : node) {
    const std::string key = entry.first.IsScalar() ? entry.first.Scalar() : "<non-scalar>";
    if (allowed.count(key) == 0) {
      std::string names;
      for (const std::string& a : allowed) names += (names.empty() ? "" : ", ") + a;
      return Error(entry.first, context,
                   "unknown key \"" + key + "\" (expected one of " + names + ")");
    }
  }
  return Status::Ok();
}

Result<std::string> GetString(const YAML::Node& parent, const std::string& key,
                              const std::string& context) {
  const YAML::Node node = parent[key];
  if (!node) return Error(parent, context, key + " is required");
  if (!node.IsScalar()) return Error(node, context + "." + key, "must be a string");
  return node.Scalar();
}

Result<uint64_t> ParseUnsigned(const YAML::Node& node, const std::string& context, uint64_t max) {
  if (!node.IsScalar()) return Error(node, context, "must be a whole number");
  const std::string& text = node.Scalar();
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty() || value > max) {
    return Error(node, context,
                 "\"" + text + "\" is not a whole number from 0 to " + std::to_string(max));
  }
  return value;
}

// An optional number with a default.
Result<uint64_t> GetUnsigned(const YAML::Node& parent, const std::string& key,
                             const std::string& context, uint64_t default_value, uint64_t max) {
  const YAML::Node node = parent[key];
  if (!node) return default_value;
  return ParseUnsigned(node, context + "." + key, max);
}

Result<YAML::Node> GetSequence(const YAML::Node& parent, const std::string& key,
                               const std::string& context, bool required) {
  const YAML::Node node = parent[key];
  if (!node) {
    if (required) return Error(parent, context.empty() ? key : context, key + " is required");
    return YAML::Node(YAML::NodeType::Sequence);
  }
  if (!node.IsSequence()) return Error(node, key, "must be a list");
  return node;
}

std::string Resolve(const std::string& base_dir, const std::string& file) {
  std::filesystem::path path(file);
  if (path.is_absolute() || base_dir.empty()) return file;
  return (std::filesystem::path(base_dir) / path).lexically_normal().string();
}

std::string Index(const std::string& list, size_t i) {
  return list + "[" + std::to_string(i) + "]";
}

// A PEM file named by `key`, or, when the profile leaves the key out, the file milk crypto
// generate writes at `conventional` (empty when that does not exist either: no TLS material).
Result<std::string> ReadTlsPem(const YAML::Node& node, const std::string& key,
                               const std::string& ctx, const std::string& base_dir,
                               const std::string& conventional) {
  std::string path = conventional;
  if (node[key]) {
    MILK_ASSIGN_OR_RETURN(std::string file, GetString(node, key, ctx));
    path = Resolve(base_dir, file);
  } else {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return std::string();
  }
  std::error_code ec;
  const uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) return NotFound(Where(node, ctx + "." + key) + ": cannot read " + path);
  if (size > kPemBytesMax) {
    return InvalidArgument(Where(node, ctx + "." + key) + ": " + path + " is larger than " +
                           std::to_string(kPemBytesMax) + " bytes; is it a PEM certificate?");
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) return IoError(Where(node, ctx + "." + key) + ": cannot read " + path);
  return text.str();
}

std::string Sibling(const std::string& file, const std::string& name) {
  return (std::filesystem::path(file).parent_path() / name).string();
}

Status ParseOrg(const YAML::Node& node, const std::string& ctx, const std::string& base_dir,
                milkpb::OrgConfig* org) {
  MILK_RETURN_IF_ERROR(
      CheckKeys(node, ctx, {"name", "root_public_key_file", "revoked_serials", "tls_ca_file"}));
  MILK_ASSIGN_OR_RETURN(std::string name, GetString(node, "name", ctx));
  MILK_ASSIGN_OR_RETURN(std::string key_file, GetString(node, "root_public_key_file", ctx));
  Result<std::string> key = crypto::ReadPublicKeyFile(Resolve(base_dir, key_file));
  if (!key.ok()) return key.status().WithContext(Where(node, ctx + ".root_public_key_file"));
  // orgs/<org>/root.pub -> orgs/<org>/tls/ca.crt
  MILK_ASSIGN_OR_RETURN(std::string tls_ca,
                        ReadTlsPem(node, "tls_ca_file", ctx, base_dir,
                                   Sibling(Resolve(base_dir, key_file), "tls/ca.crt")));
  org->set_tls_ca_certificate(std::move(tls_ca));
  org->set_name(std::move(name));
  org->set_root_public_key(std::move(key).value());
  MILK_ASSIGN_OR_RETURN(YAML::Node revoked,
                        GetSequence(node, "revoked_serials", ctx, /*required=*/false));
  for (size_t i = 0; i < revoked.size(); ++i) {
    MILK_ASSIGN_OR_RETURN(uint64_t serial,
                          ParseUnsigned(revoked[i], Index(ctx + ".revoked_serials", i),
                                        std::numeric_limits<uint64_t>::max()));
    org->add_revoked_serials(serial);
  }
  return Status::Ok();
}

Status ParseConsenter(const YAML::Node& node, const std::string& ctx, const std::string& base_dir,
                      milkpb::ConsenterConfig* consenter) {
  MILK_RETURN_IF_ERROR(CheckKeys(node, ctx, {"org", "cert_file", "endpoint", "tls_cert_file"}));
  MILK_ASSIGN_OR_RETURN(std::string org, GetString(node, "org", ctx));
  MILK_ASSIGN_OR_RETURN(std::string cert_file, GetString(node, "cert_file", ctx));
  MILK_ASSIGN_OR_RETURN(std::string endpoint, GetString(node, "endpoint", ctx));
  Result<milkpb::Certificate> cert = crypto::ReadCertificateFile(Resolve(base_dir, cert_file));
  if (!cert.ok()) return cert.status().WithContext(Where(node, ctx + ".cert_file"));
  // members/<name>/cert -> members/<name>/tls.crt
  MILK_ASSIGN_OR_RETURN(std::string tls_cert,
                        ReadTlsPem(node, "tls_cert_file", ctx, base_dir,
                                   Sibling(Resolve(base_dir, cert_file), "tls.crt")));
  consenter->set_tls_certificate(std::move(tls_cert));
  consenter->set_org(std::move(org));
  consenter->set_certificate(cert->SerializeAsString());
  consenter->set_endpoint(std::move(endpoint));
  return Status::Ok();
}

// Adds role to roles unless already there: the written order is kept, so `chain info` shows
// what the profile says.
void AddRole(milkpb::FunctionAcl* acl, milkpb::Role role) {
  for (int r : acl->roles()) {
    if (r == role) return;
  }
  acl->add_roles(role);
}

// acl: {function: [role, ...]}, in the written order. "*" as a role means every role, ADMIN
// through WALLET.
Status ParseAcl(const YAML::Node& node, const std::string& ctx,
                milkpb::ChaincodeDefinition* chaincode) {
  if (!node.IsMap()) return Error(node, ctx, "must be a mapping of function to roles");
  std::set<std::string> functions;
  for (const auto& entry : node) {
    const std::string function = entry.first.IsScalar() ? entry.first.Scalar() : "";
    const std::string fctx = ctx + "." + function;
    if (function.empty()) return Error(entry.first, ctx, "function names must be strings");
    if (!functions.insert(function).second) return Error(entry.first, fctx, "listed twice");
    if (!entry.second.IsSequence()) return Error(entry.second, fctx, "must be a list of roles");
    milkpb::FunctionAcl* acl = chaincode->add_acl();
    acl->set_function(function);
    for (const auto& role_node : entry.second) {
      const std::string role = role_node.IsScalar() ? role_node.Scalar() : "";
      if (role == "*") {
        for (int r = milkpb::ADMIN; r <= milkpb::Role_MAX; ++r) {
          AddRole(acl, static_cast<milkpb::Role>(r));
        }
        continue;
      }
      Result<milkpb::Role> parsed = crypto::ParseRoleName(role);
      if (!parsed.ok() || *parsed == milkpb::ROLE_UNSPECIFIED) {
        return Error(role_node, fctx,
                     "unknown role \"" + role + "\" (expected admin, peer, " +
                         "consenter, client, auditor, relay, oracle, wallet or \"*\")");
      }
      AddRole(acl, *parsed);
    }
  }
  return Status::Ok();
}

Status ParseChaincode(const YAML::Node& node, const std::string& ctx,
                      milkpb::ChaincodeDefinition* chaincode) {
  MILK_RETURN_IF_ERROR(
      CheckKeys(node, ctx, {"name", "version", "endorsement_policy", "acl", "init_args"}));
  MILK_ASSIGN_OR_RETURN(std::string name, GetString(node, "name", ctx));
  MILK_ASSIGN_OR_RETURN(std::string policy, GetString(node, "endorsement_policy", ctx));
  if (!node["version"]) return Error(node, ctx, "version is required");
  MILK_ASSIGN_OR_RETURN(uint64_t version, ParseUnsigned(node["version"], ctx + ".version",
                                                        std::numeric_limits<uint64_t>::max()));
  chaincode->set_name(std::move(name));
  chaincode->set_version(version);
  chaincode->set_endorsement_policy(std::move(policy));
  if (node["acl"]) MILK_RETURN_IF_ERROR(ParseAcl(node["acl"], ctx + ".acl", chaincode));
  MILK_ASSIGN_OR_RETURN(YAML::Node args, GetSequence(node, "init_args", ctx, /*required=*/false));
  for (size_t i = 0; i < args.size(); ++i) {
    if (!args[i].IsScalar()) {
      return Error(args[i], Index(ctx + ".init_args", i), "must be a string");
    }
    chaincode->add_init_args(args[i].Scalar());
  }
  return Status::Ok();
}

Status ParseBatch(const YAML::Node& root, milkpb::BatchConfig* batch) {
  const YAML::Node node = root["batch"];
  const uint64_t u32_max = std::numeric_limits<uint32_t>::max();
  YAML::Node empty(YAML::NodeType::Map);
  const YAML::Node& source = node ? node : empty;
  if (node)
    MILK_RETURN_IF_ERROR(
        CheckKeys(node, "batch", {"max_tx_count", "max_bytes", "batch_timeout_ms"}));
  MILK_ASSIGN_OR_RETURN(uint64_t count,
                        GetUnsigned(source, "max_tx_count", "batch", kDefaultMaxTxCount, u32_max));
  MILK_ASSIGN_OR_RETURN(uint64_t bytes,
                        GetUnsigned(source, "max_bytes", "batch", kDefaultMaxBytes, u32_max));
  MILK_ASSIGN_OR_RETURN(uint64_t timeout_ms, GetUnsigned(source, "batch_timeout_ms", "batch",
                                                         kDefaultBatchTimeoutMs, u32_max));
  batch->set_max_tx_count(static_cast<uint32_t>(count));
  batch->set_max_bytes(static_cast<uint32_t>(bytes));
  batch->set_batch_timeout_ms(static_cast<uint32_t>(timeout_ms));
  return Status::Ok();
}

Status ParseRoot(const YAML::Node& root, const std::string& base_dir, milkpb::ChainConfig* config) {
  MILK_RETURN_IF_ERROR(CheckKeys(
      root, "profile",
      {"chain_id", "orgs", "consenters", "chaincodes", "batch", "max_timestamp_skew_ms"}));
  MILK_ASSIGN_OR_RETURN(std::string chain_id, GetString(root, "chain_id", "profile"));
  config->set_version(ledger::kFormatVersion);
  config->set_chain_id(std::move(chain_id));
  config->set_sequence(0);
  MILK_ASSIGN_OR_RETURN(YAML::Node orgs, GetSequence(root, "orgs", "profile", true));
  for (size_t i = 0; i < orgs.size(); ++i) {
    MILK_RETURN_IF_ERROR(ParseOrg(orgs[i], Index("orgs", i), base_dir, config->add_orgs()));
  }
  MILK_ASSIGN_OR_RETURN(YAML::Node consenters, GetSequence(root, "consenters", "profile", true));
  for (size_t i = 0; i < consenters.size(); ++i) {
    MILK_RETURN_IF_ERROR(
        ParseConsenter(consenters[i], Index("consenters", i), base_dir, config->add_consenters()));
  }
  MILK_ASSIGN_OR_RETURN(YAML::Node chaincodes, GetSequence(root, "chaincodes", "profile", false));
  for (size_t i = 0; i < chaincodes.size(); ++i) {
    MILK_RETURN_IF_ERROR(
        ParseChaincode(chaincodes[i], Index("chaincodes", i), config->add_chaincodes()));
  }
  MILK_RETURN_IF_ERROR(ParseBatch(root, config->mutable_batch()));
  MILK_ASSIGN_OR_RETURN(uint64_t skew_ms, GetUnsigned(root, "max_timestamp_skew_ms", "profile",
                                                      kDefaultMaxTimestampSkewMs,
                                                      std::numeric_limits<int64_t>::max()));
  config->set_max_timestamp_skew_ms(static_cast<int64_t>(skew_ms));
  return Status::Ok();
}

}  // namespace

Result<ChainProfile> ParseChainProfile(const std::string& yaml_text, const std::string& base_dir) {
  ChainProfile profile;
  try {
    const YAML::Node root = YAML::Load(yaml_text);
    if (!root.IsMap()) return InvalidArgument("a profile must be a YAML mapping (chain_id: ...)");
    MILK_RETURN_IF_ERROR(ParseRoot(root, base_dir, &profile.config));
  } catch (const YAML::Exception& e) {
    // Syntax errors, e.g. an unquoted "*" (YAML reads it as an alias): say where.
    if (e.mark.is_null()) return InvalidArgument(e.msg);
    return InvalidArgument("line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  return profile;
}

Result<ChainProfile> LoadChainProfile(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return NotFound(path + " does not exist or is not a file");
  }
  const uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec || size > kProfileBytesMax) {
    return InvalidArgument(path + " is larger than " + std::to_string(kProfileBytesMax) +
                           " bytes; is it a chain profile?");
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) return IoError("cannot read " + path);
  const std::string base_dir = std::filesystem::path(path).parent_path().string();
  Result<ChainProfile> profile = ParseChainProfile(text.str(), base_dir);
  if (!profile.ok()) return profile.status().WithContext(path);
  return profile;
}

}  // namespace milk::client
