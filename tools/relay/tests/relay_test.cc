// The relay core against in-memory chains (fake_chains.h): every swap and purchase ends exactly
// once, whatever relays die, race, or find chains down.
#include "tools/relay/relay.h"

#include <spdlog/sinks/ostream_sink.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <memory>
#include <sstream>
#include <thread>

#include "node/ops/logging.h"
#include "tools/relay/tests/fake_chains.h"

namespace milk::relay {
namespace {

using testing::FakePort;
using testing::FakeWorld;

// Thrown by a test's fault action: unwinds the pass as a kill would stop it (with one worker
// the pass runs on the test's thread).
struct Killed {
  std::string name;
  uint64_t hit;
};

struct Network {
  FakeWorld world;
  FakePort center{world, "mlk", true};
  FakePort brand_a{world, "brand.a", false};
  FakePort brand_b{world, "brand.b", false};
  ManualClock clock{1000};

  RelayTopology Topology() {
    return {&center, "exchange", {{&brand_a, "swap"}, {&brand_b, "swap"}}};
  }
};

// A relay with its own fault points and metrics, as one `milk relay` process has.
struct RelayProcess {
  FaultPoints faults;
  ops::Registry metrics;
  std::unique_ptr<Relay> relay;

  RelayProcess(Network& net, int in_flight, std::vector<FaultSpec> specs = {})
      : faults(std::move(specs), [](const std::string& name, uint64_t hit) {
          throw Killed{name, hit};
        }) {
    relay = std::make_unique<Relay>(net.Topology(), RelayOptions{in_flight, nullptr}, faults,
                                    metrics, net.clock);
  }
};

// Relay logs go to a string for the test's life; warnings and errors only otherwise (a pass logs
// a line per step, thousands in the tests below).
class LogCapture {
 public:
  LogCapture() : clock_(1000), sink_(std::make_shared<spdlog::sinks::ostream_sink_mt>(out_)) {
    ops::InitLogging(ops::LogLevel::kInfo, ops::LogFormat::kText, "", sink_, &clock_);
  }
  ~LogCapture() { ops::InitLogging(ops::LogLevel::kWarn, ops::LogFormat::kText, ""); }
  std::string text() const { return out_.str(); }

