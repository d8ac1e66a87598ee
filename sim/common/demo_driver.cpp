#include "sim/common/demo_driver.h"

#include <spdlog/spdlog.h>

#include <vector>

namespace tierd::sim {
namespace {

constexpr std::array<DemoTicket, 8> kDemoTickets = {{
    {"Wrong VAT on March invoice", "My invoice for March shows the wrong VAT rate.", "normal",
     "web_form"},
    {"Cannot log in after password reset", "The reset link says it expired.", "high", "email"},
    {"Rückerstattung für doppelte Abbuchung", "Mir wurde der Betrag zweimal abgebucht.", "urgent",
     "email"},
    {"Export to CSV is empty", "The export finishes but the file has only headers.", "normal",
     "web_form"},
    {"請求書の宛名を変更したい", "会社名が変わったので請求書の宛名を更新してください。", "low",
     "web_form"},
    {"API returns 500 on /orders", "Since this morning every call fails.", "urgent", "api"},
    {"Facture en double — merci de vérifier", "J'ai reçu deux factures pour le même mois.",
     "normal", "email"},
    {"How do I add a second admin?", "We need another person managing the account.", "low",
     "web_form"},
}};

enum class DemoPlan { kReply, kSolve, kLeaveOpen };

struct ScheduledAct {
  double at;  // demo seconds since start
  int64_t ticket;
  DemoPlan plan;
};

}  // namespace

DemoDriver::DemoDriver(DemoHelpdesk& helpdesk, double speed)
    : helpdesk_(helpdesk), speed_(speed > 0 ? speed : 1.0), worker_("demo") {}

DemoDriver::~DemoDriver() {
  stop();
}

void DemoDriver::start() {
  helpdesk_.seed();
  spdlog::info("demo step=seeded groups={} agents={}", kDemoGroups.size(), kDemoAgents.size());
  worker_.start([this] { run(); });
}

void DemoDriver::stop() {
  worker_.stop();
}

bool DemoDriver::pause(double seconds) {
  return worker_.sleep_for(Duration(static_cast<int64_t>(seconds * 1000 / speed_)));
}

void DemoDriver::run() {
  constexpr double kCreateEvery = 4.0;
  std::vector<ScheduledAct> scheduled;
  double clock = 0;
  for (int n = 0;; ++n) {
    // Act on tickets whose agent moment has come, then create the next one.
    for (auto it = scheduled.begin(); it != scheduled.end();) {
      if (it->at > clock) {
        ++it;
        continue;
      }
      if (auto group = helpdesk_.group_of(it->ticket)) {
        int64_t agent = 0;
        for (const auto& a : kDemoAgents) {
          if (a.group == *group && (agent == 0 || it->ticket % 2 == 1)) agent = a.id;
        }
        if (agent != 0) {
          const bool solve = it->plan == DemoPlan::kSolve;
          const int status = helpdesk_.act(it->ticket, agent, solve);
          spdlog::info("demo step={} ticket={} agent={} status={}", solve ? "solve" : "reply",
                       it->ticket, agent, status);
        }
      }
      it = scheduled.erase(it);
    }

    const DemoTicket& t = kDemoTickets[static_cast<size_t>(n) % kDemoTickets.size()];
    const int64_t group = n % 4 == 3 ? 114000 : 114001;
    if (auto id = helpdesk_.create(t, group, n)) {
      const DemoPlan plan = group == 114000 ? DemoPlan::kLeaveOpen : static_cast<DemoPlan>(n % 3);
      spdlog::info("demo step=create ticket={} group={} priority={} channel={} plan={}", *id, group,
                   t.priority, t.channel,
                   plan == DemoPlan::kReply   ? "reply"
                   : plan == DemoPlan::kSolve ? "solve"
                                              : "leave_open");
      if (plan != DemoPlan::kLeaveOpen) {
        scheduled.push_back({clock + (plan == DemoPlan::kReply ? 6.0 : 10.0), *id, plan});
      }
    }
    if (!pause(kCreateEvery)) return;
    clock += kCreateEvery;
  }
}

}  // namespace tierd::sim
