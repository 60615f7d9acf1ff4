#include "chaincode/shim/simulator.h"

#include <catch2/catch.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "chaincode/shim/memory_state.h"
#include "chaincode/shim/tests/test_util.h"

namespace milk::chaincode {
namespace {

using namespace std::string_literals;
using testing::Context;
using testing::FindNs;
using testing::RegisterLambda;

std::string ValueOr(Stub& stub, const std::string& key, const std::string& absent = "<none>") {
  auto got = stub.GetState(key);
  if (!got.ok()) return "<error " + got.status().ToString() + ">";
  return got->has_value() ? **got : absent;
}

TEST_CASE("Own writes are read back without entering the read set", "[simulator]") {
  Registry registry;
  MemoryState state;
  state.Put("cc", "gone", "old", Version{1, 0});
  std::vector<std::string> seen;
  RegisterLambda(registry, "cc", [&](Stub& stub) {
    REQUIRE(stub.PutState("k", "v1").ok());
    REQUIRE(stub.PutState("k", "v2").ok());  // the last write wins
    seen.push_back(ValueOr(stub, "k"));
    REQUIRE(stub.DelState("gone").ok());
    seen.push_back(ValueOr(stub, "gone"));
    return Success();
  });
  SimulationResult result = Simulate(registry, state, Context("cc", "f"));
  REQUIRE(result.response.status() == 200);
  CHECK(seen == std::vector<std::string>{"v2", "<none>"});
  const auto* ns = FindNs(result.rwset, "cc");
  REQUIRE(ns != nullptr);
  CHECK(ns->reads_size() == 0);
  REQUIRE(ns->writes_size() == 2);
  CHECK(ns->writes(0).key() == "gone");
  CHECK(ns->writes(0).is_delete());
  CHECK(ns->writes(1).key() == "k");
  CHECK(ns->writes(1).value() == "v2");
  CHECK_FALSE(ns->writes(1).is_delete());
}

TEST_CASE("Reads record the committed version, or none for an absent key", "[simulator]") {
  Registry registry;
  MemoryState state;
  state.Put("cc", "present", "p", Version{3, 1});
  RegisterLambda(registry, "cc", [&](Stub& stub) {
    CHECK(ValueOr(stub, "present") == "p");
    CHECK(ValueOr(stub, "absent") == "<none>");
    CHECK(ValueOr(stub, "present") == "p");  // read twice: still one entry
    REQUIRE(stub.PutState("absent", "now").ok());
    CHECK(ValueOr(stub, "absent") == "now");  // the first read (absent) stays recorded
    return Success();
  });
  SimulationResult result = Simulate(registry, state, Context("cc", "f"));
  REQUIRE(result.response.status() == 200);
  const auto* ns = FindNs(result.rwset, "cc");
  REQUIRE(ns != nullptr);
  REQUIRE(ns->reads_size() == 2);
  CHECK(ns->reads(0).key() == "absent");
  CHECK_FALSE(ns->reads(0).has_version());
  CHECK(ns->reads(1).key() == "present");
  REQUIRE(ns->reads(1).has_version());
  CHECK(ns->reads(1).version().block_number() == 3);
  CHECK(ns->reads(1).version().tx_index() == 1);
}

TEST_CASE("The first read of a key fixes its version", "[simulator]") {
  Registry registry;
  MemoryState state;
  state.Put("cc", "k", "old", Version{1, 0});
  RegisterLambda(registry, "cc", [&](Stub& stub) {
    CHECK(ValueOr(stub, "k") == "old");
    state.Put("cc", "k", "new", Version{2, 0});  // a reader that is not a snapshot
    CHECK(ValueOr(stub, "k") == "new");
    return Success();
  });
  SimulationResult result = Simulate(registry, state, Context("cc", "f"));
  REQUIRE(result.response.status() == 200);
  const auto* ns = FindNs(result.rwset, "cc");
  REQUIRE(ns != nullptr);
  REQUIRE(ns->reads_size() == 1);
  CHECK(ns->reads(0).version().block_number() == 1);
}

TEST_CASE("Writes and namespaces come out sorted", "[simulator]") {
  Registry registry;
  MemoryState state;
  RegisterLambda(registry, "b_cc", [](Stub& stub) {
    REQUIRE(stub.PutState("x", "1").ok());
    return Success();
  });
  RegisterLambda(registry, "a_cc", [](Stub& stub) {
    REQUIRE(stub.PutState("y", "1").ok());
    return Success();
  });
  RegisterLambda(registry, "main", [](Stub& stub) {
    for (const char* key : {"z", "a", "m"}) REQUIRE(stub.PutState(key, "v").ok());
    CHECK(stub.InvokeChaincode("b_cc", "f", {}).status() == 200);
    CHECK(stub.InvokeChaincode("a_cc", "f", {}).status() == 200);
    return Success();
  });
  SimulationResult result = Simulate(registry, state, Context("main", "f"));
  REQUIRE(result.response.status() == 200);
  REQUIRE(result.rwset.ns_rwset_size() == 3);
  CHECK(result.rwset.ns_rwset(0).namespace_() == "a_cc");
  CHECK(result.rwset.ns_rwset(1).namespace_() == "b_cc");
  const auto& main_ns = result.rwset.ns_rwset(2);
  CHECK(main_ns.namespace_() == "main");
  REQUIRE(main_ns.writes_size() == 3);
  CHECK(main_ns.writes(0).key() == "a");
  CHECK(main_ns.writes(1).key() == "m");
  CHECK(main_ns.writes(2).key() == "z");
}

TEST_CASE("Range reads see committed keys only and are recorded", "[simulator]") {
  Registry registry;
  MemoryState state;
  state.Put("cc", "a", "1", Version{1, 0});
  state.Put("cc", "b", "2", Version{1, 1});
  state.Put("cc", "c", "3", Version{2, 0});
  state.Put("cc", "d", "4", Version{2, 1});
  state.Put("other", "b1", "x", Version{1, 0});
  std::vector<std::string> bounded;
  std::vector<std::string> open;
  RegisterLambda(registry, "cc", [&](Stub& stub) {
    REQUIRE(stub.PutState("bb", "own").ok());  // not visible to the range read
    auto range = stub.GetStateByRange("b", "d");
    REQUIRE(range.ok());
    for (const KV& kv : *range) bounded.push_back(kv.key + "=" + kv.value);
    auto to_end = stub.GetStateByRange("c", "");
    REQUIRE(to_end.ok());
    for (const KV& kv : *to_end) open.push_back(kv.key);
    auto backwards = stub.GetStateByRange("d", "b");
    CHECK(backwards.status().code() == Code::kInvalidArgument);
    return Success();
  });
  SimulationResult result = Simulate(registry, state, Context("cc", "f"));
  REQUIRE(result.response.status() == 200);
  CHECK(bounded == std::vector<std::string>{"b=2", "c=3"});
  CHECK(open == std::vector<std::string>{"c", "d"});

  const auto* ns = FindNs(result.rwset, "cc");
  REQUIRE(ns != nullptr);
  CHECK(ns->reads_size() == 0);  // range reads go into range_queries only
  REQUIRE(ns->range_queries_size() == 2);
  const auto& first = ns->range_queries(0);
  CHECK(first.start_key() == "b");
  CHECK(first.end_key() == "d");
  CHECK(first.exhausted());
  REQUIRE(first.reads_size() == 2);
  CHECK(first.reads(0).key() == "b");
  CHECK(first.reads(0).version().tx_index() == 1);
  CHECK(first.reads(1).key() == "c");
  CHECK(first.reads(1).version().block_number() == 2);
  CHECK(ns->range_queries(1).end_key().empty());
  CHECK(ns->range_queries(1).reads_size() == 2);
}

TEST_CASE("Partial composite key reads match the exact object type", "[simulator]") {
  Registry registry;
  MemoryState state;
  auto put = [&](const std::string& type, const std::vector<std::string>& attributes) {
    state.Put("cc", *CreateCompositeKey(type, attributes), type, Version{1, 0});
  };
  put("bal", {"x"});
  put("balance", {"a"});
  put("balance", {"a", "b"});
  put("balance", {"\xf4\x8f\xbf\xbf"});  // U+10FFFF
  put("balancex", {"a"});
  state.Put("cc", "balance", "plain", Version{1, 0});
  size_t all = 0;
  size_t under_a = 0;
  RegisterLambda(registry, "cc", [&](Stub& stub) {
    auto whole = stub.GetStateByPartialCompositeKey("balance", {});
    REQUIRE(whole.ok());
    all = whole->size();
    for (const KV& kv : *whole) CHECK(SplitCompositeKey(kv.key)->first == "balance");
    auto narrow = stub.GetStateByPartialCompositeKey("balance", {"a"});
    REQUIRE(narrow.ok());
    under_a = narrow->size();
    CHECK(stub.GetStateByPartialCompositeKey("", {}).status().code() == Code::kInvalidArgument);
    CHECK(stub.GetStateByPartialCompositeKey("balance", {"a\0"s}).status().code() ==
          Code::kInvalidArgument);
    return Success();
  });
  SimulationResult result = Simulate(registry, state, Context("cc", "f"));
  REQUIRE(result.response.status() == 200);
  CHECK(all == 3);
  CHECK(under_a == 2);
  const auto* ns = FindNs(result.rwset, "cc");
  REQUIRE(ns != nullptr);
  REQUIRE(ns->range_queries_size() == 2);
  CHECK(ns->range_queries(0).start_key() == "\0balance\0"s);
  CHECK(ns->range_queries(0).end_key() == "\0balance\x01"s);
}

TEST_CASE("History is served but not recorded; the context is visible", "[simulator]") {
  Registry registry;
  MemoryState state;
  state.Put("cc", "k", "v1", Version{1, 0}, "t1", 10);
  state.Delete("cc", "k", Version{2, 0}, "t2", 20);
  TxContext context = Context("cc", "fn", {"a1", "a2"});
  RegisterLambda(registry, "cc", [&](Stub& stub) {
    auto history = stub.GetHistoryForKey("k");
    REQUIRE(history.ok());
    REQUIRE(history->size() == 2);
    CHECK((*history)[1].is_delete);
    CHECK(stub.GetTxID() == context.tx_id);
    CHECK(stub.GetChainID() == "brand.a");
    CHECK(stub.GetCreator().org == "TICA");
    CHECK(stub.GetTxTimestamp() == context.timestamp_ms);
    CHECK(stub.GetFunction() == "fn");
    CHECK(stub.GetArgs() == std::vector<std::string>{"a1", "a2"});
    return Success("done");
  });
  SimulationResult result = Simulate(registry, state, context);
  REQUIRE(result.response.status() == 200);
  CHECK(result.response.payload() == "done");
  CHECK(result.rwset.ns_rwset_size() == 0);
}

TEST_CASE("Events carry the chaincode and tx id, in order", "[simulator]") {
  Registry registry;
  MemoryState state;
  RegisterLambda(registry, "cc", [](Stub& stub) {
    REQUIRE(stub.SetEvent("first", "p1").ok());
    REQUIRE(stub.SetEvent("second", "").ok());
    CHECK(stub.SetEvent("", "p").code() == Code::kInvalidArgument);
    return Success();
  });
  SimulationResult result = Simulate(registry, state, Context("cc", "f"));
  REQUIRE(result.response.status() == 200);
  REQUIRE(result.events.size() == 2);
  CHECK(result.events[0].name() == "first");
  CHECK(result.events[0].payload() == "p1");
  CHECK(result.events[0].chaincode() == "cc");
  CHECK(result.events[0].tx_id() == "tx-cc-f");
  CHECK(result.events[1].name() == "second");
}

TEST_CASE("A failed call leaves no read/write set and no events", "[simulator]") {
  Registry registry;
  MemoryState state;
  state.Put("cc", "k", "v", Version{1, 0});
  RegisterLambda(registry, "cc", [](Stub& stub) {
    REQUIRE(stub.GetState("k").ok());
    REQUIRE(stub.PutState("k", "changed").ok());
    REQUIRE(stub.SetEvent("e", "p").ok());
    return BadRequest("nope");
  });
  SimulationResult result = Simulate(registry, state, Context("cc", "f"));
  CHECK(result.response.status() == 400);
  CHECK(result.response.message() == "nope");
  CHECK(result.rwset.ns_rwset_size() == 0);
  CHECK(result.events.empty());
}

TEST_CASE("Exceptions, unknown chaincodes and missing statuses become responses", "[simulator]") {
  Registry registry;
  MemoryState state;
  RegisterLambda(registry, "throws", [](Stub& stub) -> milkpb::Response {
    REQUIRE(stub.PutState("k", "v").ok());
    throw std::runtime_error("division by zero in pricing");
  });
  RegisterLambda(registry, "throws_int", [](Stub&) -> milkpb::Response { throw 7; });
  RegisterLambda(registry, "no_status", [](Stub&) { return milkpb::Response(); });

  SimulationResult thrown = Simulate(registry, state, Context("throws", "f"));
  CHECK(thrown.response.status() == 500);
  CHECK_THAT(thrown.response.message(), Catch::Contains("division by zero in pricing"));
  CHECK(thrown.rwset.ns_rwset_size() == 0);

  SimulationResult odd = Simulate(registry, state, Context("throws_int", "f"));
  CHECK(odd.response.status() == 500);
  CHECK_THAT(odd.response.message(), Catch::Contains("non-standard exception"));

  SimulationResult unknown = Simulate(registry, state, Context("ghost", "f"));
  CHECK(unknown.response.status() == 404);
  CHECK(unknown.response.message() == "chaincode 'ghost' is not installed on this node");

  SimulationResult empty = Simulate(registry, state, Context("no_status", "f"));
  CHECK(empty.response.status() == 500);
  CHECK_THAT(empty.response.message(), Catch::Contains("without a status"));
}

TEST_CASE("Messages always serialize as UTF-8", "[simulator]") {
  Registry registry;
  MemoryState state;
  RegisterLambda(registry, "raw", [](Stub&) { return BadRequest("bad arg \xff\xfe"); });
  RegisterLambda(registry, "throws",
                 [](Stub&) -> milkpb::Response { throw std::runtime_error("what \xc3"); });
  SimulationResult raw = Simulate(registry, state, Context("raw", "f"));
  CHECK(raw.response.status() == 400);
  CHECK(raw.response.message() == "bad arg \\xff\\xfe");
  CHECK(Simulate(registry, state, Context("throws", "f")).response.message() ==
        "chaincode 'throws' threw: what \\xc3");

  RegisterLambda(registry, "caller",
                 [](Stub& stub) { return stub.InvokeChaincode("gh\xffost", "f", {}); });
  SimulationResult missing = Simulate(registry, state, Context("caller", "f"));
  CHECK(missing.response.status() == 404);
  CHECK(missing.response.message() == "chaincode 'gh\\xffost' is not installed on this node");
  milkpb::Response parsed;
  CHECK(parsed.ParseFromString(missing.response.SerializeAsString()));
}

TEST_CASE("Init runs the chaincode's Init", "[simulator]") {
  Registry registry;
  MemoryState state;
  RegisterLambda(
      registry, "cc", [](Stub&) { return Success("invoke"); },
      [](Stub& stub) {
        REQUIRE(stub.PutState("init", stub.GetArgs().empty() ? "" : stub.GetArgs()[0]).ok());
        return Success("init");
      });
  SimulationResult result = Simulate(registry, state, Context("cc", "", {"X"}), /*init=*/true);
  REQUIRE(result.response.status() == 200);
  CHECK(result.response.payload() == "init");
  CHECK(FindNs(result.rwset, "cc")->writes(0).value() == "X");
  CHECK(Simulate(registry, state, Context("cc", "f")).response.payload() == "invoke");
}

TEST_CASE("A failing state store fails the transaction even if the chaincode carries on",
          "[simulator]") {
  Registry registry;
  MemoryState state;
  state.FailReadsWith(IoError("rocksdb: corruption"));
  RegisterLambda(registry, "cc", [](Stub& stub) {
    CHECK_FALSE(stub.GetState("k").ok());  // a careless chaincode ignores this...
    REQUIRE(stub.PutState("k", "0").ok());
    return Success();  // ...and answers success
  });
  SimulationResult result = Simulate(registry, state, Context("cc", "f"));
  CHECK(result.response.status() == 500);
  CHECK_THAT(result.response.message(), Catch::Contains("rocksdb: corruption"));
  CHECK(result.rwset.ns_rwset_size() == 0);
}

TEST_CASE("The same execution gives byte-identical results", "[simulator]") {
  Registry registry;
  RegisterLambda(registry, "cc", [](Stub& stub) {
    REQUIRE(stub.GetState("r2").ok());
    REQUIRE(stub.GetState("r1").ok());
    REQUIRE(stub.GetStateByRange("", "").ok());
    for (const char* key : {"w3", "w1", "w2"}) REQUIRE(stub.PutState(key, key).ok());
    REQUIRE(stub.SetEvent("e", "p").ok());
    return Success();
  });
  auto run = [&](bool reverse_insert) {
    MemoryState state;
    std::vector<std::string> keys = {"r1", "r2", "r3"};
    if (reverse_insert) keys = {"r3", "r2", "r1"};
    for (const auto& key : keys) state.Put("cc", key, "v", Version{1, 0});
    SimulationResult result = Simulate(registry, state, Context("cc", "f"));
    REQUIRE(result.response.status() == 200);
    std::string bytes = result.rwset.SerializeAsString();
    for (const auto& event : result.events) bytes += event.SerializeAsString();
    return bytes;
  };
  std::string first = run(false);
  CHECK_FALSE(first.empty());
  CHECK(run(false) == first);
  CHECK(run(true) == first);
}

}  // namespace
}  // namespace milk::chaincode
