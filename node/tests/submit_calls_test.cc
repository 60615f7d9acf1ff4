#include <catch2/catch.hpp>

#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "node/submit_calls.h"
#include "node/tests/submit_answers.h"

using namespace milk;

namespace {

using Answers = milk::testing::SubmitAnswers;

milkpb::SubmitResponse Committed(uint64_t block) {
  milkpb::SubmitResponse response;
  response.set_committed(true);
  response.set_block_number(block);
  return response;
}

}  // namespace

TEST_CASE("submit calls: the first answer wins, later ones are dropped") {
  node::SubmitCalls calls(60000);
  Answers answers;
  auto call = calls.Start("tx1", answers.Callback());
  CHECK(call->Answer(Committed(7)));
  CHECK_FALSE(call->Answer(Unavailable("too late")));
  REQUIRE(answers.size() == 1);
  CHECK(answers.got[0]->block_number() == 7);
}

TEST_CASE("submit calls: a call not answered in time gets kDeadlineExceeded naming its txid") {
  node::SubmitCalls calls(50);
  Answers slow, forwarded, fast;
  auto slow_call = calls.Start("tx-slow", slow.Callback());
  auto forwarded_call = calls.Start("tx-forwarded", forwarded.Callback());
  forwarded_call->SetTimeoutAnswer(Committed(3));  // committed at the leader, lagging here
  auto fast_call = calls.Start("tx-fast", fast.Callback());
  fast_call->Answer(Committed(2));
  REQUIRE(slow.WaitFor(1));
  REQUIRE(forwarded.WaitFor(1));
  CHECK(slow.got[0].status().code() == Code::kDeadlineExceeded);
  CHECK(slow.got[0].status().message().find("tx-slow") != std::string::npos);
  CHECK(slow.got[0].status().message().find("CommitStatus") != std::string::npos);
  REQUIRE(forwarded.got[0].ok());
  CHECK(forwarded.got[0]->block_number() == 3);
  CHECK_FALSE(slow_call->Answer(Committed(9)));  // the deadline answered it
  CHECK(fast.size() == 1);
  CHECK(fast.got[0].ok());
}

TEST_CASE("submit calls: Stop answers what is open with kUnavailable, and every later Start") {
  node::SubmitCalls calls(60000);
  Answers open, done, late;
  auto open_call = calls.Start("tx-open", open.Callback());
  auto done_call = calls.Start("tx-done", done.Callback());
  done_call->Answer(Committed(1));
  calls.Stop();
  REQUIRE(open.size() == 1);
  CHECK(open.got[0].status().code() == Code::kUnavailable);
  CHECK(open.got[0].status().message().find("tx-open") != std::string::npos);
  CHECK(done.size() == 1);
  CHECK(done.got[0].ok());
  auto late_call = calls.Start("tx-late", late.Callback());
  REQUIRE(late.size() == 1);
  CHECK(late.got[0].status().code() == Code::kUnavailable);
}

TEST_CASE("submit calls: a call dropped unanswered still answers, kInternal") {
  node::SubmitCalls calls(60000);
  Answers dropped;
  calls.Start("tx-dropped", dropped.Callback());  // nobody keeps the call
  REQUIRE(dropped.size() == 1);
  CHECK(dropped.got[0].status().code() == Code::kInternal);
}

TEST_CASE("submit calls: After runs its function once its delay passes, and not after Stop") {
  node::SubmitCalls calls(60000);
  std::mutex mutex;
  std::vector<std::string> ran;
  auto record = [&](std::string what) {
    return [&, what] {
      std::lock_guard lock(mutex);
      ran.push_back(what);
    };
  };
  const auto start = std::chrono::steady_clock::now();
  calls.After(std::chrono::milliseconds(60), record("later"));
  calls.After(std::chrono::milliseconds(10), record("sooner"));
  auto ran_count = [&] {
    std::lock_guard lock(mutex);
    return ran.size();
  };
  for (int i = 0; i < 5000 && ran_count() < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  REQUIRE(ran_count() == 2);
  CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(60));
  CHECK(ran == std::vector<std::string>{"sooner", "later"});

  calls.After(std::chrono::milliseconds(0), record("after stop"));
  calls.Stop();  // may or may not have run it already; nothing runs from here on
  const size_t at_stop = ran_count();
  calls.After(std::chrono::milliseconds(0), record("never"));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(ran_count() == at_stop);
  CHECK(ran.back() != "never");
}
