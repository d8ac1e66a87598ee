// `tierd simulate`: replays recorded webhooks under a policy and prints the
// decisions, the report of the run, or the difference between two policies.
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <iostream>

#include "cli/commands.h"
#include "config/config.h"
#include "config/policy_builder.h"
#include "reports/explain.h"
#include "reports/export_events.h"
#include "reports/local_time.h"
#include "reports/report.h"
#include "reports/replay.h"

namespace tierd {
namespace {

using nlohmann::json;

Result<std::shared_ptr<const Policy>> load_policy(const std::string& path) {
  auto config = load_config_file(path);
  if (!config.ok()) return config.status();
  auto policy = build_policy(*config);
  if (!policy.ok() || !(*policy)->shadow) return policy;
  // A replay shows the decisions themselves, whichever mode the config runs in.
  auto live = std::make_shared<Policy>(**policy);
  live->shadow = false;
  return std::shared_ptr<const Policy>(std::move(live));
}

json run_json(const ReplayRun& run) {
  return {{"events", run.events},
          {"own_writes_skipped", run.own_writes_skipped},
          {"duplicates", run.duplicates},
          {"deadlines_fired", run.ticks},
          {"decisions", run.decisions.size()},
          {"started", format_instant(run.started)},
          {"ended", format_instant(run.ended)}};
}

TierReport report_of(const ReplayRun& run, const Policy& policy) {
  return build_report(run.audit, policy, run.started, run.ended);
}

json difference_json(const ReplayDifference& x) {
  const ReplayDecision& d = x.change == ReplayDifference::Change::kOnlyB ? x.b : x.a;
  json j = to_json(d);
  switch (x.change) {
    case ReplayDifference::Change::kOnlyA:
      j["change"] = "only_config";
      break;
    case ReplayDifference::Change::kOnlyB:
      j["change"] = "only_diff_config";
      break;
    case ReplayDifference::Change::kMoved:
      j["change"] = "moved";
      j["at_diff_config"] = format_instant(x.b.at);
      j["reason_diff_config"] = x.b.reason;
      break;
  }
  return j;
}

}  // namespace

int run_simulate(const SimulateArgs& args, std::ostream& out, std::ostream& err) {
  spdlog::set_level(spdlog::level::warn);
  auto policy = load_policy(args.config);
  if (!policy.ok()) {
    err << policy.status().message() << "\n";
    return 2;
  }
  std::shared_ptr<const Policy> other;
  if (!args.diff_config.empty()) {
    auto loaded = load_policy(args.diff_config);
    if (!loaded.ok()) {
      err << loaded.status().message() << "\n";
      return 2;
    }
    other = *loaded;
  }
  ReplayOptions options;
  if (!args.until.empty()) {
    auto until = parse_instant(args.until);
    if (!until.ok()) {
      err << "simulate: --until: " << until.status().message() << "\n";
      return 2;
    }
    options.until = *until;
  }
  std::string zone = args.tz;
  if (zone.empty() && !(*policy)->tiers.empty() && (*policy)->tiers.front().calendar) {
    zone = (*policy)->tiers.front().calendar->timezone();
  }
  auto local = LocalTime::in_zone(zone);
  if (!local.ok()) {
    err << "simulate: --tz: " << local.status().message() << "\n";
    return 2;
  }
  std::ifstream file(args.events);
  if (!file) {
    err << "simulate: cannot read " << args.events << "\n";
    return 1;
  }
  EventLines lines = read_event_lines(file);
  constexpr size_t kShown = 20;
  for (size_t i = 0; i < lines.skipped.size() && i < kShown; ++i)
    err << "simulate: skipped " << describe(lines.skipped[i]) << "\n";
  if (lines.skipped.size() > kShown)
    err << "simulate: skipped " << lines.skipped.size() - kShown << " more lines\n";
  if (lines.events.empty()) {
    err << "simulate: nothing to replay: " << args.events << " has no usable event ("
        << lines.lines << " non-blank lines, " << lines.skipped.size()
        << " skipped). Each line must be one Zendesk webhook body as tierd receives it; see "
           "config/sample-events.jsonl\n";
    return 1;
  }
  if (args.strict && !lines.skipped.empty()) {
    err << "simulate: --strict: " << lines.skipped.size() << " of " << lines.lines
        << " lines skipped\n";
    return 1;
  }

  if (other) {
    ReplayRun a = replay(lines.events, **policy, options);
    ReplayRun b = replay(std::move(lines.events), *other, options);
    ReplayDiff diff = diff_runs(a, b);
    if (args.json) {
      for (const auto& x : diff.differences) out << difference_json(x).dump() << "\n";
      out << json{{"summary",
                   {{"same", diff.same},
                    {"different", diff.differences.size()},
                    {"config", to_json(report_of(a, **policy))},
                    {"diff_config", to_json(report_of(b, *other))}}}}
                 .dump()
          << "\n";
      return 0;
    }
    out << "Decisions that change from " << args.config << " (-) to " << args.diff_config
        << " (+), times in " << local->zone() << ":\n";
    for (const auto& x : diff.differences) {
      switch (x.change) {
        case ReplayDifference::Change::kOnlyA:
          out << "  - " << describe(x.a, *local) << "\n";
          break;
        case ReplayDifference::Change::kOnlyB:
          out << "  + " << describe(x.b, *local) << "\n";
          break;
        case ReplayDifference::Change::kMoved:
          out << "  ~ " << describe(x.a, *local) << "\n    now " << describe(x.b, *local)
              << "\n";
          break;
      }
    }
    out << diff.same << " decisions the same, " << diff.differences.size() << " different\n\nWith "
        << args.config << ":\n";
    print_report(report_of(a, **policy), out);
    out << "\nWith " << args.diff_config << ":\n";
    print_report(report_of(b, *other), out);
    return 0;
  }

  ReplayRun run = replay(std::move(lines.events), **policy, options);
  if (args.ticket > 0) {
    // One ticket's whole story, as explain tells it of a live instance.
    if (args.json) {
      json timeline = json::array();
      for (const auto& r : run.audit) {
        if (r.ticket_id != args.ticket) continue;
        timeline.push_back({{"at", format_instant(r.at)},
                            {"kind", r.kind},
                            {"event_id", r.event_id},
                            {"detail", json::parse(r.detail_json, nullptr, false)}});
      }
      out << json{{"ticket", args.ticket}, {"timeline", std::move(timeline)}}.dump(2) << "\n";
    } else {
      print_timeline(args.ticket, run.audit, *local, out);
    }
    bool seen = std::any_of(run.audit.begin(), run.audit.end(),
                            [&](const AuditRecord& r) { return r.ticket_id == args.ticket; });
    return seen ? 0 : 3;
  }
  TierReport report = report_of(run, **policy);
  if (args.json) {
    for (const auto& d : run.decisions) out << to_json(d).dump() << "\n";
    json summary = to_json(report);
    summary["run"] = run_json(run);
    out << json{{"summary", std::move(summary)}}.dump() << "\n";
    return 0;
  }
  out << "Times in " << local->zone() << ".\n";
  for (const auto& d : run.decisions) out << describe(d, *local) << "\n";
  out << "\n"
      << run.events << " events replayed from " << local->format(run.started) << " to "
      << local->format(run.ended) << ", " << run.decisions.size() << " decisions";
  if (run.own_writes_skipped > 0) {
    out << "; " << run.own_writes_skipped << " recorded changes by tierd's own API user left out";
  }
  out << "\n\n";
  print_report(report, out);
  return 0;
}

}  // namespace tierd
