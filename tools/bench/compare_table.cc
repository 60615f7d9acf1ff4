#include "tools/bench/compare_table.h"

#include <cstdio>
#include <vector>

namespace milk::bench {
namespace {

std::string Fixed(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

// json[path...] as a number; kInvalidArgument naming what is missing.
Result<double> Number(const nlohmann::json& json, const std::vector<std::string>& path,
                      const std::string& what) {
  const nlohmann::json* at = &json;
  for (const std::string& key : path) {
    if (!at->is_object() || !at->contains(key)) {
      return InvalidArgument(what + ": no '" + key + "' in its JSON");
    }
    at = &(*at)[key];
  }
  if (!at->is_number()) return InvalidArgument(what + ": '" + path.back() + "' is not a number");
  return at->get<double>();
}

struct Row {
  std::string what;
  std::string figure;
  std::string target;
  std::string verdict;  // "met", "MISSED by ...", "not run"
};

std::string Verdict(double value, double target) {
  if (value >= target) return "met";
  return "MISSED (" + Fixed(100.0 * value / target, 0) + "% of target)";
}

std::string VerdictAtMost(double value, double target) {
  if (value <= target) return "met";
  return "MISSED (" + Fixed(value / target, 1) + "x the bound)";
}

// Signatures made per transfer while a transfer run is measured: the endorser's, and the
// client's over the envelope (which covers the endorsement, so it cannot be made ahead).
constexpr int kSignaturesPerTransfer = 2;

}  // namespace

Status PrintCompareTable(const CompareInputs& in, std::ostream& out) {
  std::vector<Row> rows;
  double verify_rate = 0, one = 0, three = 0, pg = 0, etcd = 0, ordering_unary = 0,
         ordering_stream = 0, ordering_alone = 0, call_ceiling = 0;
  if (!in.signatures.is_null()) {
    MILK_ASSIGN_OR_RETURN(verify_rate, Number(in.signatures, {"figures", "verify_per_s"}, "signatures"));
    rows.push_back({"Ed25519 verifications/s (libsodium, all cores)", Fixed(verify_rate, 0), "", ""});
  }
  if (!in.one_node.is_null()) {
    MILK_ASSIGN_OR_RETURN(one, Number(in.one_node, {"tx_per_s"}, "one-node transfers"));
    MILK_ASSIGN_OR_RETURN(double p99, Number(in.one_node, {"latency", "p99_ms"}, "one-node transfers"));
    rows.push_back({"one node: committed transfers/s (p99 " + Fixed(p99, 0) + " ms)", Fixed(one, 0),
                    ">= 5000", Verdict(one, 5000)});
    if (verify_rate > 0) {
      const double bound = verify_rate / in.verifications_per_tx;
      rows.push_back({"  share of the signature bound (" + Fixed(bound, 0) + " tx/s at " +
                          std::to_string(in.verifications_per_tx) + " verifications/tx)",
                      Fixed(100.0 * one / bound, 1) + "%", ">= 60%", Verdict(one / bound, 0.6)});
      // The signing a transfer needs in the measured window too: the endorser's signature and
      // the client's envelope signature (proposals are signed before the run).
      Result<double> sign_rate = Number(in.signatures, {"figures", "sign_per_s"}, "signatures");
      if (sign_rate.ok() && *sign_rate > 0) {
        const double ceiling = 1.0 / (in.verifications_per_tx / verify_rate +
                                      kSignaturesPerTransfer / *sign_rate);
        rows.push_back({"  signing and verifying alone allow (" +
                            std::to_string(in.verifications_per_tx) + " verifications + " +
                            std::to_string(kSignaturesPerTransfer) + " signatures/tx, nothing else)",
                        Fixed(ceiling, 0), "", ""});
        rows.push_back({"  60% of the signature bound, as a share of that",
                        Fixed(100.0 * 0.6 * bound / ceiling, 0) + "%", "", ""});
      }
    }
    std::string outcomes = in.one_node.value("outcomes", nlohmann::json::object()).dump();
    rows.push_back({"  outcomes", outcomes, "", ""});
  } else {
    rows.push_back({"one node: committed transfers/s", "-", ">= 5000", "not run"});
  }
  if (!in.one_node_half.is_null()) {
    MILK_ASSIGN_OR_RETURN(double p99, Number(in.one_node_half, {"latency", "p99_ms"}, "half-rate run"));
    MILK_ASSIGN_OR_RETURN(double rate, Number(in.one_node_half, {"tx_per_s"}, "half-rate run"));
    rows.push_back({"one node at half of peak (" + Fixed(rate, 0) + " tx/s): p99 submit-to-commit ms",
                    Fixed(p99, 1), "<= 100", VerdictAtMost(p99, 100)});
  }
  if (!in.postgresql.is_null()) {
    MILK_ASSIGN_OR_RETURN(pg, Number(in.postgresql, {"tps"}, "postgresql"));
    rows.push_back({"PostgreSQL transfers/s (pgbench, synchronous commit, best of " +
                        in.postgresql.value("best_clients", nlohmann::json(0)).dump() + " clients)",
                    Fixed(pg, 0), "", ""});
    if (one > 0) {
      rows.push_back({"  ours / PostgreSQL", Fixed(one / pg, 2) + "x", ">= 2x", Verdict(one / pg, 2)});
    }
  }
  if (!in.three_consenters.is_null()) {
    MILK_ASSIGN_OR_RETURN(three, Number(in.three_consenters, {"tx_per_s"}, "three consenters"));
    rows.push_back({"three consenters: committed transfers/s", Fixed(three, 0), ">= 2500",
                    Verdict(three, 2500)});
  } else {
    rows.push_back({"three consenters: committed transfers/s", "-", ">= 2500", "not run"});
  }
  if (!in.ordering.is_null()) {
    // Judged against etcd: envelopes sent as a client submits them, over gRPC, through the
    // submit stream (Gateway.SubmitStream's server code) when the run has it, else a unary call
    // each; a run with neither leaves the ratio "not run" whatever else it measured.
    Result<double> stream = Number(in.ordering, {"figures", "best_per_s_grpc-stream"}, "ordering");
    if (stream.ok()) {
      ordering_stream = *stream;
      rows.push_back({"three consenters: 256-byte envelopes ordered/s, on a submit stream",
                      Fixed(ordering_stream, 0), "", ""});
    }
    Result<double> grpc = Number(in.ordering, {"figures", "best_per_s_grpc"}, "ordering");
    if (grpc.ok()) {
      ordering_unary = *grpc;
      rows.push_back({std::string(stream.ok() ? "  the same" : "three consenters: 256-byte envelopes ordered/s") +
                          ", a unary client call each",
                      Fixed(ordering_unary, 0), "", ""});
    }
    Result<double> alone = Number(in.ordering, {"figures", "best_per_s_in-process"}, "ordering");
    if (alone.ok()) {
      ordering_alone = *alone;
      rows.push_back({"  the same handed over in-process (ordering alone, no client RPC)",
                      Fixed(ordering_alone, 0), "", ""});
    }
    if (!stream.ok() && !grpc.ok() && !alone.ok()) return grpc.status();
    // The same unary call answered at once, ordering nothing: the most the unary way can reach.
    Result<double> echo = Number(in.ordering, {"figures", "best_per_s_grpc-echo"}, "ordering");
    if (echo.ok()) {
      call_ceiling = *echo;
      rows.push_back({"  unary calls answered at once, nothing ordered (the unary call's ceiling)",
                      Fixed(call_ceiling, 0), "", ""});
    }
  }
  if (!in.etcd.is_null()) {
    MILK_ASSIGN_OR_RETURN(etcd, Number(in.etcd, {"puts_per_s"}, "etcd"));
    rows.push_back({"etcd 3 members: 256-byte puts/s (best of " +
                        in.etcd.value("best_clients", nlohmann::json(0)).dump() + " in flight)",
                    Fixed(etcd, 0), "", ""});
    if (ordering_stream > 0) {
      rows.push_back({"  our 3-consenter ordering / etcd puts (on a submit stream)",
                      Fixed(ordering_stream / etcd, 2) + "x", ">= 3x",
                      Verdict(ordering_stream / etcd, 3)});
      if (ordering_unary > 0) {
        rows.push_back({"  the same with a unary call each / etcd puts",
                        Fixed(ordering_unary / etcd, 2) + "x", "", ""});
      }
    } else if (ordering_unary > 0) {
      rows.push_back({"  our 3-consenter ordering / etcd puts (a unary call each)",
                      Fixed(ordering_unary / etcd, 2) + "x", ">= 3x",
                      Verdict(ordering_unary / etcd, 3)});
    } else {
      rows.push_back({"  our 3-consenter ordering / etcd puts", "-", ">= 3x", "not run"});
    }
    if (ordering_alone > 0) {
      rows.push_back({"  ordering alone (in-process) / etcd puts",
                      Fixed(ordering_alone / etcd, 2) + "x", "", ""});
    }
    if (call_ceiling > 0) {
      rows.push_back({"  the unary call's ceiling / etcd puts",
                      Fixed(call_ceiling / etcd, 2) + "x", "", ""});
    }
    if (three > 0) {
      rows.push_back({"  our 3-consenter signed transfers / etcd puts",
                      Fixed(three / etcd, 2) + "x", "", ""});
    }
  }
  size_t width = 0;
  for (const Row& r : rows) width = std::max(width, r.what.size());
  for (const Row& r : rows) {
    out << r.what << std::string(width + 2 - r.what.size(), ' ') << r.figure;
    if (!r.target.empty()) out << "   target " << r.target << ": " << r.verdict;
    out << "\n";
  }
  return Status::Ok();
}

}  // namespace milk::bench
