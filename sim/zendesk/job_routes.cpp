// The bulk-update handlers of SimService: PUT /api/v2/tickets/update_many
// queues a job; the job worker applies it a moment later, item by item; the
// Job Statuses API (one job, show_many, the list) reports it in Zendesk's
// documented shapes. Each handler takes the state lock for its own work.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <set>
#include <sstream>

#include "sim/zendesk/paging.h"
#include "sim/zendesk/responses.h"
#include "sim/zendesk/rest_json.h"
#include "sim/zendesk/sim_service.h"

namespace tierd::sim {

using nlohmann::json;

namespace {

// Zendesk keeps a job's status for an hour after it was created.
constexpr auto kJobKept = std::chrono::hours(1);

// 32 lower-case hex digits, like Zendesk's job ids.
std::string new_job_id(std::mt19937_64& rng) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(rng()),
                static_cast<unsigned long long>(rng()));
  return buf;
}

// "Completed at 2018-03-08 06:07:49 +0000", as Zendesk words the message.
std::string completed_message(Instant at) {
  std::string text = format_instant(std::chrono::floor<std::chrono::seconds>(at));
  text[10] = ' ';
  text.pop_back();  // the 'Z'
  return "Completed at " + text + " +0000";
}

bool is_done(const std::string& status) { return status == "completed" || status == "failed"; }

}  // namespace

SimResponse SimService::api_update_many(const SimRequest& request, const json& body) {
  std::vector<std::pair<int64_t, json>> items;
  WriteForm form;
  auto ids_param = request.query.find("ids");
  if (ids_param != request.query.end()) {
    form = WriteForm::kBulk;
    const json& fields = ticket_object(body);
    if (!fields.is_object()) {
      return error_response(400, "InvalidParameter", "bulk update needs {\"ticket\":{}}");
    }
    std::istringstream in(ids_param->second);
    std::string item;
    while (std::getline(in, item, ',')) {
      if (item.empty()) continue;
      if (item.size() > 18 || !std::all_of(item.begin(), item.end(), ::isdigit)) {
        return error_response(400, "InvalidParameter", "ids: expected comma-separated ids");
      }
      items.emplace_back(std::stoll(item), fields);
    }
  } else {
    form = WriteForm::kBatch;
    auto tickets = body.find("tickets");
    if (tickets == body.end() || !tickets->is_array()) {
      return error_response(400, "InvalidParameter", "expected ?ids= or {\"tickets\":[]}");
    }
    for (const auto& t : *tickets) {
      if (!t.is_object() || !t.contains("id") || !t["id"].is_number_integer()) {
        return error_response(400, "InvalidParameter", "each ticket needs an id");
      }
      json fields = t;
      fields.erase("id");
      items.emplace_back(t["id"].get<int64_t>(), std::move(fields));
    }
  }
  if (items.empty()) return error_response(400, "InvalidParameter", "no tickets to update");
  if (items.size() > 100) {
    return error_response(400, "TooManyValues", "at most 100 tickets per update_many request");
  }
  MutexLock lock(mutex_);
  expire_jobs_locked();
  int active = 0;
  for (const auto& [id, job] : jobs_) {
    if (!is_done(job.status)) ++active;
  }
  if (active >= options_.max_queued_jobs) {
    SimResponse r = error_response(429, "TooManyJobs", "Number of allowed queued jobs exceeded");
    r.headers.emplace_back("Retry-After", "5");
    return r;
  }
  Job job;
  job.id = new_job_id(rng_);
  while (jobs_.count(job.id)) job.id = new_job_id(rng_);
  job.form = form;
  job.items = std::move(items);
  job.seq = next_job_seq_++;
  job.created_at = now();
  // A job starts a moment after it was accepted, like Zendesk's queue;
  // jobs accepted together become runnable together.
  job.runs_at = Clock::now() + options_.job_delay;
  const std::string id = job.id;
  jobs_[id] = std::move(job);
  job_queue_.push_back(id);
  job_worker_.wake();
  spdlog::info("event=job_queued job={} total={}", id, jobs_[id].items.size());
  return json_response(200, {{"job_status", job_json_locked(jobs_[id])}});
}