 private:
  ManualClock clock_;
  std::ostringstream out_;
  std::shared_ptr<spdlog::sinks::ostream_sink_mt> sink_;
};

const bool kQuietLogs = [] {
  ops::InitLogging(ops::LogLevel::kWarn, ops::LogFormat::kText, "");
  return true;
}();

std::string Id(int i) {
  char buffer[8];
  std::snprintf(buffer, sizeof buffer, "s%04d", i);
  return buffer;
}

TEST_CASE("a locked sell is settled on the center and released on the brand chain") {
  Network net;
  net.world.Lock("brand.a", Id(1));
  RelayProcess p(net, 1);
  const PassSummary summary = p.relay->RunPass();
  CHECK(summary.swaps_seen == 1);
  CHECK(summary.swaps_finished == 1);
  CHECK(summary.complete());
  CHECK(net.world.decisions["brand.a/" + Id(1)] == "settled");
  CHECK(net.world.State("brand.a", Id(1)) == "released");
  CHECK(p.metrics.RenderText().find(
            "milk_relay_steps_total{chain=\"brand.a\",outcome=\"ok\",step=\"finish\"} 1") !=
        std::string::npos);
  // Nothing is left: the next pass lists nothing and changes nothing.
  const PassSummary again = p.relay->RunPass();
  CHECK(again.swaps_seen == 0);
  CHECK(net.world.Applied("finish/brand.a/" + Id(1)) == 1);
}

TEST_CASE("every step is one structured log line naming the swap, chain, step and tx") {
  Network net;
  net.world.Lock("brand.a", Id(1));
  net.world.Buy("brand.b", "buy1");
  LogCapture logs;
  RelayProcess p(net, 1);
  CHECK(p.relay->RunPass().complete());
  const std::string text = logs.text();
  CHECK_THAT(text, Catch::Contains("relay step chain=brand.a swap=s0001 step=settle outcome=ok "
                                   "tx_id=tx1 detail=\"\""));
  CHECK_THAT(text, Catch::Contains("relay step chain=brand.a swap=s0001 step=finish outcome=ok "
                                   "tx_id=tx1"));
  CHECK_THAT(text, Catch::Contains("relay step chain=brand.b purchase=buy1 step=deliver "
                                   "outcome=ok tx_id=tx1"));
  CHECK_THAT(text, Catch::Contains("relay pass swaps_open=1 swaps_finished=1 "
                                   "purchases_undelivered=1 purchases_delivered=1 "
                                   "chains_unreachable=0"));
}

TEST_CASE("an aborted swap is refunded") {
  Network net;
  net.world.Lock("brand.b", Id(2));
  net.world.to_abort.insert(Id(2));
  RelayProcess p(net, 1);
  CHECK(p.relay->RunPass().complete());
  CHECK(net.world.decisions["brand.b/" + Id(2)] == "aborted");
  CHECK(net.world.State("brand.b", Id(2)) == "refunded");
}

TEST_CASE("a swap decided by another relay is finished without a second decision") {
  Network net;
  net.world.Lock("brand.a", Id(3));
  net.world.decisions["brand.a/" + Id(3)] = "aborted";  // e.g. the customer's abort_swap
  RelayProcess p(net, 1);
  CHECK(p.relay->RunPass().complete());
  CHECK(net.world.State("brand.a", Id(3)) == "refunded");
  CHECK(net.world.Applied("decide/brand.a/" + Id(3)) == 0);
}

TEST_CASE("a step another relay made first is taken as done: 409 or conflict, then re-read") {
  Network net;
  net.world.Lock("brand.a", Id(1));
  RelayProcess p(net, 1);
  SECTION("settle_swap answered 409 at execution") {
    net.world.race = [](FakeWorld& w) {
      std::lock_guard<std::mutex> lock(w.mu);
      w.decisions["brand.a/" + Id(1)] = "settled";
    };
  }
  SECTION("finish overtaken: an MVCC conflict") {
    net.world.decisions["brand.a/" + Id(1)] = "settled";
    net.world.race = [](FakeWorld& w) {
      std::lock_guard<std::mutex> lock(w.mu);
      w.swaps["brand.a"][Id(1)] = "released";
    };
  }
  const PassSummary summary = p.relay->RunPass();
  CHECK(summary.swaps_finished == 1);
  CHECK(summary.complete());
  CHECK(net.world.State("brand.a", Id(1)) == "released");
  CHECK(net.world.Applied("finish/brand.a/" + Id(1)) <= 1);
  CHECK(p.metrics.RenderText().find("outcome=\"already\"") != std::string::npos);
}

TEST_CASE("a delivery another relay made first is taken as done") {
  Network net;
  net.world.Buy("brand.a", "buy1");
  net.world.race = [](FakeWorld& w) {
    std::lock_guard<std::mutex> lock(w.mu);
    w.deliveries["brand.a"].insert("buy1");
  };
  RelayProcess p(net, 1);
  const PassSummary summary = p.relay->RunPass();
  CHECK(summary.purchases_delivered == 1);
  CHECK(summary.complete());
  CHECK(net.world.Applied("deliver/brand.a/buy1") == 0);
}

TEST_CASE("a purchase is delivered once, and sells' trade events are not purchases") {
  Network net;
  net.world.Buy("brand.b", "buy1");
  RelayProcess p(net, 1);
  const PassSummary summary = p.relay->RunPass();
  CHECK(summary.purchases_seen == 1);
  CHECK(summary.purchases_delivered == 1);
  CHECK(summary.complete());
  CHECK(net.world.deliveries["brand.b"].count("buy1") == 1);
  CHECK(p.relay->RunPass().purchases_seen == 0);
  // A restarted relay reads the events from block 0 again and finds the delivery made.
  RelayProcess restarted(net, 1);
  const PassSummary after = restarted.relay->RunPass();
  CHECK(after.purchases_delivered == 1);
  CHECK(net.world.Applied("deliver/brand.b/buy1") == 1);
  CHECK(restarted.relay->RunPass().purchases_seen == 0);
}

TEST_CASE("a refused step is retried next pass and the swap is not lost") {
  Network net;
  net.world.Lock("brand.a", Id(4));
  net.world.settle_refusal = 503;
  RelayProcess p(net, 1);
  PassSummary summary = p.relay->RunPass();
  CHECK_FALSE(summary.complete());
  CHECK(summary.swaps_finished == 0);
  CHECK(net.world.State("brand.a", Id(4)) == "locked");
  CHECK(p.metrics.RenderText().find(
            "milk_relay_steps_total{chain=\"brand.a\",outcome=\"failed\",step=\"settle\"} 1") !=
        std::string::npos);
  CHECK(p.metrics.RenderText().find("milk_relay_swaps_open{chain=\"brand.a\"} 1") !=
        std::string::npos);
  net.world.settle_refusal = 0;
  CHECK(p.relay->RunPass().complete());
  CHECK(net.world.State("brand.a", Id(4)) == "released");
}

TEST_CASE("a proof from a peer that lags behind is not submitted") {
  Network net;
  net.world.Lock("brand.a", Id(5));
  net.world.lagging_views = true;
  RelayProcess p(net, 1);
  CHECK_FALSE(p.relay->RunPass().complete());
  CHECK(net.world.decisions.empty());
  net.world.lagging_views = false;
  CHECK(p.relay->RunPass().complete());
}

TEST_CASE("an unavailable brand chain waits while the others progress") {
  Network net;
  for (int i = 0; i < 5; ++i) net.world.Lock("brand.a", Id(i));
  for (int i = 5; i < 10; ++i) net.world.Lock("brand.b", Id(i));
  net.world.Buy("brand.a", "buyA");
  net.world.Buy("brand.b", "buyB");
  net.world.unavailable.insert("brand.a");
  RelayProcess p(net, 4);
  PassSummary summary = p.relay->RunPass();
  CHECK_FALSE(summary.complete());
  CHECK(summary.chains_unreachable == 1);
  CHECK(summary.swaps_finished == 5);
  CHECK(summary.purchases_delivered == 1);
  for (int i = 0; i < 5; ++i) CHECK(net.world.State("brand.a", Id(i)) == "locked");
  for (int i = 5; i < 10; ++i) CHECK(net.world.State("brand.b", Id(i)) == "released");
  CHECK_THAT(p.metrics.RenderText(),
             Catch::Contains("milk_relay_chain_reachable{chain=\"brand.a\"} 0"));
  // Its purchase waits too, without an attempt that could only fail.
  CHECK_THAT(p.metrics.RenderText(), !Catch::Contains("chain=\"brand.a\",outcome=\"failed\""));
  CHECK_THAT(p.metrics.RenderText(),
             Catch::Contains("milk_relay_purchases_undelivered{chain=\"brand.a\"} 1"));
  CHECK_THAT(p.metrics.RenderText(),
             Catch::Contains("milk_relay_chain_reachable{chain=\"brand.b\"} 1"));
  net.world.unavailable.clear();
  summary = p.relay->RunPass();
  CHECK(summary.complete());
  CHECK_THAT(p.metrics.RenderText(),
             Catch::Contains("milk_relay_chain_reachable{chain=\"brand.a\"} 1"));
  CHECK(summary.swaps_finished == 5);
  for (int i = 0; i < 5; ++i) CHECK(net.world.State("brand.a", Id(i)) == "released");
  CHECK(net.world.deliveries["brand.a"].count("buyA") == 1);
}

TEST_CASE("a brand chain whose open index cannot be read counts as unreachable") {
  Network net;
  net.world.Lock("brand.a", Id(1));
  net.world.garbled_open = true;
  RelayProcess p(net, 1);
  const PassSummary summary = p.relay->RunPass();
  CHECK(summary.chains_unreachable == 2);
  CHECK_FALSE(summary.complete());
  CHECK(net.world.State("brand.a", Id(1)) == "locked");
  net.world.garbled_open = false;
  CHECK(p.relay->RunPass().complete());
  CHECK(net.world.State("brand.a", Id(1)) == "released");
}

TEST_CASE("an unavailable center leaves everything waiting") {
  Network net;
  net.world.Lock("brand.a", Id(1));
  net.world.unavailable.insert("mlk");
  RelayProcess p(net, 1);
  LogCapture logs;
  CHECK_FALSE(p.relay->RunPass().complete());
  CHECK_FALSE(p.relay->RunPass().complete());
  // One line per outage, not one per pass.
  const std::string text = logs.text();
  const std::string line = "chain unreachable; its swaps wait chain=mlk";
  CHECK(text.find(line) != std::string::npos);
  CHECK(text.find(line) == text.rfind(line));
  CHECK(net.world.State("brand.a", Id(1)) == "locked");
  net.world.unavailable.clear();
  CHECK(p.relay->RunPass().complete());
  CHECK_THAT(logs.text(), Catch::Contains("chain reachable again chain=mlk"));
}

TEST_CASE("a stop request ends the pass between swaps, leaving the rest for later") {
  Network net;
  for (int i = 0; i < 6; ++i) net.world.Lock("brand.a", Id(i));
  FaultPoints faults;
  ops::Registry metrics;
  RelayOptions options;
  options.in_flight_max = 1;
  options.stop_requested = [&faults] { return faults.Count("finish.submitted") >= 2; };
  Relay relay(net.Topology(), options, faults, metrics, net.clock);
  const PassSummary summary = relay.RunPass();
  CHECK(summary.swaps_seen == 6);
  CHECK(summary.swaps_finished == 2);
  CHECK_FALSE(summary.complete());
  CHECK(net.world.State("brand.a", Id(2)) == "locked");
}

TEST_CASE("two relays on the same chains finish everything exactly once") {
  Network net;
  constexpr int kSwaps = 300;
  for (int i = 0; i < kSwaps; ++i) {
    net.world.Lock(i % 2 ? "brand.a" : "brand.b", Id(i));
    if (i % 7 == 0) net.world.to_abort.insert(Id(i));
  }
  for (int i = 0; i < 40; ++i) net.world.Buy(i % 2 ? "brand.a" : "brand.b", "buy" + Id(i));
  RelayProcess one(net, 8), two(net, 8);
  // Passes until both relays see nothing left; a bounded number, so a stuck relay fails the test.
  auto run = [&net](RelayProcess& p) {
    for (int pass = 0; pass < 20; ++pass) {
      if (p.relay->RunPass().complete() && pass > 0) return;
    }
  };
  std::thread a([&] { run(one); });
  std::thread b([&] { run(two); });
  a.join();
  b.join();
  for (int i = 0; i < kSwaps; ++i) {
    const std::string chain = i % 2 ? "brand.a" : "brand.b";
    const std::string key = chain + "/" + Id(i);
    CHECK(net.world.Applied("decide/" + key) == 1);
    CHECK(net.world.Applied("finish/" + key) == 1);
    CHECK(net.world.State(chain, Id(i)) == (i % 7 == 0 ? "refunded" : "released"));
  }
  for (int i = 0; i < 40; ++i) {
    CHECK(net.world.Applied("deliver/" + std::string(i % 2 ? "brand.a" : "brand.b") + "/buy" +
                            Id(i)) == 1);
  }
}

TEST_CASE("fault specs parse and refuse typos") {
  Result<FaultSpec> plain = ParseFaultSpec("settle.submitted");
  REQUIRE(plain.ok());
  CHECK(plain->name == "settle.submitted");
  CHECK(plain->hit == 1);
  Result<FaultSpec> third = ParseFaultSpec("deliver.proof_fetched:3");
  REQUIRE(third.ok());
  CHECK(third->hit == 3);
  Result<FaultSpec> unknown = ParseFaultSpec("settle.sent");
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.status().message().find("finish.proof_fetched") != std::string::npos);
  CHECK_FALSE(ParseFaultSpec("finish.submitted:0").ok());
  CHECK_FALSE(ParseFaultSpec("finish.submitted:x").ok());
  CHECK_FALSE(ParseFaultSpec("finish.submitted:2x").ok());
  CHECK_FALSE(ParseFaultSpec("finish.submitted:").ok());
}

TEST_CASE("a fault point fires at its N-th hit only") {
  std::vector<std::pair<std::string, uint64_t>> fired;
  FaultPoints faults({{"finish.submitted", 3}, {"settle.submitted", 1}},
                     [&](const std::string& name, uint64_t hit) { fired.emplace_back(name, hit); });
  for (int i = 0; i < 5; ++i) faults.Reach("finish.submitted");
  faults.Reach("settle.submitted");
  faults.Reach("settle.submitted");
  REQUIRE(fired.size() == 2);
  CHECK(fired[0] == std::make_pair(std::string("finish.submitted"), uint64_t{3}));
  CHECK(fired[1] == std::make_pair(std::string("settle.submitted"), uint64_t{1}));
  CHECK(faults.Count("finish.submitted") == 5);
  CHECK(faults.Count("deliver.submitted") == 0);
}

TEST_CASE("KillProcess ends the process with SIGKILL, as a crash would") {
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    KillProcess("settle.submitted", 1);
    _exit(0);  // never reached: the exit status below would say so
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGKILL);
}

