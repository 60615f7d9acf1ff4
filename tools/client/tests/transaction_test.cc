#include "tools/client/transaction.h"

#include "crypto/hash.h"
#include "node/ledger/formats.h"
#include "tools/client/tests/test_network.h"

namespace milk::client {
namespace {

using testing::GenerateTestNetwork;
using testing::MemberDir;
using testing::TempDir;

const std::string kNonce(24, '\x07');

Signer Load(const std::string& dir) {
  Result<Signer> s = LoadSigner(dir);
  INFO(s.status().ToString());
  REQUIRE(s.ok());
  return std::move(s).value();
}

// What an endorsing peer returns for proposal_bytes: a payload with `response` and a signature.
milkpb::ProposalResponse Endorse(const Signer& peer, const std::string& proposal_bytes,
                                 int32_t status = 200, const std::string& message = "",
                                 const std::string& value = "v") {
  milkpb::ProposalResponsePayload payload;
  payload.set_proposal_hash(crypto::Sha256(proposal_bytes));
  milkpb::KVWrite* write = payload.mutable_results()->add_ns_rwset()->add_writes();
  write->set_key("k");
  write->set_value(value);
  payload.mutable_response()->set_status(status);
  payload.mutable_response()->set_message(message);
  milkpb::ProposalResponse r;
  r.set_payload(payload.SerializeAsString());
  *r.mutable_response() = payload.response();
  r.mutable_endorsement()->set_endorser(peer.identity_bytes);
  r.mutable_endorsement()->set_signature(crypto::Sign(
      peer.key.secret_key, ledger::EndorsementSigningBytes(r.payload(), peer.identity_bytes)));
  return r;
}

TEST_CASE("BuildProposal signs a proposal whose tx_id derives from nonce and creator",
          "[transaction]") {
  TempDir dir;
  GenerateTestNetwork(dir);
  Signer client = Load(MemberDir(dir, "TICA", "client0"));
  Result<BuiltProposal> built =
      BuildProposal(client, "demo", "token", "transfer", {"alice", "10"}, 1234, kNonce);
  REQUIRE(built.ok());
  CHECK(built->tx_id == ledger::ComputeTxId(kNonce, client.identity_bytes));
  CHECK(built->tx_id.size() == 64);
  milkpb::Proposal p;
  REQUIRE(p.ParseFromString(built->signed_proposal.proposal()));
  CHECK(p.version() == 1);
  CHECK(p.chain_id() == "demo");
  CHECK(p.chaincode() == "token");
  CHECK(p.function() == "transfer");
  REQUIRE(p.args_size() == 2);
  CHECK(p.args(1) == "10");
  CHECK(p.creator() == client.identity_bytes);
  CHECK(p.nonce() == kNonce);
  CHECK(p.timestamp_ms() == 1234);
  CHECK(p.tx_id() == built->tx_id);
  CHECK(crypto::Verify(client.key.public_key, built->signed_proposal.proposal(),
                       built->signed_proposal.signature()));
}

TEST_CASE("BuildProposal draws a fresh nonce each time unless given one", "[transaction]") {
  TempDir dir;
  GenerateTestNetwork(dir);
  Signer alice = Load(dir.Join("crypto/wallets/alice"));
  Result<BuiltProposal> a = BuildProposal(alice, "demo", "token", "balance", {}, 1);
  Result<BuiltProposal> b = BuildProposal(alice, "demo", "token", "balance", {}, 1);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a->tx_id != b->tx_id);
  milkpb::Proposal p;
  REQUIRE(p.ParseFromString(a->signed_proposal.proposal()));
  CHECK(p.nonce().size() == ledger::kNonceBytes);

  Result<BuiltProposal> short_nonce =
      BuildProposal(alice, "demo", "token", "balance", {}, 1, std::string(23, 'x'));
  REQUIRE_FALSE(short_nonce.ok());
  CHECK(short_nonce.status().code() == Code::kInvalidArgument);
  CHECK_FALSE(BuildProposal(alice, "demo", "token", "", {}, 1).ok());
  CHECK_FALSE(BuildProposal(alice, "", "token", "f", {}, 1).ok());
}

struct EnvelopeFixture {
  TempDir dir;
  Signer client, peer_a, peer_b;
  std::string proposal_bytes;

