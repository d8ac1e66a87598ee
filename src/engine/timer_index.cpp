#include "engine/timer_index.h"

namespace tierd {

void TimerIndex::set(TicketId ticket, Instant deadline) {
  int64_t ms = to_unix_ms(deadline);
  auto [it, inserted] = current_.try_emplace(ticket, ms);
  if (!inserted) {
    if (it->second == ms) return;
    it->second = ms;
  }
  heap_.push({ms, ticket});
  compact_if_bloated();
}

void TimerIndex::erase(TicketId ticket) { current_.erase(ticket); }

std::optional<Instant> TimerIndex::deadline_of(TicketId ticket) const {
  auto it = current_.find(ticket);
  if (it == current_.end()) return std::nullopt;
  return from_unix_ms(it->second);
}

void TimerIndex::drop_stale_top() {
  while (!heap_.empty()) {
    const Entry& top = heap_.top();
    auto it = current_.find(top.ticket);
    if (it != current_.end() && it->second == top.deadline_ms) return;
    heap_.pop();
  }
}

std::optional<Instant> TimerIndex::next() {
  drop_stale_top();
  if (heap_.empty()) return std::nullopt;
  return from_unix_ms(heap_.top().deadline_ms);
}

std::vector<std::pair<TicketId, Instant>> TimerIndex::pop_due(Instant now, size_t limit) {
  std::vector<std::pair<TicketId, Instant>> due;
  int64_t now_ms = to_unix_ms(now);
  while (due.size() < limit) {
    drop_stale_top();
    if (heap_.empty() || heap_.top().deadline_ms > now_ms) break;
    Entry e = heap_.top();
    heap_.pop();
    current_.erase(e.ticket);
    due.emplace_back(e.ticket, from_unix_ms(e.deadline_ms));
  }
  return due;
}

void TimerIndex::clear() {
  heap_ = {};
  current_.clear();
}

// Deadlines move often (every status change); rebuild the heap when stale
// entries outnumber live ones so memory stays proportional to live clocks.
void TimerIndex::compact_if_bloated() {
  if (heap_.size() < 1024 || heap_.size() < 2 * current_.size()) return;
  std::vector<Entry> live;
  live.reserve(current_.size());
  for (const auto& [ticket, ms] : current_) live.push_back({ms, ticket});
  heap_ = std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>>(std::greater<Entry>(),
                                                                               std::move(live));
}

}  // namespace tierd
