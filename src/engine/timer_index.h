// TimerIndex: the in-memory index of every ticket's next deadline, which
// tells the engine when to wake. The store holds the same deadlines durably;
// after a restart the engine reloads them here and overdue ones come out first,
// in deadline order.
//
// A min-heap with lazy deletion: set() pushes a new entry and records the
// ticket's current deadline; stale heap entries are skipped when popped.
// About 40 bytes per ticket. Owned and used by the engine thread only.
#pragma once

#include <cstdint>
#include <optional>
#include <queue>
#include <unordered_map>
#include <vector>

#include "core/ticket.h"
#include "core/time.h"

namespace tierd {

class TimerIndex {
 public:
  void set(TicketId ticket, Instant deadline);
  void erase(TicketId ticket);
  std::optional<Instant> deadline_of(TicketId ticket) const;
  // The earliest live deadline, if any.
  std::optional<Instant> next();
  // Removes and returns up to `limit` tickets whose deadline is <= now, earliest first.
  std::vector<std::pair<TicketId, Instant>> pop_due(Instant now, size_t limit);
  size_t size() const { return current_.size(); }
  void clear();

 private:
  struct Entry {
    int64_t deadline_ms;
    TicketId ticket;
    bool operator>(const Entry& o) const {
      return deadline_ms != o.deadline_ms ? deadline_ms > o.deadline_ms : ticket > o.ticket;
    }
  };
  void drop_stale_top();
  void compact_if_bloated();

  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> heap_;
  std::unordered_map<TicketId, int64_t> current_;
};

}  // namespace tierd
