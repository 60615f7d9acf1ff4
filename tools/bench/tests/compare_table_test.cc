// bench/compare's table (tools/bench/compare_table.h): which run each ratio is taken from, and
// what a run that is absent or malformed prints.
#include "tools/bench/compare_table.h"

#include <catch2/catch.hpp>
#include <sstream>

namespace milk::bench {
namespace {

std::string Table(const CompareInputs& inputs) {
  std::ostringstream out;
  Status printed = PrintCompareTable(inputs, out);
  INFO(printed.ToString());
  REQUIRE(printed.ok());
  return out.str();
}

// The line of `table` that starts with `what` (after any indentation); empty when none.
std::string Line(const std::string& table, const std::string& what) {
  std::istringstream in(table);
  for (std::string line; std::getline(in, line);) {
    if (line.find_first_not_of(' ') == line.find(what)) return line;
  }
  return "";
}

CompareInputs WithEtcd() {
  CompareInputs inputs;
  inputs.etcd = {{"puts_per_s", 10000.0}, {"best_clients", 64}};
  inputs.three_consenters = {{"tx_per_s", 2000.0}};
  return inputs;
}

TEST_CASE("the ordering ratio against etcd comes from the ordering run, not from transfers",
          "[compare_table]") {
  CompareInputs inputs = WithEtcd();
  // tx_per_s is whichever way ran first; the ratio takes the gRPC way's best.
  inputs.ordering = {{"tx_per_s", 120000.0},
                     {"figures",
                      {{"best_per_s_grpc", 35000.0}, {"best_per_s_in-process", 120000.0}}}};
  const std::string table = Table(inputs);
  CHECK(Line(table, "our 3-consenter ordering / etcd puts (a unary call each)")
            .find("3.50x   target >= 3x: met") != std::string::npos);
  CHECK(Line(table, "ordering alone (in-process) / etcd puts").find("12.00x") !=
        std::string::npos);
  CHECK(Line(table, "our 3-consenter signed transfers / etcd puts").find("0.20x") !=
        std::string::npos);
  CHECK(Line(table, "the unary call's ceiling").empty());  // no grpc-echo run: no row

  inputs.ordering["figures"]["best_per_s_grpc-echo"] = 45000.0;
  CHECK(Line(Table(inputs), "unary calls answered at once").find("45000") != std::string::npos);
  CHECK(Line(Table(inputs), "the unary call's ceiling / etcd puts").find("4.50x") !=
        std::string::npos);

  inputs.ordering["figures"]["best_per_s_grpc"] = 20000.0;
  CHECK(Line(Table(inputs), "our 3-consenter ordering / etcd puts")
            .find("MISSED (67% of target)") != std::string::npos);
}

TEST_CASE("with a submit-stream run, the stream's figure is judged and the unary one shown",
          "[compare_table]") {
  CompareInputs inputs = WithEtcd();
  inputs.ordering = {{"tx_per_s", 25000.0},
                     {"figures",
                      {{"best_per_s_grpc", 25000.0},
                       {"best_per_s_grpc-stream", 41000.0},
                       {"best_per_s_in-process", 120000.0}}}};
  std::string table = Table(inputs);
  CHECK(Line(table, "three consenters: 256-byte envelopes ordered/s, on a submit stream")
            .find("41000") != std::string::npos);
  CHECK(Line(table, "the same, a unary client call each").find("25000") != std::string::npos);
  CHECK(Line(table, "our 3-consenter ordering / etcd puts (on a submit stream)")
            .find("4.10x   target >= 3x: met") != std::string::npos);
  const std::string unary = Line(table, "the same with a unary call each / etcd puts");
  CHECK(unary.find("2.50x") != std::string::npos);
  CHECK(unary.find("target") == std::string::npos);  // shown, not judged
  CHECK(Line(table, "our 3-consenter ordering / etcd puts (a unary call each)").empty());

  inputs.ordering["figures"]["best_per_s_grpc-stream"] = 27000.0;
  table = Table(inputs);
  CHECK(Line(table, "our 3-consenter ordering / etcd puts (on a submit stream)")
            .find("MISSED (90% of target)") != std::string::npos);
}

TEST_CASE("the signing ceiling is printed when the signature run measured signing",
          "[compare_table]") {
  CompareInputs inputs;
  inputs.verifications_per_tx = 2;
  inputs.one_node = {{"tx_per_s", 6000.0}, {"latency", {{"p99_ms", 300.0}}}};
  inputs.signatures = {{"figures", {{"verify_per_s", 60000.0}}}};
  std::string table = Table(inputs);
  CHECK(Line(table, "share of the signature bound (30000 tx/s at 2 verifications/tx)")
            .find("20.0%") != std::string::npos);
  CHECK(Line(table, "signing and verifying alone allow").empty());
  // 2 / 60,000 + 2 / 150,000 s per transfer: 21,429 transfers/s; 60% of 30,000 is 84% of it.
  inputs.signatures["figures"]["sign_per_s"] = 150000.0;
  table = Table(inputs);
  CHECK(Line(table, "signing and verifying alone allow (2 verifications + 2 signatures/tx")
            .find("21429") != std::string::npos);
  CHECK(Line(table, "60% of the signature bound, as a share of that").find("84%") !=
        std::string::npos);
}

TEST_CASE("without an ordering run the etcd ratio says not run", "[compare_table]") {
  const std::string table = Table(WithEtcd());
  CHECK(Line(table, "our 3-consenter ordering / etcd puts").find("not run") != std::string::npos);
  CHECK(Line(table, "ordering alone").empty());
}

TEST_CASE("an ordering run without the gRPC way is not judged against etcd", "[compare_table]") {
  CompareInputs inputs = WithEtcd();
  inputs.ordering = {{"tx_per_s", 120000.0}, {"figures", {{"best_per_s_in-process", 120000.0}}}};
  const std::string table = Table(inputs);
  CHECK(Line(table, "our 3-consenter ordering / etcd puts").find("not run") != std::string::npos);
  CHECK(Line(table, "ordering alone (in-process) / etcd puts").find("12.00x") !=
        std::string::npos);
}

TEST_CASE("an ordering run with neither way's rate is refused by name", "[compare_table]") {
  CompareInputs inputs = WithEtcd();
  inputs.ordering = {{"figures", {{"best_in_flight", 1024}}}};
  std::ostringstream out;
  Status printed = PrintCompareTable(inputs, out);
  CHECK(printed.code() == Code::kInvalidArgument);
  CHECK(printed.message().find("ordering: no 'best_per_s_grpc'") != std::string::npos);
}

}  // namespace
}  // namespace milk::bench
