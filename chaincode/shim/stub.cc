#include "chaincode/shim/stub.h"

#include "chaincode/shim/text.h"

namespace milk::chaincode {
namespace {

constexpr char kSeparator = '\x00';

Status CheckCompositePart(const std::string& part, const char* what, size_t index) {
  if (part.find(kSeparator) != std::string::npos) {
    return InvalidArgument(std::string("composite key ") + what + " " + std::to_string(index) +
                           " contains a \\x00 byte, which separates the parts");
  }
  if (!IsValidUtf8(part)) {
    return InvalidArgument(std::string("composite key ") + what + " " + std::to_string(index) +
                           " " + Quote(part) + " is not valid UTF-8");
  }
  return Status::Ok();
}

}  // namespace

Result<std::string> CreateCompositeKey(const std::string& object_type,
                                       const std::vector<std::string>& attributes) {
  if (object_type.empty()) return InvalidArgument("composite key object type is empty");
  MILK_RETURN_IF_ERROR(CheckCompositePart(object_type, "object type", 0));
  for (size_t i = 0; i < attributes.size(); ++i) {
    MILK_RETURN_IF_ERROR(CheckCompositePart(attributes[i], "attribute", i));
  }
  std::string key(1, kSeparator);
  key += object_type;
  key += kSeparator;
  for (const std::string& attribute : attributes) {
    key += attribute;
    key += kSeparator;
  }
  return key;
}

Result<std::pair<std::string, std::vector<std::string>>> SplitCompositeKey(const std::string& key) {
  if (key.size() < 3 || key.front() != kSeparator || key.back() != kSeparator) {
    return InvalidArgument("not a composite key: it must start and end with \\x00 and name a type");
  }
  std::vector<std::string> parts;
  size_t begin = 1;
  while (begin < key.size()) {
    size_t end = key.find(kSeparator, begin);  // found: the key ends with the separator
    parts.push_back(key.substr(begin, end - begin));
    begin = end + 1;
  }
  if (parts.front().empty()) return InvalidArgument("composite key object type is empty");
  std::string object_type = std::move(parts.front());
  parts.erase(parts.begin());
  return std::make_pair(std::move(object_type), std::move(parts));
}

Result<std::pair<std::string, std::string>> PartialCompositeKeyRange(
    const std::string& object_type, const std::vector<std::string>& attributes) {
  MILK_ASSIGN_OR_RETURN(std::string start, CreateCompositeKey(object_type, attributes));
  std::string end = start;
  end.back() = '\x01';  // the prefix ends in \x00: raising it bounds exactly its continuations
  return std::make_pair(std::move(start), std::move(end));
}

milkpb::Response Success(std::string payload) {
  milkpb::Response response;
  response.set_status(200);
  response.set_payload(std::move(payload));
  return response;
}

milkpb::Response Error(int32_t status, std::string message) {
  milkpb::Response response;
  response.set_status(status);
  response.set_message(std::move(message));
  return response;
}

milkpb::Response ResponseFromStatus(const Status& status) {
  switch (status.code()) {
    case Code::kInvalidArgument: return BadRequest(status.message());
    case Code::kPermissionDenied: return Forbidden(status.message());
    case Code::kNotFound: return Error(404, status.message());
    case Code::kAlreadyExists: return Error(409, status.message());
    case Code::kFailedPrecondition: return Error(412, status.message());
    default: return Error(500, status.ToString());
  }
}

milkpb::Response ResponseFromResult(const Result<milkpb::Response>& result) {
  return result.ok() ? result.value() : ResponseFromStatus(result.status());
}

}  // namespace milk::chaincode
