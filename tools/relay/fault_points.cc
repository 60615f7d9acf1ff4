#include "tools/relay/fault_points.h"

#include <algorithm>
#include <charconv>
#include <csignal>

#include "crypto/status.h"
#include "node/ops/logging.h"

namespace milk::relay {
namespace {

bool Known(std::string_view name) {
  return std::find(kFaultPointNames.begin(), kFaultPointNames.end(), name) !=
         kFaultPointNames.end();
}

std::string KnownList() {
  std::string list;
  for (std::string_view name : kFaultPointNames) {
    if (!list.empty()) list += ", ";
    list += name;
  }
  return list;
}

}  // namespace

Result<FaultSpec> ParseFaultSpec(std::string_view text) {
  FaultSpec spec;
  const size_t colon = text.find(':');
  spec.name = std::string(text.substr(0, colon));
  if (!Known(spec.name)) {
    return InvalidArgument("unknown fault point \"" + spec.name + "\"; known: " + KnownList());
  }
  if (colon == std::string_view::npos) return spec;
  const std::string_view count = text.substr(colon + 1);
  auto [ptr, ec] = std::from_chars(count.data(), count.data() + count.size(), spec.hit);
  if (ec != std::errc() || ptr != count.data() + count.size() || spec.hit < 1 ||
      spec.hit > kFaultHitMax) {
    return InvalidArgument("fault \"" + std::string(text) + "\": N must be a number from 1 to " +
                           std::to_string(kFaultHitMax));
  }
  return spec;
}

FaultPoints::FaultPoints(std::vector<FaultSpec> specs, Action fire)
    : specs_(std::move(specs)), fire_(std::move(fire)) {
  for (const FaultSpec& spec : specs_) MILK_CHECK(Known(spec.name) && spec.hit >= 1);
  MILK_CHECK(specs_.empty() || fire_ != nullptr);
}

void FaultPoints::Reach(std::string_view name) {
  MILK_CHECK(Known(name));
  uint64_t hit = 0;
  bool fires = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = counts_.find(name);
    if (it == counts_.end()) it = counts_.emplace(std::string(name), 0).first;
    hit = ++it->second;
    for (const FaultSpec& spec : specs_) fires = fires || (spec.name == name && spec.hit == hit);
  }
  // Outside the lock: the action may never return (KillProcess) or may record the hit (tests).
  if (fires) fire_(std::string(name), hit);
}

uint64_t FaultPoints::Count(std::string_view name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = counts_.find(name);
  return it == counts_.end() ? 0 : it->second;
}

void KillProcess(const std::string& name, uint64_t hit) {
  ops::LogError("fault point reached: killing the relay",
                {{"fault", name}, {"hit", std::to_string(hit)}});
  std::raise(SIGKILL);
}

}  // namespace milk::relay
