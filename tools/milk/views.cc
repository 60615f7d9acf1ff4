#include "tools/milk/views.h"

#include <sstream>

#include "crypto/identity.h"
#include "node/ledger/formats.h"
#include "tools/milk/output.h"

namespace milk::cli {
namespace {

// "TICA.client (client0)"-style parts of a serialized Identity.
void DescribeCreator(const std::string& identity_bytes, std::string* principal, std::string* name) {
  Result<crypto::IdentityInfo> info = crypto::ParseIdentity(identity_bytes);
  if (!info.ok()) {
    *principal = "<unparsable identity>";
    name->clear();
    return;
  }
  *principal = crypto::PrincipalName(*info);
  *name = info->name;
}

std::string WithName(const std::string& principal, const std::string& name) {
  return name.empty() ? principal : principal + " (" + name + ")";
}

TxLine SummarizeEnvelope(const std::string& envelope_bytes) {
  TxLine line;
  line.type = "malformed";
  milkpb::Envelope envelope;
  if (!envelope.ParseFromString(envelope_bytes)) {
    line.call = "<envelope does not parse>";
    return line;
  }
  if (envelope.type() == milkpb::CONFIG) {
    milkpb::ConfigTransaction config;
    if (!config.ParseFromString(envelope.payload())) {
      line.call = "<config transaction does not parse>";
      return line;
    }
    line.type = "config";
    line.call = "config";
    DescribeCreator(config.creator(), &line.creator, &line.creator_name);
    return line;
  }
  milkpb::Transaction tx;
  milkpb::Proposal proposal;
  if (envelope.type() != milkpb::ENDORSER_TRANSACTION || !tx.ParseFromString(envelope.payload()) ||
      !proposal.ParseFromString(tx.proposal())) {
    line.call = "<transaction does not parse>";
    return line;
  }
  line.type = "endorser";
  line.tx_id = proposal.tx_id();
  line.call = proposal.chaincode() + "." + proposal.function();
  DescribeCreator(proposal.creator(), &line.creator, &line.creator_name);
  return line;
}

std::string AclRoles(const milkpb::FunctionAcl& acl) {
  if (acl.roles_size() == milkpb::Role_MAX - milkpb::ADMIN + 1) return "*";  // every role
  std::string roles;
  for (int role : acl.roles()) {
    if (!roles.empty()) roles += ", ";
    roles += crypto::RoleName(static_cast<milkpb::Role>(role));
  }
  return roles;
}

// "TICA/orderer0" from a consenter's serialized certificate.
std::string ConsenterName(const milkpb::ConsenterConfig& consenter) {
  milkpb::Certificate cert;
  milkpb::CertificateBody body;
  if (!cert.ParseFromString(consenter.certificate()) || !body.ParseFromString(cert.body())) {
    return consenter.org() + "/<unparsable certificate>";
  }
  return body.org() + "/" + body.name();
}

Json SummaryJson(const milkpb::ChainSummary& s) {
  return {{"chain_id", s.chain_id()},
          {"height", s.height()},
          {"current_block_hash", Hex(s.current_block_hash())},
          {"commit_hash", Hex(s.commit_hash())}};
}

}  // namespace

BlockSummary SummarizeBlock(const milkpb::Block& block) {
  BlockSummary s;
  const milkpb::BlockHeader& h = block.header();
  s.chain_id = h.chain_id();
  s.number = h.number();
  s.header_hash = Hex(ledger::HeaderHash(h));
  s.previous_hash = Hex(h.previous_hash());
  s.data_hash = Hex(h.data_hash());
  s.commit_hash = Hex(block.metadata().commit_hash());
  s.timestamp_ms = h.timestamp_ms();
  std::string principal, name;
  DescribeCreator(block.metadata().signer(), &principal, &name);
  s.signer = WithName(principal, name);
  const std::string& codes = block.metadata().validation_codes();
  for (int i = 0; i < block.data().envelopes_size(); ++i) {
    TxLine line = SummarizeEnvelope(block.data().envelopes(i));
    line.index = static_cast<uint32_t>(i);
    const size_t index = static_cast<size_t>(i);
    line.code = ledger::ValidationCodeName(index < codes.size()
                                               ? static_cast<uint8_t>(codes[index])
                                               : static_cast<uint32_t>(milkpb::NOT_VALIDATED));
    s.transactions.push_back(std::move(line));
  }
  return s;
}

std::string BlockSummaryText(const BlockSummary& s) {
  std::ostringstream out;
  out << "block " << s.number << " of chain " << s.chain_id << "\n"
      << "  header hash:    " << s.header_hash << "\n"
      << "  previous hash:  " << s.previous_hash << "\n"
      << "  data hash:      " << s.data_hash << "\n"
      << "  commit hash:    " << (s.commit_hash.empty() ? "-" : s.commit_hash) << "\n"
      << "  timestamp:      " << IsoTimeMs(s.timestamp_ms) << "\n"
      << "  signed by:      " << s.signer << "\n"
      << "  transactions:   " << s.transactions.size() << "\n";
  for (const TxLine& tx : s.transactions) {
    out << "  " << tx.index << "  " << (tx.tx_id.empty() ? "-" : tx.tx_id) << "  " << tx.call
        << "  " << tx.code << "  " << WithName(tx.creator, tx.creator_name) << "\n";
  }
  return out.str();
}

Json BlockSummaryJson(const BlockSummary& s) {
  Json txs = Json::array();
  for (const TxLine& tx : s.transactions) {
    txs.push_back({{"index", tx.index},
                   {"type", tx.type},
                   {"tx_id", tx.tx_id},
                   {"call", tx.call},
                   {"validation_code", tx.code},
                   {"creator", tx.creator},
                   {"creator_name", tx.creator_name}});
  }
  return {{"chain_id", s.chain_id},
          {"number", s.number},
          {"header_hash", s.header_hash},
          {"previous_hash", s.previous_hash},
          {"data_hash", s.data_hash},
          {"commit_hash", s.commit_hash},
          {"timestamp_ms", s.timestamp_ms},
          {"timestamp", IsoTimeMs(s.timestamp_ms)},
          {"signer", s.signer},
          {"transactions", txs}};
}

std::string ChainListText(const std::vector<milkpb::ChainSummary>& chains) {
  if (chains.empty()) return "no chains joined\n";
  std::ostringstream out;
  for (const milkpb::ChainSummary& c : chains) {
    out << c.chain_id() << "  height " << c.height() << "  block hash "
        << Hex(c.current_block_hash()) << "  commit hash " << Hex(c.commit_hash()) << "\n";
  }
  return out.str();
}

Json ChainListJson(const std::vector<milkpb::ChainSummary>& chains) {
  Json list = Json::array();
  for (const milkpb::ChainSummary& c : chains) list.push_back(SummaryJson(c));
  return list;
}

std::string ChainInfoText(const milkpb::ChainInfoResponse& info) {
  const milkpb::ChainSummary& s = info.summary();
  const milkpb::ChainConfig& c = info.config();
  std::ostringstream out;
  out << "chain:        " << s.chain_id() << "\n"
      << "height:       " << s.height() << "\n"
      << "block hash:   " << Hex(s.current_block_hash()) << "\n"
      << "commit hash:  " << Hex(s.commit_hash()) << "\n"
      << "config:       sequence " << c.sequence() << "\n"
      << "orgs:\n";
  for (const milkpb::OrgConfig& org : c.orgs()) {
    out << "  " << org.name() << "  root key " << Hex(org.root_public_key());
    if (org.revoked_serials_size() > 0) {
      out << "  revoked serials:";
      for (uint64_t serial : org.revoked_serials()) out << " " << serial;
    }
    out << "\n";
  }
  out << "consenters:\n";
  for (const milkpb::ConsenterConfig& cs : c.consenters()) {
    out << "  " << ConsenterName(cs) << "  " << cs.endpoint() << "\n";
  }
  out << "chaincodes:\n";
  for (const milkpb::ChaincodeDefinition& cc : c.chaincodes()) {
    out << "  " << cc.name() << " v" << cc.version() << "  policy " << cc.endorsement_policy()
        << "\n";
    for (const milkpb::FunctionAcl& acl : cc.acl()) {
      out << "    " << acl.function() << ": " << AclRoles(acl) << "\n";
    }
  }
  out << "batch:        " << c.batch().max_tx_count() << " tx, " << c.batch().max_bytes()
      << " bytes, " << c.batch().batch_timeout_ms() << " ms\n"
      << "max skew:     " << c.max_timestamp_skew_ms() << " ms\n";
  return out.str();
}

Json ChainInfoJson(const milkpb::ChainInfoResponse& info) {
  const milkpb::ChainConfig& c = info.config();
  Json orgs = Json::array(), consenters = Json::array(), chaincodes = Json::array();
  for (const milkpb::OrgConfig& org : c.orgs()) {
    orgs.push_back({{"name", org.name()},
                    {"root_public_key", Hex(org.root_public_key())},
                    {"revoked_serials", std::vector<uint64_t>(org.revoked_serials().begin(),
                                                              org.revoked_serials().end())}});
  }
  for (const milkpb::ConsenterConfig& cs : c.consenters()) {
    consenters.push_back(
        {{"name", ConsenterName(cs)}, {"org", cs.org()}, {"endpoint", cs.endpoint()}});
  }
  for (const milkpb::ChaincodeDefinition& cc : c.chaincodes()) {
    Json acl = Json::object();
    for (const milkpb::FunctionAcl& entry : cc.acl()) {
      Json roles = Json::array();
      for (int role : entry.roles())
        roles.push_back(crypto::RoleName(static_cast<milkpb::Role>(role)));
      acl[entry.function()] = roles;
    }
    chaincodes.push_back({{"name", cc.name()},
                          {"version", cc.version()},
                          {"endorsement_policy", cc.endorsement_policy()},
                          {"acl", acl}});
  }
  Json out = SummaryJson(info.summary());
  out["config_sequence"] = c.sequence();
  out["orgs"] = orgs;
  out["consenters"] = consenters;
  out["chaincodes"] = chaincodes;
  out["batch"] = {{"max_tx_count", c.batch().max_tx_count()},
                  {"max_bytes", c.batch().max_bytes()},
                  {"batch_timeout_ms", c.batch().batch_timeout_ms()}};
  out["max_timestamp_skew_ms"] = c.max_timestamp_skew_ms();
  return out;
}

}  // namespace milk::cli
