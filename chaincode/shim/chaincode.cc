#include "chaincode/shim/chaincode.h"

#include "chaincode/shim/text.h"
#include "crypto/status.h"

namespace milk::chaincode {

void Registry::Register(const std::string& name, std::shared_ptr<Chaincode> chaincode) {
  MILK_CHECK(!name.empty() && IsValidUtf8(name));
  MILK_CHECK(chaincode != nullptr);
  bool inserted = chaincodes_.emplace(name, std::move(chaincode)).second;
  MILK_CHECK(inserted);
}

Chaincode* Registry::Find(const std::string& name) const {
  auto it = chaincodes_.find(name);
  return it == chaincodes_.end() ? nullptr : it->second.get();
}

std::vector<std::string> Registry::Names() const {
  std::vector<std::string> names;
  names.reserve(chaincodes_.size());
  for (const auto& [name, chaincode] : chaincodes_) names.push_back(name);
  return names;
}

}  // namespace milk::chaincode
