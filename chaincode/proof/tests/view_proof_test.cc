#include "chaincode/proof/view_proof.h"

#include <catch2/catch.hpp>
#include <functional>
#include <limits>

#include "crypto/bytes.h"
#include "node/ledger/formats.h"

namespace milk::proof {
namespace {

constexpr int64_t kNotBeforeMs = 1'700'000'000'000;
constexpr int64_t kNotAfterMs = 1'800'000'000'000;
constexpr int64_t kBlockTimeMs = 1'750'000'000'000;
constexpr int64_t kMaxAgeMs = 60'000;

struct Signer {
  crypto::KeyPair key;
  std::string identity;  // serialized member Identity
};

// Two orgs of a brand chain, each with its root; members issued by a chosen root.
struct World {
  crypto::KeyPair brand_root = crypto::KeyPairFromSeed(std::string(32, 'b'));
  crypto::KeyPair tica_root = crypto::KeyPairFromSeed(std::string(32, 't'));
  crypto::KeyPair other_root = crypto::KeyPairFromSeed(std::string(32, 'o'));
  uint64_t serial = 1;

  Signer Member(const std::string& org, const std::string& name, milkpb::Role role,
                const crypto::KeyPair& root, int64_t not_after_ms = kNotAfterMs) {
    Signer s{crypto::GenerateKeyPair(), ""};
    milkpb::CertificateBody body;
    body.set_version(1);
    body.set_org(org);
    body.set_name(name);
    body.set_role(role);
    body.set_public_key(s.key.public_key);
    body.set_not_before_ms(kNotBeforeMs);
    body.set_not_after_ms(not_after_ms);
    body.set_serial(serial++);
    s.identity = crypto::SerializeMemberIdentity(crypto::IssueCertificate(body, root.secret_key));
    return s;
  }
  Signer BrandPeer(const std::string& name = "peer0") {
    return Member("BrandA", name, milkpb::PEER, brand_root);
  }

