// A chain's Raft consenter (ARCHITECTURE.md section 5): drives the pure consensus::RawNode with
// a WAL, a transport and a clock, cuts blocks while it leads, and applies committed blocks to
// the chain on every consenter.
//
// One Raft entry is one block. The leader's block cutter (node/orderer) hands each block to
// ProposeBlock, whose future resolves once the entry is committed by a quorum and applied
// locally, so a Submit is acknowledged only when its transaction is durably ordered. Several
// blocks may be in flight, each chained onto the one proposed before it; the Raft thread
// proposes a block only if it chains onto the last block this leader proposed (or, with none
// unapplied, onto the chain head), so a block cut onto one that was refused is refused too. Applying is idempotent by
// block number: an entry whose block does not extend the chain (a stale leader's block, or one
// already applied before a restart) is skipped, the same way on every node.
//
// Thread-safety: all public methods are safe from any thread. One internal thread owns the
// RawNode and the log.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "consensus/raft.h"
#include "crypto/clock.h"
#include "crypto/ed25519.h"
#include "node/chain/chain.h"
#include "node/orderer/orderer.h"
#include "node/raft/raft_log_store.h"
#include "node/raft/transport.h"

namespace milk::node {

struct RaftConsenterOptions {
  std::string chain_id;
  uint64_t raft_id = 0;
  std::vector<uint64_t> voters;  // initial membership (from the chain config)
  std::string wal_dir;
  // One Raft tick. Election timeout = election_ticks ticks (randomized up to twice that).
  int64_t tick_ms = 100;
  uint32_t election_ticks = 10;
  uint64_t seed = 1;  // randomizes election timeouts; any value, e.g. derived from the node id
  OrdererOptions orderer;
  // A proposed block not applied within this time fails its submitters with kUnavailable
  // (retryable): long enough for an election or two, short enough for clients to retry.
  int64_t propose_timeout_ms = 10000;
  // Inbound messages queued for the Raft thread; past this, new ones are dropped (Raft
  // retransmits) so a flood cannot grow memory.
  size_t inbox_max = 4096;
  // Take a snapshot (and compact the log) every this many applied entries, keeping the last
  // snapshot_keep_entries so slightly lagging followers catch up from the log.
  uint64_t snapshot_every_entries = 1000;
  uint64_t snapshot_keep_entries = 200;
};

// Fetches committed blocks [from, to) of the chain from other consenters, for a follower that
// received a snapshot past its height. Returns the blocks in order.
using BlockFetcher =
    std::function<Result<std::vector<milkpb::Block>>(uint64_t from, uint64_t to)>;
// Fetches the committed blocks other consenters hold from `from` on (a bounded batch, possibly
// empty), without waiting for new ones.
using CatchUpFetcher = std::function<Result<std::vector<milkpb::Block>>(uint64_t from)>;

class RaftConsenter {
 public:
  static Result<std::unique_ptr<RaftConsenter>> Start(RaftConsenterOptions options, Chain& chain,
                                                      crypto::KeyPair key,
                                                      std::string signer_identity,
                                                      const Clock& clock,
                                                      RaftTransport& transport,
                                                      BlockFetcher fetcher,
                                                      CatchUpFetcher catch_up = nullptr);
  ~RaftConsenter();
  void Stop();

  // Inbound Raft message for this chain (from the transport).
  void Receive(milkpb::RaftMessage message);
  // Orders an envelope while this node leads; elsewhere kUnavailable naming the leader.
  // `isolated` marks a config update: it is ordered in a block of its own, proposed as a Raft
  // membership change when it adds or removes a consenter (docs/consensus.md, "Membership").
  // `done`, when set, is called once with the same outcome (Orderer::Submit).
  std::shared_future<Result<OrderedTx>> Submit(std::string envelope_bytes, const std::string& tx_id,
                                               bool isolated = false,
                                               OrderedCallback done = nullptr);

  // Hands leadership to voter `to` (etcd's leader transfer: catch it up, then TIMEOUT_NOW) and
  // waits, bounded by timeout_ms, until it leads. kFailedPrecondition when this node does not
  // lead, kInvalidArgument when `to` is not another voter, kUnavailable when the transfer did not
  // complete in time (the old leader resumes after an election timeout).
  Status TransferLeadership(uint64_t to, int64_t timeout_ms);

