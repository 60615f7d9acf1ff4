// Config-update blocks in the validator (node/ledger/validator.h), IsConfigBlock,
// ConfigApprovalBytes, and the round trip from the client's builders
// (tools/client/config_update.h) to the node's CheckConfigUpdate.
#include <catch2/catch.hpp>

#include "chaincode/shim/memory_state.h"
#include "crypto/bytes.h"
#include "crypto/hash.h"
#include "node/ledger/config_update.h"
#include "node/ledger/tests/config_test_orgs.h"
#include "node/ledger/thread_pool.h"
#include "node/ledger/validator.h"
#include "tools/client/config_update.h"

namespace milk::ledger {
namespace {

using Catch::Contains;
using config_testing::ConfigWorld;
using config_testing::kNowMs;
using config_testing::OrgMember;
using Kind = MembershipChange::Kind;

milkpb::Block BlockOf(const std::vector<std::string>& envelopes, uint64_t number = 1) {
  milkpb::Block block;
  for (const std::string& e : envelopes) block.mutable_data()->add_envelopes(e);
  milkpb::BlockHeader* h = block.mutable_header();
  h->set_version(kFormatVersion);
  h->set_chain_id("demo");
  h->set_number(number);
  h->set_previous_hash(std::string(32, 'p'));
  h->set_data_hash(DataHash(block.data()));
  h->set_timestamp_ms(kNowMs);
  return block;
}

struct ValidatorFixture {
  ValidatorFixture() : world(1, 3), pool(1), validator(pool, registry) {}

  ValidatedBlock Validate(const milkpb::Block& block, bool all_committed = false) {
    auto committed = [all_committed](const std::string&) { return all_committed; };
    return validator.Validate(block, *world.View(), state, committed, ZeroHash());
  }
  // A valid update adding consenter 4.
  std::string AddFour() const {
    milkpb::ChainConfig next = world.Next();
    *next.add_consenters() = world.Consenter(4);
    next.set_last_raft_id(4);
    return ConfigWorld::Envelope(next, world.Admin(1));
  }

