// `milk ledger verify` (verify.h): the auditor's replay, pipelined so that both cores stay busy
// (docs/PERFORMANCE.md, "milk ledger verify"). Each block gets every check the committer makes
// (node::Chain::CommitBlock): number, hash chain, data hash and consenter signature
// (CheckBlockIntegrity), then the Validator's per-transaction checks and MVCC against the
// replayed state, whose codes and commit hash must equal the stored ones. What overlaps:
//   - ReadBlockFiles reads, checksums and parses blocks on a thread of its own, ahead of them;
//   - a block's integrity check runs beside its validation (Validate is a pure function: its
//     result is used only when the integrity check passes);
//   - a block's state is written to the scratch database while the next block's signatures are
//     checked; that block's MVCC reads wait for the write (LazyState below).
// The scratch state is a LedgerDb of its own: the blocks are not copied into a block store.
#include "node/verify.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "chaincode/shim/memory_state.h"
#include "crypto/bytes.h"
#include "node/ledger/formats.h"
#include "node/ledger/validator.h"
#include "node/storage/ledger_db.h"
#include "node/storage/segment_file.h"

namespace milk::node {
namespace fs = std::filesystem;
namespace {

// The committed state as the next block's validation sees it: the scratch database once the
// previous block's write has finished. The wait happens at the first read, i.e. after the
// Validator's parallel signature checks, which need no state.
class LazyState final : public chaincode::StateReader {
 public:
  LazyState(LedgerDb& db, std::shared_future<Status> previous_commit)
      : db_(db), previous_commit_(std::move(previous_commit)) {}

  // The previous block's write, waited for; OK when there was none.
  Status Ready() {
    if (reader_ == nullptr) {
      if (previous_commit_.valid()) status_ = previous_commit_.get();
      reader_ = db_.Snapshot();
    }
    return status_;
  }
  Result<std::optional<chaincode::VersionedValue>> Get(const std::string& ns,
                                                       const std::string& key) override {
    MILK_RETURN_IF_ERROR(Ready());
    return reader_->Get(ns, key);
  }
  Status Scan(const std::string& ns, const std::string& start, const std::string& end,
              const std::function<bool(const std::string&, const chaincode::VersionedValue&)>&
                  visit) override {
    MILK_RETURN_IF_ERROR(Ready());
    return reader_->Scan(ns, start, end, visit);
  }
  Result<std::vector<chaincode::HistoryEntry>> History(const std::string& ns,
                                                       const std::string& key) override {
    MILK_RETURN_IF_ERROR(Ready());
    return reader_->History(ns, key);
  }

 private:
  LedgerDb& db_;
  std::shared_future<Status> previous_commit_;
  std::unique_ptr<chaincode::StateReader> reader_;
  Status status_;
};

// Blocks with fewer transactions are checked and written on the calling thread: handing a few
// hundred microseconds of work to another thread costs more than it saves (a thread start and a
// wake-up, milliseconds on a loaded machine), and the funding or config blocks of a chain are
// small. A full block (max_tx_count 500) is tens of milliseconds of work.
constexpr int kOverlapTxMin = 64;

class Verifier final : public LedgerVerifier {
 public:
  Verifier(std::string scratch_dir, std::unique_ptr<LedgerDb> db,
           const chaincode::Registry& registry, size_t threads)
      : scratch_dir_(std::move(scratch_dir)),
        db_(std::move(db)),
        registry_(registry),
        pool_(threads),
        validator_(pool_, registry) {}
  ~Verifier() override {
    if (pending_commit_.valid()) pending_commit_.wait();
    db_.reset();
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
    if (number > 0 && config_ == nullptr) {
      return DataLoss("the chain does not start with a genesis block");
    }
    MILK_ASSIGN_OR_RETURN(ledger::ValidatedBlock validated,
                          number == 0 ? ValidateGenesis(block, name) : ValidateNext(block));
    if (validated.codes != block.metadata().validation_codes()) {
      return DataLoss(name + ": re-validation gives different validation codes than the block "
                             "records (" +
                      DescribeDifference(validated.codes, block.metadata().validation_codes()) +
                      ")");
    }
    if (validated.commit_hash != block.metadata().commit_hash()) {
      return DataLoss(name + ": commit hash " + ToHex(block.metadata().commit_hash()) +
                      " does not match the replayed state's " + ToHex(validated.commit_hash));
    }
    const std::string header_hash = ledger::HeaderHash(block.header());
    for (char c : validated.codes) {
      ++report_.codes[ledger::ValidationCodeName(static_cast<uint8_t>(c))];
    }
    if (validated.new_config != nullptr) config_ = validated.new_config;
    const bool overlap = block.data().envelopes_size() >= kOverlapTxMin;
    MILK_RETURN_IF_ERROR(StartCommit(number, header_hash, std::move(validated), overlap));
    ++report_.blocks;
    report_.transactions += static_cast<uint64_t>(block.data().envelopes_size());
    report_.last_header_hash = header_hash;
    return Status::Ok();
  }

