// The Fabric-style stub: everything a chaincode may see of the world (ARCHITECTURE.md section 6).
// Chaincode sees only this, never node internals. There is no clock but GetTxTimestamp and no
// randomness: execution is a pure function of (state, proposal), so every peer agrees.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "chaincode/shim/state.h"
#include "crypto/identity.h"
#include "crypto/status.h"
#include "milk/ledger.pb.h"

namespace milk::chaincode {

// Bounds a chaincode call cannot exceed; exceeding one fails the call with kResourceExhausted,
// and the whole transaction then answers 413 whatever the chaincode returns (so a chaincode cannot
// swallow the error and commit a partial result).
inline constexpr size_t kKeyBytesMax = 1024;           // keys are names, not data
inline constexpr size_t kValueBytesMax = 1u << 20;     // 1 MiB: a value is one record
inline constexpr size_t kRangeResultsMax = 10000;      // a range read is re-checked at validation
inline constexpr size_t kEventsMax = 16;               // events per transaction
inline constexpr size_t kEventPayloadBytesMax = 64u << 10;
inline constexpr int kInvokeDepthMax = 8;              // nested InvokeChaincode calls
// Added with the simulator: every list a transaction can grow has a bound.
inline constexpr size_t kReadKeysMax = 10000;   // distinct point reads: each is an MVCC check
inline constexpr size_t kWriteKeysMax = 10000;  // distinct keys written: one commit batch each
inline constexpr size_t kRangeQueriesMax = 64;  // each is re-executed at validation
inline constexpr size_t kHistoryEntriesMax = 10000;  // GetHistoryForKey returns them all at once
inline constexpr size_t kEventNameBytesMax = 256;    // a name is a label, not data

struct KV {
  std::string key;
  std::string value;
};

class Stub {
 public:
  virtual ~Stub() = default;

  // Reads see this transaction's own earlier writes; otherwise the committed snapshot, and the
  // key and its version go into the read set.
  // Keys: non-empty valid UTF-8 (kInvalidArgument otherwise, see text.h), at most kKeyBytesMax
  // bytes (kResourceExhausted otherwise).
  // A failure of the state store is returned as is and makes the whole transaction answer 500.
  virtual Result<std::optional<std::string>> GetState(const std::string& key) = 0;
  virtual Status PutState(const std::string& key, std::string value) = 0;
  virtual Status DelState(const std::string& key) = 0;
  // Committed keys in [start, end) (end empty = to the end), at most kRangeResultsMax. Does not
  // include this transaction's own writes. Recorded for the phantom check at validation.
  virtual Result<std::vector<KV>> GetStateByRange(const std::string& start,
                                                  const std::string& end) = 0;
  virtual Result<std::vector<KV>> GetStateByPartialCompositeKey(
      const std::string& object_type, const std::vector<std::string>& attributes) = 0;
  // Committed history, oldest first; not part of the read set (as in Fabric).
  virtual Result<std::vector<HistoryEntry>> GetHistoryForKey(const std::string& key) = 0;

  virtual const std::string& GetTxID() const = 0;
  virtual const std::string& GetChainID() const = 0;
  virtual const crypto::IdentityInfo& GetCreator() const = 0;
  virtual int64_t GetTxTimestamp() const = 0;  // the proposal's timestamp, Unix ms
  virtual const std::string& GetFunction() const = 0;
  virtual const std::vector<std::string>& GetArgs() const = 0;  // arguments after the function
  // The chaincode whose InvokeChaincode started this call; empty for the transaction's own
  // call. The creator stays the transaction's signer through nested calls, so this is how a
  // chaincode authorises a move on another's behalf (the exchange paying a seller from TICA's
  // liquidity account in mlk, pack locking a wallet's MLK).
  virtual const std::string& GetCallingChaincode() const = 0;

  // name: non-empty valid UTF-8 (kInvalidArgument); payload: any bytes. Recorded with the tx id
  // and this chaincode's name, in call order; dropped if the transaction does not answer 200.
  virtual Status SetEvent(const std::string& name, std::string payload) = 0;
  // Calls another chaincode on the same chain inside this transaction; its reads and writes join
  // this transaction's read/write set under that chaincode's namespace.
  virtual milkpb::Response InvokeChaincode(const std::string& chaincode,
                                           const std::string& function,
                                           const std::vector<std::string>& args) = 0;
};

// Composite keys as in Fabric: "\x00" objectType "\x00" attr1 "\x00" ... attrN "\x00".
// kInvalidArgument when the object type is empty, or a part contains "\x00" or is not valid
// UTF-8 (keys travel in proto string fields; see text.h). Attributes may be empty.
Result<std::string> CreateCompositeKey(const std::string& object_type,
                                       const std::vector<std::string>& attributes);
Result<std::pair<std::string, std::vector<std::string>>> SplitCompositeKey(const std::string& key);
// The key range [start, end) holding exactly the composite keys that begin with object_type and
// attributes: start is their common prefix (which ends in "\x00") and end is that prefix with its
// last byte raised to "\x01", so every continuation of the prefix is inside and nothing else is
// (in particular no key of a longer object type). Same errors as CreateCompositeKey.
Result<std::pair<std::string, std::string>> PartialCompositeKeyRange(
    const std::string& object_type, const std::vector<std::string>& attributes);

// Response helpers. Status codes follow HTTP: 200 OK, 400 the caller's fault, 500 ours.
milkpb::Response Success(std::string payload = "");
milkpb::Response Error(int32_t status, std::string message);
inline milkpb::Response BadRequest(std::string message) { return Error(400, std::move(message)); }
inline milkpb::Response Forbidden(std::string message) { return Error(403, std::move(message)); }
// The MiL.k chaincodes' mapping of a Status to a response: kInvalidArgument 400,
// kPermissionDenied 403, kNotFound 404, kAlreadyExists 409 (idempotency mismatch, taken),
// kFailedPrecondition 412 (locked, gated, expired, overdraft), anything else 500.
milkpb::Response ResponseFromStatus(const Status& status);
// A function's answer: its response, or its error mapped by ResponseFromStatus.
milkpb::Response ResponseFromResult(const Result<milkpb::Response>& result);

}  // namespace milk::chaincode
