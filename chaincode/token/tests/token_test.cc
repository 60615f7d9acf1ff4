#include "chaincode/token/token.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "chaincode/builtin.h"
#include "chaincode/shim/memory_state.h"
#include "chaincode/shim/simulator.h"
#include "chaincode/shim/tests/test_util.h"
#include "crypto/identity.h"

namespace milk::chaincode {
namespace {

using testing::Context;
using testing::FindNs;
using testing::Member;
using testing::Wallet;

const crypto::IdentityInfo kIssuer = Member("TICA", milkpb::CLIENT, 'i');
const crypto::IdentityInfo kAlice = Wallet('a');
const crypto::IdentityInfo kBob = Wallet('b');
const std::string kAliceAddress = crypto::WalletAddress(kAlice.public_key);
const std::string kBobAddress = crypto::WalletAddress(kBob.public_key);

// The address with its last checksum character changed.
std::string BadChecksum(std::string address) {
  address.back() = address.back() == '0' ? '1' : '0';
  return address;
}

// A chain with the built-in chaincodes and a committer that applies every 200 result.
class TokenChain {
 public:
  explicit TokenChain(std::vector<std::string> init_args = {}) {
    RegisterBuiltinChaincodes(registry_);
    SimulationResult init =
        Simulate(registry_, state_, Context("token", "", std::move(init_args)), /*init=*/true);
    REQUIRE(init.response.status() == 200);
    Commit(init);
  }

  SimulationResult Run(const std::string& function, std::vector<std::string> args,
                       const crypto::IdentityInfo& creator = kIssuer) {
    SimulationResult result =
        Simulate(registry_, state_, Context("token", function, std::move(args), creator));
    if (result.response.status() == 200) Commit(result);
    return result;
  }

  std::string Query(const std::string& function, std::vector<std::string> args = {}) {
    SimulationResult result = Run(function, std::move(args));
    REQUIRE(result.response.status() == 200);
    return result.response.payload();
  }
  std::string BalanceOf(const std::string& address) { return Query("balance", {address}); }

  MemoryState& state() { return state_; }
  Version last_version() const { return Version{block_ - 1, 0}; }

 private:
  void Commit(const SimulationResult& result) { state_.Apply(result.rwset, Version{block_++, 0}); }

  Registry registry_;
  MemoryState state_;
  uint64_t block_ = 1;
};

std::string StoredAt(MemoryState& state, const std::string& type,
                     const std::vector<std::string>& attributes) {
  auto got = state.Get("token", *CreateCompositeKey(type, attributes));
  REQUIRE(got.ok());
  return got->has_value() ? (*got)->value : "<none>";
}

TEST_CASE("Init stores the symbol and a zero supply", "[token]") {
  TokenChain chain;
  CHECK(StoredAt(chain.state(), "symbol", {}) == "MLKT");
  CHECK(StoredAt(chain.state(), "supply", {}) == "0");
  CHECK(chain.Query("supply") == "0");
  TokenChain brand({"BTA"});
  CHECK(StoredAt(brand.state(), "symbol", {}) == "BTA");
}

TEST_CASE("Init refuses a bad symbol or too many arguments", "[token]") {
  Registry registry;
  RegisterBuiltinChaincodes(registry);
  MemoryState state;
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"A", "B"}, {""}, {"MLK-T"}, {std::string(kTokenSymbolBytesMax + 1, 'X')}}) {
    SimulationResult result = Simulate(registry, state, Context("token", "", args), true);
    CHECK(result.response.status() == 400);
    CHECK(result.rwset.ns_rwset_size() == 0);
  }
}

TEST_CASE("issue mints to an address and raises the supply", "[token]") {
  TokenChain chain;
  SimulationResult issued = chain.Run("issue", {kAliceAddress, "1000"});
  REQUIRE(issued.response.status() == 200);
  REQUIRE(issued.events.size() == 1);
  CHECK(issued.events[0].name() == "issue");
  CHECK(issued.events[0].chaincode() == "token");
  CHECK(issued.events[0].payload() == "{\"to\":\"" + kAliceAddress + "\",\"amount\":\"1000\"}");
  REQUIRE(
      chain.Run("issue", {kAliceAddress, "5"}, Member("TICA", milkpb::ADMIN)).response.status() ==
      200);
  CHECK(chain.BalanceOf(kAliceAddress) == "1005");
  CHECK(chain.BalanceOf(kBobAddress) == "0");
  CHECK(chain.Query("supply") == "1005");
  CHECK(StoredAt(chain.state(), "balance", {kAliceAddress}) == "1005");
}

