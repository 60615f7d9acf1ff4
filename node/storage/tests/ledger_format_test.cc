#include "node/storage/ledger_format.h"

#include <catch2/catch.hpp>
#include <string>

namespace milk::node::ledger_format {
namespace {

using chaincode::Version;

TEST_CASE("ledger format: values round-trip") {
  auto state = DecodeStateValue(EncodeStateValue(Version{7, 3}, std::string("v\0\xff", 3)));
  REQUIRE(state.ok());
  CHECK(state->version == Version{7, 3});
  CHECK(state->value == std::string("v\0\xff", 3));
  CHECK(EncodeStateValue(Version{1, 2}, "x") ==
        std::string("\x01\0\0\0\0\0\0\0\x01\0\0\0\x02x", 14));

  StateWrite write;
  write.tx_id = "tx";
  write.timestamp_ms = -5;
  write.value = "val";
  auto history = DecodeHistoryValue(EncodeHistoryValue(write), Version{1, 2});
  REQUIRE(history.ok());
  CHECK(history->tx_id == "tx");
  CHECK(history->timestamp_ms == -5);
  CHECK_FALSE(history->is_delete);
  CHECK(history->value == "val");
  CHECK(history->version == Version{1, 2});
  write.is_delete = true;
  auto deleted = DecodeHistoryValue(EncodeHistoryValue(write), Version{1, 2});
  REQUIRE(deleted.ok());
  CHECK(deleted->is_delete);
  CHECK(deleted->value.empty());

  BlockLocation location{BlockPosition{3, 1ull << 40}, 99};
  auto decoded_location = DecodeBlockLocation(EncodeBlockLocation(location));
  REQUIRE(decoded_location.ok());
  CHECK(decoded_location->position == location.position);
  CHECK(decoded_location->length == 99);

  auto tx = DecodeTxRecord(EncodeTxRecord(TxRecord{5, 6, 7}));
  REQUIRE(tx.ok());
  CHECK(tx->block_number == 5);
  CHECK(tx->tx_index == 6);
  CHECK(tx->validation_code == 7);

  Savepoint savepoint{9, BlockPosition{1, 2}, std::string(32, 'h'), std::string(32, 'c')};
  auto decoded_savepoint = DecodeSavepoint(EncodeSavepoint(savepoint));
  REQUIRE(decoded_savepoint.ok());
  CHECK(decoded_savepoint->height == 9);
  CHECK(decoded_savepoint->next_position == BlockPosition{1, 2});
  CHECK(decoded_savepoint->last_header_hash == savepoint.last_header_hash);
  CHECK(decoded_savepoint->commit_hash == savepoint.commit_hash);
}

TEST_CASE("ledger format: damaged values are kDataLoss") {
  const std::string tx = EncodeTxRecord(TxRecord{5, 6, 7});
  CHECK(DecodeTxRecord(tx.substr(0, tx.size() - 1)).status().code() == Code::kDataLoss);
  CHECK(DecodeTxRecord(tx + "x").status().code() == Code::kDataLoss);
  CHECK(DecodeTxRecord("").status().code() == Code::kDataLoss);
  std::string future = tx;
  future[0] = 2;
  auto refused = DecodeTxRecord(future);
  CHECK(refused.status().code() == Code::kDataLoss);
  CHECK_THAT(refused.status().message(), Catch::Contains("format 2"));

  CHECK(DecodeStateValue(std::string("\x01\0\0", 3)).status().code() == Code::kDataLoss);
  Savepoint savepoint{9, BlockPosition{1, 2}, std::string(32, 'h'), std::string(32, 'c')};
  std::string encoded = EncodeSavepoint(savepoint);
  CHECK(DecodeSavepoint(encoded.substr(0, encoded.size() - 1)).status().code() == Code::kDataLoss);
  CHECK(
      DecodeHistoryValue(std::string("\x01\0\0\0\0\0\0\0\0\0\0\0\0\x02", 14), {}).status().code() ==
      Code::kDataLoss);
  CHECK(DecodeLayoutVersion("abc").status().code() == Code::kDataLoss);
}

TEST_CASE("ledger format: keys are unambiguous and sort as documented") {
  const std::string zero("\0", 1);
  CHECK(StateKey("ns", "k") == "ns" + zero + "k");
  CHECK(UserKey("ns", StateKey("ns", zero + "k")) == zero + "k");
  // Every key of ns sorts below the namespace bound, and the neighbours' keys outside it.
  CHECK(StateKey("ns", "\xff\xff\xff") < StateNamespaceEnd("ns"));
  CHECK(StateKey("ns", "") < StateKey("ns", zero));
  CHECK(StateKey("ns\x01", "") >= StateNamespaceEnd("ns"));
  CHECK(StateKey("nr\xff", "\xff") < StateKey("ns", ""));

  // "k" and "k\0" must not share a history prefix, whichever way they are written.
  const std::string prefix_k = HistoryPrefix("ns", "k");
  const std::string key_k0 = HistoryKey("ns", "k" + zero, Version{0, 0});
  CHECK(key_k0.compare(0, prefix_k.size(), prefix_k) != 0);
  CHECK_FALSE(DecodeHistoryVersion(prefix_k, key_k0).ok());
  // Versions sort oldest first.
  CHECK(HistoryKey("ns", "k", Version{1, 9}) < HistoryKey("ns", "k", Version{2, 0}));
  CHECK(HistoryKey("ns", "k", Version{2, 0}) < HistoryKey("ns", "k", Version{2, 1}));
  auto version = DecodeHistoryVersion(prefix_k, HistoryKey("ns", "k", Version{258, 3}));
  REQUIRE(version.ok());
  CHECK(*version == Version{258, 3});

  CHECK(BlockKey(255) < BlockKey(256));
  CHECK(CheckNamespace("ok").ok());
  CHECK(CheckNamespace("").code() == Code::kInvalidArgument);
  CHECK(CheckNamespace("a" + zero).code() == Code::kInvalidArgument);
}

}  // namespace
}  // namespace milk::node::ledger_format