SimResponse SimService::api_job_statuses(const SimRequest& request,
                                         const std::vector<std::string>& p) {
  MutexLock lock(mutex_);
  expire_jobs_locked();
  if (p.size() == 2 && p[1] == "show_many") {
    auto ids = request.query.find("ids");
    if (ids == request.query.end() || ids->second.empty()) {
      return error_response(400, "InvalidParameter", "ids is required");
    }
    json list = json::array();
    std::set<std::string> seen;
    std::istringstream in(ids->second);
    for (std::string id; std::getline(in, id, ',');) {
      auto it = jobs_.find(id);
      if (it != jobs_.end() && seen.insert(id).second) list.push_back(job_json_locked(it->second));
    }
    return json_response(200, {{"job_statuses", list}});
  }
  if (p.size() == 2) {
    auto it = jobs_.find(p[1]);
    if (it == jobs_.end()) return error_response(404, "RecordNotFound", "Not found");
    return json_response(200, {{"job_status", job_json_locked(it->second)}});
  }
  if (p.size() != 1) return error_response(404, "InvalidEndpoint", "Not found");
  // Sorted by completion date, then creation date, newest first; jobs not
  // yet completed come first.
  std::vector<const Job*> list;
  for (const auto& [id, job] : jobs_) list.push_back(&job);
  std::sort(list.begin(), list.end(), [](const Job* a, const Job* b) {
    if (a->completed_at.has_value() != b->completed_at.has_value()) return !a->completed_at;
    if (a->completed_at && *a->completed_at != *b->completed_at) {
      return *a->completed_at > *b->completed_at;
    }
    return a->seq > b->seq;
  });
  // Rendered here, under the lock: the list is short (jobs expire after an
  // hour) and the renderer below needs no lock the analysis cannot see.
  std::vector<std::string> keys;
  std::vector<json> rendered;
  for (const Job* job : list) {
    keys.push_back(job->id);
    rendered.push_back(job_json_locked(*job));
  }
  return list_response(request, "job_statuses", keys, base_url_ + "/api/v2/job_statuses.json",
                       [&](size_t i) { return rendered[i]; });
}

json SimService::job_json_locked(const Job& job) const {
  const bool done = is_done(job.status);
  return {{"id", job.id},
          {"url", base_url_ + "/api/v2/job_statuses/" + job.id + ".json"},
          {"job_type", "bulk_update"},
          {"total", static_cast<int>(job.items.size())},
          {"progress", job.progress},
          {"status", job.status},
          {"message", done && job.completed_at ? json(completed_message(*job.completed_at))
                                               : json(nullptr)},
          {"results", done ? job.results : json(nullptr)}};
}

void SimService::expire_jobs_locked() {
  const Instant cutoff = now() - kJobKept;
  std::erase_if(jobs_, [&](const auto& kv) {
    return is_done(kv.second.status) && kv.second.created_at < cutoff;
  });
}

void SimService::run_jobs() {
  while (true) {
    std::optional<Clock::time_point> runs_at;
    {
      MutexLock lock(mutex_);
      if (!job_queue_.empty()) runs_at = jobs_.at(job_queue_.front()).runs_at;
    }
    if (!runs_at) {
      if (!job_worker_.wait()) return;
      continue;
    }
    const Clock::time_point now_steady = Clock::now();
    if (*runs_at > now_steady) {
      if (!job_worker_.sleep_for(std::chrono::ceil<Duration>(*runs_at - now_steady))) return;
      continue;
    }
    run_next_job();
  }
}

bool SimService::run_next_job() {
  MutexLock lock(mutex_);
  if (job_queue_.empty()) return false;
  const std::string id = job_queue_.front();
  job_queue_.pop_front();
  Job& job = jobs_.at(id);
  job.status = "working";
  for (size_t i = 0; i < job.items.size(); ++i) {
    const auto& [ticket_id, fields] = job.items[i];
    WriteContext ctx{kApiUserId, "api", job.form, now()};
    auto changes = apply_ticket_update(state_, ticket_id, fields, ctx);
    json result = {{"id", ticket_id}, {"index", static_cast<int>(i)}};
    if (changes.ok()) {
      result["action"] = "update";
      result["success"] = true;
      result["status"] = "Updated";
      emit_events_locked(ticket_id, *changes, kApiUserId);
    } else {
      // What Zendesk reports for an item that lost to a concurrent change
      // is not documented; every failure looks alike here, as documented
      // failures do, so that nothing downstream relies on its wording.
      result["error"] = "TicketUpdateFailed";
      result["details"] = changes.status().message();
    }
    job.results.push_back(std::move(result));
    job.progress = static_cast<int>(i) + 1;
  }
  job.status = "completed";
  job.completed_at = now();
  spdlog::info("event=job_completed job={} total={}", job.id, job.items.size());
  return true;
}

}  // namespace tierd::sim
