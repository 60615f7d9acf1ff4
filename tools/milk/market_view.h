// Human summaries of the exchange's answers (docs/cli.md, "milk market"). Pure functions of the
// chaincode's JSON: thread-safe, no I/O. They print what the answer holds and never fail: a key
// the answer lacks is shown as "?" (the raw JSON is one --json away).
//
// Units follow the key names of the exchange's JSON (chaincode/exchange/exchange.h, pricing.h):
// a key naming "mlk" holds MLK smallest units, shown as MLK (or raw with --units); a key naming
// "krw" or "price" holds micro-KRW, shown as KRW; a key naming "lzm" holds LZM smallest units
// (a trade's reward), shown as LZM; other keys are shown as they are.
#pragma once

#include <string>
#include <vector>

#include "tools/milk/output.h"

namespace milk::cli {

// The markets of a `market <brand>` or `markets` answer: an array of markets, an object with a
// "markets" array or map, or one market object.
std::vector<Json> MarketList(const Json& answer);

// A few lines for one market: its brand, spot price in KRW per BT with the bounds, TICA's
// inventory against the depth, and whether buying and selling are halted. Price and bounds are
// the answer's own when it has them, else computed with the pricing rule from the parameters
// the answer holds (chaincode/exchange/pricing.h). Buying halts at an empty inventory, selling at
// the depth (the price bounds), as pricing.h says.
std::string MarketSummary(const Json& market, bool raw_units);

// One line for the MLK/KRW feed answer ({"micro_krw_per_mlk","time_ms","stale",...}):
// "feed:      500 KRW per MLK, set <time>" and, when stale, that trading is refused.
std::string FeedSummary(const Json& feed);

// One line per key of a quote or a trade's fill, each value in its unit ("mlk_total: 12.5 MLK",
// "price_after: 0.93 KRW per BT").
std::string TradeSummary(const Json& trade, bool raw_units);

}  // namespace milk::cli
