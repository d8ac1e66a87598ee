#include "store/store.h"

namespace tierd {

const char* outbox_state_name(OutboxState s) {
  switch (s) {
    case OutboxState::kPending: return "pending";
    case OutboxState::kDone: return "done";
    case OutboxState::kDead: return "dead";
    case OutboxState::kCancelled: return "cancelled";
  }
  return "pending";
}

std::optional<OutboxState> parse_outbox_state(std::string_view text) {
  for (OutboxState s :
       {OutboxState::kPending, OutboxState::kDone, OutboxState::kDead, OutboxState::kCancelled}) {
    if (text == outbox_state_name(s)) return s;
  }
  return std::nullopt;
}

}  // namespace tierd
