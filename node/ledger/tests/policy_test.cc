#include <catch2/catch.hpp>

#include "node/ledger/policy.h"

using milk::ledger::Policy;

namespace {
bool Sat(const std::string& text, std::vector<std::string> ids) {
  auto p = Policy::Parse(text);
  REQUIRE(p.ok());
  return p->IsSatisfiedBy(ids);
}
}  // namespace

TEST_CASE("policy: principals, AND, OR, OutOf") {
  CHECK(Sat("'A.peer'", {"A.peer"}));
  CHECK_FALSE(Sat("'A.peer'", {"B.peer"}));
  CHECK_FALSE(Sat("'A.peer'", {"A.client"}));
  CHECK(Sat("AND('A.peer', 'B.peer')", {"B.peer", "A.peer"}));
  CHECK_FALSE(Sat("AND('A.peer', 'B.peer')", {"A.peer"}));
  CHECK(Sat("OR('A.peer', 'B.peer')", {"B.peer"}));
  CHECK_FALSE(Sat("OR('A.peer', 'B.peer')", {}));
  CHECK(Sat("OutOf(2, 'A.peer', 'B.peer', 'C.peer')", {"C.peer", "A.peer"}));
  CHECK_FALSE(Sat("OutOf(2, 'A.peer', 'B.peer', 'C.peer')", {"C.peer", "C.peer"}));
  CHECK(Sat("AND(\"T.peer\", OutOf(1, 'A.peer', 'B.peer'))", {"T.peer", "B.peer"}));
}

TEST_CASE("policy: one identity satisfies one principal") {
  CHECK_FALSE(Sat("AND('A.peer', 'A.peer')", {"A.peer"}));
  CHECK(Sat("AND('A.peer', 'A.peer')", {"A.peer", "A.peer"}));
}

TEST_CASE("policy: backtracks over the ways a composite child can be satisfied") {
  // Greedy matching gives A to the first child and then fails the second; the right answer
  // uses B for the first child and A for the second.
  CHECK(Sat("AND(OR('A.peer', 'B.peer'), 'A.peer')", {"A.peer", "B.peer"}));
  CHECK_FALSE(Sat("AND(OR('A.peer', 'B.peer'), 'A.peer')", {"A.peer"}));
}

TEST_CASE("policy: parse errors name the position") {
  for (const char* bad : {"", "AND(", "AND()", "OutOf(3, 'A.peer', 'B.peer')", "OutOf(0, 'A.peer')",
                          "XOR('A.peer')", "'Apeer'", "'A.peer' extra", "OR('A.peer'",
                          "OutOf('A.peer')", "'.peer'", "'A.'"}) {
    auto p = Policy::Parse(bad);
    INFO(bad);
    CHECK_FALSE(p.ok());
    if (!p.ok()) CHECK(p.status().message().find("endorsement policy") != std::string::npos);
  }
  std::string deep;
  for (int i = 0; i < 20; ++i) deep += "OR(";
  deep += "'A.peer'";
  for (int i = 0; i < 20; ++i) deep += ")";
  CHECK_FALSE(Policy::Parse(deep).ok());
  CHECK_FALSE(Policy::Parse(std::string(5000, ' ') + "'A.peer'").ok());
}
