// A Catch2 listener that remembers whether the running test case has a failed check, so the
// harness can print the node's log and keep its directory exactly when a test fails.
#define CATCH_CONFIG_EXTERNAL_INTERFACES
#include <catch2/catch.hpp>

#include <atomic>

#include "tests/integration/harness.h"

namespace milk::integration {
namespace {

std::atomic<bool> g_current_test_failed{false};

class FailureListener : public Catch::TestEventListenerBase {
 public:
  using TestEventListenerBase::TestEventListenerBase;

  void testCaseStarting(const Catch::TestCaseInfo& info) override {
    g_current_test_failed = false;
    TestEventListenerBase::testCaseStarting(info);
  }

  bool assertionEnded(const Catch::AssertionStats& stats) override {
    if (!stats.assertionResult.isOk()) g_current_test_failed = true;
    return TestEventListenerBase::assertionEnded(stats);
  }
};

CATCH_REGISTER_LISTENER(FailureListener)

}  // namespace

bool CurrentTestFailed() { return g_current_test_failed; }

}  // namespace milk::integration