  ConfigWorld world;
  ThreadPool pool;
  chaincode::Registry registry;  // no chaincode: config blocks run none
  Validator validator;
  chaincode::MemoryState state;
};

std::string PayloadTxId(const std::string& envelope_bytes) {
  milkpb::Envelope envelope;
  REQUIRE(envelope.ParseFromString(envelope_bytes));
  return ToHex(crypto::Sha256(envelope.payload()));
}

client::Signer SignerOf(const OrgMember& m) {
  client::Signer s;
  s.key = m.key;
  s.identity_bytes = m.identity;
  auto info = crypto::ParseIdentity(m.identity);
  REQUIRE(info.ok());
  s.info = std::move(info).value();
  return s;
}

}  // namespace

TEST_CASE("config block: a valid update gives the new config and the membership change") {
  ValidatorFixture f;
  const std::string envelope = f.AddFour();
  ValidatedBlock out = f.Validate(BlockOf({envelope}, 5));
  REQUIRE(out.codes == std::string(1, static_cast<char>(milkpb::VALID)));
  REQUIRE(out.new_config != nullptr);
  CHECK(out.new_config->config().sequence() == 1);
  CHECK(out.change.kind == Kind::kAdd);
  CHECK(out.change.raft_id == 4);
  CHECK(out.writes.empty());
  REQUIRE(out.txs.size() == 1);
  CHECK(out.txs[0].first == PayloadTxId(envelope));
  CHECK(out.txs[0].second.block_number == 5);
  CHECK(out.txs[0].second.tx_index == 0);
  CHECK(out.txs[0].second.validation_code == milkpb::VALID);
  CHECK(out.commit_hash == CommitHash(ZeroHash(), 5, out.codes, {}));
}

TEST_CASE("config block: an invalid update is INVALID_CONFIG_TRANSACTION and changes nothing") {
  ValidatorFixture f;
  milkpb::ChainConfig next = f.world.Next();
  next.set_sequence(4);
  const std::string envelope = ConfigWorld::Envelope(next, f.world.Admin(1));
  ValidatedBlock out = f.Validate(BlockOf({envelope}));
  CHECK(out.codes == std::string(1, static_cast<char>(milkpb::INVALID_CONFIG_TRANSACTION)));
  CHECK(out.new_config == nullptr);
  CHECK(out.change.kind == Kind::kNone);
  // The creator is proven, so its txid is indexed (with the invalid code).
  REQUIRE(out.txs.size() == 1);
  CHECK(out.txs[0].first == PayloadTxId(envelope));
  CHECK(out.txs[0].second.validation_code == milkpb::INVALID_CONFIG_TRANSACTION);
}

TEST_CASE("config block: a forged config envelope does not burn a txid") {
  ValidatorFixture f;
  milkpb::ConfigTransaction tx;
  *tx.mutable_config() = f.world.Next();
  tx.set_creator(f.world.Admin(1).identity);
  const std::string forged =
      ConfigWorld::SignedEnvelope(tx, f.world.Member(1, "peer0", milkpb::PEER, 2));
  ValidatedBlock out = f.Validate(BlockOf({forged}));
  CHECK(out.codes == std::string(1, static_cast<char>(milkpb::INVALID_CONFIG_TRANSACTION)));
  CHECK(out.new_config == nullptr);
  CHECK(out.txs.empty());
}

TEST_CASE("config block: a replayed update is DUPLICATE_TXID and changes nothing") {
  ValidatorFixture f;
  ValidatedBlock out = f.Validate(BlockOf({f.AddFour()}), /*all_committed=*/true);
  CHECK(out.codes == std::string(1, static_cast<char>(milkpb::DUPLICATE_TXID)));
  CHECK(out.new_config == nullptr);
  CHECK(out.change.kind == Kind::kNone);
  CHECK(out.txs.empty());  // the first commit keeps its record
}

TEST_CASE("config block: a CONFIG envelope among other envelopes is invalid") {
  ValidatorFixture f;
  const std::string update = f.AddFour();
  ValidatedBlock out = f.Validate(BlockOf({update, milkpb::Envelope().SerializeAsString()}));
  REQUIRE(out.codes.size() == 2);
  CHECK(static_cast<uint8_t>(out.codes[0]) == milkpb::INVALID_CONFIG_TRANSACTION);
  CHECK(static_cast<uint8_t>(out.codes[1]) != milkpb::VALID);
  CHECK(out.new_config == nullptr);
  ValidatedBlock two = f.Validate(BlockOf({update, update}));
  REQUIRE(two.codes.size() == 2);
  CHECK(static_cast<uint8_t>(two.codes[0]) == milkpb::INVALID_CONFIG_TRANSACTION);
  CHECK(two.new_config == nullptr);
}

TEST_CASE("config block: IsConfigBlock finds a CONFIG envelope anywhere in the block") {
  ValidatorFixture f;
  milkpb::Envelope endorser;
  endorser.set_type(milkpb::ENDORSER_TRANSACTION);
  endorser.set_payload("p");
  const std::string plain = endorser.SerializeAsString();
  CHECK(IsConfigBlock(BlockOf({f.AddFour()})));
  CHECK(IsConfigBlock(BlockOf({plain, f.AddFour()})));
  CHECK_FALSE(IsConfigBlock(BlockOf({plain, plain})));
  CHECK_FALSE(IsConfigBlock(BlockOf({})));
  CHECK_FALSE(IsConfigBlock(BlockOf({"\xff\xff garbage"})));
}

TEST_CASE("config block: ConfigApprovalBytes is deterministic and names chain and sequence") {
  ConfigWorld w(2, 3);
  milkpb::ChainConfig next = w.Next();
  const std::string bytes = ConfigApprovalBytes(next);
  CHECK(bytes.rfind("milk-config-approval-v1", 0) == 0);
  CHECK(ConfigApprovalBytes(next) == bytes);
  milkpb::ChainConfig reparsed;
  REQUIRE(reparsed.ParseFromString(next.SerializeAsString()));
  CHECK(ConfigApprovalBytes(reparsed) == bytes);
  milkpb::ChainConfig later = next;
  later.set_sequence(next.sequence() + 1);
  CHECK(ConfigApprovalBytes(later) != bytes);
  milkpb::ChainConfig other_chain = next;
  other_chain.set_chain_id("demo2");
  CHECK(ConfigApprovalBytes(other_chain) != bytes);
  milkpb::ChainConfig other_batch = next;
  other_batch.mutable_batch()->set_max_bytes(99);
  CHECK(ConfigApprovalBytes(other_batch) != bytes);
}

TEST_CASE("config block: the client builders produce updates the node accepts") {
  ConfigWorld w(3, 3);
  // The genesis config leaves raft ids implicit; the client makes them explicit.
  for (auto& c : *w.config.mutable_consenters()) c.set_raft_id(0);
  const client::Signer admin1 = SignerOf(w.Admin(1)), admin2 = SignerOf(w.Admin(2));
  milkpb::ConsenterConfig fourth = w.Consenter(4);
  fourth.set_raft_id(0);
  Result<milkpb::ChainConfig> next = client::ConfigAddingConsenter(w.config, fourth);
  REQUIRE(next.ok());
  milkpb::ConfigTransaction update;
  *update.mutable_config() = *next;
  *update.add_approvals() = client::ApproveConfig(*next, admin2);
  milkpb::Envelope envelope = client::BuildConfigEnvelope(update, admin1, kNowMs);
  ConfigUpdateCheck check = CheckConfigUpdate(envelope.SerializeAsString(), *w.View(), kNowMs);
  INFO(check.message);
  REQUIRE(check.code == milkpb::VALID);
  CHECK(check.change.kind == Kind::kAdd);
  CHECK(check.change.raft_id == 4);
  REQUIRE(check.config != nullptr);

  // Then remove consenter 1 from the new config, the same way.
  Result<milkpb::ChainConfig> removed = client::ConfigRemovingConsenter(check.config->config(), 1);
  REQUIRE(removed.ok());
  milkpb::ConfigTransaction second;
  *second.mutable_config() = *removed;
  *second.add_approvals() = client::ApproveConfig(*removed, SignerOf(w.Admin(3)));
  ConfigUpdateCheck check2 =
      CheckConfigUpdate(client::BuildConfigEnvelope(second, admin2, kNowMs).SerializeAsString(),
                        *check.config, kNowMs);
  INFO(check2.message);
  REQUIRE(check2.code == milkpb::VALID);
  CHECK(check2.change.kind == Kind::kRemove);
  CHECK(check2.change.raft_id == 1);

  // Without the approval, 1 of 3 orgs: refused.
  milkpb::ConfigTransaction unapproved;
  *unapproved.mutable_config() = *next;
  ConfigUpdateCheck refused =
      CheckConfigUpdate(client::BuildConfigEnvelope(unapproved, admin1, kNowMs).SerializeAsString(),
                        *w.View(), kNowMs);
  CHECK(refused.code == milkpb::INVALID_CONFIG_TRANSACTION);
  CHECK_THAT(refused.message, Contains("1 of 3 orgs"));
}

}  // namespace milk::ledger
