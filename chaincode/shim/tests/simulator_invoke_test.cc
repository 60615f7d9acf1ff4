#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "chaincode/shim/memory_state.h"
#include "chaincode/shim/simulator.h"
#include "chaincode/shim/tests/test_util.h"

namespace milk::chaincode {
namespace {

using testing::Context;
using testing::FindNs;
using testing::RegisterLambda;

TEST_CASE("InvokeChaincode runs the callee under its own namespace, same tx", "[invoke]") {
  Registry registry;
  MemoryState state;
  state.Put("callee", "k", "callee's", Version{4, 2});
  state.Put("caller", "k", "caller's", Version{1, 0});
  std::string callee_saw;
  RegisterLambda(registry, "callee", [&](Stub& stub) {
    callee_saw = **stub.GetState("k") + "|" + stub.GetTxID() + "|" + stub.GetCreator().org + "|" +
                 stub.GetFunction() + "|" + stub.GetArgs().at(0);
    REQUIRE(stub.PutState("out", "1").ok());
    REQUIRE(stub.SetEvent("called", "").ok());
    return Success("callee result");
  });
  RegisterLambda(registry, "caller", [&](Stub& stub) {
    milkpb::Response r = stub.InvokeChaincode("callee", "do", {"arg"});
    CHECK(r.status() == 200);
    CHECK(r.payload() == "callee result");
    CHECK(**stub.GetState("k") == "caller's");
    CHECK_FALSE(stub.GetState("out")->has_value());  // the callee's write is in its namespace
    return Success();
  });
  SimulationResult result = Simulate(registry, state, Context("caller", "f"));
  REQUIRE(result.response.status() == 200);
  CHECK(callee_saw == "callee's|tx-caller-f|TICA|do|arg");
  const auto* callee = FindNs(result.rwset, "callee");
  REQUIRE(callee != nullptr);
  REQUIRE(callee->reads_size() == 1);
  CHECK(callee->reads(0).version().block_number() == 4);
  REQUIRE(callee->writes_size() == 1);
  CHECK(callee->writes(0).key() == "out");
  REQUIRE(FindNs(result.rwset, "caller") != nullptr);
  REQUIRE(result.events.size() == 1);
  CHECK(result.events[0].chaincode() == "callee");
  CHECK(result.events[0].tx_id() == "tx-caller-f");
}

TEST_CASE("A callee learns which chaincode called it, the top call none", "[invoke]") {
  Registry registry;
  MemoryState state;
  std::vector<std::string> seen;
  RegisterLambda(registry, "inner", [&](Stub& stub) {
    seen.push_back("inner<-" + stub.GetCallingChaincode());
    return Success();
  });
  RegisterLambda(registry, "middle", [&](Stub& stub) {
    seen.push_back("middle<-" + stub.GetCallingChaincode());
    return stub.InvokeChaincode("inner", "f", {});
  });
  RegisterLambda(registry, "outer", [&](Stub& stub) {
    seen.push_back("outer<-" + stub.GetCallingChaincode());
    milkpb::Response r = stub.InvokeChaincode("middle", "f", {});
    // Back in the caller: still its own (empty) caller.
    seen.push_back("outer<-" + stub.GetCallingChaincode());
    return r;
  });
  SimulationResult result = Simulate(registry, state, Context("outer", "f"));
  REQUIRE(result.response.status() == 200);
  CHECK(seen == std::vector<std::string>{"outer<-", "middle<-outer", "inner<-middle", "outer<-"});
}

TEST_CASE("A failed callee's writes and events are undone, its reads kept", "[invoke]") {
  Registry registry;
  MemoryState state;
  state.Put("callee", "seen", "x", Version{2, 0});
  RegisterLambda(registry, "callee", [](Stub& stub) {
    REQUIRE(stub.GetState("seen").ok());
    REQUIRE(stub.PutState("counter", stub.GetArgs().at(0)).ok());
    REQUIRE(stub.SetEvent("callee", stub.GetArgs().at(0)).ok());
    if (stub.GetFunction() == "fail") return Forbidden("callee refuses");
    return Success();
  });
  RegisterLambda(registry, "caller", [](Stub& stub) {
    CHECK(stub.InvokeChaincode("callee", "ok", {"1"}).status() == 200);
    milkpb::Response failed = stub.InvokeChaincode("callee", "fail", {"2"});
    CHECK(failed.status() == 403);
    CHECK(failed.message() == "callee refuses");
    milkpb::Response missing = stub.InvokeChaincode("ghost", "f", {});
    CHECK(missing.status() == 404);
    CHECK(missing.message() == "chaincode 'ghost' is not installed on this node");
    return Success();  // the caller decides the transaction still succeeds
  });
  SimulationResult result = Simulate(registry, state, Context("caller", "f"));
  REQUIRE(result.response.status() == 200);
  const auto* callee = FindNs(result.rwset, "callee");
  REQUIRE(callee != nullptr);
  REQUIRE(callee->writes_size() == 1);
  CHECK(callee->writes(0).value() == "1");  // the failed call's "2" was rolled back
  REQUIRE(callee->reads_size() == 1);
  CHECK(callee->reads(0).key() == "seen");
  REQUIRE(result.events.size() == 1);
  CHECK(result.events[0].payload() == "1");
}

TEST_CASE("A failure two levels down undoes the successful call below it", "[invoke]") {
  Registry registry;
  MemoryState state;
  RegisterLambda(registry, "c", [](Stub& stub) {
    REQUIRE(stub.PutState("c", "written").ok());
    return Success();
  });
  RegisterLambda(registry, "b", [](Stub& stub) {
    REQUIRE(stub.PutState("b", "written").ok());
    CHECK(stub.InvokeChaincode("c", "f", {}).status() == 200);
    return Error(500, "b fails after c succeeded");
  });
  RegisterLambda(registry, "a", [](Stub& stub) {
    REQUIRE(stub.PutState("a", "written").ok());
    CHECK(stub.InvokeChaincode("b", "f", {}).status() == 500);
    return Success();
  });
  SimulationResult result = Simulate(registry, state, Context("a", "f"));
  REQUIRE(result.response.status() == 200);
  REQUIRE(result.rwset.ns_rwset_size() == 1);
  CHECK(result.rwset.ns_rwset(0).namespace_() == "a");
}

TEST_CASE("A throwing callee is a 500 response to the caller", "[invoke]") {
  Registry registry;
  MemoryState state;
  RegisterLambda(registry, "callee", [](Stub& stub) -> milkpb::Response {
    REQUIRE(stub.PutState("k", "v").ok());
    throw std::logic_error("callee bug");
  });
  milkpb::Response seen;
  RegisterLambda(registry, "caller", [&](Stub& stub) {
    seen = stub.InvokeChaincode("callee", "f", {});
    return Success();
  });
  SimulationResult result = Simulate(registry, state, Context("caller", "f"));
  REQUIRE(result.response.status() == 200);
  CHECK(seen.status() == 500);
  CHECK_THAT(seen.message(), Catch::Contains("callee bug"));
  CHECK(FindNs(result.rwset, "callee") == nullptr);
}

// "deep" calls itself args[0] more times, writing one key per level.
void RegisterDeep(Registry& registry) {
  RegisterLambda(registry, "deep", [](Stub& stub) {
    int remaining = std::stoi(stub.GetArgs().at(0));
    REQUIRE(stub.PutState("level" + std::to_string(remaining), "x").ok());
    if (remaining == 0) return Success();
    return stub.InvokeChaincode("deep", "f", {std::to_string(remaining - 1)});
  });
}

TEST_CASE("Nesting is bounded by kInvokeDepthMax", "[invoke]") {
  Registry registry;
  MemoryState state;
  RegisterDeep(registry);
  SimulationResult deepest =
      Simulate(registry, state, Context("deep", "f", {std::to_string(kInvokeDepthMax)}));
  CHECK(deepest.response.status() == 200);
  REQUIRE(FindNs(deepest.rwset, "deep") != nullptr);
  CHECK(FindNs(deepest.rwset, "deep")->writes_size() == kInvokeDepthMax + 1);

  SimulationResult too_deep =
      Simulate(registry, state, Context("deep", "f", {std::to_string(kInvokeDepthMax + 1)}));
  CHECK(too_deep.response.status() == 413);
  CHECK_THAT(too_deep.response.message(), Catch::Contains("kInvokeDepthMax"));
  CHECK(too_deep.rwset.ns_rwset_size() == 0);
}

TEST_CASE("A caller cannot swallow a nesting breach", "[invoke]") {
  Registry registry;
  MemoryState state;
  RegisterDeep(registry);
  RegisterLambda(registry, "swallow", [](Stub& stub) {
    CHECK(stub.InvokeChaincode("deep", "f", {std::to_string(kInvokeDepthMax + 5)}).status() != 200);
    return Success();
  });
  CHECK(Simulate(registry, state, Context("swallow", "f")).response.status() == 413);
}

}  // namespace
}  // namespace milk::chaincode
