// `milk ledger verify`: the auditor's replay (ARCHITECTURE.md section 9). Walks a chain from
// genesis and checks the header hash chain, every data hash (Merkle root), every consenter
// signature, and re-validates every transaction against a scratch copy of the state, so each
// stored validation code and commit hash must be reproduced. Any difference names the block.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "chaincode/shim/chaincode.h"
#include "crypto/status.h"
#include "milk/ledger.pb.h"

namespace milk::node {

struct VerifyReport {
  std::string chain_id;
  uint64_t blocks = 0;
  uint64_t transactions = 0;
  std::map<std::string, uint64_t> codes;  // validation code name -> count
  std::string last_header_hash;
  std::string commit_hash;
};

// Feeds blocks in order; verification stops at the first failure.
class LedgerVerifier {
 public:
  // scratch_dir is created and removed by the verifier (it holds the replayed state).
  static Result<std::unique_ptr<LedgerVerifier>> Create(const std::string& scratch_dir,
                                                        const chaincode::Registry& registry,
                                                        size_t threads);
  virtual ~LedgerVerifier() = default;
  // kDataLoss naming the block on any mismatch; the first block must be the genesis block.
  virtual Status Verify(const milkpb::Block& block) = 0;
  virtual const VerifyReport& report() const = 0;
};

// Reads the raw block files of <chain_dir>/blocks in order without modifying them; a damaged
// record (checksum, framing or parse) is kDataLoss naming the block number, file and offset.
Status ReadBlockFiles(const std::string& chain_dir,
                      const std::function<Status(const milkpb::Block&)>& visit);

}  // namespace milk::node
