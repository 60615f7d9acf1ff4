// Private to chaincode/pack. Shares the small state and argument helpers of chaincode/lzm.
#pragma once

#include <string>

#include "chaincode/lzm/lzm_internal.h"

namespace milk::chaincode::pack {

using lzm::Json;

struct Config {
  std::string operator_org;
  std::string mlk_chaincode;  // empty: no MLK movement
  std::string lzm_chaincode;
};

Result<Config> ParseConfig(const std::string& text);
Result<Config> LoadConfig(Stub& stub);

Result<milkpb::Response> Stake(Stub& stub, const Config& config);
Result<milkpb::Response> Unstake(Stub& stub, const Config& config);

}  // namespace milk::chaincode::pack