TEST_CASE("issue is for org members with role client or admin", "[token]") {
  TokenChain chain;
  SimulationResult by_peer = chain.Run("issue", {kAliceAddress, "1"}, Member("TICA", milkpb::PEER));
  CHECK(by_peer.response.status() == 403);
  CHECK(by_peer.response.message() ==
        "issue requires an org member with role client or admin; caller is TICA.peer");
  SimulationResult by_wallet = chain.Run("issue", {kAliceAddress, "1"}, kAlice);
  CHECK(by_wallet.response.status() == 403);
  CHECK(by_wallet.response.message() ==
        "issue requires an org member with role client or admin; caller is wallet");
  CHECK(chain.Query("supply") == "0");
}

TEST_CASE("issue refuses bad input and overflow", "[token]") {
  TokenChain chain;
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const Case cases[] = {
      {{kAliceAddress}, "usage: issue <to_address> <amount>"},
      {{kAliceAddress, "1", "2"}, "usage: issue"},
      {{"mlk1nothex", "1"}, "invalid address"},
      {{BadChecksum(kAliceAddress), "1"}, "invalid address"},
      {{kAliceAddress, "0"}, "must be positive"},
      {{kAliceAddress, "-1"}, "not a decimal integer"},
      {{kAliceAddress, "01"}, "leading zero"},
      {{kAliceAddress, ""}, "empty"},
  };
  for (const Case& c : cases) {
    SimulationResult result = chain.Run("issue", c.args);
    INFO(c.message);
    CHECK(result.response.status() == 400);
    CHECK_THAT(result.response.message(), Catch::Contains(c.message));
  }
  const std::string max = FormatAmount(kAmountMax);
  REQUIRE(chain.Run("issue", {kAliceAddress, max}).response.status() == 200);
  SimulationResult overflow = chain.Run("issue", {kBobAddress, "1"});
  CHECK(overflow.response.status() == 400);
  CHECK_THAT(overflow.response.message(), Catch::Contains("overflow"));
  CHECK(chain.Query("supply") == max);
  CHECK(chain.BalanceOf(kBobAddress) == "0");
}

TEST_CASE("transfer moves funds from the creator's address", "[token]") {
  TokenChain chain;
  REQUIRE(chain.Run("issue", {kAliceAddress, "10"}).response.status() == 200);
  SimulationResult moved = chain.Run("transfer", {kBobAddress, "7"}, kAlice);
  REQUIRE(moved.response.status() == 200);
  REQUIRE(moved.events.size() == 1);
  CHECK(moved.events[0].name() == "transfer");
  CHECK(moved.events[0].payload() ==
        "{\"from\":\"" + kAliceAddress + "\",\"to\":\"" + kBobAddress + "\",\"amount\":\"7\"}");
  CHECK(chain.BalanceOf(kAliceAddress) == "3");
  CHECK(chain.BalanceOf(kBobAddress) == "7");
  CHECK(chain.Query("supply") == "10");

  SimulationResult short_funds = chain.Run("transfer", {kBobAddress, "7"}, kAlice);
  CHECK(short_funds.response.status() == 400);
  CHECK(short_funds.response.message() == "insufficient funds: balance 3, transfer 7");
  REQUIRE(chain.Run("transfer", {kBobAddress, "3"}, kAlice).response.status() == 200);
  CHECK(chain.BalanceOf(kAliceAddress) == "0");
  CHECK(chain.BalanceOf(kBobAddress) == "10");
}

TEST_CASE("org members transfer from the address of their public key", "[token]") {
  TokenChain chain;
  const std::string issuer_address = crypto::WalletAddress(kIssuer.public_key);
  REQUIRE(chain.Run("issue", {issuer_address, "4"}).response.status() == 200);
  REQUIRE(chain.Run("transfer", {kBobAddress, "4"}, kIssuer).response.status() == 200);
  CHECK(chain.BalanceOf(issuer_address) == "0");
  CHECK(chain.BalanceOf(kBobAddress) == "4");
}

TEST_CASE("transfer refuses bad input", "[token]") {
  TokenChain chain;
  REQUIRE(chain.Run("issue", {kAliceAddress, "10"}).response.status() == 200);
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const Case cases[] = {
      {{kBobAddress}, "usage: transfer <to_address> <amount>"},
      {{"nobody", "1"}, "invalid address"},
      {{kBobAddress, "0"}, "must be positive"},
      {{kBobAddress, "1.0"}, "not a decimal integer"},
      {{kAliceAddress, "1"}, "yourself"},
      {{kBobAddress, "11"}, "insufficient funds: balance 10, transfer 11"},
  };
  for (const Case& c : cases) {
    SimulationResult result = chain.Run("transfer", c.args, kAlice);
    INFO(c.message);
    CHECK(result.response.status() == 400);
    CHECK_THAT(result.response.message(), Catch::Contains(c.message));
    CHECK(result.rwset.ns_rwset_size() == 0);
    CHECK(result.events.empty());
  }
  CHECK(chain.BalanceOf(kAliceAddress) == "10");
}

