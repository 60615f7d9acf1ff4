#include "tools/milk/views.h"

#include <catch2/catch.hpp>

#include "node/ledger/formats.h"
#include "tools/client/genesis.h"
#include "tools/client/tests/test_network.h"
#include "tools/client/transaction.h"
#include "tools/milk/output.h"

namespace milk::cli {
namespace {

using client::testing::GenerateTestNetwork;
using client::testing::kTestNowMs;
using client::testing::MemberDir;
using client::testing::TempDir;
using client::testing::WriteDemoProfile;

struct Network {
  TempDir dir;
  client::ChainProfile profile;
  client::Signer admin, client0, alice;

  Network() {
    GenerateTestNetwork(dir);
    profile = client::LoadChainProfile(WriteDemoProfile(dir)).value();
    admin = client::LoadSigner(MemberDir(dir, "TICA", "admin")).value();
    client0 = client::LoadSigner(MemberDir(dir, "TICA", "client0")).value();
    alice = client::LoadSigner(dir.Join("crypto/wallets/alice")).value();
  }
};

// An endorser-transaction envelope; endorsements are not needed to summarize it.
std::string TxEnvelope(const client::Signer& creator, const std::string& function,
                       const std::string& nonce) {
  auto built = client::BuildProposal(creator, "demo", "token", function, {}, 1, nonce);
  REQUIRE(built.ok());
  milkpb::Transaction tx;
  tx.set_proposal(built->signed_proposal.proposal());
  milkpb::Envelope env;
  env.set_type(milkpb::ENDORSER_TRANSACTION);
  env.set_payload(tx.SerializeAsString());
  return env.SerializeAsString();
}

TEST_CASE("A genesis block summarizes as one config transaction", "[views]") {
  Network net;
  milkpb::Block block = client::BuildGenesisBlock(net.profile, net.admin, kTestNowMs).value();
  BlockSummary s = SummarizeBlock(block);
  CHECK(s.number == 0);
  CHECK(s.header_hash == Hex(ledger::HeaderHash(block.header())));
  CHECK(s.previous_hash == std::string(64, '0'));
  CHECK(s.signer == "TICA.admin (admin)");
  REQUIRE(s.transactions.size() == 1);
  CHECK(s.transactions[0].type == "config");
  CHECK(s.transactions[0].code == "NOT_VALIDATED");
  CHECK(s.transactions[0].creator == "TICA.admin");

  const std::string text = BlockSummaryText(s);
  CHECK_THAT(text, Catch::StartsWith("block 0 of chain demo\n  header hash:    " + s.header_hash));
  CHECK_THAT(text, Catch::Contains("  timestamp:      2024-01-01T00:00:00.000Z\n"));
  CHECK_THAT(text, Catch::Contains("  commit hash:    -\n"));
  CHECK_THAT(text, Catch::EndsWith("  0  -  config  NOT_VALIDATED  TICA.admin (admin)\n"));
}

TEST_CASE("A block summary lists each transaction with its validation code", "[views]") {
  Network net;
  milkpb::Block block;
  block.mutable_header()->set_chain_id("demo");
  block.mutable_header()->set_number(7);
  block.mutable_header()->set_previous_hash(std::string(32, '\xab'));
  block.mutable_header()->set_timestamp_ms(kTestNowMs + 1500);
  block.mutable_data()->add_envelopes(TxEnvelope(net.client0, "issue", std::string(24, 'a')));
  block.mutable_data()->add_envelopes(TxEnvelope(net.alice, "transfer", std::string(24, 'b')));
  block.mutable_data()->add_envelopes("\xff\xff garbage");
  block.mutable_metadata()->set_validation_codes(std::string("\x00\x0b\xff", 3));
  block.mutable_metadata()->set_commit_hash(std::string(32, '\x01'));

  BlockSummary s = SummarizeBlock(block);
  REQUIRE(s.transactions.size() == 3);
  const std::string issue_id =
      ledger::ComputeTxId(std::string(24, 'a'), net.client0.identity_bytes);
  CHECK(s.transactions[0].tx_id == issue_id);
  CHECK(s.transactions[1].creator == "wallet");
  CHECK(s.transactions[1].creator_name == net.alice.info.name);
  CHECK(s.transactions[2].type == "malformed");

  const std::string text = BlockSummaryText(s);
  CHECK_THAT(text, Catch::Contains("  previous hash:  " + Hex(std::string(32, '\xab'))));
  CHECK_THAT(text, Catch::Contains("  timestamp:      2024-01-01T00:00:01.500Z\n"));
  CHECK_THAT(text, Catch::Contains("  signed by:      <unparsable identity>\n"));
  CHECK_THAT(text,
             Catch::Contains("  0  " + issue_id + "  token.issue  VALID  TICA.client (client0)\n"));
  CHECK_THAT(text, Catch::Contains("token.transfer  MVCC_READ_CONFLICT  wallet (" +
                                   net.alice.info.name + ")\n"));
  CHECK_THAT(text, Catch::Contains("  2  -  <envelope does not parse>  INVALID_OTHER_REASON"));

  Json j = BlockSummaryJson(s);
  CHECK(j["number"] == 7);
  CHECK(j["timestamp"] == "2024-01-01T00:00:01.500Z");
  CHECK(j["commit_hash"] == Hex(std::string(32, '\x01')));
  REQUIRE(j["transactions"].size() == 3);
  CHECK(j["transactions"][0]["tx_id"] == issue_id);
  CHECK(j["transactions"][0]["call"] == "token.issue");
  CHECK(j["transactions"][1]["validation_code"] == "MVCC_READ_CONFLICT");
  CHECK(j["transactions"][2]["type"] == "malformed");
}

TEST_CASE("Chain info shows orgs, consenters and chaincodes with policies", "[views]") {
  Network net;
  milkpb::ChainInfoResponse info;
  info.mutable_summary()->set_chain_id("demo");
  info.mutable_summary()->set_height(4);
  info.mutable_summary()->set_current_block_hash(std::string(32, '\x02'));
  *info.mutable_config() = net.profile.config;

  const std::string text = ChainInfoText(info);
  CHECK_THAT(text, Catch::StartsWith("chain:        demo\nheight:       4\n"));
  CHECK_THAT(text, Catch::Contains("revoked serials: 99\n"));
  CHECK_THAT(text, Catch::Contains("consenters:\n  TICA/orderer0  127.0.0.1:7051\n"));
  CHECK_THAT(text, Catch::Contains("  token v1  policy AND('TICA.peer', 'PARTNER.peer')\n"
                                   "    transfer: wallet, client\n    issue: client, admin\n"
                                   "    balance: *\n"));
  CHECK_THAT(text, Catch::Contains("batch:        500 tx, 4194304 bytes, 200 ms\n"));

  Json j = ChainInfoJson(info);
  CHECK(j["height"] == 4);
  CHECK(j["orgs"][0]["revoked_serials"] == Json::array({99}));
  CHECK(j["consenters"][0]["name"] == "TICA/orderer0");
  CHECK(j["chaincodes"][0]["acl"]["issue"] == Json::array({"client", "admin"}));
  CHECK(j["chaincodes"][0]["acl"]["balance"].size() == 8);
  CHECK(j["max_timestamp_skew_ms"] == 300000);
}

TEST_CASE("Chain list renders each chain or says there are none", "[views]") {
  CHECK(ChainListText({}) == "no chains joined\n");
  CHECK(ChainListJson({}) == Json::array());
  milkpb::ChainSummary c;
  c.set_chain_id("demo");
  c.set_height(2);
  c.set_current_block_hash(std::string(1, '\x0f'));
  c.set_commit_hash(std::string(1, '\x10'));
  CHECK(ChainListText({c}) == "demo  height 2  block hash 0f  commit hash 10\n");
  CHECK(ChainListJson({c})[0]["current_block_hash"] == "0f");
}

}  // namespace
}  // namespace milk::cli
