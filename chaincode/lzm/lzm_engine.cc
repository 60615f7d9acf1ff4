// chaincode/lzm: paying from pools, idempotent references and membership levels.
#include <cstdio>

#include "chaincode/lzm/lzm.h"
#include "chaincode/lzm/lzm_internal.h"
#include "chaincode/shim/text.h"

namespace milk::chaincode::lzm {
namespace {

// Days as 8 digits, so that the stored map's text order is the numeric order.
std::string DayKey(int64_t day) {
  char text[24];  // 20 digits and a sign fit any int64_t
  std::snprintf(text, sizeof(text), "%08lld", static_cast<long long>(day));
  return text;
}

Result<int64_t> Today(Stub& stub) {
  if (stub.GetTxTimestamp() < 0) return InvalidArgument("transaction timestamp is negative");
  return stub.GetTxTimestamp() / kDayMs;
}

// Adds amount to today's earnings of address and drops days that left the window.
Status RecordEarning(Stub& stub, const Config& config, const std::string& address, Amount amount) {
  MILK_ASSIGN_OR_RETURN(int64_t today, Today(stub));
  MILK_ASSIGN_OR_RETURN(Json earned, Load(stub, "earned", {address}));
  if (earned.is_null()) earned = Json::object();
  Json kept = Json::object();
  const std::string oldest = DayKey(today - config.level_window_days + 1);
  for (const auto& item : earned.items()) {
    if (item.key() >= oldest) kept[item.key()] = item.value();
  }
  Amount day_total = 0;
  const std::string day = DayKey(today);
  if (kept.contains(day)) {
    auto stored = ParseAmount(kept[day].get<std::string>());
    if (!stored.ok()) return DataLoss("stored earnings of " + address + " are corrupt");
    day_total = *stored;
  }
  std::optional<Amount> sum = CheckedAdd(day_total, amount);
  MILK_CHECK(sum.has_value());  // bounded by the fixed supply
  kept[day] = FormatAmount(*sum);
  return Save(stub, "earned", {address}, kept);
}

}  // namespace

Result<Amount> PayFromPool(Stub& stub, const Config& config, const std::string& pool,
                           const std::string& address, Amount amount, const std::string& kind) {
  if (amount == 0) return Amount{0};  // a quantity too small to earn anything changes nothing
  MILK_ASSIGN_OR_RETURN(Amount held, ReadAmount(stub, "pool", {pool}));
  if (held == 0) {
    return FailedPrecondition("the " + pool + " pool is exhausted: no " + kind +
                              " reward can be paid");
  }
  const Amount paid = amount < held ? amount : held;  // the remainder when the pool runs out
  MILK_ASSIGN_OR_RETURN(Amount balance, ReadAmount(stub, "balance", {address}));
  MILK_RETURN_IF_ERROR(WriteAmount(stub, "pool", {pool}, held - paid));
  MILK_RETURN_IF_ERROR(WriteAmount(stub, "balance", {address}, balance + paid));
  if (pool == "rewards" || pool == "events") {
    MILK_ASSIGN_OR_RETURN(Amount received, ReadAmount(stub, "stat", {"users_received"}));
    MILK_RETURN_IF_ERROR(WriteAmount(stub, "stat", {"users_received"}, received + paid));
    MILK_RETURN_IF_ERROR(RecordEarning(stub, config, address, paid));
  }
  Json event = {{"kind", kind}, {"pool", pool}, {"to", address}, {"amount", FormatAmount(paid)}};
  MILK_RETURN_IF_ERROR(stub.SetEvent("reward", event.dump()));
  return paid;
}

Result<milkpb::Response> Idempotent(Stub& stub, const std::string& kind, const std::string& ref,
                                    const std::string& fingerprint,
                                    const std::function<Result<milkpb::Response>()>& body) {
  MILK_RETURN_IF_ERROR(CheckReference(ref));
  MILK_ASSIGN_OR_RETURN(Json seen, Load(stub, "ref", {kind, ref}));
  if (!seen.is_null()) {
    if (seen.value("request", "") != fingerprint) {
      return AlreadyExists(kind + " reference " + Quote(ref) +
                           " was already used for a different request");
    }
    return Success(seen.value("payload", ""));
  }
  MILK_ASSIGN_OR_RETURN(milkpb::Response response, body());
  if (response.status() != 200) return response;
  MILK_RETURN_IF_ERROR(Save(stub, "ref", {kind, ref},
                            Json{{"request", fingerprint}, {"payload", response.payload()}}));
  return response;
}

Result<Json> LevelOf(Stub& stub, const Config& config, const std::string& address) {
  MILK_ASSIGN_OR_RETURN(int64_t today, Today(stub));
  MILK_ASSIGN_OR_RETURN(Json earned, Load(stub, "earned", {address}));
  Amount total = 0;
  const std::string oldest = DayKey(today - config.level_window_days + 1);
  if (earned.is_object()) {
    for (const auto& item : earned.items()) {
      if (item.key() < oldest || item.key() > DayKey(today)) continue;
      auto amount = ParseAmount(item.value().is_string() ? item.value().get<std::string>() : "");
      if (!amount.ok()) return DataLoss("stored earnings of " + address + " are corrupt");
      total += *amount;  // bounded by the fixed supply
    }
  }
  size_t level = 0;
  while (level < config.levels.size() && config.levels[level].min <= total) ++level;
  return Json{{"address", address},
              {"earned", FormatAmount(total)},
              {"level", level},
              {"name", level == 0 ? std::string("none") : config.levels[level - 1].name}};
}

}  // namespace milk::chaincode::lzm
