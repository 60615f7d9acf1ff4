// Helpers of milk_swap_bench (bench_world.h): timed transactions from many threads, event arrival
// clocks, the benchmark's relay, and the setup both scenarios need.
#include "bench/swaps/bench_world.h"

#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>

#include "crypto/clock.h"
#include "crypto/identity.h"
#include "crypto/tls/credentials.h"
#include "tools/client/transaction.h"
#include "tools/client/view_client.h"

namespace milk::bench::swaps {
namespace {

using Json = nlohmann::json;

// Connections per node and client: enough that a few hundred concurrent calls spread over several
// HTTP/2 connections, few enough to cost the node nothing.
constexpr size_t kConnectionsPerNode = 4;
// Setup transactions may meet an MVCC conflict with a concurrent one (a customer's lock racing
// nothing but a relay's step on the same lots); this many tries is far more than one needs.
constexpr int kSetupAttemptsMax = 20;
// Issues all write the brandtoken's supply counter, so in parallel all but one per block conflict:
// they go one at a time.
constexpr int kIssueThreads = 1;
// How long the stock swaps may take to settle through the relay on a loaded machine.
constexpr int64_t kStockWaitMs = 120'000;
constexpr int64_t kRelayStopWaitMs = 10'000;
// Per call: a commit wait under a backlog of thousands of transactions.
constexpr int64_t kCallDeadlineMs = 60'000;
// How long an EventClock waits for its stream to end (the nodes stopped) before leaving it.
constexpr int kEventStreamEndWaitSteps = 50;
constexpr int64_t kEventStreamEndStepMs = 20;

// The relay's log level: warn (a line per failure only) unless MILK_SWAP_BENCH_RELAY_LOG names
// another (info: a line per step and per pass, for profiling a run).
std::string RelayLogLevel() {
  const char *level = std::getenv("MILK_SWAP_BENCH_RELAY_LOG");
  return level != nullptr && *level != '\0' ? level : "warn";
}

}  // namespace

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

Transactor::Transactor(const integration::Network &net, const std::string &node,
                       const std::string &chain, const std::string &tls_org,
                       const std::string &tls_member)
    : chain_(chain), endpoint_(net.endpoint(node)) {
  options_.deadline_ms = kCallDeadlineMs;
  options_.own_connection = true;
  for (size_t i = 0; i < kConnectionsPerNode; ++i) {
    clients_.push_back(
        std::make_unique<client::GatewayClient>(net.Client(node, tls_org, tls_member, options_)));
  }
  const std::string dir = net.member_dir(tls_org, tls_member);
  auto material =
      crypto::tls::LoadTlsClientFiles({net.tls_ca_bundle()}, dir + "/tls.crt", dir + "/tls.key");
  REQUIRE(material.ok());
  options_.credentials = crypto::tls::ChannelCredentials(*material);
}

const client::GatewayClient &Transactor::Next() const {
  return *clients_[next_.fetch_add(1) % clients_.size()];
}

CallResult Transactor::Call(const client::Signer &signer, const std::string &chaincode,
                            const std::string &function,
                            const std::vector<std::string> &args) const {
  CallResult result;
  auto fail = [&](const std::string &prefix, const Status &status) {
    result.outcome = prefix + CodeName(status.code());
    result.detail = status.ToString();
    return result;
  };
  const client::GatewayClient &peer = Next();
  Result<client::BuiltProposal> built = client::BuildProposal(
      signer, chain_, chaincode, function, args, SystemClock::Instance().NowMs());
  if (!built.ok()) return fail("error:", built.status());
  result.tx_id = built->tx_id;
  Result<milkpb::ProposalResponse> endorsed = peer.Endorse(built->signed_proposal);
  // The node reports a chaincode refusal as an error naming the chaincode.
  if (!endorsed.ok()) {
    const bool refusal = endorsed.status().message().rfind("chaincode '", 0) == 0;
    return fail(refusal ? "refused:" : "error:", endorsed.status());
  }
  if (endorsed->response().status() != 200) {
    result.outcome = "refused:" + std::to_string(endorsed->response().status());
    result.detail = endorsed->response().message();
    return result;
  }
  Result<milkpb::Envelope> envelope =
      client::BuildEnvelope(signer, built->signed_proposal.proposal(), {*endorsed},
                            /*verify_endorsements=*/false);
  if (!envelope.ok()) return fail("error:", envelope.status());
  result.submit_us = NowMicros();
  Result<milkpb::SubmitResponse> submitted = peer.Submit(chain_, *envelope);
  if (!submitted.ok()) return fail("error:", submitted.status());
  Result<milkpb::CommitStatusResponse> committed =
      peer.CommitStatus(chain_, result.tx_id, /*wait=*/true, /*sequenced_response=*/true);
  result.commit_us = NowMicros();
  if (!committed.ok()) return fail("error:", committed.status());
  result.outcome = milkpb::TxValidationCode_Name(committed->code());
  result.sequenced = committed->sequenced_response();
  if (committed->code() == milkpb::SEQUENCED_EXECUTION_FAILED) {
    result.detail = std::to_string(result.sequenced.status()) + " " + result.sequenced.message();
  }
  return result;
}

CallResult Transactor::CallUntilValid(const client::Signer &signer, const std::string &chaincode,
                                      const std::string &function,
                                      const std::vector<std::string> &args) const {
  CallResult result;
  for (int attempt = 0; attempt < kSetupAttemptsMax; ++attempt) {
    result = Call(signer, chaincode, function, args);
    if (result.valid() || result.outcome.rfind("refused:", 0) == 0) return result;
  }
  return result;
}

Result<std::string> Transactor::View(const std::string &chaincode, const std::string &function,
                                     const std::vector<std::string> &args) const {
  const client::ViewClient viewer(endpoint_, options_);
  milkpb::ViewRequest request;
  request.set_chain_id(chain_);
  request.set_chaincode(chaincode);
  request.set_function(function);
  for (const std::string &arg : args) request.add_args(arg);
  request.set_at_ms(SystemClock::Instance().NowMs());
  MILK_ASSIGN_OR_RETURN(milkpb::ViewProof proof, viewer.Query(request));
  return proof.SerializeAsString();
}

Result<uint64_t> Transactor::Height() const {
  MILK_ASSIGN_OR_RETURN(milkpb::ChainInfoResponse info, peer().ChainInfo(chain_));
  return info.summary().height();
}

void RunStriped(size_t count, int threads, const std::function<void(size_t)> &work) {
  std::vector<std::thread> workers;
  for (int w = 0; w < threads; ++w) {
    workers.emplace_back([&, w] {
      for (size_t i = static_cast<size_t>(w); i < count; i += static_cast<size_t>(threads)) {
        work(i);
      }
    });
  }
  for (std::thread &worker : workers) worker.join();
}

std::vector<Customer> LoadCustomers(const integration::Network &net,
                                    const std::vector<std::string> &names) {
  std::vector<Customer> customers;
  customers.reserve(names.size());
  for (const std::string &name : names) {
    client::Signer wallet = net.Wallet(name);
    std::string address = crypto::WalletAddress(wallet.key.public_key);
    customers.push_back(Customer{std::move(wallet), std::move(address)});
  }
  return customers;
}

EventClock::EventClock(client::GatewayClient peer, const std::string &chain,
                       const std::string &chaincode, uint64_t start_block)
    : state_(std::make_shared<State>(std::move(peer))) {
  thread_ = std::thread([state = state_, chain, chaincode, start_block] {
    // The stream ends with the node (or an error); either way the clock stops there.
    (void)state->peer.ChaincodeEvents(
        chain, chaincode, start_block, [&state](const milkpb::ChaincodeEventsResponse &response) {
          const int64_t now = NowMicros();
          std::lock_guard<std::mutex> lock(state->mutex);
          for (const milkpb::ChaincodeEvent &event : response.events()) {
            const Json payload = Json::parse(event.payload(), nullptr, false);
            if (!payload.is_object()) continue;
            for (const char *field : {"id", "tx"}) {
              auto it = payload.find(field);
              if (it == payload.end() || !it->is_string()) continue;
              state->seen[event.name()].emplace(it->get<std::string>(), now);
              break;
            }
          }
          return !state->stop.load();
        });
    state->ended = true;
  });
}

EventClock::~EventClock() {
  state_->stop = true;
  for (int i = 0; i < kEventStreamEndWaitSteps && !state_->ended; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(kEventStreamEndStepMs));
  }
  if (state_->ended) {
    thread_.join();
  } else {
    thread_.detach();  // the node still streams (a failed run): the thread ends
                       // with it
  }
}

