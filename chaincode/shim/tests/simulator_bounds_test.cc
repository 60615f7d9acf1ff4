#include <catch2/catch.hpp>
#include <functional>
#include <string>

#include "chaincode/shim/memory_state.h"
#include "chaincode/shim/simulator.h"
#include "chaincode/shim/tests/test_util.h"

namespace milk::chaincode {
namespace {

using testing::Context;
using testing::FindNs;
using testing::RegisterLambda;

// Runs body as chaincode "cc"; body's own checks run inside. The chaincode always answers 200,
// so any other status comes from the simulator.
SimulationResult RunSwallowing(MemoryState& state, std::function<void(Stub&)> body) {
  Registry registry;
  RegisterLambda(registry, "cc", [&](Stub& stub) {
    body(stub);
    return Success();
  });
  return Simulate(registry, state, Context("cc", "f"));
}

void Check413(const SimulationResult& result, const std::string& bound_name) {
  CHECK(result.response.status() == 413);
  CHECK_THAT(result.response.message(), Catch::Contains(bound_name));
  CHECK(result.rwset.ns_rwset_size() == 0);
  CHECK(result.events.empty());
}

TEST_CASE("Empty and non-UTF-8 keys are refused without failing the transaction", "[bounds]") {
  MemoryState state;
  SimulationResult result = RunSwallowing(state, [](Stub& stub) {
    for (const std::string& bad : {std::string(), std::string("k\xff")}) {
      CHECK(stub.GetState(bad).status().code() == Code::kInvalidArgument);
      CHECK(stub.PutState(bad, "v").code() == Code::kInvalidArgument);
      CHECK(stub.DelState(bad).code() == Code::kInvalidArgument);
      CHECK(stub.GetHistoryForKey(bad).status().code() == Code::kInvalidArgument);
    }
    CHECK_THAT(stub.PutState("k\xff", "v").message(), Catch::Contains("not valid UTF-8"));
    CHECK(stub.GetStateByRange("\xc3", "").status().code() == Code::kInvalidArgument);
    CHECK(stub.GetStateByRange("a", "\xc3").status().code() == Code::kInvalidArgument);
    CHECK(stub.SetEvent("e\xff", "").code() == Code::kInvalidArgument);
    REQUIRE(stub.SetEvent("e", "payload is bytes: \xff").ok());
    REQUIRE(stub.PutState("ok", "v").ok());
  });
  CHECK(result.response.status() == 200);
  REQUIRE(FindNs(result.rwset, "cc") != nullptr);
  CHECK(FindNs(result.rwset, "cc")->writes_size() == 1);
}

TEST_CASE("Key and value sizes are bounded", "[bounds]") {
  MemoryState state;
  const std::string longest_key(kKeyBytesMax, 'k');
  const std::string too_long_key(kKeyBytesMax + 1, 'k');
  CHECK(RunSwallowing(state, [&](Stub& stub) {
          REQUIRE(stub.PutState(longest_key, std::string(kValueBytesMax, 'v')).ok());
        }).response.status() == 200);
  Check413(
      RunSwallowing(state,
                    [&](Stub& stub) {
                      CHECK(stub.PutState(too_long_key, "v").code() == Code::kResourceExhausted);
                    }),
      "kKeyBytesMax");
  Check413(RunSwallowing(state, [&](Stub& stub) { CHECK_FALSE(stub.GetState(too_long_key).ok()); }),
           "kKeyBytesMax");
  Check413(RunSwallowing(state, [&](Stub& stub) { CHECK_FALSE(stub.DelState(too_long_key).ok()); }),
           "kKeyBytesMax");
  Check413(
      RunSwallowing(state,
                    [&](Stub& stub) { CHECK_FALSE(stub.GetStateByRange(too_long_key, "").ok()); }),
      "kKeyBytesMax");
  Check413(
      RunSwallowing(state,
                    [&](Stub& stub) {
                      CHECK_FALSE(stub.PutState("k", std::string(kValueBytesMax + 1, 'v')).ok());
                    }),
      "kValueBytesMax");
}

TEST_CASE("Events are bounded in number, name and payload size", "[bounds]") {
  MemoryState state;
  SimulationResult most = RunSwallowing(state, [](Stub& stub) {
    for (size_t i = 0; i < kEventsMax; ++i) REQUIRE(stub.SetEvent("e", "").ok());
  });
  CHECK(most.response.status() == 200);
  CHECK(most.events.size() == kEventsMax);
  Check413(RunSwallowing(state,
                         [](Stub& stub) {
                           for (size_t i = 0; i <= kEventsMax; ++i) (void)stub.SetEvent("e", "");
                         }),
           "kEventsMax");
  CHECK(RunSwallowing(state, [](Stub& stub) {
          REQUIRE(stub.SetEvent("e", std::string(kEventPayloadBytesMax, 'p')).ok());
        }).response.status() == 200);
  Check413(RunSwallowing(
               state,
               [](Stub& stub) {
                 CHECK_FALSE(stub.SetEvent("e", std::string(kEventPayloadBytesMax + 1, 'p')).ok());
               }),
           "kEventPayloadBytesMax");
  Check413(
      RunSwallowing(state,
                    [](Stub& stub) {
                      CHECK_FALSE(stub.SetEvent(std::string(kEventNameBytesMax + 1, 'n'), "").ok());
                    }),
      "kEventNameBytesMax");
}

TEST_CASE("Distinct reads and writes per transaction are bounded", "[bounds]") {
  MemoryState state;
  SimulationResult writes_ok = RunSwallowing(state, [](Stub& stub) {
    for (size_t i = 0; i < kWriteKeysMax; ++i) REQUIRE(stub.PutState(std::to_string(i), "").ok());
    REQUIRE(stub.PutState("0", "rewrite").ok());  // rewriting a key is not a new key
  });
  CHECK(writes_ok.response.status() == 200);
  Check413(RunSwallowing(state,
                         [](Stub& stub) {
                           for (size_t i = 0; i <= kWriteKeysMax; ++i) {
                             (void)stub.PutState(std::to_string(i), "");
                           }
                         }),
           "kWriteKeysMax");
  SimulationResult reads_ok = RunSwallowing(state, [](Stub& stub) {
    for (size_t i = 0; i < kReadKeysMax; ++i) REQUIRE(stub.GetState(std::to_string(i)).ok());
    REQUIRE(stub.GetState("0").ok());  // a repeated read is not a new key
  });
  CHECK(reads_ok.response.status() == 200);
  Check413(RunSwallowing(state,
                         [](Stub& stub) {
                           for (size_t i = 0; i <= kReadKeysMax; ++i) {
                             (void)stub.GetState(std::to_string(i));
                           }
                         }),
           "kReadKeysMax");
}

TEST_CASE("Range reads are bounded in results and in number", "[bounds]") {
  MemoryState state;
  for (size_t i = 0; i < kRangeResultsMax; ++i) {
    state.Put("cc", "r" + std::to_string(100000 + i), "v", Version{1, 0});
  }
  SimulationResult full = RunSwallowing(state, [](Stub& stub) {
    auto range = stub.GetStateByRange("r", "s");
    REQUIRE(range.ok());
    CHECK(range->size() == kRangeResultsMax);
  });
  REQUIRE(full.response.status() == 200);
  CHECK(FindNs(full.rwset, "cc")->range_queries(0).reads_size() == kRangeResultsMax);

  state.Put("cc", "r_one_more", "v", Version{1, 0});
  Check413(RunSwallowing(state,
                         [](Stub& stub) {
                           CHECK(stub.GetStateByRange("r", "s").status().code() ==
                                 Code::kResourceExhausted);
                         }),
           "kRangeResultsMax");

  CHECK(RunSwallowing(state, [](Stub& stub) {
          for (size_t i = 0; i < kRangeQueriesMax; ++i)
            REQUIRE(stub.GetStateByRange("a", "b").ok());
        }).response.status() == 200);
  Check413(RunSwallowing(state,
                         [](Stub& stub) {
                           for (size_t i = 0; i <= kRangeQueriesMax; ++i) {
                             (void)stub.GetStateByRange("a", "b");
                           }
                         }),
           "kRangeQueriesMax");
}

TEST_CASE("History reads are bounded", "[bounds]") {
  MemoryState state;
  for (size_t i = 0; i < kHistoryEntriesMax; ++i) state.Put("cc", "k", "v", Version{i, 0});
  CHECK(RunSwallowing(state, [](Stub& stub) {
          REQUIRE(stub.GetHistoryForKey("k").ok());
        }).response.status() == 200);
  state.Put("cc", "k", "v", Version{kHistoryEntriesMax, 0});
  Check413(RunSwallowing(state, [](Stub& stub) { CHECK_FALSE(stub.GetHistoryForKey("k").ok()); }),
           "kHistoryEntriesMax");
}

}  // namespace
}  // namespace milk::chaincode