TEST_CASE("queries and unknown functions", "[token]") {
  TokenChain chain;
  SimulationResult bad_address = chain.Run("balance", {"mlk1"});
  CHECK(bad_address.response.status() == 400);
  CHECK_THAT(bad_address.response.message(), Catch::Contains("invalid address"));
  CHECK(chain.Run("balance", {}).response.message() == "usage: balance <address>");
  CHECK(chain.Run("supply", {"x"}).response.message() == "usage: supply");
  SimulationResult unknown = chain.Run("burn", {});
  CHECK(unknown.response.status() == 400);
  CHECK(unknown.response.message() ==
        "unknown function 'burn' (token has issue, transfer, balance, supply)");
}

TEST_CASE("a transfer's read/write set holds both balances with versions", "[token]") {
  TokenChain chain;
  REQUIRE(chain.Run("issue", {kAliceAddress, "10"}).response.status() == 200);
  const Version issued_at = chain.last_version();
  SimulationResult moved = chain.Run("transfer", {kBobAddress, "4"}, kAlice);
  REQUIRE(moved.response.status() == 200);
  REQUIRE(moved.rwset.ns_rwset_size() == 1);
  const milkpb::NsReadWriteSet& ns = moved.rwset.ns_rwset(0);
  CHECK(ns.namespace_() == "token");
  CHECK(ns.range_queries_size() == 0);

  std::string alice_key = *CreateCompositeKey("balance", {kAliceAddress});
  std::string bob_key = *CreateCompositeKey("balance", {kBobAddress});
  REQUIRE(ns.reads_size() == 2);
  REQUIRE(ns.writes_size() == 2);
  for (int i = 0; i < 2; ++i) {
    const milkpb::KVRead& read = ns.reads(i);
    const milkpb::KVWrite& write = ns.writes(i);
    CHECK(read.key() == write.key());
    if (read.key() == alice_key) {
      REQUIRE(read.has_version());
      CHECK(read.version().block_number() == issued_at.block_number);
      CHECK(write.value() == "6");
    } else {
      CHECK(read.key() == bob_key);
      CHECK_FALSE(read.has_version());  // Bob had no balance yet
      CHECK(write.value() == "4");
    }
    CHECK_FALSE(write.is_delete());
  }
  CHECK(ns.reads(0).key() < ns.reads(1).key());
}

// Runs the token chaincode inside a wrapper that always answers 200, so the read/write set
// shows whatever the token itself wrote before refusing.
TEST_CASE("every refusal is decided before anything is written", "[token]") {
  TokenChain chain;
  REQUIRE(chain.Run("issue", {kAliceAddress, "10"}).response.status() == 200);
  REQUIRE(chain.Run("issue", {kBobAddress, FormatAmount(kAmountMax - 10)}).response.status() ==
          200);
  Registry registry;
  testing::RegisterLambda(registry, "token", [](Stub& stub) {
    milkpb::Response inner = TokenChaincode().Invoke(stub);
    return Success(std::to_string(inner.status()));
  });
  struct Case {
    std::string function;
    std::vector<std::string> args;
    crypto::IdentityInfo creator;
  };
  const Case cases[] = {
      {"issue", {kAliceAddress, "1"}, kAlice},   {"issue", {kAliceAddress, "0"}, kIssuer},
      {"issue", {kAliceAddress, "1"}, kIssuer},  // the supply would overflow
      {"transfer", {kBobAddress, "11"}, kAlice}, {"transfer", {kAliceAddress, "1"}, kAlice},
      {"transfer", {"bad", "1"}, kAlice},        {"nothing", {}, kAlice},
  };
  for (const Case& c : cases) {
    SimulationResult result =
        Simulate(registry, chain.state(), Context("token", c.function, c.args, c.creator));
    INFO(c.function << " " << (c.args.empty() ? "" : c.args.back()));
    REQUIRE(result.response.status() == 200);
    CHECK(result.response.payload() != "200");
    const auto* ns = FindNs(result.rwset, "token");
    CHECK((ns == nullptr || ns->writes_size() == 0));
    CHECK(result.events.empty());
  }
}

TEST_CASE("the same transactions give byte-identical read/write sets", "[token]") {
  auto run = [] {
    TokenChain chain({"BTA"});
    std::string bytes;
    for (const auto& result : {chain.Run("issue", {kAliceAddress, "100"}),
                               chain.Run("transfer", {kBobAddress, "40"}, kAlice),
                               chain.Run("transfer", {kAliceAddress, "15"}, kBob)}) {
      REQUIRE(result.response.status() == 200);
      bytes += result.rwset.SerializeAsString();
      for (const auto& event : result.events) bytes += event.SerializeAsString();
    }
    return bytes;
  };
  std::string first = run();
  CHECK(first.size() > 100);
  CHECK(run() == first);
}

}  // namespace
}  // namespace milk::chaincode