int64_t EventClock::When(const std::string &name, const std::string &key) const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  auto named = state_->seen.find(name);
  if (named == state_->seen.end()) return 0;
  auto it = named->second.find(key);
  return it == named->second.end() ? 0 : it->second;
}

size_t EventClock::Count(const std::string &name) const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  auto named = state_->seen.find(name);
  return named == state_->seen.end() ? 0 : named->second.size();
}

std::unique_ptr<integration::ChildProcess> StartBenchRelay(integration::CrossChain &world,
                                                           const RelaySettings &settings,
                                                           const std::string &name) {
  integration::Network &net = world.net();
  const std::string path = net.dir() + "/relay-" + name + ".yaml";
  std::ofstream out(path);
  out << "identity: " << net.member_dir("TICA", "relay") << "\n"
      << "tls:\n  ca_files: [" << net.tls_ca_bundle() << "]\n"
      << "center:\n  chain_id: " << integration::kCenterChain << "\n  peers: [\""
      << net.endpoint("tica") << "\"]\n"
      << "brand_chains:\n";
  for (const std::string chain : {integration::kSwapChainA, integration::kSwapChainB}) {
    out << "  - chain_id: " << chain << "\n    peers: [\""
        << net.endpoint(integration::CrossChain::NodeOf(chain)) << "\"]\n";
  }
  out << "poll_ms: " << settings.poll_ms << "\nrequest_timeout_ms: 60000\n"
      << "in_flight_max: " << settings.in_flight_max << "\nlog:\n  level: " << RelayLogLevel()
      << "\n";
  out.close();
  REQUIRE(out.good());
  auto relay = std::make_unique<integration::ChildProcess>();
  const std::string error = relay->Start({MILK_BINARY_PATH, "relay", "--config", path},
                                         net.dir() + "/relay-" + name + ".log");
  INFO(error);
  REQUIRE(error.empty());
  return relay;
}

