// Test-only: an in-memory org with deterministic keys, a chain config and genesis block, and
// builders for signed proposals, endorsed envelopes and consenter-signed blocks.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "crypto/ed25519.h"
#include "crypto/identity.h"
#include "milk/ledger.pb.h"
#include "node/chain/endorser.h"

namespace milk::testing {

struct Member {
  crypto::KeyPair key;
  milkpb::Certificate cert;
  std::string identity;  // serialized Identity
};

struct Wallet {
  crypto::KeyPair key;
  std::string identity;
  std::string address;
};

class TestNetwork {
 public:
  static constexpr int64_t kNowMs = 1'800'000'000'000;  // 2027-01-15

  explicit TestNetwork(std::string chain_id = "demo");

  Member MakeMember(const std::string& name, milkpb::Role role, int64_t not_after_ms = kNowMs * 2,
                    uint64_t serial = 0) const;
  Wallet MakeWallet(uint8_t seed) const;

  milkpb::Block Genesis() const;  // signed by admin, token chaincode with init "MLKT"
  // The admin's signature over the genesis header hash: what Node::JoinChain asks for.
  std::string JoinSignature(const milkpb::Block& genesis) const;
  // Replaces the consenters with n members "orderer1".."ordererN", raft ids 1..n.
  void UseConsenters(int n);
  node::Signer PeerSigner() const { return {peer.key, peer.identity}; }

  // A signed proposal; tx_id is set.
  milkpb::SignedProposal Proposal(const std::string& identity, const crypto::KeyPair& key,
                                  const std::string& function, std::vector<std::string> args,
                                  int64_t timestamp_ms = kNowMs, const std::string& chaincode = "token");
  static std::string TxIdOf(const milkpb::SignedProposal& proposal);
  // An envelope over the proposal and the given endorsements, signed by `key`.
  static milkpb::Envelope EnvelopeFor(const milkpb::SignedProposal& proposal,
                                      const milkpb::ProposalResponse& response,
                                      const crypto::KeyPair& key);
  // A block of envelopes after a chain head, signed by the consenter.
  milkpb::Block BlockOf(const std::vector<milkpb::Envelope>& envelopes, uint64_t number,
                        const std::string& previous_hash, int64_t timestamp_ms = kNowMs) const;

  std::string chain_id;
  crypto::KeyPair root;
  milkpb::ChainConfig config;
  Member admin, peer, consenter, client;
  std::vector<Member> consenters;  // after UseConsenters

 private:
  uint64_t nonce_counter_ = 0;
};

}  // namespace milk::testing