  Source MakeSource(const std::string& policy = "OutOf(1,'BrandA.peer')") const {
    return Source{"brand-a", {{"BrandA", brand_root.public_key}, {"TICA", tica_root.public_key}},
                  policy};
  }
};

milkpb::ViewResult Result1() {
  milkpb::ViewResult r;
  r.set_version(kViewVersion);
  r.set_chain_id("brand-a");
  r.set_height(42);
  r.set_block_hash(std::string(32, '\x07'));
  r.set_block_time_ms(kBlockTimeMs);
  r.set_chaincode("swap");
  r.set_function("swap");
  r.add_args("s-1");
  r.set_status(200);
  r.set_payload(R"({"state":"locked"})");
  return r;
}

Expectation Expect() {
  return Expectation{"swap", "swap", {"s-1"}, kBlockTimeMs + 1000, kMaxAgeMs, 0};
}

std::string Proof(const milkpb::ViewResult& result, const std::vector<Signer>& signers) {
  milkpb::ViewProof proof;
  *proof.mutable_result() = result;
  for (const Signer& s : signers) *proof.add_signatures() = SignView(result, s.key, s.identity);
  return proof.SerializeAsString();
}

bool Contains(const Status& s, const std::string& text) {
  return s.message().find(text) != std::string::npos;
}

TEST_CASE("a valid proof passes and returns the result", "[proof]") {
  World w;
  Result<milkpb::ViewResult> out = VerifyView(Proof(Result1(), {w.BrandPeer()}), w.MakeSource(),
                                              Expect());
  REQUIRE(out.ok());
  CHECK(out->status() == 200);
  CHECK(out->payload() == R"({"state":"locked"})");
  CHECK(out->height() == 42);
}

TEST_CASE("SignView signs ViewSigningBytes with the given endorser", "[proof]") {
  World w;
  Signer peer = w.BrandPeer();
  milkpb::ViewSignature sig = SignView(Result1(), peer.key, peer.identity);
  CHECK(sig.endorser() == peer.identity);
  CHECK(crypto::Verify(peer.key.public_key, ledger::ViewSigningBytes(Result1()), sig.signature()));
}

TEST_CASE("forged proofs are kUnauthenticated", "[proof]") {
  World w;
  Source source = w.MakeSource();
  SECTION("certificate issued by another root") {
    Signer forger = w.Member("BrandA", "peer9", milkpb::PEER, w.other_root);
    Status s = VerifyView(Proof(Result1(), {forger}), source, Expect()).status();
    CHECK(s.code() == Code::kUnauthenticated);
    CHECK(Contains(s, "certificate of 'BrandA/peer9'"));
  }
  SECTION("a non-peer role") {
    Signer admin = w.Member("BrandA", "admin", milkpb::ADMIN, w.brand_root);
    Status s = VerifyView(Proof(Result1(), {admin}), source, Expect()).status();
    CHECK(s.code() == Code::kUnauthenticated);
    CHECK(Contains(s, "not a peer"));
  }
  SECTION("a random key signing under a valid peer's certificate") {
    Signer peer = w.BrandPeer();
    peer.key = crypto::GenerateKeyPair();
    Status s = VerifyView(Proof(Result1(), {peer}), source, Expect()).status();
    CHECK(s.code() == Code::kUnauthenticated);
    CHECK(Contains(s, "bad signature"));
  }
  SECTION("a bare wallet key") {
    Signer wallet{crypto::GenerateKeyPair(), ""};
    wallet.identity = crypto::SerializeWalletIdentity(wallet.key.public_key);
    Status s = VerifyView(Proof(Result1(), {wallet}), source, Expect()).status();
    CHECK(s.code() == Code::kUnauthenticated);
    CHECK(Contains(s, "wallet"));
  }
  SECTION("an org not registered for the chain") {
    Signer stranger = w.Member("BrandB", "peer0", milkpb::PEER, w.other_root);
    Status s = VerifyView(Proof(Result1(), {stranger}), source, Expect()).status();
    CHECK(s.code() == Code::kUnauthenticated);
    CHECK(Contains(s, "org 'BrandB' is not registered"));
  }
  SECTION("garbage endorser bytes") {
    Signer junk{crypto::GenerateKeyPair(), "\xff\xff\xff"};
    Status s = VerifyView(Proof(Result1(), {junk}), source, Expect()).status();
    CHECK(s.code() == Code::kUnauthenticated);
    CHECK(Contains(s, "signature 0: endorser"));
  }
}

TEST_CASE("a result altered after signing is refused", "[proof]") {
  World w;
  const std::string good = Proof(Result1(), {w.BrandPeer()});
  // Each alteration keeps what the destination expects, so only the signature can catch it.
  std::vector<std::pair<std::string, std::function<void(milkpb::ViewResult*)>>> alterations = {
      {"height", [](milkpb::ViewResult* r) { r->set_height(43); }},
      {"block_hash", [](milkpb::ViewResult* r) { r->set_block_hash(std::string(32, 'x')); }},
      {"block_time", [](milkpb::ViewResult* r) { r->set_block_time_ms(kBlockTimeMs + 1); }},
      {"status", [](milkpb::ViewResult* r) { r->set_status(404); }},
      {"payload", [](milkpb::ViewResult* r) { r->set_payload(R"({"state":"settled"})"); }},
  };
  for (const auto& [field, alter] : alterations) {
    milkpb::ViewProof proof;
    REQUIRE(proof.ParseFromString(good));
    alter(proof.mutable_result());
    Status s = VerifyView(proof.SerializeAsString(), w.MakeSource(), Expect()).status();
    INFO(field);
    CHECK(s.code() == Code::kUnauthenticated);
    CHECK(Contains(s, "bad signature"));
  }
}

TEST_CASE("altered chain, call or arguments are refused before signatures", "[proof]") {
  World w;
  const std::string good = Proof(Result1(), {w.BrandPeer()});
  milkpb::ViewProof proof;
  REQUIRE(proof.ParseFromString(good));
  SECTION("chain id") { proof.mutable_result()->set_chain_id("brand-b"); }
  SECTION("chaincode") { proof.mutable_result()->set_chaincode("token"); }
  SECTION("function") { proof.mutable_result()->set_function("swaps"); }
  SECTION("args") { proof.mutable_result()->set_args(0, "s-2"); }
  SECTION("extra arg") { proof.mutable_result()->add_args("x"); }
  Status s = VerifyView(proof.SerializeAsString(), w.MakeSource(), Expect()).status();
  CHECK(s.code() == Code::kFailedPrecondition);
}

TEST_CASE("a replayed proof of another call is kFailedPrecondition", "[proof]") {
  World w;
  milkpb::ViewResult other = Result1();
  other.set_args(0, "s-2");  // an honest proof, but of another swap
  Expectation expect = Expect();
  Status s = VerifyView(Proof(other, {w.BrandPeer()}), w.MakeSource(), expect).status();
  CHECK(s.code() == Code::kFailedPrecondition);
  CHECK(Contains(s, "proof is of arguments ['s-2'], expected ['s-1']"));
  other = Result1();
  other.set_function("purchase");
  s = VerifyView(Proof(other, {w.BrandPeer()}), w.MakeSource(), expect).status();
  CHECK(s.code() == Code::kFailedPrecondition);
  CHECK(Contains(s, "expected 'swap' 'swap'"));
}

TEST_CASE("a proof from another chain is kFailedPrecondition", "[proof]") {
  World w;
  milkpb::ViewResult other = Result1();
  other.set_chain_id("brand-b");
  Status s = VerifyView(Proof(other, {w.BrandPeer()}), w.MakeSource(), Expect()).status();
  CHECK(s.code() == Code::kFailedPrecondition);
  CHECK(s.message() == "proof is from chain 'brand-b', expected 'brand-a'");
}

TEST_CASE("stale or future proofs are kFailedPrecondition", "[proof]") {
  World w;
  const std::string proof = Proof(Result1(), {w.BrandPeer()});
  Expectation expect = Expect();
  SECTION("exactly max_age old passes") {
    expect.now_ms = kBlockTimeMs + kMaxAgeMs;
    CHECK(VerifyView(proof, w.MakeSource(), expect).ok());
  }
  SECTION("too old") {
    expect.now_ms = kBlockTimeMs + kMaxAgeMs + 1;
    Status s = VerifyView(proof, w.MakeSource(), expect).status();
    CHECK(s.code() == Code::kFailedPrecondition);
    CHECK(Contains(s, "stale proof: block time"));
  }
  SECTION("in the future beyond max_age") {
    expect.now_ms = kBlockTimeMs - kMaxAgeMs - 1;
    Status s = VerifyView(proof, w.MakeSource(), expect).status();
    CHECK(s.code() == Code::kFailedPrecondition);
    CHECK(Contains(s, "future"));
  }
  SECTION("height below min_height") {
    expect.min_height = 43;
    Status s = VerifyView(proof, w.MakeSource(), expect).status();
    CHECK(s.code() == Code::kFailedPrecondition);
    CHECK(Contains(s, "height 42 is below the minimum 43"));
  }
  SECTION("height equal to min_height passes") {
    expect.min_height = 42;
    CHECK(VerifyView(proof, w.MakeSource(), expect).ok());
  }
  SECTION("extreme clocks do not wrap around") {
    expect.now_ms = std::numeric_limits<int64_t>::min();
    expect.max_age_ms = std::numeric_limits<int64_t>::max();
    CHECK(VerifyView(proof, w.MakeSource(), expect).status().code() ==
          Code::kFailedPrecondition);
  }
  SECTION("negative max_age is invalid") {
    expect.max_age_ms = -1;
    CHECK(VerifyView(proof, w.MakeSource(), expect).status().code() == Code::kInvalidArgument);
  }
}

TEST_CASE("a quiet chain's view is as fresh as its evaluation time", "[proof]") {
  World w;
  // The chain cut its last block long ago; a peer evaluated the view just now.
  milkpb::ViewResult quiet = Result1();
  quiet.set_evaluated_ms(kBlockTimeMs + 10 * kMaxAgeMs);
  Expectation expect = Expect();
  expect.now_ms = kBlockTimeMs + 10 * kMaxAgeMs + 1;
  CHECK(VerifyView(Proof(quiet, {w.BrandPeer()}), w.MakeSource(), expect).ok());
  SECTION("an old evaluation is stale") {
    expect.now_ms += kMaxAgeMs;
    Status s = VerifyView(Proof(quiet, {w.BrandPeer()}), w.MakeSource(), expect).status();
    CHECK(s.code() == Code::kFailedPrecondition);
    CHECK(Contains(s, "stale proof: evaluation time"));
  }
  SECTION("the evaluation time is signed") {
    milkpb::ViewProof proof;
    REQUIRE(proof.ParseFromString(Proof(quiet, {w.BrandPeer()})));
    proof.mutable_result()->set_evaluated_ms(kBlockTimeMs + 10 * kMaxAgeMs + 5);
    Status s = VerifyView(proof.SerializeAsString(), w.MakeSource(), expect).status();
    CHECK(s.code() == Code::kUnauthenticated);
  }
}

TEST_CASE("the policy must be met by distinct signers", "[proof]") {
  World w;
  Source source = w.MakeSource("OutOf(2,'BrandA.peer','TICA.peer')");
  Signer brand = w.BrandPeer();
  Signer tica = w.Member("TICA", "peer0", milkpb::PEER, w.tica_root);
  SECTION("one signer of two") {
    Status s = VerifyView(Proof(Result1(), {brand}), source, Expect()).status();
    CHECK(s.code() == Code::kUnauthenticated);
    CHECK(Contains(s, "not satisfied by the 1 distinct signer(s) [BrandA/peer0]"));
  }
  SECTION("the same signer twice counts once") {
    Status s = VerifyView(Proof(Result1(), {brand, brand}), source, Expect()).status();
    CHECK(s.code() == Code::kUnauthenticated);
    CHECK(Contains(s, "not satisfied"));
  }
  SECTION("no signature at all") {
    Status s = VerifyView(Proof(Result1(), {}), source, Expect()).status();
    CHECK(s.code() == Code::kUnauthenticated);
    CHECK(Contains(s, "0 distinct signer(s)"));
  }
  SECTION("both orgs pass") {
    CHECK(VerifyView(Proof(Result1(), {brand, tica}), source, Expect()).ok());
  }
  SECTION("two peers of one org for AND of the same principal") {
    Source two = w.MakeSource("AND('BrandA.peer','BrandA.peer')");
    CHECK(VerifyView(Proof(Result1(), {brand, w.BrandPeer("peer1")}), two, Expect()).ok());
    CHECK(!VerifyView(Proof(Result1(), {brand, brand}), two, Expect()).ok());
  }
  SECTION("a bad policy text is kInvalidArgument") {
    Status s = VerifyView(Proof(Result1(), {brand}), w.MakeSource("OutOf(1,"), Expect()).status();
    CHECK(s.code() == Code::kInvalidArgument);
    CHECK(Contains(s, "bad policy"));
  }
}

TEST_CASE("certificates must be valid at the proof's block time", "[proof]") {
  World w;
  Signer expired = w.Member("BrandA", "old", milkpb::PEER, w.brand_root, kBlockTimeMs);
  Status s = VerifyView(Proof(Result1(), {expired}), w.MakeSource(), Expect()).status();
  CHECK(s.code() == Code::kUnauthenticated);
  CHECK(Contains(s, "refused at block time"));
  CHECK(Contains(s, "expired"));
}

TEST_CASE("oversize or garbage proofs are kInvalidArgument", "[proof]") {
  World w;
  Source source = w.MakeSource();
  SECTION("too big") {
    Status s = VerifyView(std::string(kProofBytesMax + 1, 'x'), source, Expect()).status();
    CHECK(s.code() == Code::kInvalidArgument);
    CHECK(Contains(s, "more than the 65536 allowed"));
  }
  SECTION("garbage") {
    Status s = VerifyView("\xff\xff\xff\xff", source, Expect()).status();
    CHECK(s.code() == Code::kInvalidArgument);
    CHECK(Contains(s, "not a ViewProof"));
  }
  SECTION("empty: no result") {
    CHECK(VerifyView("", source, Expect()).status().code() == Code::kInvalidArgument);
  }
  SECTION("too many signatures") {
    std::vector<Signer> many(kProofSignaturesMax + 1, w.BrandPeer());
    Status s = VerifyView(Proof(Result1(), many), source, Expect()).status();
    CHECK(s.code() == Code::kInvalidArgument);
    CHECK(Contains(s, "signatures"));
  }
  SECTION("unknown version") {
    milkpb::ViewResult r = Result1();
    r.set_version(2);
    Status s = VerifyView(Proof(r, {w.BrandPeer()}), source, Expect()).status();
    CHECK(s.code() == Code::kInvalidArgument);
    CHECK(Contains(s, "view version 2"));
  }
}

// {"chain_id":<chain>,"policy":<policy>,"root_keys":<keys>}, each part already JSON text.
std::string SourceJson(const std::string& chain, const std::string& policy,
                       const std::string& keys) {
  return "{\"chain_id\":" + chain + ",\"policy\":" + policy + ",\"root_keys\":" + keys + "}";
}

TEST_CASE("SourceFromJson reads the registry's brand_chain record", "[proof]") {
  World w;
  // The alliance registry's record also carries org and registered_ms: ignored.
  const std::string json = "{\"chain_id\":\"brand-a\",\"org\":\"BrandA\",\"registered_ms\":5,"
                           "\"policy\":\"OutOf(1,'BrandA.peer')\",\"root_keys\":{\"BrandA\":\"" +
                           ToHex(w.brand_root.public_key) + "\"}}";
  Result<Source> source = SourceFromJson(json);
  REQUIRE(source.ok());
  CHECK(source->chain_id == "brand-a");
  CHECK(source->policy == "OutOf(1,'BrandA.peer')");
  REQUIRE(source->root_keys.size() == 1);
  CHECK(source->root_keys.at("BrandA") == w.brand_root.public_key);
  CHECK(VerifyView(Proof(Result1(), {w.BrandPeer()}), *source, Expect()).ok());
}

TEST_CASE("SourceFromJson names the bad field", "[proof]") {
  const std::string keys = "{\"A\":\"" + std::string(64, 'a') + "\"}";
  const std::string policy = "\"OutOf(1,'A.peer')\"";
  auto check = [](const std::string& json, const std::string& field) {
    Status s = SourceFromJson(json).status();
    INFO(json);
    CHECK(s.code() == Code::kInvalidArgument);
    CHECK(Contains(s, field));
  };
  REQUIRE(SourceFromJson(SourceJson("\"c\"", policy, keys)).ok());
  check("not json", "not a JSON object");
  check("[1]", "not a JSON object");
  check("{\"policy\":" + policy + ",\"root_keys\":" + keys + "}", "'chain_id'");
  check(SourceJson("\"\"", policy, keys), "'chain_id'");
  check(SourceJson("7", policy, keys), "'chain_id'");
  check(SourceJson("\"c\"", "5", keys), "'policy'");
  check(SourceJson("\"c\"", "\"OutOf(\"", keys), "'policy'");
  check("{\"chain_id\":\"c\",\"policy\":" + policy + "}", "'root_keys'");
  check(SourceJson("\"c\"", policy, "{}"), "'root_keys'");
  check(SourceJson("\"c\"", policy, "[]"), "'root_keys'");
  check(SourceJson("\"c\"", policy, "{\"A\":\"abcd\"}"), "entry 'A'");
  check(SourceJson("\"c\"", policy, "{\"A\":7}"), "entry 'A'");
  check(SourceJson("\"c\"", policy, "{\"A\":\"" + std::string(64, 'z') + "\"}"), "entry 'A'");
  check(SourceJson("\"c\"", policy, "{\"\":\"" + std::string(64, 'a') + "\"}"), "entry ''");
  check(std::string(64 * 1024 + 1, ' '), "bytes, more than");
}

}  // namespace
}  // namespace milk::proof
