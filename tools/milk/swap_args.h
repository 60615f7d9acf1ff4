// What `milk swap` (cmd_swap.cc, docs/cli.md "milk swap") checks and derives before and after
// its calls: the customer's reference, a swap id, a deadline typed by a person, and what a swap's
// two records (brand chain and center chain, docs/swaps.md) say together. Pure functions of their
// arguments: thread-safe, no I/O, no clock (now_ms is passed in).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "chaincode/swap/swap.h"
#include "crypto/status.h"
#include "tools/milk/output.h"

namespace milk::cli {

// docs/swaps.md, "The swap id": a ref is 1..64 characters of [A-Za-z0-9._:-].
using chaincode::kSwapRefBytesMax;
// A relative deadline ("+30m") further away than this is a typo, not a plan: brand chains bound
// deadlines far below it (the swap config's deadline_max_ms), and it keeps now_ms + d far from
// int64 overflow.
inline constexpr int64_t kDeadlineAheadMsMax = 3650LL * 86'400'000;

// kInvalidArgument naming the rule unless ref is a valid swap ref.
Status CheckSwapRef(std::string_view ref);
// kInvalidArgument unless id is 64 lower-case hex characters (SwapId's form).
Status CheckSwapId(std::string_view id);

// A point in time typed by a person, in Unix ms: plain digits (Unix ms), an RFC 3339 time
// ("2026-11-24T03:00:00Z", "2026-11-24T12:00:00.5+09:00": fractions up to milliseconds, offset
// Z or +-HH:MM, years 1970..9999), or "+<n><s|m|h|d>" from now_ms (at most kDeadlineAheadMsMax).
// kInvalidArgument naming `what` and the forms accepted otherwise.
Result<int64_t> ParseTimeArg(std::string_view text, int64_t now_ms, std::string_view what);

// Where a swap is, from its brand-chain record (docs/swaps.md: state locked|released|refunded)
// and the center's decision (settled|aborted); a null Json is a record that does not exist.
struct SwapStage {
  std::string name;  // waiting_for_decision, waiting_for_finish, settled, refunded,
                     // aborted_before_lock, unknown, inconsistent
  std::string text;  // one sentence for a person
};
SwapStage StageOf(const Json& brand_record, const Json& center_decision);

}  // namespace milk::cli
