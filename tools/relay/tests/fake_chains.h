// In-memory chains for the relay core's tests: the protocol's state machines of docs/swaps.md
// (brand swap: locked -> released | refunded; center decision: none -> settled | aborted;
// purchase -> delivered), with 409s for repeated steps, MVCC conflicts for transactions that
// raced between endorsement and commit, proofs that carry what was queried, and chains that can
// be switched off. Every transaction that changed state is counted, so a test can check that
// nothing was applied twice. Thread-safe: one mutex for the whole world.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "milk/view.pb.h"
#include "tools/relay/chain_port.h"

namespace milk::relay::testing {

using Json = nlohmann::json;

struct FakeWorld {
  std::mutex mu;
  // Brand chains: chain -> swap id -> state ("locked", "released", "refunded").
  std::map<std::string, std::map<std::string, std::string>> swaps;
  std::map<std::string, std::set<std::string>> deliveries;  // chain -> delivered tx ids
  // Center: "chain/id" -> "settled" | "aborted"; swaps the center will abort (past deadline).
  std::map<std::string, std::string> decisions;
  std::set<std::string> to_abort;
  std::map<std::string, std::string> purchases;  // tx -> chain
  std::vector<ChainEvent> center_events;
  uint64_t center_height = 1;
  // Applied transactions, by kind and object: exactly-once is checked on these.
  std::map<std::string, int> applied;
  std::set<std::string> unavailable;  // chain ids that refuse every call
  int32_t settle_refusal = 0;         // when not 0: settle_swap refused with this status
  bool garbled_open = false;          // `open` answers something that is not a page of ids
  bool lagging_views = false;         // views show the state before the last transactions
  // Runs once, unlocked, between the next transaction's endorsement and its commit: another
  // relay's transaction getting there first.
  std::function<void(FakeWorld&)> race;

  void Lock(const std::string& chain, const std::string& id) {
    std::lock_guard<std::mutex> lock(mu);
    swaps[chain][id] = "locked";
  }
  void Buy(const std::string& chain, const std::string& tx) {
    std::lock_guard<std::mutex> lock(mu);
    purchases[tx] = chain;
    Json trade = {{"side", "buy"}, {"brand", chain}, {"tx", tx}};
    center_events.push_back({center_height++, "exchange", "trade", trade.dump(), tx});
    // A sell's trade event, which the relay must not take for a purchase.
    Json sell = {{"side", "sell"}, {"brand", chain}, {"tx", tx + "s"}, {"swap", "x"}};
    center_events.push_back({center_height++, "exchange", "trade", sell.dump(), tx + "s"});
  }
  std::string State(const std::string& chain, const std::string& id) {
    std::lock_guard<std::mutex> lock(mu);
    return swaps[chain][id];
  }
  int Applied(const std::string& key) {
    std::lock_guard<std::mutex> lock(mu);
    return applied[key];
  }
};

class FakePort : public ChainPort {
 public:
  FakePort(FakeWorld& world, std::string chain_id, bool center)
      : world_(world), chain_id_(std::move(chain_id)), center_(center) {}

  const std::string& chain_id() const override { return chain_id_; }

  Result<QueryAnswer> Query(const std::string& chaincode, const std::string& function,
                            const std::vector<std::string>& args) override {
    std::lock_guard<std::mutex> lock(world_.mu);
    if (world_.unavailable.count(chain_id_)) return Unavailable(chain_id_ + ": down");
    ++queries;
    return Answer(chaincode, function, args);
  }

  Result<std::string> View(const std::string& chaincode, const std::string& function,
                           const std::vector<std::string>& args) override {
    std::lock_guard<std::mutex> lock(world_.mu);
    if (world_.unavailable.count(chain_id_)) return Unavailable(chain_id_ + ": down");
    QueryAnswer answer = Answer(chaincode, function, args);
    if (world_.lagging_views) answer = {404, "not found", ""};
    milkpb::ViewProof proof;
    milkpb::ViewResult& result = *proof.mutable_result();
    result.set_version(1);
    result.set_chain_id(chain_id_);
    result.set_chaincode(chaincode);
    result.set_function(function);
    for (const std::string& arg : args) result.add_args(arg);
    result.set_status(answer.status);
    result.set_payload(answer.payload);
    return proof.SerializeAsString();
  }

  Result<InvokeAnswer> Invoke(const std::string& chaincode, const std::string& function,
                              const std::vector<std::string>& args) override {
    InvokeAnswer answer;
    {
      std::lock_guard<std::mutex> lock(world_.mu);
      if (world_.unavailable.count(chain_id_)) return Unavailable(chain_id_ + ": down");
      answer.tx_id = "tx" + std::to_string(++tx_counter_);
      // Endorsement: the chaincode's preconditions against the current state.
      const int32_t refusal = Precondition(chaincode, function, args);
      if (refusal != 200 && !Sequenced(function)) {
        answer.status = refusal;
        answer.message = "refused";
        return answer;
      }
    }
    std::this_thread::yield();  // the window in which another relay's transaction may commit
    std::function<void(FakeWorld&)> race;
    {
      std::lock_guard<std::mutex> lock(world_.mu);
      race.swap(world_.race);
    }
    if (race) race(world_);
    std::lock_guard<std::mutex> lock(world_.mu);
    answer.endorsed = true;
    const int32_t at_commit = Precondition(chaincode, function, args);
    if (at_commit != 200) {
      // A sequenced call answers at execution; another call's reads were overtaken.
      answer.code =
          Sequenced(function) ? milkpb::SEQUENCED_EXECUTION_FAILED : milkpb::MVCC_READ_CONFLICT;
      answer.status = at_commit;
      answer.message = "conflict";
      return answer;
    }
    Apply(function, args);
    answer.code = milkpb::VALID;
    answer.status = 200;
    return answer;
  }

