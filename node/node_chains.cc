// Node: leaving a chain at run time (Admin.LeaveChain, docs/cli.md `milk chain leave`).
#include <cstdlib>
#include <filesystem>

#include "crypto/ed25519.h"
#include "node/chain_runtime.h"
#include "node/ledger/formats.h"
#include "node/node.h"
#include "node/ops/logging.h"

namespace milk::node {
namespace fs = std::filesystem;
namespace {

// Two leaves of one chain in the same millisecond (leave, join, leave) would pick one name:
// a numbered suffix keeps both. A handful is plenty; past it something is wrong.
constexpr int kLeftNameAttemptsMax = 100;

// data_dir/chains/.left/<chain_id>.<timestamp_ms>[.<n>], not yet taken.
Result<std::string> LeftPath(const std::string& left_dir, const std::string& chain_id,
                             int64_t timestamp_ms) {
  const std::string base = left_dir + "/" + chain_id + "." + std::to_string(timestamp_ms);
  for (int n = 0; n < kLeftNameAttemptsMax; ++n) {
    std::string path = n == 0 ? base : base + "." + std::to_string(n);
    std::error_code ec;
    if (!fs::exists(path, ec) && !ec) return path;
  }
  return IoError("cannot find a free name for " + base + " in " + left_dir);
}

}  // namespace

Status Node::LeaveChain(const std::string& chain_id, int64_t timestamp_ms,
                        const std::string& creator, const std::string& signature) {
  MILK_ASSIGN_OR_RETURN(std::shared_ptr<Chain> chain, GetChain(chain_id));
  auto config = chain->config();
  const int64_t now_ms = clock_.NowMs();
  ledger::IdentityCheck admin = config->CheckIdentity(creator, now_ms);
  if (admin.problem != ledger::IdentityProblem::kNone || admin.info.is_wallet ||
      admin.info.role != milkpb::ADMIN ||
      !crypto::Verify(admin.info.public_key, ledger::LeaveChainSigningBytes(chain_id, timestamp_ms),
                      signature)) {
    return PermissionDenied("leaving chain '" + chain_id +
                            "' needs the signature of an admin of one of its orgs" +
                            (admin.message.empty() ? "" : " (" + admin.message + ")"));
  }
  if (std::llabs(now_ms - timestamp_ms) > config->max_timestamp_skew_ms()) {
    return InvalidArgument("the request's timestamp is " + std::to_string(now_ms - timestamp_ms) +
                           " ms from this node's clock (limit " +
                           std::to_string(config->max_timestamp_skew_ms()) + " ms)");
  }
  const std::string chains_dir = options_.data_dir + "/chains";
  const std::string left_dir = chains_dir + "/.left";
  std::error_code ec;
  fs::create_directories(left_dir, ec);
  if (ec) return IoError("cannot create " + left_dir + ": " + ec.message());
  MILK_ASSIGN_OR_RETURN(std::string left_path, LeftPath(left_dir, chain_id, timestamp_ms));

  std::lock_guard join_lock(join_mutex_);  // no JoinChain of the same id while the dir moves
  std::unique_ptr<ChainRuntime> runtime;
  {
    std::unique_lock lock(mutex_);
    if (stopped_) return Unavailable("the node is stopping");
    auto it = chains_.find(chain_id);
    if (it == chains_.end()) return NotFound("chain '" + chain_id + "' is not joined on this node");
    runtime = std::move(it->second);
    chains_.erase(it);
  }
  // Stopped outside the lock: Stop joins threads that may be waiting on it. Streams still
  // holding the chain (Deliver, ChaincodeEvents) end once it is closed.
  if (runtime->consenter) runtime->consenter->Stop();
  if (runtime->puller) runtime->puller->Stop();
  runtime->chain->Close();
  fs::rename(chains_dir + "/" + chain_id, left_path, ec);
  if (ec) {
    // The chain is no longer served, but its directory stays: a restart would open it again.
    ops::LogError("left the chain but cannot move its directory aside",
                  {{"chain", chain_id}, {"to", left_path}, {"why", ec.message()}});
    return IoError("left chain '" + chain_id + "' but cannot move its directory to " + left_path +
                   ": " + ec.message() + "; move it by hand before restarting the node");
  }
  ops::LogInfo("chain left", {{"chain", chain_id}, {"moved_to", left_path}});
  return Status::Ok();
}

}  // namespace milk::node
