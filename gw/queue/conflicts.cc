#include "gw/queue/conflicts.h"

#include "gw/base/clock.h"
#include "gw/protocol/json.h"

namespace gw::queue {

std::optional<Precondition> ParsePrecondition(std::string_view json, std::string* error) {
  if (json.empty()) return std::nullopt;
  auto doc = protocol::ParseJson(json);
  if (!doc || !doc->IsObject()) {
    *error = "the precondition must be a JSON object";
    return std::nullopt;
  }
  Precondition p;
  auto key = protocol::StringMember(*doc, "key");
  if (!key || key->empty()) {
    *error = "the precondition needs a non-empty \"key\"";
    return std::nullopt;
  }
  p.key = std::string(*key);
  if (protocol::Member(*doc, "version")) {
    p.version = protocol::IntMember(*doc, "version");
    if (!p.version) {
      *error = "the precondition's \"version\" must be an integer";
      return std::nullopt;
    }
  }
  auto policy = protocol::StringMember(*doc, "policy").value_or("reject");
  if (policy == "reject") {
    p.policy = ConflictPolicy::kReject;
  } else if (policy == "last-writer-wins") {
    p.policy = ConflictPolicy::kLastWriterWins;
  } else {
    *error =
        "unknown precondition policy '" + std::string(policy) + "' (reject or last-writer-wins)";
    return std::nullopt;
  }
  return p;
}

Judgement Judge(const Precondition& p, const KeyState& current, const Record& r) {
  Judgement j;
  j.after.known = true;
  j.after.written_ms = r.created_ms;
  if (p.policy == ConflictPolicy::kReject) {
    int64_t base = p.version.value_or(current.version);
    if (current.known && p.version && *p.version != current.version) {
      j.verdict = Verdict::kConflict;
      j.reason = "conflict on '" + p.key + "': it is at version " +
                 std::to_string(current.version) + ", this request was made against version " +
                 std::to_string(*p.version);
      return j;
    }
    j.after.version = base + 1;
    return j;
  }
  if (current.known && r.created_ms < current.written_ms) {
    j.verdict = Verdict::kSuperseded;
    j.reason = "superseded: a newer write to '" + p.key + "' (made " +
               Iso8601Utc(current.written_ms) + ") was delivered first (last writer wins)";
    return j;
  }
  j.after.version = current.version + 1;
  return j;
}

}  // namespace gw::queue
