// On-disk corruption (docs/storage.md, "Torn tail versus corruption"): one flipped byte inside a
// block record that intact records follow is damage to acknowledged data. `milk ledger verify`
// must fail naming the block, and the node must refuse to start rather than cut the chain.
#include <catch2/catch.hpp>
#include <fstream>
#include <regex>

#include "crypto/bytes.h"
#include "tests/integration/harness.h"

namespace milk::integration {
namespace {

// Segment record framing, format 1 (docs/storage.md): u32 magic, u32 length, u32 crc, payload,
// integers big-endian.
constexpr uint32_t kRecordMagic = 0x4D4C4B42;  // "MLKB"
constexpr size_t kRecordHeaderBytes = 12;
constexpr int kIssues = 6;  // blocks 1..6 after genesis; block 3 is in the middle

struct Record {
  size_t offset = 0;  // of the header
  size_t length = 0;  // payload bytes
};

std::vector<Record> ParseRecords(const std::string& bytes) {
  std::vector<Record> records;
  size_t offset = 0;
  while (offset < bytes.size()) {
    REQUIRE(bytes.size() - offset >= kRecordHeaderBytes);
    REQUIRE(GetFixed32BE(bytes.data() + offset) == kRecordMagic);
    const size_t length = GetFixed32BE(bytes.data() + offset + 4);
    REQUIRE(bytes.size() - offset - kRecordHeaderBytes >= length);
    records.push_back({offset, length});
    offset += kRecordHeaderBytes + length;
  }
  return records;
}

void WriteWholeFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
  out.close();
  REQUIRE(out.good());
}

bool IsOneMilkLine(const std::string& err) {
  return err.rfind("milk: ", 0) == 0 && err.find('\n') == err.size() - 1;
}

TEST_CASE("a flipped byte in a middle block is named by ledger verify and stops the node",
          "[integration][corruption]") {
  TestNode node;
  {
    const client::GatewayClient peer = node.Client();
    const client::Signer issuer = node.Member("issuer");
    for (int i = 0; i < kIssues; ++i) {
      auto issued = InvokeToken(peer, issuer, "issue", {node.Address("alice"), "10"});
      INFO(issued.status().ToString());
      REQUIRE(issued.ok());
      REQUIRE(issued->code == milkpb::VALID);
    }
    auto info = peer.ChainInfo(kChainId);
    REQUIRE(info.ok());
    REQUIRE(info->summary().height() == kIssues + 1);
  }
  node.Terminate();
  const std::vector<std::string> verify = {"ledger", "verify", "-C", kChainId, "--data-dir",
                                           node.data_dir(), "--scratch-dir",
                                           node.dir() + "/verify-scratch"};
  CommandResult intact = node.RunMilk(verify);
  INFO("before the damage: " << intact.out << intact.err);
  REQUIRE(intact.exit_code == 0);

  const std::string segment = node.chain_dir() + "/blocks/segment-000000.blk";
  std::string bytes = ReadFileOrEmpty(segment);
  const std::vector<Record> records = ParseRecords(bytes);
  REQUIRE(records.size() == kIssues + 1);  // one record per block, genesis first
  const size_t damaged_block = records.size() / 2;
  const Record& record = records[damaged_block];
  bytes[record.offset + kRecordHeaderBytes + record.length / 2] ^= 0x5A;
  WriteWholeFile(segment, bytes);

  CommandResult damaged = node.RunMilk(verify);
  INFO("after flipping a byte of block " << damaged_block << ": exit " << damaged.exit_code
                                         << "\nstdout: " << damaged.out
                                         << "\nstderr: " << damaged.err);
  CHECK(damaged.exit_code == 1);
  CHECK(IsOneMilkLine(damaged.err));
  const std::regex names_block("block " + std::to_string(damaged_block) + "\\b");
  CHECK(std::regex_search(damaged.err, names_block));

  // The node sees a bad record followed by intact ones: corruption, not a torn tail. It must
  // refuse to open the chain and leave the file as it is.
  const int status = node.StartExpectingExit();
  INFO("milkd log:\n" << node.Log());
  CHECK(status != 0);
  const bool file_unchanged = ReadFileOrEmpty(segment) == bytes;  // not printed: binary
  CHECK(file_unchanged);
}

}  // namespace
}  // namespace milk::integration
