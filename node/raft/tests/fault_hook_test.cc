// The test-only fault filter between consenters (node/raft/fault_hook.h): its rules, and that the
// gRPC Cluster transport really sends nothing to a blocked peer.
#include <catch2/catch.hpp>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "milk/services.grpc.pb.h"
#include "node/raft/cluster_transport.h"
#include "node/raft/fault_hook.h"

namespace milk::node {
namespace {

const std::string kChain = "demo";
const std::string kOtherChain = "other";

FaultRules Outbound(std::set<uint64_t> ids) { return FaultRules{std::move(ids), {}, false}; }
FaultRules Inbound(std::set<uint64_t> ids) { return FaultRules{{}, std::move(ids), false}; }

TEST_CASE("no rule blocks nothing and is inactive", "[raft][faults]") {
  ClusterFaults faults;
  CHECK_FALSE(faults.active());
  for (uint64_t id : {1, 2, 3}) {
    CHECK_FALSE(faults.BlocksOutbound(kChain, id));
    CHECK_FALSE(faults.BlocksInbound(kChain, id));
    CHECK(faults.CheckOutbound(kChain, id).ok());
  }
  CHECK(faults.Rules(kChain).empty());
}

TEST_CASE("outbound and inbound rules block one direction each", "[raft][faults]") {
  ClusterFaults faults;
  faults.Set(kChain, FaultRules{{2}, {3}, false});
  CHECK(faults.active());
  CHECK(faults.BlocksOutbound(kChain, 2));
  CHECK_FALSE(faults.BlocksOutbound(kChain, 3));
  CHECK(faults.BlocksInbound(kChain, 3));
  CHECK_FALSE(faults.BlocksInbound(kChain, 2));

  Status cut = faults.CheckOutbound(kChain, 2);
  CHECK(cut.code() == Code::kUnavailable);
  CHECK(cut.message().find("isolated by a test fault") != std::string::npos);
  CHECK(cut.message().find("consenter 2 of chain 'demo'") != std::string::npos);
  CHECK(faults.CheckOutbound(kChain, 3).ok());  // only inbound from 3 is blocked
}

TEST_CASE("isolate blocks both directions to every peer", "[raft][faults]") {
  ClusterFaults faults;
  faults.Set(kChain, FaultRules{{}, {}, true});
  for (uint64_t id : {1, 2, 3, 7}) {
    CHECK(faults.BlocksOutbound(kChain, id));
    CHECK(faults.BlocksInbound(kChain, id));
    CHECK_FALSE(faults.CheckOutbound(kChain, id).ok());
  }
}

TEST_CASE("rules are per chain", "[raft][faults]") {
  ClusterFaults faults;
  faults.Set(kChain, FaultRules{{}, {}, true});
  faults.Set(kOtherChain, Inbound({2}));
  CHECK(faults.BlocksOutbound(kChain, 2));
  CHECK_FALSE(faults.BlocksOutbound(kOtherChain, 2));
  CHECK(faults.BlocksInbound(kOtherChain, 2));
  CHECK_FALSE(faults.BlocksInbound(kOtherChain, 3));
  CHECK_FALSE(faults.BlocksInbound("unknown", 2));
  CHECK(faults.Rules(kOtherChain) == Inbound({2}));
}

TEST_CASE("a new rule set replaces the chain's rules; heal clears them", "[raft][faults]") {
  ClusterFaults faults;
  faults.Set(kChain, Outbound({2}));
  faults.Set(kChain, Outbound({3}));
  CHECK_FALSE(faults.BlocksOutbound(kChain, 2));
  CHECK(faults.BlocksOutbound(kChain, 3));
  faults.Set(kOtherChain, Outbound({2}));

  faults.Heal(kChain);
  CHECK(faults.Rules(kChain).empty());
  CHECK_FALSE(faults.BlocksOutbound(kChain, 3));
  CHECK(faults.active());  // the other chain still has a rule
  CHECK(faults.BlocksOutbound(kOtherChain, 2));

  faults.Set(kOtherChain, FaultRules{});  // empty rules heal too
  CHECK_FALSE(faults.active());
  CHECK_FALSE(faults.BlocksOutbound(kOtherChain, 2));
  faults.Heal("never-set");  // a no-op
  CHECK_FALSE(faults.active());
}

// A Cluster service that records the (chain, to, index) of every message it receives.
class RecordingCluster final : public milkpb::Cluster::Service {
 public:
  struct Received {
    std::string chain_id;
    uint64_t to = 0;
    uint64_t index = 0;
  };

