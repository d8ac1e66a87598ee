#include "sim/common/fault_queue.h"

#include <spdlog/spdlog.h>

#include <thread>

#include "core/ticket.h"

namespace tierd::sim {

using nlohmann::json;

Result<Fault> parse_fault(const json& body) {
  if (!body.is_object()) return Status::InvalidArgument("fault: expected an object");
  Fault f;
  auto get_int = [&body](const char* key, int& out) -> bool {
    auto it = body.find(key);
    if (it == body.end()) return true;
    if (!it->is_number_integer() || it->get<int64_t>() < 0) return false;
    out = it->get<int>();
    return true;
  };
  if (auto it = body.find("method"); it != body.end()) {
    if (!it->is_string()) return Status::InvalidArgument("fault.method: expected a string");
    f.method = it->get<std::string>();
    for (char& c : f.method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  if (auto it = body.find("path_prefix"); it != body.end()) {
    if (!it->is_string()) return Status::InvalidArgument("fault.path_prefix: expected a string");
    f.path_prefix = it->get<std::string>();
  }
  int delay_ms = 0;
  if (!get_int("status", f.status) || !get_int("retry_after", f.retry_after) ||
      !get_int("delay_ms", delay_ms) || !get_int("count", f.count)) {
    return Status::InvalidArgument(
        "fault: status, retry_after, delay_ms and count are integers >= 0");
  }
  if (f.status != 0 && (f.status < 400 || f.status > 599)) {
    return Status::InvalidArgument("fault.status: expected 400..599");
  }
  f.delay = std::chrono::milliseconds(delay_ms);
  if (auto it = body.find("drop_connection"); it != body.end()) {
    if (!it->is_boolean()) return Status::InvalidArgument("fault.drop_connection: expected a bool");
    f.drop_connection = it->get<bool>();
  }
  if (auto it = body.find("drop_after_apply"); it != body.end()) {
    if (!it->is_boolean())
      return Status::InvalidArgument("fault.drop_after_apply: expected a bool");
    f.drop_after_apply = it->get<bool>();
  }
  if (f.status == 0 && f.delay.count() == 0 && !f.drop_connection && !f.drop_after_apply) {
    return Status::InvalidArgument(
        "fault: needs a status, delay_ms, drop_connection or drop_after_apply");
  }
  return f;
}

json fault_json(const Fault& f) {
  return {{"method", f.method},
          {"path_prefix", f.path_prefix},
          {"status", f.status},
          {"retry_after", f.retry_after},
          {"delay_ms", f.delay.count()},
          {"drop_connection", f.drop_connection},
          {"drop_after_apply", f.drop_after_apply},
          {"count", f.count}};
}

void FaultQueue::add(Fault fault) {
  if (fault.count <= 0) return;
  MutexLock lock(mutex_);
  faults_.push_back(std::move(fault));
}

void FaultQueue::clear() {
  MutexLock lock(mutex_);
  faults_.clear();
}

std::optional<Fault> FaultQueue::take(const std::string& method, const std::string& path) {
  MutexLock lock(mutex_);
  for (auto it = faults_.begin(); it != faults_.end(); ++it) {
    if (!it->method.empty() && it->method != method) continue;
    if (path.compare(0, it->path_prefix.size(), it->path_prefix) != 0) continue;
    Fault taken = *it;
    if (--it->count <= 0) faults_.erase(it);
    taken.count = 1;
    return taken;
  }
  return std::nullopt;
}

std::vector<Fault> FaultQueue::pending() const {
  MutexLock lock(mutex_);
  return faults_;
}

AppliedFault apply_fault(FaultQueue& faults, const SimRequest& request,
                         const std::function<SimResponse(int status)>& error_answer) {
  AppliedFault applied;
  auto fault = faults.take(request.method, request.path);
  if (!fault) return applied;
  applied.drop_after_apply = fault->drop_after_apply;
  if (fault->delay.count() > 0) std::this_thread::sleep_for(fault->delay);
  if (fault->drop_connection) {
    spdlog::info("event=fault_applied action=drop_connection path={}", request.path);
    SimResponse r;
    r.drop_connection = true;
    applied.answer = std::move(r);
  } else if (fault->status != 0) {
    SimResponse r = error_answer(fault->status);
    r.status = fault->status;
    if (fault->retry_after > 0) {
      r.headers.emplace_back("Retry-After", std::to_string(fault->retry_after));
    }
    spdlog::info("event=fault_applied action=status status={} path={}", r.status, request.path);
    applied.answer = std::move(r);
  }
  return applied;
}

}  // namespace tierd::sim
