#include <catch2/catch.hpp>

#include "crypto/bytes.h"
#include "node/ledger/formats.h"

using namespace milk;

TEST_CASE("formats: header hash covers every field") {
  milkpb::BlockHeader h;
  h.set_version(1);
  h.set_chain_id("demo");
  h.set_number(7);
  h.set_previous_hash(std::string(32, 'p'));
  h.set_data_hash(std::string(32, 'd'));
  h.set_timestamp_ms(123);
  const std::string base = ledger::HeaderHash(h);
  CHECK(base.size() == 32);
  CHECK(ledger::HeaderHash(h) == base);
  auto changed = [&](auto mutate) {
    milkpb::BlockHeader copy = h;
    mutate(copy);
    return ledger::HeaderHash(copy) != base;
  };
  CHECK(changed([](auto& c) { c.set_version(2); }));
  CHECK(changed([](auto& c) { c.set_chain_id("demo2"); }));
  CHECK(changed([](auto& c) { c.set_number(8); }));
  CHECK(changed([](auto& c) { c.set_previous_hash(std::string(32, 'q')); }));
  CHECK(changed([](auto& c) { c.set_data_hash(std::string(32, 'e')); }));
  CHECK(changed([](auto& c) { c.set_timestamp_ms(124); }));
}

TEST_CASE("formats: commit hash is unambiguous and chained") {
  using W = ledger::CommitWrite;
  std::string prev = ledger::ZeroHash();
  auto a = ledger::CommitHash(prev, 1, "\x00", {W{"ns", "ab", false, "c"}});
  auto b = ledger::CommitHash(prev, 1, "\x00", {W{"ns", "a", false, "bc"}});
  CHECK(a != b);
  CHECK(ledger::CommitHash(prev, 1, "\x00", {W{"ns", "k", true, ""}}) !=
        ledger::CommitHash(prev, 1, "\x00", {W{"ns", "k", false, ""}}));
  CHECK(ledger::CommitHash(a, 2, "", {}) != ledger::CommitHash(b, 2, "", {}));
  CHECK(ledger::CommitHash(prev, 1, std::string(1, '\0'), {}) !=
        ledger::CommitHash(prev, 1, std::string(1, '\x0b'), {}));
}

TEST_CASE("formats: txid derivation and code names") {
  std::string id = ledger::ComputeTxId(std::string(24, 'n'), "creator");
  CHECK(id.size() == 64);
  CHECK(id != ledger::ComputeTxId(std::string(24, 'm'), "creator"));
  CHECK(ledger::ValidationCodeName(11) == "MVCC_READ_CONFLICT");
  CHECK(ledger::ValidationCodeName(0) == "VALID");
  CHECK(ledger::ValidationCodeName(77) == "UNKNOWN_CODE_77");
}
