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

}  // namespace tierd
