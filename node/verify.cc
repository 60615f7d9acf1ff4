#include "node/verify.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <vector>

#include "crypto/bytes.h"
#include "node/chain/chain.h"
#include "node/ledger/formats.h"
#include "node/storage/segment_file.h"

namespace milk::node {
namespace fs = std::filesystem;
namespace {

class Verifier final : public LedgerVerifier {
 public:
  Verifier(std::string scratch_dir, const chaincode::Registry& registry, size_t threads)
      : scratch_dir_(std::move(scratch_dir)), registry_(registry), pool_(threads) {}
  ~Verifier() override {
    chain_.reset();
    std::error_code ec;
    fs::remove_all(scratch_dir_, ec);
  }

  Status Verify(const milkpb::Block& block) override {
    const uint64_t number = block.header().number();
    const std::string name = "block " + std::to_string(number);
    if (number != report_.blocks) {
      return DataLoss(name + " found where block " + std::to_string(report_.blocks) +
                      " was expected");
    }
    std::string codes, commit_hash;
    if (number == 0) {
      ChainOptions options = ScratchOptions();
      auto chain = Chain::Create(scratch_dir_ + "/chain", block, registry_, pool_, options);
      if (!chain.ok()) return DataLoss(name + " (genesis): " + chain.status().message());
      chain_ = std::move(chain).value();
      report_.chain_id = chain_->chain_id();
      auto stored = chain_->GetBlock(0);
      MILK_RETURN_IF_ERROR(stored.status());
      codes = stored->metadata().validation_codes();
      commit_hash = chain_->commit_hash();
    } else {
      if (chain_ == nullptr) return DataLoss("the chain does not start with a genesis block");
      milkpb::Block copy = block;
      copy.mutable_metadata()->clear_validation_codes();
      copy.mutable_metadata()->clear_commit_hash();
      auto committed = chain_->CommitBlock(std::move(copy));
      if (!committed.ok()) return DataLoss(committed.status().message());
      codes = committed->metadata().validation_codes();
      commit_hash = committed->metadata().commit_hash();
    }
    if (codes != block.metadata().validation_codes()) {
      return DataLoss(name + ": re-validation gives different validation codes than the block "
                             "records (" + DescribeDifference(codes, block.metadata().validation_codes()) + ")");
    }
    if (commit_hash != block.metadata().commit_hash()) {
      return DataLoss(name + ": commit hash " + ToHex(block.metadata().commit_hash()) +
                      " does not match the replayed state's " + ToHex(commit_hash));
    }
    ++report_.blocks;
    report_.transactions += static_cast<uint64_t>(block.data().envelopes_size());
    for (char c : codes) ++report_.codes[ledger::ValidationCodeName(static_cast<uint8_t>(c))];
    report_.last_header_hash = ledger::HeaderHash(block.header());
    report_.commit_hash = commit_hash;
    return Status::Ok();
  }

  const VerifyReport& report() const override { return report_; }

 private:
  static ChainOptions ScratchOptions() {
    ChainOptions options;
    options.block_store.sync = false;  // scratch state: durability is not needed
    options.ledger_db.sync = false;
    return options;
  }

  static std::string DescribeDifference(const std::string& replayed, const std::string& stored) {
    if (replayed.size() != stored.size()) {
      return std::to_string(stored.size()) + " codes stored for " +
             std::to_string(replayed.size()) + " transactions";
    }
    for (size_t i = 0; i < replayed.size(); ++i) {
      if (replayed[i] != stored[i]) {
        return "transaction " + std::to_string(i) + ": stored " +
               ledger::ValidationCodeName(static_cast<uint8_t>(stored[i])) + ", replayed " +
               ledger::ValidationCodeName(static_cast<uint8_t>(replayed[i]));
      }
    }
    return "identical";
  }

  std::string scratch_dir_;
  const chaincode::Registry& registry_;
  ledger::ThreadPool pool_;
  std::unique_ptr<Chain> chain_;
  VerifyReport report_;
};

}  // namespace

Result<std::unique_ptr<LedgerVerifier>> LedgerVerifier::Create(const std::string& scratch_dir,
                                                                const chaincode::Registry& registry,
                                                                size_t threads) {
  std::error_code ec;
  if (fs::exists(scratch_dir, ec)) {
    return AlreadyExists("scratch directory " + scratch_dir + " already exists");
  }
  fs::create_directories(scratch_dir, ec);
  if (ec) return IoError("cannot create " + scratch_dir + ": " + ec.message());
  return std::unique_ptr<LedgerVerifier>(new Verifier(scratch_dir, registry, threads));
}

Status ReadBlockFiles(const std::string& chain_dir,
                      const std::function<Status(const milkpb::Block&)>& visit) {
  const std::string dir = chain_dir + "/blocks";
  std::vector<std::pair<uint32_t, std::string>> segments;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    uint32_t index = 0;
    if (segment::ParseFileName(entry.path().filename().string(), &index)) {
      segments.emplace_back(index, entry.path().string());
    }
  }
  if (ec) return NotFound("no block files in " + dir + ": " + ec.message());
  std::sort(segments.begin(), segments.end());
  uint64_t number = 0;
  for (const auto& [index, path] : segments) {
    MILK_ASSIGN_OR_RETURN(int fd, segment::OpenFile(path, O_RDONLY));
    auto size = segment::FileSize(fd, path);
    uint64_t offset = 0;
    Status status = size.status();
    while (status.ok() && offset < *size) {
      std::string where = "block " + std::to_string(number) + " (" +
                          fs::path(path).filename().string() + " offset " + std::to_string(offset) + ")";
      std::string header_bytes, payload;
      status = segment::PReadExact(fd, path, offset, segment::kHeaderBytes, &header_bytes);
      if (!status.ok()) { status = DataLoss(where + ": record header cut short"); break; }
      segment::Header header = segment::ParseHeader(header_bytes.data());
      if (header.magic != segment::kRecordMagic ||
          offset + segment::kHeaderBytes + header.length > *size) {
        status = DataLoss(where + ": record framing is damaged");
        break;
      }
      status = segment::PReadExact(fd, path, offset + segment::kHeaderBytes, header.length, &payload);
      if (!status.ok()) break;
      milkpb::Block block;
      if (Crc32c(payload) != header.crc) {
        status = DataLoss(where + ": checksum mismatch; the block file is damaged");
      } else if (!block.ParseFromString(payload)) {
        status = DataLoss(where + ": record does not parse as a block");
      } else {
        status = visit(block);
      }
      offset += segment::kHeaderBytes + header.length;
      ++number;
    }
    close(fd);
    MILK_RETURN_IF_ERROR(status);
  }
  return Status::Ok();
}

}  // namespace milk::node
