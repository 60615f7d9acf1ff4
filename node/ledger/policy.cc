#include "node/ledger/policy.h"

#include <cctype>
#include <functional>

namespace milk::ledger {
namespace {

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Result<Policy::Node> ParseAll() {
    MILK_ASSIGN_OR_RETURN(Policy::Node node, ParseNode(0));
    SkipSpace();
    if (pos_ != text_.size()) return Fail("unexpected text after the policy");
    return node;
  }

 private:
  Status Fail(const std::string& what) const {
    return InvalidArgument("endorsement policy at position " + std::to_string(pos_) + ": " + what);
  }
  void SkipSpace() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool Consume(char c) {
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  std::string Word() {
    SkipSpace();
    size_t start = pos_;
    while (pos_ < text_.size() && std::isalpha(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    return std::string(text_.substr(start, pos_ - start));
  }

  Result<Policy::Node> ParseNode(int depth) {
    if (depth > kPolicyDepthMax) return Fail("nested deeper than " + std::to_string(kPolicyDepthMax));
    SkipSpace();
    if (pos_ < text_.size() && (text_[pos_] == '\'' || text_[pos_] == '"')) return ParsePrincipal();
    std::string op = Word();
    if (op != "AND" && op != "OR" && op != "OutOf") {
      return Fail("expected AND(, OR(, OutOf( or a quoted 'Org.role'");
    }
    if (!Consume('(')) return Fail("expected '(' after " + op);
    Policy::Node node;
    if (op == "OutOf") {
      SkipSpace();
      size_t start = pos_;
      while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) ++pos_;
      if (start == pos_ || pos_ - start > 3) return Fail("OutOf needs a count first");
      node.threshold = std::stoi(std::string(text_.substr(start, pos_ - start)));
      if (!Consume(',')) return Fail("expected ',' after the OutOf count");
    }
    do {
      MILK_ASSIGN_OR_RETURN(Policy::Node child, ParseNode(depth + 1));
      node.children.push_back(std::move(child));
    } while (Consume(','));
    if (!Consume(')')) return Fail("expected ',' or ')'");
    if (op == "AND") node.threshold = static_cast<int>(node.children.size());
    if (op == "OR") node.threshold = 1;
    if (node.threshold < 1 || node.threshold > static_cast<int>(node.children.size())) {
      return Fail("OutOf count must be between 1 and the number of sub-policies");
    }
    return node;
  }

  Result<Policy::Node> ParsePrincipal() {
    char quote = text_[pos_++];
    size_t end = text_.find(quote, pos_);
    if (end == std::string_view::npos) return Fail("unterminated principal");
    std::string principal(text_.substr(pos_, end - pos_));
    pos_ = end + 1;
    size_t dot = principal.rfind('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == principal.size()) {
      return Fail("principal '" + principal + "' is not of the form 'Org.role'");
    }
    Policy::Node node;
    node.principal = std::move(principal);
    return node;
  }

  std::string_view text_;
  size_t pos_ = 0;
};

// Tries every way of satisfying `node` with identities not yet used, calling `then` after each
// and stopping at the first for which `then` succeeds (continuation-passing backtracking, so a
// composite child that can be satisfied in several ways does not commit to the first one).
using Continuation = std::function<bool()>;

bool Satisfy(const Policy::Node& node, const std::vector<std::string>& ids,
             std::vector<bool>& used, const Continuation& then);

bool SatisfyChildren(const Policy::Node& node, size_t next, int needed,
                     const std::vector<std::string>& ids, std::vector<bool>& used,
                     const Continuation& then) {
  if (needed == 0) return then();
  if (node.children.size() - next < static_cast<size_t>(needed)) return false;
  bool with_next = Satisfy(node.children[next], ids, used, [&] {
    return SatisfyChildren(node, next + 1, needed - 1, ids, used, then);
  });
  return with_next || SatisfyChildren(node, next + 1, needed, ids, used, then);
}

bool Satisfy(const Policy::Node& node, const std::vector<std::string>& ids,
             std::vector<bool>& used, const Continuation& then) {
  if (node.principal.empty()) return SatisfyChildren(node, 0, node.threshold, ids, used, then);
  for (size_t i = 0; i < ids.size(); ++i) {
    if (used[i] || ids[i] != node.principal) continue;
    used[i] = true;
    if (then()) return true;
    used[i] = false;
  }
  return false;
}

}  // namespace

Result<Policy> Policy::Parse(std::string_view text) {
  if (text.size() > kPolicyTextBytesMax) {
    return InvalidArgument("endorsement policy longer than " +
                           std::to_string(kPolicyTextBytesMax) + " bytes");
  }
  Parser parser(text);
  MILK_ASSIGN_OR_RETURN(Node root, parser.ParseAll());
  Policy policy;
  policy.text_ = std::string(text);
  policy.root_ = std::move(root);
  return policy;
}

bool Policy::IsSatisfiedBy(const std::vector<std::string>& principals) const {
  std::vector<std::string> ids(principals.begin(),
                               principals.begin() + static_cast<std::ptrdiff_t>(std::min(
                                                        principals.size(), kPolicyIdentitiesMax)));
  std::vector<bool> used(ids.size(), false);
  return Satisfy(root_, ids, used, [] { return true; });
}

}  // namespace milk::ledger