  // A Raft message came from a raft id the chain's current config does not list. When this node
  // is behind a config update that added that consenter it could never hear from it, so it
  // fetches the blocks the other consenters hold past its height (at most once per election
  // timeout), which brings the update in (docs/consensus.md, "Membership").
  void NoteUnknownSender();

  uint64_t leader() const;  // 0 when unknown
  bool is_leader() const;
  consensus::RaftStatus status() const;

 private:
  class ProposeSink;
  struct Waiter {
    std::string header_hash;
    std::promise<Result<milkpb::Block>> promise;
    std::chrono::steady_clock::time_point deadline;  // failed kUnavailable when passed
  };
  struct Proposal {
    std::string data;  // a serialized block
    // A config block that adds or removes a consenter goes in a CONF_CHANGE entry whose
    // context is the block; unset for every other block.
    std::optional<milkpb::RaftConfChange> change;
    uint64_t block_number = 0;
    std::string previous_hash;
    std::string header_hash;
  };
  // The last block this leader handed to Raft (Raft thread only).
  struct ProposedTip {
    uint64_t number = 0;
    std::string header_hash;
  };

  RaftConsenter(RaftConsenterOptions options, Chain& chain, const Clock& clock,
                RaftTransport& transport, BlockFetcher fetcher);
  std::future<Result<milkpb::Block>> ProposeBlock(milkpb::Block block);
  void Loop();
  Status HandleReady();
  Status ApplyCommitted(const std::vector<milkpb::RaftEntry>& entries);
  Status ApplyBlockEntry(const std::string& block_bytes, uint64_t index);
  // A CONF_CHANGE entry: its block first, then the change iff that block is now committed
  // with its config update VALID and the change agrees with the new config.
  Status ApplyConfChangeEntry(const milkpb::RaftEntry& entry);
  void ProposeAll(std::deque<Proposal> proposals);
  // The Raft membership change a block carries: set for a config update that (checked against
  // the current config, as every node will check it) adds or removes a consenter.
  std::optional<milkpb::RaftConfChange> MembershipChangeOf(const milkpb::Block& block) const;
  Status InstallSnapshot(const milkpb::RaftSnapshot& snapshot);
  // Fetches and commits blocks until the chain's height reaches `height`.
  Status FetchBlocksUpTo(uint64_t height);
  Status MaybeCompact();
  void FailWaiters(const std::string& why);
  // Fails the waiters whose deadline passed (propose_timeout_ms after they were proposed).
  void ExpireWaiters();
  // Fails the waiter of block `number` with why. REQUIRES: mutex_ held.
  void FailWaiterLocked(uint64_t number, const std::string& why);

  const RaftConsenterOptions options_;
  Chain& chain_;
  const Clock& clock_;
  RaftTransport& transport_;
  BlockFetcher fetcher_;
  std::unique_ptr<RaftLogStore> log_;
  std::unique_ptr<consensus::RawNode> raft_;  // Raft thread only
  std::optional<ProposedTip> proposed_tip_;    // Raft thread only; reset when the role changes
  std::unique_ptr<ProposeSink> sink_;
  std::unique_ptr<Orderer> orderer_;

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<milkpb::RaftMessage> inbox_;          // guarded by mutex_
  std::deque<Proposal> proposals_;                 // guarded by mutex_
  std::deque<std::function<void()>> tasks_;        // run on the Raft thread; guarded by mutex_
  std::chrono::steady_clock::time_point last_catch_up_;  // guarded by mutex_
  CatchUpFetcher catch_up_;  // set once before Start's thread runs
  std::map<uint64_t, Waiter> waiters_;             // by block number; guarded by mutex_
  uint64_t leader_ = 0;                            // guarded by mutex_
  bool leading_ = false;                           // guarded by mutex_
  uint64_t leader_barrier_ = 0;  // a new leader proposes once applied reaches this; mutex_
  uint64_t applied_ = 0;                           // guarded by mutex_
  consensus::RaftStatus status_;                   // guarded by mutex_ (refreshed each loop)
  bool stopping_ = false;                          // guarded by mutex_
  Status failure_;                                 // guarded by mutex_
  std::thread thread_;
};

}  // namespace milk::node
