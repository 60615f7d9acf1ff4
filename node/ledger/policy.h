// Endorsement policies over org roles (ARCHITECTURE.md section 3):
//   policy    := principal | AND(policy, ...) | OR(policy, ...) | OutOf(n, policy, ...)
//   principal := 'Org.role'   (single or double quotes; role as in crypto::RoleName)
// AND(a, b) = OutOf(2, a, b); OR(a, b) = OutOf(1, a, b). As in Fabric, each endorsing identity
// satisfies at most one principal, so AND('A.peer', 'A.peer') needs two distinct A peers.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/status.h"

namespace milk::ledger {

// Bounds against hostile or mistaken config: policies are short expressions.
inline constexpr size_t kPolicyTextBytesMax = 4096;
inline constexpr int kPolicyDepthMax = 8;
// Endorsements per transaction considered by the evaluator (the matching search is exponential
// in the worst case; real policies name a handful of orgs).
inline constexpr size_t kPolicyIdentitiesMax = 32;

class Policy {
 public:
  // kInvalidArgument with the position and what was expected.
  static Result<Policy> Parse(std::string_view text);

  // True when distinct identities, given by principal name ("Org.role"), satisfy the policy.
  // Identities past kPolicyIdentitiesMax are ignored.
  bool IsSatisfiedBy(const std::vector<std::string>& principals) const;

  const std::string& text() const { return text_; }

  struct Node {
    int threshold = 0;             // for n-of; unused for a principal
    std::string principal;         // non-empty for a leaf
    std::vector<Node> children;
  };

 private:
  std::string text_;
  Node root_;
};

}  // namespace milk::ledger
