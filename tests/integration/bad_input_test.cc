// Refusals over gRPC (ARCHITECTURE.md section 3; STYLE.md: bad input gets a clear error and
// changes nothing). Each bad request gets its specific status code; afterwards the chain height,
// the supply and the balances are what they were, and /metrics counts every refusal by method
// and code.
#include <catch2/catch.hpp>
#include <map>
#include <sstream>
#include <utility>

#include "crypto/clock.h"
#include "crypto/ed25519.h"
#include "crypto/identity.h"
#include "crypto/key_files.h"
#include "node/ledger/formats.h"
#include "tests/integration/harness.h"
#include "tools/client/transaction.h"

namespace milk::integration {
namespace {

// Above the node's limits.grpc_message_bytes_max default (4 MiB).
constexpr size_t kOversizedBytes = 5 * 1024 * 1024;
// The client's own limit must let the oversized message out so that the node refuses it.
constexpr int kClientMessageBytesMax = 16 * 1024 * 1024;
// Well past the chain's max_timestamp_skew_ms (5 minutes).
constexpr int64_t kFarFromNowMs = 60 * 60 * 1000;
constexpr int64_t kDayMs = 24 * 60 * 60 * 1000;

int64_t NowMs() { return SystemClock::Instance().NowMs(); }

client::Signer CertifiedSigner(const std::string& org, const std::string& root_secret_key,
                               int64_t not_before_ms, int64_t not_after_ms) {
  crypto::KeyPair key = crypto::GenerateKeyPair();
  milkpb::CertificateBody body;
  body.set_version(1);
  body.set_org(org);
  body.set_name("intruder");
  body.set_role(milkpb::CLIENT);
  body.set_public_key(key.public_key);
  body.set_not_before_ms(not_before_ms);
  body.set_not_after_ms(not_after_ms);
  body.set_serial(900001);
  auto signer = client::MemberSigner(key, crypto::IssueCertificate(body, root_secret_key));
  REQUIRE(signer.ok());
  return *signer;
}

client::BuiltProposal Propose(const client::Signer& signer, const std::string& function,
                              const std::vector<std::string>& args, int64_t timestamp_ms = 0,
                              const std::string& chain = kChainId,
                              const std::string& chaincode = kTokenChaincode) {
  auto built = client::BuildProposal(signer, chain, chaincode, function, args,
                                     timestamp_ms == 0 ? NowMs() : timestamp_ms);
  REQUIRE(built.ok());
  return *built;
}

// A transfer endorsed by the node and signed into an envelope, not submitted.
std::pair<client::BuiltProposal, milkpb::Envelope> EndorsedEnvelope(
    const client::GatewayClient& peer, const client::Signer& signer, const std::string& function,
    const std::vector<std::string>& args) {
  client::BuiltProposal built = Propose(signer, function, args);
  auto endorsed = peer.Endorse(built.signed_proposal);
  INFO(endorsed.status().ToString());
  REQUIRE(endorsed.ok());
  auto envelope = client::BuildEnvelope(signer, built.signed_proposal.proposal(), {*endorsed});
  REQUIRE(envelope.ok());
  return {built, *envelope};
}

void CheckCode(const Status& status, Code expected) {
  INFO("got " << status.ToString());
  CHECK(status.code() == expected);
  CHECK_FALSE(status.message().empty());
}

struct Baseline {
  uint64_t height = 0;
  std::string supply, alice, bob;
};

Baseline Observe(const TestNode& node, const client::GatewayClient& peer,
                 const client::Signer& reader) {
  Baseline b;
  auto info = peer.ChainInfo(kChainId);
  REQUIRE(info.ok());
  b.height = info->summary().height();
  auto query = [&](const std::string& function, const std::vector<std::string>& args) {
    auto r = QueryToken(peer, reader, function, args);
    INFO(r.status().ToString());
    REQUIRE(r.ok());
    return *r;
  };
  b.supply = query("supply", {});
  b.alice = query("balance", {node.Address("alice")});
  b.bob = query("balance", {node.Address("bob")});
  return b;
}

// What the refusal checks share.
struct Fixture {
  const TestNode& node;
  const client::GatewayClient& peer;
  client::Signer issuer;
  client::Signer alice;
  std::string bob;  // address
};

// One Endorse call per refusal; the test case counts them again in /metrics.
void CheckEndorseRefusals(const Fixture& f, const client::BuiltProposal& committed) {
  auto endorse = [&f](const milkpb::SignedProposal& p) { return f.peer.Endorse(p).status(); };
  milkpb::SignedProposal malformed;
  malformed.set_proposal(std::string("\x0a\x05\x01", 3));  // field 1 claims 5 bytes, has 1
  CheckCode(endorse(malformed), Code::kInvalidArgument);
  CheckCode(endorse(Propose(f.issuer, "supply", {}, 0, "no-such-chain").signed_proposal),
            Code::kNotFound);
  CheckCode(endorse(Propose(f.issuer, "supply", {}, 0, kChainId, "nosuchcc").signed_proposal),
            Code::kNotFound);
  client::BuiltProposal bad_signature = Propose(f.issuer, "supply", {});
  bad_signature.signed_proposal.mutable_signature()->at(0) ^= 0x01;
  CheckCode(endorse(bad_signature.signed_proposal), Code::kUnauthenticated);

  // Certificates: from an org the chain does not know, claiming TICA under another root key,
  // and a real TICA certificate that has expired.
  const crypto::KeyPair stranger_root = crypto::GenerateKeyPair();
  const int64_t now_ms = NowMs();
  const client::Signer unknown_org =
      CertifiedSigner("EVIL", stranger_root.secret_key, now_ms - kDayMs, now_ms + kDayMs);
  CheckCode(endorse(Propose(unknown_org, "supply", {}).signed_proposal), Code::kUnauthenticated);
  const client::Signer forged_member =
      CertifiedSigner(kOrg, stranger_root.secret_key, now_ms - kDayMs, now_ms + kDayMs);
  CheckCode(endorse(Propose(forged_member, "supply", {}).signed_proposal),
            Code::kUnauthenticated);
  auto org_root =
      crypto::ReadSecretKeyFile(f.node.crypto_dir() + "/orgs/" + kOrg + "/root.key");
  REQUIRE(org_root.ok());
  const client::Signer expired =
      CertifiedSigner(kOrg, org_root->secret_key, now_ms - 2 * kDayMs, now_ms - kDayMs);
  CheckCode(endorse(Propose(expired, "supply", {}).signed_proposal), Code::kPermissionDenied);

  // A wallet may not issue (ACL: client, admin).
  CheckCode(endorse(Propose(f.alice, "issue", {f.node.Address("alice"), "5"}).signed_proposal),
            Code::kPermissionDenied);
  CheckCode(endorse(Propose(f.issuer, "supply", {}, now_ms - kFarFromNowMs).signed_proposal),
            Code::kInvalidArgument);
  CheckCode(endorse(Propose(f.issuer, "supply", {}, now_ms + kFarFromNowMs).signed_proposal),
            Code::kInvalidArgument);
  milkpb::SignedProposal oversized = Propose(f.issuer, "supply", {}).signed_proposal;
  oversized.set_signature(std::string(kOversizedBytes, 'x'));
  CheckCode(endorse(oversized), Code::kResourceExhausted);
  CheckCode(endorse(committed.signed_proposal), Code::kAlreadyExists);
  CheckCode(endorse(Propose(f.alice, "transfer", {f.bob, "1000000"}).signed_proposal),
            Code::kFailedPrecondition);
}

void CheckSubmitRefusals(const Fixture& f, const milkpb::Envelope& committed) {
  CheckCode(f.peer.Submit(kChainId, committed).status(), Code::kAlreadyExists);
  CheckCode(f.peer.Submit("no-such-chain", committed).status(), Code::kNotFound);
  auto [transfer, transfer_envelope] = EndorsedEnvelope(f.peer, f.alice, "transfer", {f.bob, "1"});
  milkpb::Envelope forged = transfer_envelope;
  forged.mutable_signature()->at(0) ^= 0x01;
  CheckCode(f.peer.Submit(kChainId, forged).status(), Code::kUnauthenticated);
  // Correctly signed by its creator, but nobody endorsed it.
  milkpb::Transaction tx;
  REQUIRE(tx.ParseFromString(transfer_envelope.payload()));
  tx.clear_endorsements();
  milkpb::Envelope unendorsed = transfer_envelope;
  unendorsed.set_payload(tx.SerializeAsString());
  unendorsed.set_signature(crypto::Sign(
      f.alice.key.secret_key,
      ledger::EnvelopeSigningBytes(unendorsed.type(), unendorsed.payload())));
  CheckCode(f.peer.Submit(kChainId, unendorsed).status(), Code::kFailedPrecondition);
  milkpb::Envelope huge = transfer_envelope;
  huge.set_payload(std::string(kOversizedBytes, 'x'));
  CheckCode(f.peer.Submit(kChainId, huge).status(), Code::kResourceExhausted);
  // None of the three variants of the transfer went anywhere.
  CheckCode(f.peer.CommitStatus(kChainId, transfer.tx_id, /*wait=*/false).status(),
            Code::kNotFound);
}

TEST_CASE("bad requests over gRPC get their specific status and change nothing",
          "[integration][bad_input]") {
  TestNode node;
  client::GatewayOptions options;
  options.max_message_bytes = kClientMessageBytesMax;
  const client::GatewayClient peer = node.Client(options);
  const Fixture f{node, peer, node.Member("issuer"), node.Wallet("alice"), node.Address("bob")};

  // One committed transaction, kept to be replayed below.
  auto [issued, issue_envelope] =
      EndorsedEnvelope(peer, f.issuer, "issue", {node.Address("alice"), "100"});
  REQUIRE(peer.Submit(kChainId, issue_envelope).ok());
  auto committed = peer.CommitStatus(kChainId, issued.tx_id, /*wait=*/true);
  REQUIRE(committed.ok());
  REQUIRE(committed->code() == milkpb::VALID);

  const Baseline before = Observe(node, peer, f.issuer);
  const RpcCounts counts_before = ReadRpcCounts(node);
  CheckEndorseRefusals(f, issued);
  CheckSubmitRefusals(f, issue_envelope);

  const Baseline after = Observe(node, peer, f.issuer);
  CHECK(after.height == before.height);
  CHECK(after.supply == before.supply);
  CHECK(after.alice == before.alice);
  CHECK(after.bob == before.bob);

  // Every refusal is counted by method and code, oversized requests included (the node refuses
  // them itself; gRPC's own receive limit is set well above limits.grpc_message_bytes_max).
  const RpcCounts counts_after = ReadRpcCounts(node);
  const RpcCounts expected_increase = {
      {{"Endorse", "INVALID_ARGUMENT"}, 3}, {{"Endorse", "NOT_FOUND"}, 2},
      {{"Endorse", "UNAUTHENTICATED"}, 3},  {{"Endorse", "PERMISSION_DENIED"}, 2},
      {{"Endorse", "ALREADY_EXISTS"}, 1},   {{"Endorse", "FAILED_PRECONDITION"}, 1},
      {{"Endorse", "RESOURCE_EXHAUSTED"}, 1}, {{"Submit", "RESOURCE_EXHAUSTED"}, 1},
      {{"Submit", "ALREADY_EXISTS"}, 1},    {{"Submit", "NOT_FOUND"}, 1},
      {{"Submit", "UNAUTHENTICATED"}, 1},   {{"Submit", "FAILED_PRECONDITION"}, 1},
      {{"CommitStatus", "NOT_FOUND"}, 1}};
  for (const auto& [key, increase] : expected_increase) {
    INFO("milk_rpc_requests_total{method=\"" << key.first << "\",code=\"" << key.second << "\"}");
    const double was = counts_before.count(key) ? counts_before.at(key) : 0;
    REQUIRE(counts_after.count(key) == 1);
    CHECK(counts_after.at(key) - was == increase);
  }
}

}  // namespace
}  // namespace milk::integration
