// A seeded random walk over every brandtoken function, checking the invariants and a model of
// the totals after each step. Deterministic: a seed replays exactly.
#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "chaincode/brandtoken/brandtoken.h"
#include "chaincode/brandtoken/tests/brand_chain.h"

namespace milk::chaincode::brandtoken_test {
namespace {

// A small linear congruential generator (Knuth's MMIX constants): enough to vary the walk.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Below(uint64_t n) {
    state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL;
    return (state_ >> 33) % n;
  }

 private:
  uint64_t state_;
};

constexpr int kSeeds = 8;
constexpr int kStepsPerSeed = 300;  // enough for lots to expire, merge and be swept

struct Model {
  Amount issued = 0, redeemed = 0, expired = 0;
  std::vector<std::string> escrows;  // swap ids locked and not yet released or refunded
  int next_swap = 1;
};

// Reads an amount field "name":"123" out of a JSON payload.
Amount Field(const std::string& json, const std::string& name) {
  size_t at = json.find("\"" + name + "\":\"");
  REQUIRE(at != std::string::npos);
  at += name.size() + 4;
  return *ParseAmount(json.substr(at, json.find('"', at) - at));
}

void Step(BrandChain& chain, Rng& rng, Model& model, int step) {
  const crypto::IdentityInfo people[] = {kAlice, kBob, kPlatform};
  const std::string addresses[] = {kAliceAddress, kBobAddress, kPlatformAddress};
  const size_t who = rng.Below(3), other = (who + 1 + rng.Below(2)) % 3;
  const std::string amount = std::to_string(1 + rng.Below(50));
  const std::string ref = "r" + std::to_string(rng.Below(40));  // reused now and then
  switch (rng.Below(7)) {
    case 0: {
      const int64_t expiry = kNow + static_cast<int64_t>(1 + rng.Below(30)) * kDayMs / 3;
      SimulationResult r =
          chain.Run("issue", {addresses[who], amount, ref, std::to_string(expiry)});
      if (r.response.status() == 200 && !r.events.empty())
        model.issued += Field(r.response.payload(), "amount");
      CHECK((r.response.status() == 200 || r.response.status() == 409 ||
             r.response.status() == 400 || (who == 2 && r.response.status() == 403)));
      break;
    }
    case 1: {
      SimulationResult r = chain.Run("redeem", {amount}, people[who]);
      if (r.response.status() == 200) model.redeemed += Field(r.response.payload(), "amount");
      CHECK((r.response.status() == 200 || r.response.status() == 412 ||
             (who == 2 && r.response.status() == 403)));
      break;
    }
    case 2: {
      SimulationResult r = chain.Run("transfer", {addresses[other], amount}, people[who]);
      const bool platform = who == 2 || other == 2;
      CHECK((r.response.status() == 200 || r.response.status() == 412 ||
             (platform && r.response.status() == 403)));
      CHECK((!platform || r.response.status() != 200));
      break;
    }
    case 3: {
      const std::string to = addresses[who == 2 ? 0 : who];
      SimulationResult r = chain.Swap("credit_purchase", {to, amount, "s" + ref});
      CHECK(
          (r.response.status() == 200 || r.response.status() == 409 || r.response.status() == 412));
      break;
    }
    case 4: {
      SimulationResult r = chain.Run("sweep", {addresses[who], addresses[other]}, people[who]);
      REQUIRE(r.response.status() == 200);
      model.expired += Field(r.response.payload(), "total");
      break;
    }
    case 5: {  // an escrow locked, or the oldest one released or refunded
      if (who == 2 || model.escrows.empty()) {
        const std::string swap_id = TestSwapId(model.next_swap++);
        SimulationResult r = chain.Swap("escrow_lock", {addresses[other], amount, swap_id});
        if (r.response.status() == 200) model.escrows.push_back(swap_id);
        CHECK((r.response.status() == 200 || r.response.status() == 412 ||
               (other == 2 && r.response.status() == 403)));
      } else {
        const char* function = who == 0 ? "escrow_release" : "escrow_refund";
        SimulationResult r = chain.Swap(function, {model.escrows.front()});
        REQUIRE(r.response.status() == 200);
        if (who != 0) model.expired += Field(r.response.payload(), "expired");
        model.escrows.erase(model.escrows.begin());
      }
      break;
    }
    default:
      chain.SetNow(kNow + static_cast<int64_t>(step) * kDayMs / 30);
  }
}

TEST_CASE("Random walks keep issued minus redeemed minus expired equal to all lots",
          "[brandtoken]") {
  for (int seed = 1; seed <= kSeeds; ++seed) {
    INFO("seed " << seed);
    BrandChain chain;
    Rng rng(static_cast<uint64_t>(seed));
    Model model;
    chain.Stock("500");  // TICA's inventory, for the purchases
    model.issued = 500;
    for (int step = 0; step < kStepsPerSeed; ++step) {
      Step(chain, rng, model, step);
      chain.Invariants();
      const std::string totals = chain.Totals();
      REQUIRE(Field(totals, "issued") == model.issued);
      REQUIRE(Field(totals, "redeemed") == model.redeemed);
      REQUIRE(Field(totals, "expired") == model.expired);
    }
    CHECK(model.issued > 0);
    CHECK(model.redeemed > 0);
    CHECK(model.expired > 0);
  }
}

}  // namespace
}  // namespace milk::chaincode::brandtoken_test
