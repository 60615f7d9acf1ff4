#include "node/testing/test_network.h"

#include "crypto/bytes.h"
#include "crypto/hash.h"
#include "node/ledger/formats.h"

namespace milk::testing {

namespace {
std::string Seed(const std::string& label) { return crypto::Sha256("test-seed:" + label); }
}  // namespace

TestNetwork::TestNetwork(std::string id) : chain_id(std::move(id)) {
  crypto::EnsureSodium();
  root = crypto::KeyPairFromSeed(Seed("root"));
  admin = MakeMember("admin", milkpb::ADMIN, kNowMs * 2, 1);
  peer = MakeMember("peer0", milkpb::PEER, kNowMs * 2, 2);
  consenter = MakeMember("orderer0", milkpb::CONSENTER, kNowMs * 2, 3);
  client = MakeMember("app", milkpb::CLIENT, kNowMs * 2, 4);

  config.set_version(1);
  config.set_chain_id(chain_id);
  milkpb::OrgConfig* org = config.add_orgs();
  org->set_name("TICA");
  org->set_root_public_key(root.public_key);
  milkpb::ConsenterConfig* c = config.add_consenters();
  c->set_org("TICA");
  c->set_certificate(consenter.cert.SerializeAsString());
  c->set_endpoint("127.0.0.1:0");
  milkpb::ChaincodeDefinition* cc = config.add_chaincodes();
  cc->set_name("token");
  cc->set_version(1);
  cc->set_endorsement_policy("OR('TICA.peer')");
  cc->add_init_args("MLKT");
  auto acl = [cc](const std::string& fn, std::vector<milkpb::Role> roles) {
    milkpb::FunctionAcl* a = cc->add_acl();
    a->set_function(fn);
    for (auto r : roles) a->add_roles(r);
  };
  acl("issue", {milkpb::CLIENT, milkpb::ADMIN});
  acl("transfer", {milkpb::WALLET, milkpb::CLIENT});
  acl("*", {milkpb::ADMIN, milkpb::PEER, milkpb::CLIENT, milkpb::AUDITOR, milkpb::WALLET});
  config.mutable_batch()->set_max_tx_count(100);
  config.mutable_batch()->set_max_bytes(1 << 20);
  config.mutable_batch()->set_batch_timeout_ms(20);
  config.set_max_timestamp_skew_ms(300000);
}

Member TestNetwork::MakeMember(const std::string& name, milkpb::Role role, int64_t not_after_ms,
                               uint64_t serial) const {
  Member m;
  m.key = crypto::KeyPairFromSeed(Seed(name + "/" + std::to_string(role)));
  milkpb::CertificateBody body;
  body.set_version(1);
  body.set_org("TICA");
  body.set_name(name);
  body.set_role(role);
  body.set_public_key(m.key.public_key);
  body.set_not_before_ms(kNowMs - 86'400'000);
  body.set_not_after_ms(not_after_ms);
  body.set_serial(serial == 0 ? 100 + static_cast<uint64_t>(role) : serial);
  m.cert = crypto::IssueCertificate(body, root.secret_key);
  m.identity = crypto::SerializeMemberIdentity(m.cert);
  return m;
}

Wallet TestNetwork::MakeWallet(uint8_t seed) const {
  Wallet w;
  w.key = crypto::KeyPairFromSeed(Seed("wallet" + std::to_string(seed)));
  w.identity = crypto::SerializeWalletIdentity(w.key.public_key);
  w.address = crypto::WalletAddress(w.key.public_key);
  return w;
}

void TestNetwork::UseConsenters(int n) {
  config.clear_consenters();
  consenters.clear();
  for (int i = 1; i <= n; ++i) {
    Member m = MakeMember("orderer" + std::to_string(i), milkpb::CONSENTER, kNowMs * 2,
                          static_cast<uint64_t>(200 + i));
    milkpb::ConsenterConfig* c = config.add_consenters();
    c->set_org("TICA");
    c->set_certificate(m.cert.SerializeAsString());
    c->set_endpoint("127.0.0.1:0");
    c->set_raft_id(static_cast<uint64_t>(i));
    consenters.push_back(std::move(m));
  }
}

std::string TestNetwork::JoinSignature(const milkpb::Block& genesis) const {
  return crypto::Sign(admin.key.secret_key, ledger::HeaderHash(genesis.header()));
}

milkpb::Block TestNetwork::Genesis() const {
  milkpb::ConfigTransaction tx;
  *tx.mutable_config() = config;
  tx.set_creator(admin.identity);
  tx.set_timestamp_ms(kNowMs);
  milkpb::Envelope envelope;
  envelope.set_type(milkpb::CONFIG);
  envelope.set_payload(tx.SerializeAsString());
  envelope.set_signature(crypto::Sign(
      admin.key.secret_key, ledger::EnvelopeSigningBytes(milkpb::CONFIG, envelope.payload())));
  milkpb::Block block;
  block.mutable_data()->add_envelopes(envelope.SerializeAsString());
  milkpb::BlockHeader* h = block.mutable_header();
  h->set_version(1);
  h->set_chain_id(chain_id);
  h->set_number(0);
  h->set_previous_hash(ledger::ZeroHash());
  h->set_data_hash(ledger::DataHash(block.data()));
  h->set_timestamp_ms(kNowMs);
  block.mutable_metadata()->set_signer(admin.identity);
  block.mutable_metadata()->set_signature(crypto::Sign(admin.key.secret_key, ledger::HeaderHash(*h)));
  return block;
}

milkpb::SignedProposal TestNetwork::Proposal(const std::string& identity, const crypto::KeyPair& key,
                                             const std::string& function,
                                             std::vector<std::string> args, int64_t timestamp_ms,
                                             const std::string& chaincode) {
  milkpb::Proposal p;
  p.set_version(1);
  p.set_chain_id(chain_id);
  p.set_chaincode(chaincode);
  p.set_function(function);
  for (auto& a : args) p.add_args(std::move(a));
  p.set_creator(identity);
  p.set_nonce(crypto::Sha256("nonce" + std::to_string(++nonce_counter_)).substr(0, 24));
  p.set_timestamp_ms(timestamp_ms);
  p.set_tx_id(ledger::ComputeTxId(p.nonce(), p.creator()));
  milkpb::SignedProposal sp;
  sp.set_proposal(p.SerializeAsString());
  sp.set_signature(crypto::Sign(key.secret_key, sp.proposal()));
  return sp;
}

std::string TestNetwork::TxIdOf(const milkpb::SignedProposal& proposal) {
  milkpb::Proposal p;
  p.ParseFromString(proposal.proposal());
  return p.tx_id();
}

milkpb::Envelope TestNetwork::EnvelopeFor(const milkpb::SignedProposal& proposal,
                                          const milkpb::ProposalResponse& response,
                                          const crypto::KeyPair& key) {
  milkpb::Transaction tx;
  tx.set_proposal(proposal.proposal());
  tx.set_response_payload(response.payload());
  *tx.add_endorsements() = response.endorsement();
  milkpb::Envelope envelope;
  envelope.set_type(milkpb::ENDORSER_TRANSACTION);
  envelope.set_payload(tx.SerializeAsString());
  envelope.set_signature(
      crypto::Sign(key.secret_key, ledger::EnvelopeSigningBytes(envelope.type(), envelope.payload())));
  return envelope;
}

milkpb::Block TestNetwork::BlockOf(const std::vector<milkpb::Envelope>& envelopes, uint64_t number,
                                   const std::string& previous_hash, int64_t timestamp_ms) const {
  milkpb::Block block;
  for (const auto& e : envelopes) block.mutable_data()->add_envelopes(e.SerializeAsString());
  milkpb::BlockHeader* h = block.mutable_header();
  h->set_version(1);
  h->set_chain_id(chain_id);
  h->set_number(number);
  h->set_previous_hash(previous_hash);
  h->set_data_hash(ledger::DataHash(block.data()));
  h->set_timestamp_ms(timestamp_ms);
  block.mutable_metadata()->set_signer(consenter.identity);
  block.mutable_metadata()->set_signature(
      crypto::Sign(consenter.key.secret_key, ledger::HeaderHash(*h)));
  return block;
}

}  // namespace milk::testing