  Result<uint64_t> ReadEvents(const std::string& chaincode, uint64_t start_block,
                              const EventCallback& on_event) override {
    std::lock_guard<std::mutex> lock(world_.mu);
    if (world_.unavailable.count(chain_id_)) return Unavailable(chain_id_ + ": down");
    for (const ChainEvent& event : world_.center_events) {
      if (event.block_number >= start_block && event.chaincode == chaincode) on_event(event);
    }
    return world_.center_height;
  }

  int queries = 0;  // guarded by world_.mu

 private:
  // As on the real chains settle_swap and deliver are sequenced (a repeat answers 409 at
  // execution); finish here is not, so the relay's MVCC-conflict path is exercised too.
  static bool Sequenced(const std::string& function) {
    return function == "settle_swap" || function == "deliver";
  }
  static std::string Key(const std::string& chain, const std::string& id) {
    return chain + "/" + id;
  }

  // REQUIRES: world_.mu held.
  QueryAnswer Answer(const std::string& chaincode, const std::string& function,
                     const std::vector<std::string>& args) {
    if (center_ && chaincode == "exchange" && function == "swap" && args.size() == 2) {
      auto it = world_.decisions.find(Key(args[0], args[1]));
      if (it == world_.decisions.end()) return {404, "undecided", ""};
      return {200, "", Json{{"id", args[1]}, {"state", it->second}}.dump()};
    }
    if (center_ && chaincode == "exchange" && function == "purchase" && args.size() == 1) {
      auto it = world_.purchases.find(args[0]);
      if (it == world_.purchases.end()) return {404, "no such purchase", ""};
      return {200, "", Json{{"tx", args[0]}, {"chain_id", it->second}}.dump()};
    }
    if (!center_ && chaincode == "swap" && function == "open" && args.size() == 2) {
      Json ids = Json::array();
      for (const auto& [id, state] : world_.swaps[chain_id_]) {
        if (state == "locked" && id > args[0] && ids.size() < std::stoul(args[1]))
          ids.push_back(id);
      }
      if (world_.garbled_open) return {200, "", Json{{"ids", {1, 2}}}.dump()};
      return {200, "", Json{{"ids", ids}}.dump()};
    }
    if (!center_ && chaincode == "swap" && function == "swap" && args.size() == 1) {
      auto it = world_.swaps[chain_id_].find(args[0]);
      if (it == world_.swaps[chain_id_].end()) return {404, "no such swap", ""};
      return {200, "", Json{{"id", args[0]}, {"state", it->second}}.dump()};
    }
    if (!center_ && chaincode == "swap" && function == "delivery" && args.size() == 1) {
      if (world_.deliveries[chain_id_].count(args[0]) == 0) return {404, "not delivered", ""};
      return {200, "", Json{{"tx", args[0]}}.dump()};
    }
    return {400, "unknown query " + chaincode + " " + function, ""};
  }

  // 200 when the call may apply now, else the chaincode's refusal. REQUIRES: world_.mu held.
  int32_t Precondition(const std::string& chaincode, const std::string& function,
                       const std::vector<std::string>& args) {
    milkpb::ViewProof proof;
    if (args.empty() || !proof.ParseFromString(args.back())) return 400;
    const milkpb::ViewResult& result = proof.result();
    if (result.status() != 200) return 403;
    if (center_ && chaincode == "exchange" && function == "settle_swap" && args.size() == 3) {
      if (world_.settle_refusal != 0) return world_.settle_refusal;
      if (result.chain_id() != args[0] || result.function() != "swap" || result.args_size() != 1 ||
          result.args(0) != args[1]) {
        return 403;
      }
      return world_.decisions.count(Key(args[0], args[1])) ? 409 : 200;
    }
    if (!center_ && chaincode == "swap" && function == "finish" && args.size() == 2) {
      if (result.function() != "swap" || result.args_size() != 2 || result.args(0) != chain_id_ ||
          result.args(1) != args[0]) {
        return 403;
      }
      return world_.swaps[chain_id_][args[0]] == "locked" ? 200 : 409;
    }
    if (!center_ && chaincode == "swap" && function == "deliver" && args.size() == 2) {
      if (result.function() != "purchase" || result.args_size() != 1 || result.args(0) != args[0])
        return 403;
      const Json record = Json::parse(result.payload());
      if (record.value("chain_id", "") != chain_id_) return 403;
      return world_.deliveries[chain_id_].count(args[0]) ? 409 : 200;
    }
    return 400;
  }

  // REQUIRES: world_.mu held; Precondition answered 200.
  void Apply(const std::string& function, const std::vector<std::string>& args) {
    milkpb::ViewProof proof;
    proof.ParseFromString(args.back());
    if (function == "settle_swap") {
      const std::string key = Key(args[0], args[1]);
      world_.decisions[key] = world_.to_abort.count(args[1]) ? "aborted" : "settled";
      ++world_.applied["decide/" + key];
    } else if (function == "finish") {
      const std::string decision = Json::parse(proof.result().payload()).value("state", "");
      world_.swaps[chain_id_][args[0]] = decision == "settled" ? "released" : "refunded";
      ++world_.applied["finish/" + Key(chain_id_, args[0])];
    } else if (function == "deliver") {
      world_.deliveries[chain_id_].insert(args[0]);
      ++world_.applied["deliver/" + Key(chain_id_, args[0])];
    }
  }

  FakeWorld& world_;
  const std::string chain_id_;
  const bool center_;
  uint64_t tx_counter_ = 0;  // guarded by world_.mu
};

}  // namespace milk::relay::testing
