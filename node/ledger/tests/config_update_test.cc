// Config updates after genesis (node/ledger/config_update.h, docs/chain_config.md): every rule of
// CheckConfigSuccessor and CheckConfigUpdate, accepted and refused, each refusal with its code and
// a message naming the problem.
#include "node/ledger/config_update.h"

#include <catch2/catch.hpp>

#include "crypto/bytes.h"
#include "crypto/hash.h"
#include "node/ledger/tests/config_test_orgs.h"

namespace milk::ledger {
namespace {

using Catch::Contains;
using config_testing::ConfigWorld;
using config_testing::kNowMs;
using config_testing::OrgMember;
using Kind = MembershipChange::Kind;

// CheckConfigSuccessor refused next with kInvalidArgument and a message containing `needle`.
void RequireSuccessorRefused(const ChainConfigView& current, const milkpb::ChainConfig& next,
                             const std::string& needle) {
  Result<MembershipChange> change = CheckConfigSuccessor(current, next);
  REQUIRE_FALSE(change.ok());
  CHECK(change.status().code() == Code::kInvalidArgument);
  CHECK_THAT(change.status().message(), Contains(needle));
}

// CheckConfigUpdate refused the update: INVALID_CONFIG_TRANSACTION, no new config, and a
// message containing `needle`.
void RequireRefused(const ConfigUpdateCheck& check, const std::string& needle) {
  CHECK(check.code == milkpb::INVALID_CONFIG_TRANSACTION);
  CHECK(check.config == nullptr);
  CHECK(check.change.kind == Kind::kNone);
  CHECK_THAT(check.message, Contains(needle));
}

ConfigUpdateCheck CheckAt(const ConfigWorld& w, const std::string& envelope,
                          int64_t at_ms = kNowMs) {
  return CheckConfigUpdate(envelope, *w.View(), at_ms);
}

}  // namespace

TEST_CASE("config update: adding one consenter with a fresh raft id is valid") {
  ConfigWorld w(1, 3);
  milkpb::ChainConfig next = w.Next();
  *next.add_consenters() = w.Consenter(4);
  next.set_last_raft_id(4);
  const std::string envelope = ConfigWorld::Envelope(next, w.Admin(1));
  ConfigUpdateCheck check = CheckAt(w, envelope);
  INFO(check.message);
  REQUIRE(check.code == milkpb::VALID);
  CHECK(check.message.empty());
  CHECK(check.change.kind == Kind::kAdd);
  CHECK(check.change.raft_id == 4);
  REQUIRE(check.config != nullptr);
  CHECK(check.config->config().sequence() == 1);
  CHECK(check.config->consenters().size() == 4);
  CHECK(EffectiveLastRaftId(*check.config) == 4);
  // The txid is the hex SHA-256 of the payload, proven by the creator's signature.
  milkpb::Envelope parsed;
  REQUIRE(parsed.ParseFromString(envelope));
  CHECK(check.tx_id_proven);
  CHECK(check.tx_id == ToHex(crypto::Sha256(parsed.payload())));
}

TEST_CASE("config update: removing one consenter is valid and names it") {
  ConfigWorld w(1, 3);
  milkpb::ChainConfig next = w.Next();
  next.mutable_consenters()->erase(next.mutable_consenters()->begin() + 1);  // raft id 2
  ConfigUpdateCheck check = CheckAt(w, ConfigWorld::Envelope(next, w.Admin(1)));
  INFO(check.message);
  REQUIRE(check.code == milkpb::VALID);
  CHECK(check.change.kind == Kind::kRemove);
  CHECK(check.change.raft_id == 2);
  REQUIRE(check.config != nullptr);
  CHECK(check.config->consenters().size() == 2);
  CHECK(EffectiveLastRaftId(*check.config) == 3);
}

TEST_CASE("config update: changing batch limits and endpoints is valid with no membership change") {
  ConfigWorld w(1, 3);
  milkpb::ChainConfig next = w.Next();
  next.mutable_batch()->set_max_tx_count(7);
  next.mutable_consenters(0)->set_endpoint("10.0.0.1:7051");
  ConfigUpdateCheck check = CheckAt(w, ConfigWorld::Envelope(next, w.Admin(1)));
  INFO(check.message);
  REQUIRE(check.code == milkpb::VALID);
  CHECK(check.change.kind == Kind::kNone);
  REQUIRE(check.config != nullptr);
  CHECK(check.config->config().batch().max_tx_count() == 7);
}

TEST_CASE("config update: the sequence must be the current one plus one") {
  ConfigWorld w(1, 3);
  auto current = w.View();
  milkpb::ChainConfig next = w.Next();
  REQUIRE(CheckConfigSuccessor(*current, next).ok());
  next.set_sequence(0);
  RequireSuccessorRefused(*current, next, "sequence 0 does not follow the current sequence 0");
  next.set_sequence(2);
  RequireSuccessorRefused(*current, next, "sequence 2 does not follow");
  RequireRefused(CheckAt(w, ConfigWorld::Envelope(next, w.Admin(1))), "sequence");
}

TEST_CASE("config update: the chain id and version are fixed") {
  ConfigWorld w(1, 3);
  auto current = w.View();
  milkpb::ChainConfig next = w.Next();
  next.set_chain_id("other");
  RequireSuccessorRefused(*current, next, "cannot change the chain id");
  RequireRefused(CheckAt(w, ConfigWorld::Envelope(next, w.Admin(1))), "chain id");
  next = w.Next();
  next.set_version(2);
  RequireSuccessorRefused(*current, next, "config version 2 is not 1");
}

TEST_CASE("config update: chaincode definitions cannot change") {
  ConfigWorld w(1, 3);
  auto current = w.View();
  const std::string needle = "cannot change chaincode definitions";
  milkpb::ChainConfig next = w.Next();
  next.mutable_chaincodes(0)->set_endorsement_policy("OR('ORG1.admin')");
  RequireSuccessorRefused(*current, next, needle);
  RequireRefused(CheckAt(w, ConfigWorld::Envelope(next, w.Admin(1))), needle);
  next = w.Next();
  next.mutable_chaincodes(0)->set_version(2);
  RequireSuccessorRefused(*current, next, needle);
  next = w.Next();
  next.mutable_chaincodes(0)->add_init_args("more");
  RequireSuccessorRefused(*current, next, needle);
  next = w.Next();
  milkpb::ChaincodeDefinition* extra = next.add_chaincodes();
  extra->set_name("other");
  extra->set_endorsement_policy("OR('ORG1.peer')");
  RequireSuccessorRefused(*current, next, needle);
  next = w.Next();
  next.clear_chaincodes();
  RequireSuccessorRefused(*current, next, needle);
}

TEST_CASE("config update: at most one consenter is added or removed") {
  ConfigWorld w(1, 3);
  auto current = w.View();
  const std::string needle = "at most one consenter";
  milkpb::ChainConfig two_added = w.Next();
  *two_added.add_consenters() = w.Consenter(4);
  *two_added.add_consenters() = w.Consenter(5);
  two_added.set_last_raft_id(5);
  RequireSuccessorRefused(*current, two_added, "adds 2 and removes 0");
  RequireRefused(CheckAt(w, ConfigWorld::Envelope(two_added, w.Admin(1))), needle);

  milkpb::ChainConfig swapped = w.Next();  // 3 replaced by 4: one added and one removed
  *swapped.mutable_consenters(2) = w.Consenter(4);
  swapped.set_last_raft_id(4);
  RequireSuccessorRefused(*current, swapped, "adds 1 and removes 1");

  milkpb::ChainConfig two_removed = w.Next();
  two_removed.mutable_consenters()->RemoveLast();
  two_removed.mutable_consenters()->RemoveLast();
  RequireSuccessorRefused(*current, two_removed, "adds 0 and removes 2");
}

TEST_CASE("config update: removing the last consenter is refused") {
  ConfigWorld w(1, 1);
  milkpb::ChainConfig next = w.Next();
  next.clear_consenters();
  RequireSuccessorRefused(*w.View(), next, "at least one consenter");
  RequireRefused(CheckAt(w, ConfigWorld::Envelope(next, w.Admin(1))), "at least one consenter");
}

TEST_CASE("config update: every consenter needs an explicit raft id") {
  ConfigWorld w(1, 3);
  // The genesis config may leave raft ids implicit (position + 1); an update may not.
  milkpb::ChainConfig genesis = w.config;
  for (auto& c : *genesis.mutable_consenters()) c.set_raft_id(0);
  auto current = ConfigWorld::ViewOf(genesis);
  CHECK(EffectiveLastRaftId(*current) == 3);
  milkpb::ChainConfig next = ConfigWorld::NextOf(genesis);
  next.set_last_raft_id(3);
  RequireSuccessorRefused(*current, next, "explicit raft_id");
  for (int i = 0; i < next.consenters_size(); ++i) next.mutable_consenters(i)->set_raft_id(i + 1);
  Result<MembershipChange> change = CheckConfigSuccessor(*current, next);
  INFO(change.status().message());
  REQUIRE(change.ok());
  CHECK(change->kind == Kind::kNone);
}

TEST_CASE("config update: last_raft_id never decreases and covers an added id") {
  ConfigWorld w(1, 3);
  auto current = w.View();
  milkpb::ChainConfig next = w.Next();
  next.set_last_raft_id(2);
  RequireSuccessorRefused(*current, next,
                          "last_raft_id 2 is below the highest raft id ever used (3)");
  next = w.Next();
  *next.add_consenters() = w.Consenter(5);
  next.set_last_raft_id(4);
  RequireSuccessorRefused(*current, next,
                          "last_raft_id must be at least the added consenter's raft id 5");
  next.set_last_raft_id(5);
  Result<MembershipChange> change = CheckConfigSuccessor(*current, next);
  REQUIRE(change.ok());
  CHECK(change->kind == Kind::kAdd);
  CHECK(change->raft_id == 5);  // ids may skip; they only have to be new
}

TEST_CASE("config update: a removed raft id is never reused") {
  ConfigWorld w(1, 3);
  // Step 1: remove 3.
  milkpb::ChainConfig removed = w.Next();
  removed.mutable_consenters()->RemoveLast();
  ConfigUpdateCheck step1 = CheckAt(w, ConfigWorld::Envelope(removed, w.Admin(1)));
  INFO(step1.message);
  REQUIRE(step1.code == milkpb::VALID);
  REQUIRE(step1.config != nullptr);
  CHECK(EffectiveLastRaftId(*step1.config) == 3);
  // Step 2: re-adding 3 is refused; adding 4 is valid.
  milkpb::ChainConfig readd = ConfigWorld::NextOf(removed);
  *readd.add_consenters() = w.Consenter(3);
  ConfigUpdateCheck step2 =
      CheckConfigUpdate(ConfigWorld::Envelope(readd, w.Admin(1)), *step1.config, kNowMs);
  RequireRefused(step2, "raft id 3 was used before");
  milkpb::ChainConfig add4 = ConfigWorld::NextOf(removed);
  *add4.add_consenters() = w.Consenter(4);
  add4.set_last_raft_id(4);
  ConfigUpdateCheck step3 =
      CheckConfigUpdate(ConfigWorld::Envelope(add4, w.Admin(1)), *step1.config, kNowMs);
  INFO(step3.message);
  REQUIRE(step3.code == milkpb::VALID);
  CHECK(step3.change.kind == Kind::kAdd);
  CHECK(step3.change.raft_id == 4);
}

TEST_CASE("config update: an id below last_raft_id is refused even if no consenter has it") {
  ConfigWorld w(1, 2);
  w.config.set_last_raft_id(9);  // ids 3..9 were used and removed before
  milkpb::ChainConfig next = w.Next();
  REQUIRE(next.last_raft_id() == 9);
  *next.add_consenters() = w.Consenter(5);
  RequireSuccessorRefused(*w.View(), next, "raft id 5 was used before (the highest so far is 9)");
  next.mutable_consenters(2)->set_raft_id(10);
  next.set_last_raft_id(10);
  CHECK(CheckConfigSuccessor(*w.View(), next).ok());
}

TEST_CASE("config update: the new config must itself be a valid config") {
  ConfigWorld w(1, 3);
  milkpb::ChainConfig next = w.Next();
  next.mutable_batch()->set_max_tx_count(0);
  RequireRefused(CheckAt(w, ConfigWorld::Envelope(next, w.Admin(1))), "batch limits");
}

TEST_CASE("config update: the creator must be a valid admin whose signature verifies") {
  ConfigWorld w(1, 3);
  const milkpb::ChainConfig next = w.Next();
  SECTION("a peer is not an admin") {
    OrgMember peer = w.Member(1, "peer0", milkpb::PEER, 2);
    RequireRefused(CheckAt(w, ConfigWorld::Envelope(next, peer)), "'ORG1.peer' is not an admin");
  }
  SECTION("a wallet is not an admin") {
    milkpb::ConfigTransaction tx;
    *tx.mutable_config() = next;
    OrgMember wallet;
    wallet.key = crypto::KeyPairFromSeed(crypto::Sha256("wallet"));
    wallet.identity = crypto::SerializeWalletIdentity(wallet.key.public_key);
    tx.set_creator(wallet.identity);
    RequireRefused(CheckAt(w, ConfigWorld::SignedEnvelope(tx, wallet)), "not an admin");
  }
  SECTION("an admin of an org outside the chain") {
    ConfigWorld other(2, 1);
    RequireRefused(CheckAt(w, ConfigWorld::Envelope(next, other.Admin(2))),
                   "org 'ORG2' is not a member of chain 'demo'");
  }
  SECTION("a certificate not signed by the org root") {
    ConfigWorld forged(1, 1);
    forged.roots[0] = crypto::KeyPairFromSeed(crypto::Sha256("not the root"));
    RequireRefused(CheckAt(w, ConfigWorld::Envelope(next, forged.Admin(1))),
                   "the creator is not an admin of this chain");
  }
  SECTION("the envelope signature must be the creator's") {
    milkpb::ConfigTransaction tx;
    *tx.mutable_config() = next;
    tx.set_creator(w.Admin(1).identity);
    OrgMember impostor = w.Member(1, "peer0", milkpb::PEER, 2);
    ConfigUpdateCheck check = CheckAt(w, ConfigWorld::SignedEnvelope(tx, impostor));
    RequireRefused(check, "the creator's envelope signature does not verify");
    CHECK_FALSE(check.tx_id_proven);
    CHECK(check.tx_id.empty());
  }
}

TEST_CASE("config update: an admin expired or revoked at block time is refused") {
  ConfigWorld w(1, 3);
  const milkpb::ChainConfig next = w.Next();
  OrgMember short_lived = w.Member(1, "admin2", milkpb::ADMIN, 7, kNowMs + 1000);
  const std::string envelope = ConfigWorld::Envelope(next, short_lived);
  CHECK(CheckAt(w, envelope, kNowMs).code == milkpb::VALID);
  RequireRefused(CheckAt(w, envelope, kNowMs + 5000), "expired");
  // Revoked in the config in force before the block.
  w.config.mutable_orgs(0)->add_revoked_serials(7);
  RequireRefused(CheckAt(w, envelope, kNowMs), "revoked");
}

TEST_CASE("config update: a malformed envelope is refused") {
  ConfigWorld w(1, 3);
  RequireRefused(CheckAt(w, "\xff\xff not an envelope"), "not a CONFIG envelope");
  milkpb::Envelope endorser;
  endorser.set_type(milkpb::ENDORSER_TRANSACTION);
  endorser.set_payload("x");
  RequireRefused(CheckAt(w, endorser.SerializeAsString()), "not a CONFIG envelope");
  milkpb::Envelope bad_payload;
  bad_payload.set_type(milkpb::CONFIG);
  bad_payload.set_payload("\xff\xff\xff");
  RequireRefused(CheckAt(w, bad_payload.SerializeAsString()), "ConfigTransaction");
}

TEST_CASE("config update: approvals by admins of more than half of the orgs") {
  ConfigWorld w(3, 3);
  milkpb::ChainConfig next = w.Next();
  next.mutable_batch()->set_max_tx_count(50);
  SECTION("2 of 3 orgs is enough") {
    ConfigUpdateCheck check = CheckAt(w, ConfigWorld::Envelope(next, w.Admin(1), {w.Admin(2)}));
    INFO(check.message);
    CHECK(check.code == milkpb::VALID);
    CHECK(check.config != nullptr);
  }
  SECTION("3 of 3 orgs is enough") {
    CHECK(CheckAt(w, ConfigWorld::Envelope(next, w.Admin(3), {w.Admin(1), w.Admin(2)})).code ==
          milkpb::VALID);
  }
  SECTION("the creator alone is 1 of 3") {
    RequireRefused(CheckAt(w, ConfigWorld::Envelope(next, w.Admin(1))),
                   "approved by admins of 1 of 3 orgs");
  }
  SECTION("two admins of one org count once") {
    OrgMember second_admin = w.Member(1, "admin2", milkpb::ADMIN, 8);
    RequireRefused(CheckAt(w, ConfigWorld::Envelope(next, w.Admin(1), {second_admin, w.Admin(1)})),
                   "1 of 3 orgs");
  }
  SECTION("an approval over a different config is refused") {
    milkpb::ChainConfig other = next;
    other.mutable_batch()->set_max_tx_count(51);
    milkpb::ConfigTransaction tx;
    *tx.mutable_config() = next;
    tx.set_creator(w.Admin(1).identity);
    *tx.add_approvals() = ConfigWorld::Approval(other, w.Admin(2));
    RequireRefused(CheckAt(w, ConfigWorld::SignedEnvelope(tx, w.Admin(1))),
                   "the approval of 'ORG2.admin' does not verify");
  }
  SECTION("an approval over the same config of another sequence is refused") {
    milkpb::ChainConfig replayed = next;
    replayed.set_sequence(next.sequence() + 1);
    milkpb::ConfigTransaction tx;
    *tx.mutable_config() = next;
    tx.set_creator(w.Admin(1).identity);
    *tx.add_approvals() = ConfigWorld::Approval(replayed, w.Admin(2));
    RequireRefused(CheckAt(w, ConfigWorld::SignedEnvelope(tx, w.Admin(1))), "does not verify");
  }
  SECTION("an approval by a non-admin is refused") {
    OrgMember peer = w.Member(2, "peer0", milkpb::PEER, 2);
    RequireRefused(CheckAt(w, ConfigWorld::Envelope(next, w.Admin(1), {peer})),
                   "an approval is not from an admin of this chain: 'ORG2.peer' is not an admin");
  }
  SECTION("an approval by an admin expired at block time is refused") {
    OrgMember expiring = w.Member(2, "admin", milkpb::ADMIN, 1, kNowMs + 1000);
    const std::string envelope = ConfigWorld::Envelope(next, w.Admin(1), {expiring});
    CHECK(CheckAt(w, envelope, kNowMs).code == milkpb::VALID);
    RequireRefused(CheckAt(w, envelope, kNowMs + 2000), "expired");
  }
  SECTION("an approval by a revoked admin is refused") {
    w.config.mutable_orgs(1)->add_revoked_serials(1);
    RequireRefused(CheckAt(w, ConfigWorld::Envelope(next, w.Admin(1), {w.Admin(2)})), "revoked");
  }
}

TEST_CASE("config update: more than half means 2 of 2 and 3 of 4") {
  SECTION("two orgs") {
    ConfigWorld w(2, 1);
    milkpb::ChainConfig next = w.Next();
    RequireRefused(CheckAt(w, ConfigWorld::Envelope(next, w.Admin(2))), "1 of 2 orgs");
    CHECK(CheckAt(w, ConfigWorld::Envelope(next, w.Admin(2), {w.Admin(1)})).code == milkpb::VALID);
  }
  SECTION("four orgs") {
    ConfigWorld w(4, 1);
    milkpb::ChainConfig next = w.Next();
    RequireRefused(CheckAt(w, ConfigWorld::Envelope(next, w.Admin(1), {w.Admin(4)})),
                   "2 of 4 orgs");
    CHECK(CheckAt(w, ConfigWorld::Envelope(next, w.Admin(1), {w.Admin(4), w.Admin(3)})).code ==
          milkpb::VALID);
  }
}

TEST_CASE("config update: signatures are checked before the successor rules") {
  // A non-admin cannot learn anything about the rules: the creator is refused first.
  ConfigWorld w(1, 3);
  milkpb::ChainConfig next = w.Next();
  next.set_sequence(9);
  RequireRefused(CheckAt(w, ConfigWorld::Envelope(next, w.Member(1, "peer0", milkpb::PEER, 2))),
                 "not an admin");
}

TEST_CASE("config update: EffectiveLastRaftId is the highest id ever used") {
  ConfigWorld w(1, 3);
  CHECK(EffectiveLastRaftId(*w.View()) == 3);
  w.config.set_last_raft_id(2);  // stale field: the consenters win
  CHECK(EffectiveLastRaftId(*w.View()) == 3);
  w.config.set_last_raft_id(12);
  CHECK(EffectiveLastRaftId(*w.View()) == 12);
}

}  // namespace milk::ledger