TEST_CASE("a relay killed at any fault point is finished by the next one, exactly once") {
  for (std::string_view name : kFaultPointNames) {
    for (uint64_t hit : {uint64_t{1}, uint64_t{2}}) {
      DYNAMIC_SECTION(name << ":" << hit) {
        Network net;
        for (int i = 0; i < 3; ++i) net.world.Lock("brand.a", Id(i));
        net.world.to_abort.insert(Id(1));
        net.world.Buy("brand.b", "buy1");
        net.world.Buy("brand.b", "buy2");
        RelayProcess first(net, 1, {{std::string(name), hit}});
        bool killed = false;
        try {
          (void)first.relay->RunPass();
        } catch (const Killed& k) {
          killed = true;
          CHECK(k.name == name);
          CHECK(k.hit == hit);
        }
        CHECK(killed);
        CHECK(first.faults.Count(name) == hit);
        RelayProcess second(net, 1);
        CHECK(second.relay->RunPass().complete());
        for (int i = 0; i < 3; ++i) {
          CHECK(net.world.Applied("decide/brand.a/" + Id(i)) == 1);
          CHECK(net.world.Applied("finish/brand.a/" + Id(i)) == 1);
        }
        CHECK(net.world.State("brand.a", Id(1)) == "refunded");
        CHECK(net.world.Applied("deliver/brand.b/buy1") == 1);
        CHECK(net.world.Applied("deliver/brand.b/buy2") == 1);
      }
    }
  }
}

}  // namespace
}  // namespace milk::relay
