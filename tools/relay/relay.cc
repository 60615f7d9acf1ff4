// The relay's pass: list the work on every chain, drive it with bounded concurrency, and report.
// The steps themselves are in relay_steps.cc.
#include "tools/relay/relay.h"

#include <algorithm>
#include <atomic>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "node/ops/logging.h"

namespace milk::relay {
namespace {

using Json = nlohmann::json;

constexpr int32_t kStatusOk = 200;
constexpr int32_t kStatusNotFound = 404;

// Pass durations from 10 ms (nothing to do) to about 80 s (a large backlog), doubling.
std::vector<double> PassBucketsSeconds() { return ops::ExponentialBuckets(0.01, 2, 14); }

// The ids of an `open` page, {"ids":[...]} (docs/swaps.md). kDataLoss for anything else.
Result<std::vector<std::string>> ParseOpenPage(const std::string& payload) {
  const Json page = Json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (!page.is_object() || !page.contains("ids") || !page["ids"].is_array()) {
    return DataLoss("the `open` answer is not {\"ids\":[...]}");
  }
  std::vector<std::string> ids;
  for (const Json& id : page["ids"]) {
    if (!id.is_string()) return DataLoss("the `open` answer holds an id that is not a string");
    ids.push_back(id.get<std::string>());
  }
  return ids;
}

// The purchase a center `trade` event announces: its tx id when the side is "buy", else "".
std::string PurchaseOf(const ChainEvent& event) {
  if (event.name != "trade") return "";
  const Json trade = Json::parse(event.payload, nullptr, /*allow_exceptions=*/false);
  if (!trade.is_object() || trade.value("side", Json()) != "buy") return "";
  auto tx = trade.find("tx");
  return tx != trade.end() && tx->is_string() ? tx->get<std::string>() : event.tx_id;
}

}  // namespace

Relay::Relay(RelayTopology topology, RelayOptions options, FaultPoints& faults,
             ops::Registry& metrics, const Clock& clock)
    : topology_(std::move(topology)),
      options_(options),
      faults_(faults),
      metrics_(metrics),
      clock_(clock) {
  MILK_CHECK(topology_.center != nullptr);
  MILK_CHECK(options_.in_flight_max >= 1 && options_.in_flight_max <= kInFlightMax);
  std::set<std::string> ids;
  for (const BrandChain& brand : topology_.brands) {
    MILK_CHECK(brand.port != nullptr);
    MILK_CHECK(ids.insert(brand.port->chain_id()).second);
  }
}

const BrandChain* Relay::FindBrand(const std::string& chain_id) const {
  for (const BrandChain& brand : topology_.brands) {
    if (brand.port->chain_id() == chain_id) return &brand;
  }
  return nullptr;
}

void Relay::RunBounded(size_t count, const std::function<void(size_t)>& work) {
  auto stopping = [this] {
    return options_.stop_requested != nullptr && options_.stop_requested();
  };
  const size_t threads = std::min(count, static_cast<size_t>(options_.in_flight_max));
  if (threads <= 1) {
    // In order: with one worker, fault hits are fully reproducible.
    for (size_t i = 0; i < count && !stopping(); ++i) work(i);
    return;
  }
  std::atomic<size_t> next{0};
  std::vector<std::thread> workers;
  workers.reserve(threads);
  for (size_t t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (size_t i = next.fetch_add(1); i < count && !stopping(); i = next.fetch_add(1)) work(i);
    });
  }
  for (std::thread& worker : workers) worker.join();
}

void Relay::NoteReachable(const std::string& chain, const Status& status) {
  metrics_
      .GetGauge("milk_relay_chain_reachable",
                "1 when the last pass could read the chain (its events or open swaps), else 0.",
                {{"chain", chain}})
      .Set(status.ok() ? 1 : 0);
  auto it = chain_down_.emplace(chain, false).first;
  const bool down = !status.ok();
  if (!down && it->second) ops::LogInfo("chain reachable again", {{"chain", chain}});
  // Once per outage, not once per pass: a chain down for an hour is one line, not thousands.
  if (down && !it->second) {
    ops::LogWarn("chain unreachable; its swaps wait",
                 {{"chain", chain}, {"error", status.ToString()}});
  } else if (down) {
    MILK_LOG_DEBUG("chain still unreachable", {{"chain", chain}, {"error", status.ToString()}});
  }
  it->second = down;
}