namespace milk::ledger {

// Certificate rotation: the same member (org and name) with a new key and serial keeps its raft
// id. This is why certificates of the other consenters may change.
TEST_CASE("config update: rotating a consenter's certificate keeps its raft id") {
  ConfigWorld w(1, 3);
  milkpb::ChainConfig next = w.Next();
  OrgMember rotated = w.Member(1, "orderer3", milkpb::CONSENTER, 999);
  rotated.key = crypto::KeyPairFromSeed(crypto::Sha256("orderer3 new key"));
  milkpb::CertificateBody body;
  REQUIRE(body.ParseFromString(rotated.cert.body()));
  body.set_public_key(rotated.key.public_key);
  next.mutable_consenters(2)->set_certificate(
      crypto::IssueCertificate(body, w.roots[0].secret_key).SerializeAsString());
  ConfigUpdateCheck check = CheckAt(w, ConfigWorld::Envelope(next, w.Admin(1)));
  INFO(check.message);
  CHECK(check.code == milkpb::VALID);
  CHECK(check.change.kind == Kind::kNone);
}

// A raft id stays with its member (org and name): a swap or a takeover would let a node resume or
// vote under another's Raft identity. Renewing the same member's certificate stays valid.
TEST_CASE("config update: a kept raft id cannot be re-bound to another consenter") {
  ConfigWorld w(1, 3);
  SECTION("two consenters swap raft ids") {
    milkpb::ChainConfig next = w.Next();
    next.mutable_consenters(0)->set_raft_id(2);
    next.mutable_consenters(1)->set_raft_id(1);
    ConfigUpdateCheck check = CheckAt(w, ConfigWorld::Envelope(next, w.Admin(1)));
    CHECK(check.code == milkpb::INVALID_CONFIG_TRANSACTION);
  }
  SECTION("a new node takes an existing raft id") {
    milkpb::ChainConfig next = w.Next();
    milkpb::ConsenterConfig replacement = w.Consenter(4);
    replacement.set_raft_id(3);
    *next.mutable_consenters(2) = replacement;
    ConfigUpdateCheck check = CheckAt(w, ConfigWorld::Envelope(next, w.Admin(1)));
    CHECK(check.code == milkpb::INVALID_CONFIG_TRANSACTION);
    CHECK(check.message.find("belongs to consenter") != std::string::npos);
  }
}

}  // namespace milk::ledger
