// Private to chaincode/shim: what one transaction's simulation has read, written and emitted,
// across every namespace it touched, and how it becomes the read/write set.
//
// Thread-safety: none; one simulation runs on one thread.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "chaincode/shim/state.h"
#include "crypto/status.h"
#include "milk/ledger.pb.h"

namespace milk::chaincode::internal {

struct PendingWrite {
  bool is_delete = false;
  std::string value;
};

class TxRecorder {
 public:
  // This transaction's pending write of key in ns, or nullptr. Valid until the next write.
  const PendingWrite* FindWrite(const std::string& ns, const std::string& key) const;

  // Each Record* fails with kResourceExhausted past its bound in stub.h, and that failure is
  // also recorded as the transaction's failure (see Fail).
  //
  // The first read of a key fixes its version (absent: the key did not exist); later reads of
  // the same key change nothing. Bound: kReadKeysMax distinct keys.
  Status RecordRead(const std::string& ns, const std::string& key, std::optional<Version> version);
  // Bound: kRangeQueriesMax.
  Status RecordRangeQuery(const std::string& ns, milkpb::RangeQueryInfo info);
  // The last write of a key wins. Bound: kWriteKeysMax distinct keys.
  Status RecordWrite(const std::string& ns, const std::string& key, PendingWrite write);
  // Bound: kEventsMax.
  Status RecordEvent(milkpb::ChaincodeEvent event);

  // Nested InvokeChaincode calls. A call that fails has its writes and events undone, but its
  // reads stay: the caller goes on knowing the call failed, and that outcome depended on them.
  // Undo records only a key's first change per open call, so memory stays bounded by
  // kInvokeDepthMax times the written keys whatever the number of PutState calls.
  void BeginNested();
  // REQUIRES: a BeginNested without its EndNested.
  void EndNested(bool keep_changes);

  // Records the transaction's first fatal failure (a bound breached, the state store failing):
  // the transaction fails whatever the chaincode answers. Returns status for convenience.
  Status Fail(Status status);
  const Status& failure() const { return failure_; }

  // Namespaces sorted by name, reads and writes by key, ranges in the order they ran.
  // Namespaces with nothing recorded are left out.
  milkpb::TxReadWriteSet BuildRwset() const;
  std::vector<milkpb::ChaincodeEvent> TakeEvents() { return std::move(events_); }

 private:
  struct Namespace {
    std::map<std::string, std::optional<Version>> reads;
    std::vector<milkpb::RangeQueryInfo> range_queries;
    std::map<std::string, PendingWrite> writes;
  };
  using NsKey = std::pair<std::string, std::string>;
  struct Frame {
    std::map<NsKey, std::optional<PendingWrite>> originals;  // nullopt: was not written
    size_t events_size = 0;
  };

  void Restore(const NsKey& ns_key, std::optional<PendingWrite> original);

  std::map<std::string, Namespace> namespaces_;
  std::vector<Frame> frames_;
  std::vector<milkpb::ChaincodeEvent> events_;
  size_t read_keys_ = 0;
  size_t write_keys_ = 0;
  size_t range_queries_ = 0;
  Status failure_;
};

}  // namespace milk::chaincode::internal