void StockBothMarkets(integration::CrossChain &world, const std::string &amount) {
  world.LockStock(integration::kSwapChainA, "bench-stock-a", amount);
  world.LockStock(integration::kSwapChainB, "bench-stock-b", amount);
  std::unique_ptr<integration::ChildProcess> relay = StartBenchRelay(world, {}, "stock");
  const integration::CrossChain::Progress progress = world.WaitUntilDone(kStockWaitMs);
  INFO(progress.Describe() << "\n" << world.RelayLog("stock"));
  REQUIRE(progress.done());
  relay->SignalAndWait(SIGTERM, kRelayStopWaitMs);
}

void IssuePoints(integration::CrossChain &world, const std::string &chain,
                 const std::vector<std::string> &customers, const std::string &amount) {
  const std::string org = integration::CrossChain::OrgOf(chain);
  const Transactor brand(world.net(), integration::CrossChain::NodeOf(chain), chain, org,
                         "gateway");
  const client::Signer issuer = world.net().Member(org, "issuer");
  std::vector<std::string> addresses;
  for (const std::string &customer : customers) addresses.push_back(world.net().Address(customer));
  std::vector<CallResult> results(customers.size());
  RunStriped(customers.size(), kIssueThreads, [&](size_t i) {
    results[i] = brand.CallUntilValid(issuer, "brandtoken", "issue",
                                      {addresses[i], amount, "bench-points-" + customers[i]});
  });
  for (size_t i = 0; i < results.size(); ++i) {
    INFO("issue to " << customers[i] << " on " << chain << ": " << results[i].outcome << " "
                     << results[i].detail);
    REQUIRE(results[i].valid());
  }
}

}  // namespace milk::bench::swaps

namespace milk::bench::swaps {
namespace {

// utime + stime of /proc/<pid>/stat, in seconds; -1 when unreadable.
double CpuSecondsOf(const std::string &pid) {
  std::ifstream in("/proc/" + pid + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t close = text.rfind(')');  // the command name may hold spaces
  if (close == std::string::npos) return -1;
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  // After the name: state is field 3; utime and stime are fields 14 and 15.
  constexpr int kUtimeIndex = 14 - 3;
  double ticks = 0;
  for (int i = 0; i <= kUtimeIndex + 1 && fields >> field; ++i) {
    if (i >= kUtimeIndex) ticks += std::stod(field);
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

}  // namespace

std::map<std::string, double> CpuSecondsByProcess(const std::string &network_dir) {
  std::map<std::string, double> cpu;
  std::error_code error;
  for (const auto &entry : std::filesystem::directory_iterator("/proc", error)) {
    const std::string pid = entry.path().filename().string();
    if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "cmdline");
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (cmdline.find(network_dir) == std::string::npos) continue;
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    // "milkd ... <dir>/nodes/<node>/node.yaml" or "milk relay --config <dir>/relay-<name>.yaml"
    std::string name = cmdline.find(" relay ") != std::string::npos ? "relay" : "milkd";
    const size_t nodes = cmdline.find(network_dir + "/nodes/");
    if (nodes != std::string::npos) {
      const size_t start = nodes + network_dir.size() + 7;
      name += " " + cmdline.substr(start, cmdline.find('/', start) - start);
    }
    const double seconds = CpuSecondsOf(pid);
    if (seconds >= 0) cpu[name] += seconds;
  }
  cpu["bench clients"] = CpuSecondsOf(std::to_string(getpid()));
  return cpu;
}

void AddCpuFigures(const std::map<std::string, double> &before,
                   const std::map<std::string, double> &after, Report &report) {
  if (report.committed == 0) return;
  double total = 0;
  for (const auto &[name, seconds] : after) {
    auto it = before.find(name);
    const double spent = seconds - (it == before.end() ? 0 : it->second);
    total += spent;
    report.figures["cpu_ms_per_item " + name] =
        spent * 1000 / static_cast<double>(report.committed);
  }
  report.figures["cpu_ms_per_item total"] = total * 1000 / static_cast<double>(report.committed);
}

}  // namespace milk::bench::swaps