Result<std::vector<std::string>> Relay::ListOpen(const BrandChain& brand) {
  std::vector<std::string> ids;
  std::string start_after;
  while (ids.size() < kOpenSwapsPerPassMax) {
    Result<QueryAnswer> answer = brand.port->Query(brand.swap_chaincode, "open",
                                                   {start_after, std::to_string(kOpenPageLimit)});
    if (!answer.ok()) return answer.status();
    if (answer->status != kStatusOk) {
      return FailedPrecondition("`open` answered " + std::to_string(answer->status) + " " +
                                answer->message);
    }
    MILK_ASSIGN_OR_RETURN(std::vector<std::string> page, ParseOpenPage(answer->payload));
    ids.insert(ids.end(), page.begin(), page.end());
    if (page.size() < static_cast<size_t>(kOpenPageLimit)) break;
    start_after = page.back();
  }
  return ids;
}

bool Relay::RefreshPurchases() {
  std::vector<std::string> fresh;
  Result<uint64_t> next = topology_.center->ReadEvents(
      topology_.exchange_chaincode, center_next_block_, [&](const ChainEvent& event) {
        if (std::string tx = PurchaseOf(event); !tx.empty()) fresh.push_back(std::move(tx));
      });
  {
    std::lock_guard<std::mutex> lock(purchases_mu_);
    for (std::string& tx : fresh) {
      if (purchases_.size() >= kPendingPurchasesMax) {
        ops::LogError("too many undelivered purchases to remember; the rest after a restart",
                      {{"chain", topology_.center->chain_id()}, {"purchase", tx}});
        break;
      }
      purchases_.emplace(std::move(tx), Purchase{});
    }
  }
  NoteReachable(topology_.center->chain_id(), next.status());
  if (!next.ok()) return false;
  center_next_block_ = *next;
  return true;
}

// Reads the center's purchase record of every purchase whose chain is not known yet.
void Relay::ResolvePurchaseChains() {
  std::vector<std::string> unknown;
  {
    std::lock_guard<std::mutex> lock(purchases_mu_);
    for (const auto& [tx, purchase] : purchases_) {
      if (purchase.chain_id.empty()) unknown.push_back(tx);
    }
  }
  RunBounded(unknown.size(), [&](size_t i) {
    const std::string& tx = unknown[i];
    Result<QueryAnswer> record =
        topology_.center->Query(topology_.exchange_chaincode, "purchase", {tx});
    if (!record.ok()) return;  // the center is down: next pass
    std::lock_guard<std::mutex> lock(purchases_mu_);
    if (record->status == kStatusNotFound) {
      ops::LogWarn("a buy event without a purchase record; ignored", {{"purchase", tx}});
      purchases_.erase(tx);
      return;
    }
    const Json parsed = Json::parse(record->payload, nullptr, /*allow_exceptions=*/false);
    if (record->status != kStatusOk || !parsed.is_object() ||
        !parsed.value("chain_id", Json()).is_string()) {
      ops::LogWarn("cannot read a purchase record",
                   {{"purchase", tx}, {"status", std::to_string(record->status)}});
      return;
    }
    purchases_[tx].chain_id = parsed["chain_id"].get<std::string>();
  });
}

void Relay::CollectPurchases(const std::map<std::string, uint64_t>& listed,
                             std::vector<WorkItem>& items, PassSummary& summary,
                             std::map<std::string, uint64_t>& undelivered_per_chain) {
  std::lock_guard<std::mutex> lock(purchases_mu_);
  for (auto& [tx, purchase] : purchases_) {
    if (purchase.chain_id.empty()) {
      ++summary.purchases_seen;  // its record could not be read yet: in flight
      continue;
    }
    const BrandChain* brand = FindBrand(purchase.chain_id);
    if (brand == nullptr) {
      if (!purchase.unconfigured_logged) {
        ops::LogWarn("a purchase for a chain this relay does not serve",
                     {{"chain", purchase.chain_id}, {"purchase", tx}});
        purchase.unconfigured_logged = true;
      }
      continue;
    }
    ++summary.purchases_seen;
    ++undelivered_per_chain[purchase.chain_id];
    // A chain that could not be listed this pass cannot take a delivery either: it waits.
    if (listed.count(purchase.chain_id) != 0) items.push_back({brand, tx, true});
  }
}