  EnvelopeFixture() {
    GenerateTestNetwork(dir);
    client = Load(MemberDir(dir, "TICA", "client0"));
    peer_a = Load(MemberDir(dir, "TICA", "peer0"));
    peer_b = Load(MemberDir(dir, "PARTNER", "peer0"));
    auto built = BuildProposal(client, "demo", "token", "transfer", {"a"}, 5, kNonce);
    REQUIRE(built.ok());
    proposal_bytes = built->signed_proposal.proposal();
  }
};

TEST_CASE("BuildEnvelope assembles and signs the transaction", "[transaction]") {
  EnvelopeFixture f;
  std::vector<milkpb::ProposalResponse> responses = {Endorse(f.peer_a, f.proposal_bytes),
                                                     Endorse(f.peer_b, f.proposal_bytes)};
  Result<milkpb::Envelope> env = BuildEnvelope(f.client, f.proposal_bytes, responses);
  INFO(env.status().ToString());
  REQUIRE(env.ok());
  CHECK(env->type() == milkpb::ENDORSER_TRANSACTION);
  CHECK(crypto::Verify(f.client.key.public_key,
                       ledger::EnvelopeSigningBytes(milkpb::ENDORSER_TRANSACTION, env->payload()),
                       env->signature()));
  milkpb::Transaction tx;
  REQUIRE(tx.ParseFromString(env->payload()));
  CHECK(tx.proposal() == f.proposal_bytes);
  CHECK(tx.response_payload() == responses[0].payload());
  REQUIRE(tx.endorsements_size() == 2);
  CHECK(tx.endorsements(0).endorser() == f.peer_a.identity_bytes);
  CHECK(tx.endorsements(1).endorser() == f.peer_b.identity_bytes);
}

TEST_CASE("BuildEnvelope keeps one endorsement per endorser", "[transaction]") {
  EnvelopeFixture f;
  milkpb::ProposalResponse r = Endorse(f.peer_a, f.proposal_bytes);
  Result<milkpb::Envelope> env = BuildEnvelope(f.client, f.proposal_bytes, {r, r});
  REQUIRE(env.ok());
  milkpb::Transaction tx;
  REQUIRE(tx.ParseFromString(env->payload()));
  CHECK(tx.endorsements_size() == 1);
}

TEST_CASE("BuildEnvelope names endorsers that disagree", "[transaction]") {
  EnvelopeFixture f;
  Result<milkpb::Envelope> env =
      BuildEnvelope(f.client, f.proposal_bytes,
                    {Endorse(f.peer_a, f.proposal_bytes, 200, "", "one"),
                     Endorse(f.peer_b, f.proposal_bytes, 200, "", "two")});
  REQUIRE_FALSE(env.ok());
  CHECK(env.status().code() == Code::kAborted);
  CHECK_THAT(env.status().message(), Catch::Contains("[TICA/peer0] vs [PARTNER/peer0]"));
}

TEST_CASE("BuildEnvelope turns a non-200 chaincode response into its message", "[transaction]") {
  EnvelopeFixture f;
  Result<milkpb::Envelope> env =
      BuildEnvelope(f.client, f.proposal_bytes,
                    {Endorse(f.peer_a, f.proposal_bytes),
                     Endorse(f.peer_b, f.proposal_bytes, 400, "insufficient balance")});
  REQUIRE_FALSE(env.ok());
  CHECK(env.status().code() == Code::kFailedPrecondition);
  CHECK_THAT(env.status().message(), Catch::StartsWith("insufficient balance"));
  CHECK_THAT(env.status().message(), Catch::Contains("token.transfer returned status 400"));
  CHECK_THAT(env.status().message(), Catch::Contains("PARTNER/peer0"));
}

TEST_CASE("BuildEnvelope refuses bad inputs", "[transaction]") {
  EnvelopeFixture f;
  milkpb::ProposalResponse good = Endorse(f.peer_a, f.proposal_bytes);

  SECTION("no responses") {
    auto env = BuildEnvelope(f.client, f.proposal_bytes, {});
    CHECK(env.status().code() == Code::kInvalidArgument);
  }
  SECTION("signer is not the creator") {
    auto env = BuildEnvelope(f.peer_a, f.proposal_bytes, {good});
    CHECK(env.status().code() == Code::kInvalidArgument);
    CHECK_THAT(env.status().message(), Catch::Contains("TICA/client0"));
  }
  SECTION("endorsement signature does not verify") {
    milkpb::ProposalResponse forged = good;
    forged.mutable_endorsement()->set_endorser(f.peer_b.identity_bytes);
    auto env = BuildEnvelope(f.client, f.proposal_bytes, {forged});
    CHECK(env.status().code() == Code::kUnauthenticated);
    CHECK_THAT(env.status().message(), Catch::Contains("PARTNER/peer0"));
  }
  SECTION("endorsement of another proposal") {
    auto other = BuildProposal(f.client, "demo", "token", "transfer", {"b"}, 5, kNonce);
    REQUIRE(other.ok());
    auto env = BuildEnvelope(f.client, f.proposal_bytes,
                             {Endorse(f.peer_a, other->signed_proposal.proposal())});
    CHECK(env.status().code() == Code::kInvalidArgument);
    CHECK_THAT(env.status().message(), Catch::Contains("different proposal"));
  }
  SECTION("proposal bytes that do not parse") {
    auto env = BuildEnvelope(f.client, "\xff\xff", {good});
    CHECK(env.status().code() == Code::kInvalidArgument);
  }
}

}  // namespace
}  // namespace milk::client