  const VerifyReport& report() const override { return report_; }

 private:
  // What Chain::Create checks of a genesis block; its Init writes start the state.
  Result<ledger::ValidatedBlock> ValidateGenesis(const milkpb::Block& block,
                                                 const std::string& name) {
    chaincode::MemoryState empty;
    auto genesis = ledger::ValidateGenesis(block, registry_, empty);
    if (!genesis.ok()) return DataLoss(name + " (genesis): " + genesis.status().message());
    config_ = genesis->config;
    report_.chain_id = config_->chain_id();
    return std::move(genesis->block);
  }

  // What Chain::CommitBlock checks of every later block, the integrity check beside Validate.
  // Validating before the integrity check has passed is safe: Validate must already withstand
  // any envelopes a consenter signs, and its result is dropped when the check fails.
  Result<ledger::ValidatedBlock> ValidateNext(const milkpb::Block& block) {
    auto check = [&block, this] {
      return ledger::CheckBlockIntegrity(block, report_.last_header_hash, *config_);
    };
    std::future<Status> integrity;
    if (block.data().envelopes_size() >= kOverlapTxMin) {
      integrity = std::async(std::launch::async, check);
    } else {
      Status checked = check();
      if (!checked.ok()) return DataLoss(checked.message());
    }
    LazyState state(*db_, pending_commit_);
    auto committed = [this, &state](const std::string& tx_id) {
      MILK_CHECK(state.Ready().ok());  // Validate reads the state (and fails) first
      auto tx = db_->GetTx(tx_id);
      MILK_CHECK(tx.ok());
      return tx->has_value();
    };
    ledger::ValidatedBlock validated =
        validator_.Validate(block, *config_, state, committed, report_.commit_hash);
    if (integrity.valid()) {
      Status checked = integrity.get();
      if (!checked.ok()) return DataLoss(checked.message());
    }
    MILK_RETURN_IF_ERROR(state.Ready());  // a failed write of the previous block
    return validated;
  }

