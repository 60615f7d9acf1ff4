// The center chain's side of the swap protocol (docs/swaps.md): settle_swap from a proof of a
// brand chain's lock, the single decision, every proof refusal, and the customer's abort_swap.
// Proofs are real: endorsed views signed by a peer certificate that the partner's root (the one
// registered with the alliance's register_brand_chain) issued.
#include "chaincode/exchange/exchange.h"
#include "chaincode/exchange/tests/exchange_test_util.h"

namespace milk::chaincode::exchange_test {
namespace {

// A settle_swap refused with status and text: nothing written (CheckRefused) and undecided.
void CheckNotDecided(ExchangeChain& chain, const SwapSpec& spec, const SimulationResult& result,
                     int status, const std::string& text) {
  CheckRefused(result, status, text);
  CheckRefused(chain.Exchange("swap", {kBeansChain, spec.Id()}, kBob), 404, "is undecided");
}

SimulationResult SettleWith(ExchangeChain& chain, const SwapSpec& spec, const std::string& proof) {
  return chain.SettleWith(spec, proof);
}

milkpb::ViewProof Parsed(const std::string& bytes) {
  milkpb::ViewProof proof;
  REQUIRE(proof.ParseFromString(bytes));
  return proof;
}

TEST_CASE("the swap id is the layout of docs/swaps.md", "[exchange][swap]") {
  // Fixed vector: a change of the layout breaks every brand chain's agreement with the center.
  // Computed outside this code base (Python hashlib) from the layout in docs/swaps.md.
  REQUIRE(kAliceAddress == "mlk13ba3f5f43b92602683c19aee62a20342b084dd59ee6ff62c");
  const std::string id = "5f54623691c73c55fb7b4ee498369a4a2dffdec6d295131a85f09547888dc167";
  CHECK(TestSwapId("brand.beans", kAliceAddress, "r-1") == id);
  ExchangeChain chain;
  chain.now_ms += 2 * kDayMs;
  Json decision = chain.Ok("exchange", "abort_swap",
                           {kBeansChain, "r-1", std::to_string(chain.now_ms - 1)}, kAlice);
  CHECK(decision["id"] == id);  // the chaincode computes the same id from the signer's address
}

TEST_CASE("a stock swap adds to the inventory without paying MLK", "[exchange][swap]") {
  ExchangeChain chain;
  const Amount liquidity = chain.MlkUnlocked(kLiquidityAddress);
  const SwapSpec spec = chain.Locked(kCoffeeWallet, 5000, "stock-2", "stock");
  SimulationResult result = chain.SettleSwap(spec);
  REQUIRE(result.response.status() == 200);
  Json decision = Json::parse(result.response.payload());
  CHECK(decision["state"] == "settled");
  CHECK(decision["kind"] == "stock");
  CHECK(decision["amount"] == "5000");
  CHECK(decision["mlk_total"] == "0");
  CHECK(decision["owner"] == kCoffeeWallet);
  CHECK(LastEvent(result, "trade").is_null());
  CHECK(LastEvent(result, "swap_decided") == decision);
  Json market = chain.Market();
  CHECK(market["inventory"] == std::to_string(kSeedUnits + 5000));
  CHECK(market["seeded"] == std::to_string(kSeedUnits + 5000));
  CHECK(chain.MlkUnlocked(kLiquidityAddress) == liquidity);
  CheckRefused(chain.SettleSwap(spec), 409, "already decided \"settled\"");
  CHECK(chain.Market()["inventory"] == std::to_string(kSeedUnits + 5000));
}

TEST_CASE("a stock swap settles while the market cannot trade", "[exchange][swap]") {
  ExchangeChain chain;
  chain.now_ms += 10 * kFeedMaxAgeMs;  // the feed is stale: sells abort, stock does not care
  chain.ExpectAborted(chain.Locked(kBobAddress, 10, "d-1"), "stale");
  chain.Decide(chain.Locked(kCoffeeWallet, 10, "stock-2", "stock"), "settled");
  SwapSpec late = chain.Locked(kCoffeeWallet, 10, "stock-3", "stock");
  late.deadline_ms = chain.now_ms - 1;
  chain.ExpectAborted(late, "deadline");
}

TEST_CASE("anyone may submit settle_swap: the proof is the authority", "[exchange][swap]") {
  ExchangeChain chain;
  const SwapSpec stock = chain.Locked(kCoffeeWallet, 10, "stock-2", "stock");
  SimulationResult by_customer = chain.Exchange(
      "settle_swap", {kBeansChain, stock.Id(), SwapProof(stock, chain.now_ms)}, kAlice);
  REQUIRE(by_customer.response.status() == 200);
  CHECK(Json::parse(by_customer.response.payload())["state"] == "settled");
  SwapSpec late = chain.Locked(kBobAddress, 10, "d-1");
  late.deadline_ms = chain.now_ms - 1;
  CHECK(chain
            .Exchange("settle_swap", {kBeansChain, late.Id(), SwapProof(late, chain.now_ms)},
                      kTicaClient)
            .response.status() == 200);
}

TEST_CASE("a swap decided after its deadline is aborted", "[exchange][swap]") {
  ExchangeChain chain;
  SwapSpec spec = chain.Locked(kBobAddress, 100, "d-1");
  spec.deadline_ms = chain.now_ms - 1;
  Json decision = chain.ExpectAborted(spec, "the deadline");
  CHECK(decision["deadline_ms"] == spec.deadline_ms);
  CHECK(decision["amount"] == "100");
  // Exactly at the deadline is not past it.
  SwapSpec on_time = chain.Locked(kBobAddress, 100, "d-2");
  on_time.deadline_ms = chain.now_ms;
  chain.Decide(on_time, "settled");
}

TEST_CASE("a decided swap is never decided again", "[exchange][swap]") {
  ExchangeChain chain;
  SwapSpec spec = chain.Locked(kBobAddress, 100, "d-1");
  spec.deadline_ms = chain.now_ms - 1;
  chain.Decide(spec, "aborted");
  // A later proof that would settle it (say a relay with a newer view) changes nothing.
  spec.deadline_ms = chain.now_ms + kDayMs;
  CheckRefused(chain.SettleSwap(spec), 409, "already decided \"aborted\"");
  CHECK(chain.Query("swap", {kBeansChain, spec.Id()})["state"] == "aborted");
  const SwapSpec sold = chain.Locked(kBobAddress, 100, "d-2");
  chain.Decide(sold, "settled");
  const Json market = chain.Market();
  CheckRefused(chain.SettleSwap(sold), 409, "already decided \"settled\"");
  CHECK(chain.Market() == market);
}

TEST_CASE("a forged proof is refused", "[exchange][swap]") {
  ExchangeChain chain;
  const SwapSpec spec = chain.Locked(kBobAddress, 100, "d-1");
  // Same org name, a root the alliance never registered.
  CheckNotDecided(chain, spec, chain.SettleSwap(spec, MakePeer("CoffeeCo", 'X')), 403,
                  "proof refused");
  // AirCo's genuine peer is not an org of the beans chain.
  CheckNotDecided(chain, spec, chain.SettleSwap(spec, AirPeer()), 403, "proof refused");
  // A certificate of CoffeeCo's root, but a client's, not a peer's.
  CheckNotDecided(chain, spec, chain.SettleSwap(spec, MakePeer("CoffeeCo", 'C', milkpb::CLIENT)),
                  403, "proof refused");
  CheckNotDecided(chain, spec, SettleWith(chain, spec, "not a proof"), 400, "not a ViewProof");
  milkpb::ViewProof unsigned_proof = Parsed(SwapProof(spec, chain.now_ms));
  unsigned_proof.clear_signatures();
  CheckNotDecided(chain, spec, SettleWith(chain, spec, unsigned_proof.SerializeAsString()), 403,
                  "proof refused");
}

TEST_CASE("an altered proof is refused", "[exchange][swap]") {
  ExchangeChain chain;
  const SwapSpec spec = chain.Locked(kBobAddress, 100, "d-1");
  milkpb::ViewProof proof = Parsed(SwapProof(spec, chain.now_ms));
  SwapSpec bigger = spec;
  bigger.amount = 100'000;
  proof.mutable_result()->set_payload(bigger.Record().dump());
  CheckNotDecided(chain, spec, SettleWith(chain, spec, proof.SerializeAsString()), 403,
                  "proof refused");
  proof = Parsed(SwapProof(spec, chain.now_ms));
  proof.mutable_result()->set_block_time_ms(chain.now_ms + 1);
  CheckNotDecided(chain, spec, SettleWith(chain, spec, proof.SerializeAsString()), 403,
                  "proof refused");
  chain.Decide(spec, "settled");  // the genuine proof still works
}

TEST_CASE("a replayed proof of another swap is refused", "[exchange][swap]") {
  ExchangeChain chain;
  const SwapSpec first = chain.Locked(kBobAddress, 100, "d-1");
  const SwapSpec second = chain.Locked(kBobAddress, 100, "d-2");
  chain.Decide(first, "settled");
  CheckNotDecided(chain, second, SettleWith(chain, second, SwapProof(first, chain.now_ms)), 412,
                  "proof is of arguments");
}

TEST_CASE("a proof from the wrong chain is refused", "[exchange][swap]") {
  ExchangeChain chain;
  SwapSpec spec = chain.Locked(kBobAddress, 100, "d-1");
  SwapSpec miles = spec;
  miles.chain_id = kMilesChain;
  // Signed by AirCo's genuine peer for its own chain, presented as a beans swap.
  const std::string proof = SwapProof(miles, chain.now_ms, AirPeer());
  CheckNotDecided(chain, spec, SettleWith(chain, spec, proof), 412, "proof is from chain");
  // Of the right chain, but of a chaincode other than the configured swap chaincode.
  const std::string brandtoken = Prove(MakeView(kBeansChain, "brandtoken", "swap", {spec.Id()}, 200,
                                                spec.Record().dump(), chain.now_ms),
                                       CoffeePeer());
  CheckNotDecided(chain, spec, SettleWith(chain, spec, brandtoken), 412, "proof is of");
  // A chain the alliance never registered, and a registered chain without a market.
  SwapSpec nuts = spec;
  nuts.chain_id = "brand.nuts";
  CheckRefused(chain.SettleSwap(nuts), 404, "is not registered in the alliance");
  CheckRefused(chain.SettleSwap(miles, AirPeer()), 404, "no market trades on brand chain");
}

TEST_CASE("a stale proof is refused", "[exchange][swap]") {
  ExchangeChain chain;
  const SwapSpec spec = chain.Locked(kBobAddress, 100, "d-1");
  const std::string old = SwapProof(spec, chain.now_ms - kProofMaxAgeMs - 1);
  CheckNotDecided(chain, spec, SettleWith(chain, spec, old), 412, "stale proof");
  const std::string oldest_fresh = SwapProof(spec, chain.now_ms - kProofMaxAgeMs);
  REQUIRE(SettleWith(chain, spec, oldest_fresh).response.status() == 200);
}

TEST_CASE("the proven record must be a locked swap of this chain and market", "[exchange][swap]") {
  ExchangeChain chain;
  SwapSpec spec = chain.Locked(kBobAddress, 100, "d-1");
  auto with_record = [&](const Json& record, int32_t status = 200) {
    return Prove(
        MakeView(kBeansChain, "swap", "swap", {spec.Id()}, status, record.dump(), chain.now_ms),
        CoffeePeer());
  };
  CheckNotDecided(chain, spec, SettleWith(chain, spec, with_record(Json(), 404)), 412,
                  "shows status 404");
  for (const char* state : {"released", "refunded"}) {
    Json record = spec.Record();
    record["state"] = state;
    CheckNotDecided(chain, spec, SettleWith(chain, spec, with_record(record)), 412, "not locked");
  }
  Json kind = spec.Record();
  kind["kind"] = "buy";
  CheckNotDecided(chain, spec, SettleWith(chain, spec, with_record(kind)), 400, "neither sell");
  Json owner = spec.Record();
  owner["owner"] = kAliceAddress;  // Bob's id, Alice's name: someone else's swap id taken
  CheckNotDecided(chain, spec, SettleWith(chain, spec, with_record(owner)), 412,
                  "do not give the id");
  Json chain_field = spec.Record();
  chain_field["chain_id"] = kMilesChain;
  CheckNotDecided(chain, spec, SettleWith(chain, spec, with_record(chain_field)), 412,
                  "not " + spec.Id());
  Json brand = spec.Record();
  brand["brand"] = "miles";
  CheckNotDecided(chain, spec, SettleWith(chain, spec, with_record(brand)), 412,
                  "'s market is beans");
  Json amount = spec.Record();
  amount["amount"] = "0";
  CheckNotDecided(chain, spec, SettleWith(chain, spec, with_record(amount)), 400, "positive");
  Json missing = spec.Record();
  missing.erase("deadline_ms");
  CheckNotDecided(chain, spec, SettleWith(chain, spec, with_record(missing)), 400, "deadline_ms");
  CheckRefused(chain.Exchange("settle_swap", {kBeansChain, "XYZ", "p"}, kRelay), 400,
               "64 lower-case hex");
  CheckRefused(chain.Exchange("settle_swap", {kBeansChain, spec.Id()}, kRelay), 400, "usage");
}

TEST_CASE("the customer aborts after the deadline and the swap stays aborted", "[exchange][swap]") {
  ExchangeChain chain;
  const SwapSpec spec = chain.Locked(kAliceAddress, 100, "d-1");
  const std::string deadline = std::to_string(spec.deadline_ms);
  CheckRefused(chain.Exchange("abort_swap", {kBeansChain, "d-1", deadline}, kAlice), 412,
               "only after its deadline");
  chain.now_ms = spec.deadline_ms;  // at the deadline: not yet past it
  CheckRefused(chain.Exchange("abort_swap", {kBeansChain, "d-1", deadline}, kAlice), 412,
               "only after its deadline");
  chain.now_ms = spec.deadline_ms + 1;
  SimulationResult aborted = chain.Exchange("abort_swap", {kBeansChain, "d-1", deadline}, kAlice);
  REQUIRE(aborted.response.status() == 200);
  Json decision = Json::parse(aborted.response.payload());
  CHECK(decision["state"] == "aborted");
  CHECK(decision["reason"] == "aborted by the customer after the deadline");
  CHECK(decision["id"] == spec.Id());
  CHECK(decision["brand"] == "beans");
  CHECK(decision["amount"] == "0");
  CHECK(LastEvent(aborted, "swap_decided") == decision);
  // The relay's settle with a proof made before the deadline: 409, the decision stays.
  SwapSpec settle = spec;
  CheckRefused(SettleWith(chain, settle, SwapProof(spec, chain.now_ms - 2)), 409,
               "already decided \"aborted\"");
  CheckRefused(chain.Exchange("abort_swap", {kBeansChain, "d-1", deadline}, kAlice), 409,
               "already decided");
  CHECK(chain.Query("swap", {kBeansChain, spec.Id()}) == decision);
}

TEST_CASE("abort_swap cannot touch a settled swap or another customer's", "[exchange][swap]") {
  ExchangeChain chain;
  const SwapSpec alice = chain.Locked(kAliceAddress, 100, "d-1");
  chain.Decide(alice, "settled");
  chain.now_ms = alice.deadline_ms + 1;
  chain.SetFeed(kFeedMicroKrw);
  const std::string deadline = std::to_string(alice.deadline_ms);
  CheckRefused(chain.Exchange("abort_swap", {kBeansChain, "d-1", deadline}, kAlice), 409,
               "already decided \"settled\"");
  // Bob's abort of the same ref names Bob's own swap id, never Alice's.
  const SwapSpec bob_pending = chain.Locked(kAliceAddress, 100, "d-2");
  Json bob = chain.Ok("exchange", "abort_swap", {kBeansChain, "d-2", "1"}, kBob);
  CHECK(bob["id"] == TestSwapId(kBeansChain, kBobAddress, "d-2"));
  chain.Decide(bob_pending, "settled");
  CheckRefused(chain.Exchange("abort_swap", {kMilesChain, "d-3", "1"}, kAlice), 404,
               "no market trades");
  CheckRefused(chain.Exchange("abort_swap", {kBeansChain, "d 3", "1"}, kAlice), 400, "ref");
  CheckRefused(chain.Exchange("abort_swap", {kBeansChain, "d-3", "soon"}, kAlice), 400,
               "deadline_ms");
  CheckRefused(chain.Exchange("abort_swap", {kBeansChain, "d-3"}, kAlice), 400, "usage");
}

TEST_CASE("a purchase names the brand chain of its market", "[exchange][swap]") {
  ExchangeChain chain;
  Json bought = chain.Ok("exchange", "buy", {"beans", "10", Mlk(1000)}, kAlice);
  Json purchase = chain.Query("purchase", {bought["tx"].get<std::string>()});
  CHECK(purchase["chain_id"] == kBeansChain);
  CHECK(purchase["state"] == "pending");
}

}  // namespace
}  // namespace milk::chaincode::exchange_test