  grpc::Status Step(grpc::ServerContext*, grpc::ServerReader<milkpb::ClusterStepRequest>* reader,
                    milkpb::ClusterStepResponse*) override {
    milkpb::ClusterStepRequest request;
    while (reader->Read(&request)) {
      std::lock_guard lock(mutex_);
      received_.push_back({request.chain_id(), request.message().to(), request.message().index()});
      cv_.notify_all();
    }
    return grpc::Status::OK;
  }

  // Waits (bounded) for a message with this index; everything the same sender thread queued
  // before it has then arrived too (one stream per endpoint, in order).
  bool WaitFor(uint64_t index) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, kWaitMax, [&] {
      for (const Received& r : received_) {
        if (r.index == index) return true;
      }
      return false;
    });
  }

  std::vector<uint64_t> IndicesTo(const std::string& chain_id, uint64_t to) {
    std::lock_guard lock(mutex_);
    std::vector<uint64_t> out;
    for (const Received& r : received_) {
      if (r.chain_id == chain_id && r.to == to) out.push_back(r.index);
    }
    return out;
  }

 private:
  // Loopback delivery takes milliseconds; this only bounds a broken test.
  static constexpr auto kWaitMax = std::chrono::seconds(20);
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<Received> received_;
};

class TransportFixture {
 public:
  TransportFixture() {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    REQUIRE(server_ != nullptr);
    REQUIRE(port != 0);
    const std::string endpoint = "127.0.0.1:" + std::to_string(port);
    // Both peers of each chain live at the one recording server: one stream, one order.
    for (const std::string& chain : {kChain, kOtherChain}) {
      transport_.SetPeer(chain, 2, endpoint);
      transport_.SetPeer(chain, 3, endpoint);
    }
    transport_.SetFaults(&faults_);
  }
  ~TransportFixture() {
    transport_.Stop();
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  }

  void Send(const std::string& chain_id, uint64_t to, uint64_t index) {
    milkpb::RaftMessage message;
    message.set_type(milkpb::RaftMessage::HEARTBEAT);
    message.set_from(1);
    message.set_to(to);
    message.set_index(index);
    transport_.Send(chain_id, message);
  }

  ClusterFaults faults_;
  RecordingCluster service_;
  std::unique_ptr<grpc::Server> server_;
  ClusterTransport transport_;
};

TEST_CASE("the transport sends nothing to a blocked peer and resumes after heal",
          "[raft][faults]") {
  TransportFixture f;
  f.faults_.Set(kChain, Outbound({3}));
  for (uint64_t i = 1; i <= 5; ++i) {
    f.Send(kChain, 3, 100 + i);  // blocked
    f.Send(kChain, 2, 200 + i);
  }
  f.Send(kOtherChain, 3, 300);  // the rule is for chain demo only
  f.Send(kChain, 2, 999);       // the marker: sent last, on the same stream
  REQUIRE(f.service_.WaitFor(999));
  CHECK(f.service_.IndicesTo(kChain, 3).empty());
  CHECK(f.service_.IndicesTo(kChain, 2) == std::vector<uint64_t>{201, 202, 203, 204, 205, 999});
  CHECK(f.service_.IndicesTo(kOtherChain, 3) == std::vector<uint64_t>{300});

  f.faults_.Heal(kChain);
  f.Send(kChain, 3, 400);
  REQUIRE(f.service_.WaitFor(400));
  CHECK(f.service_.IndicesTo(kChain, 3) == std::vector<uint64_t>{400});
}

TEST_CASE("an isolated transport sends nothing to any peer", "[raft][faults]") {
  TransportFixture f;
  f.faults_.Set(kChain, FaultRules{{}, {}, true});
  f.Send(kChain, 2, 1);
  f.Send(kChain, 3, 2);
  f.Send(kOtherChain, 2, 3);  // another chain is not isolated
  REQUIRE(f.service_.WaitFor(3));
  f.faults_.Heal(kChain);
  f.Send(kChain, 2, 4);  // after heal, behind anything the isolated sends could have queued
  REQUIRE(f.service_.WaitFor(4));
  CHECK(f.service_.IndicesTo(kChain, 2) == std::vector<uint64_t>{4});
  CHECK(f.service_.IndicesTo(kChain, 3).empty());
}

}  // namespace
}  // namespace milk::node