PassSummary Relay::RunPass() {
  const int64_t start_ms = clock_.NowMs();
  PassSummary summary;
  const bool center_ok = RefreshPurchases();
  if (!center_ok) ++summary.chains_unreachable;
  ResolvePurchaseChains();

  std::vector<WorkItem> items;
  std::map<std::string, uint64_t> open_per_chain, undelivered_per_chain;
  for (const BrandChain& brand : topology_.brands) {
    Result<std::vector<std::string>> open = ListOpen(brand);
    NoteReachable(brand.port->chain_id(), open.status());
    if (!open.ok()) {
      ++summary.chains_unreachable;
      continue;
    }
    summary.swaps_seen += open->size();
    open_per_chain[brand.port->chain_id()] = open->size();
    for (std::string& id : *open) items.push_back({&brand, std::move(id), false});
  }
  CollectPurchases(open_per_chain, items, summary, undelivered_per_chain);

  // Every step needs the center (its decision or its view): without it, everything waits.
  if (!center_ok) items.clear();
  RunBounded(items.size(), [&](size_t i) {
    WorkItem& item = items[i];
    item.outcome = item.purchase ? Deliver(*item.brand, item.id) : DriveSwap(*item.brand, item.id);
  });

  for (const WorkItem& item : items) {
    if (item.outcome == Outcome::kLeft) continue;
    const std::string& chain = item.brand->port->chain_id();
    if (item.purchase) {
      ++summary.purchases_delivered;
      --undelivered_per_chain[chain];
      std::lock_guard<std::mutex> lock(purchases_mu_);
      purchases_.erase(item.id);
    } else {
      ++summary.swaps_finished;
      --open_per_chain[chain];
    }
  }
  RecordPass(summary, open_per_chain, undelivered_per_chain, clock_.NowMs() - start_ms);
  return summary;
}

void Relay::RecordPass(const PassSummary& summary,
                       const std::map<std::string, uint64_t>& open_per_chain,
                       const std::map<std::string, uint64_t>& undelivered_per_chain,
                       int64_t duration_ms) {
  for (const BrandChain& brand : topology_.brands) {
    const std::string& chain = brand.port->chain_id();
    if (auto it = open_per_chain.find(chain); it != open_per_chain.end()) {
      metrics_
          .GetGauge("milk_relay_swaps_open", "Swaps locked on the brand chain and not finished.",
                    {{"chain", chain}})
          .Set(static_cast<double>(it->second));
    }
    auto it = undelivered_per_chain.find(chain);
    metrics_
        .GetGauge("milk_relay_purchases_undelivered",
                  "Purchases on the center chain not yet delivered on the brand chain.",
                  {{"chain", chain}})
        .Set(it == undelivered_per_chain.end() ? 0.0 : static_cast<double>(it->second));
  }
  metrics_.GetCounter("milk_relay_passes_total", "Full passes over every chain.").Inc();
  metrics_
      .GetHistogram("milk_relay_pass_duration_seconds", "Time one full pass took.",
                    PassBucketsSeconds())
      .Observe(static_cast<double>(duration_ms) / 1000.0);
  // Unreachable chains are logged when they go down and come back (NoteReachable), not here.
  const bool busy = summary.swaps_seen > 0 || summary.purchases_seen > 0;
  auto log = busy ? ops::LogInfo : ops::LogDebug;
  log("relay pass", {{"swaps_open", std::to_string(summary.swaps_seen)},
                     {"swaps_finished", std::to_string(summary.swaps_finished)},
                     {"purchases_undelivered", std::to_string(summary.purchases_seen)},
                     {"purchases_delivered", std::to_string(summary.purchases_delivered)},
                     {"chains_unreachable", std::to_string(summary.chains_unreachable)},
                     {"duration_ms", std::to_string(duration_ms)}});
}

}  // namespace milk::relay