  // Writes the block's state, in the background when `overlap`: the next block's first read
  // waits for it. The error of a background write is the next block's.
  Status StartCommit(uint64_t number, const std::string& header_hash,
                     ledger::ValidatedBlock validated, bool overlap) {
    report_.commit_hash = validated.commit_hash;
    auto commit = std::make_shared<BlockCommit>();
    commit->number = number;
    // The scratch state indexes no block file: verify reads the chain's own files.
    commit->location = BlockLocation{BlockPosition{0, number}, 0};
    commit->txs = std::move(validated.txs);
    commit->writes = std::move(validated.writes);
    commit->savepoint = Savepoint{number + 1, EndOf(commit->location), header_hash,
                                  validated.commit_hash};
    if (validated.new_config != nullptr) {
      commit->config = validated.new_config->config().SerializeAsString();
    }
    if (!overlap) {
      pending_commit_ = {};
      return db_->CommitBlock(*commit);
    }
    // The previous block's write has finished: Validate waited for it (ValidateNext).
    // The future's shared state keeps the lambda alive: it drops the block's writes itself.
    pending_commit_ = std::async(std::launch::async, [this, commit]() mutable {
                        Status status = db_->CommitBlock(*commit);
                        commit.reset();
                        return status;
                      }).share();
    return Status::Ok();
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
  std::unique_ptr<LedgerDb> db_;
  const chaincode::Registry& registry_;
  ledger::ThreadPool pool_;
  ledger::Validator validator_;
  std::shared_ptr<const ledger::ChainConfigView> config_;  // in force for the next block
  std::shared_future<Status> pending_commit_;  // the last block's scratch write
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
  LedgerDbOptions options;
  options.sync = false;  // scratch state: durability is not needed
  auto db = LedgerDb::Open(scratch_dir + "/ledger", options);
  if (!db.ok()) {
    fs::remove_all(scratch_dir, ec);
    return db.status();
  }
  return std::unique_ptr<LedgerVerifier>(
      new Verifier(scratch_dir, std::move(db).value(), registry, threads));
}

namespace {

// Blocks parsed ahead of the verifier: enough to hide reading and parsing a block behind the
// validation of the one before, few enough to bound memory (a block holds at most the chain's
// max_bytes, 4 MiB by default).
constexpr size_t kReadAheadBlocks = 4;

// A bounded queue between the reading thread and the verifying one. The reader ends with one
// item without a block: OK at the end of the files, or the error that stopped it.
class ReadAhead {
 public:
  struct Item {
    std::optional<milkpb::Block> block;
    Status status;
  };
  // False when the consumer has stopped (the reader then stops too).
  bool Push(Item item) {
    std::unique_lock lock(mutex_);
    space_cv_.wait(lock, [&] { return stopped_ || items_.size() < kReadAheadBlocks; });
    if (stopped_) return false;
    items_.push_back(std::move(item));
    ready_cv_.notify_one();
    return true;
  }
  Item Pop() {
    std::unique_lock lock(mutex_);
    ready_cv_.wait(lock, [&] { return !items_.empty(); });
    Item item = std::move(items_.front());
    items_.pop_front();
    space_cv_.notify_one();
    return item;
  }
  void Stop() {
    std::lock_guard lock(mutex_);
    stopped_ = true;
    space_cv_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable space_cv_, ready_cv_;
  std::deque<Item> items_;
  bool stopped_ = false;
};

// Reads every record of one segment file into the queue. False when reading must stop.
bool ReadSegment(const std::string& path, uint64_t& number, ReadAhead& queue) {
  auto fd = segment::OpenFile(path, O_RDONLY);
  if (!fd.ok()) {
    queue.Push({std::nullopt, fd.status()});
    return false;
  }
  auto size = segment::FileSize(*fd, path);
  uint64_t offset = 0;
  Status status = size.status();
  bool more = true;
  while (status.ok() && more && offset < *size) {
    std::string where = "block " + std::to_string(number) + " (" +
                        fs::path(path).filename().string() + " offset " + std::to_string(offset) + ")";
    std::string header_bytes, payload;
    status = segment::PReadExact(*fd, path, offset, segment::kHeaderBytes, &header_bytes);
    if (!status.ok()) { status = DataLoss(where + ": record header cut short"); break; }
    segment::Header header = segment::ParseHeader(header_bytes.data());
    if (header.magic != segment::kRecordMagic ||
        offset + segment::kHeaderBytes + header.length > *size) {
      status = DataLoss(where + ": record framing is damaged");
      break;
    }
    status = segment::PReadExact(*fd, path, offset + segment::kHeaderBytes, header.length, &payload);
    if (!status.ok()) break;
    milkpb::Block block;
    if (Crc32c(payload) != header.crc) {
      status = DataLoss(where + ": checksum mismatch; the block file is damaged");
    } else if (!block.ParseFromString(payload)) {
      status = DataLoss(where + ": record does not parse as a block");
    } else {
      more = queue.Push({std::move(block), Status::Ok()});
    }
    offset += segment::kHeaderBytes + header.length;
    ++number;
  }
  close(*fd);
  if (!status.ok()) {
    queue.Push({std::nullopt, status});  // the error ends the queue
    return false;
  }
  return more;
}

}  // namespace

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
  ReadAhead queue;
  std::thread reader([&] {
    uint64_t number = 0;
    for (const auto& [index, path] : segments) {
      if (!ReadSegment(path, number, queue)) return;
    }
    queue.Push({std::nullopt, Status::Ok()});
  });
  Status status;
  while (true) {
    ReadAhead::Item item = queue.Pop();
    if (!item.block.has_value()) {
      status = item.status;
      break;
    }
    status = visit(*item.block);
    if (!status.ok()) break;
  }
  queue.Stop();
  reader.join();
  return status;
}

}  // namespace milk::node
