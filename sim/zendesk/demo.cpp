#include "sim/zendesk/demo.h"

#include <spdlog/spdlog.h>

#include <array>
#include <map>
#include <vector>

namespace tierd::sim {

using nlohmann::json;

namespace {

struct DemoAgent {
  int64_t id;
  const char* name;
  int64_t group;
};

constexpr std::array<DemoAgent, 7> kAgents = {{
    {500120, "Dana Tier1", 114001},
    {500121, "Eli Tier1", 114001},
    {500122, "Fatima Tier2", 114002},
    {500123, "Goran Tier2", 114002},
    {500124, "Hana Tier3", 114003},
    {500125, "Ivo Tier3", 114003},
    {500777, "Sam Reviewer", 114000},
}};

struct DemoTicket {
  const char* subject;
  const char* body;
  const char* priority;
  const char* channel;
};

constexpr std::array<DemoTicket, 8> kTickets = {{
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

enum class Plan { kReply, kSolve, kLeaveOpen };

struct Scheduled {
  double at;  // demo seconds since start
  int64_t ticket;
  Plan plan;
};

json get_ticket(SimService& service, int64_t id) {
  SimRequest r;
  r.method = "GET";
  r.path = "/sim/tickets/" + std::to_string(id);
  SimResponse res = service.handle(r);
  return res.status == 200 ? res.body["ticket"] : json(nullptr);
}

}  // namespace

void seed_demo_account(SimService& service) {
  service.seed_groups({{"groups",
                        {{{"id", 114000}, {"name", "Review"}},
                         {{"id", 114001}, {"name", "Tier 1"}, {"default", true}},
                         {{"id", 114002}, {"name", "Tier 2"}},
                         {{"id", 114003}, {"name", "Tier 3"}},
                         {{"id", 114009}, {"name", "Review leads"}}}}});
  json users = json::array();
  json memberships = json::array();
  for (const auto& a : kAgents) {
    users.push_back({{"id", a.id},
                     {"name", a.name},
                     {"role", "agent"},
                     {"email", "agent" + std::to_string(a.id) + "@example.com"}});
    memberships.push_back({{"user_id", a.id}, {"group_id", a.group}, {"default", true}});
  }
  memberships.push_back({{"user_id", 500777}, {"group_id", 114009}});
  for (int i = 0; i < 5; ++i) {
    users.push_back({{"id", 902002 + i},
                     {"name", "Customer " + std::to_string(i + 2)},
                     {"role", "end-user"},
                     {"email", "customer" + std::to_string(i + 2) + "@example.com"}});
  }
  service.seed_users({{"users", users}});
  service.seed_memberships({{"memberships", memberships}});
  spdlog::info("demo step=seeded groups=5 agents={} customers=6", kAgents.size());
}

DemoDriver::DemoDriver(SimService& service, double speed)
    : service_(service), speed_(speed > 0 ? speed : 1.0), worker_("demo") {}

DemoDriver::~DemoDriver() {
  stop();
}

void DemoDriver::start() {
  seed_demo_account(service_);
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
  std::vector<Scheduled> scheduled;
  double clock = 0;
  for (int n = 0;; ++n) {
    // Act on tickets whose agent moment has come, then create the next one.
    for (auto it = scheduled.begin(); it != scheduled.end();) {
      if (it->at > clock) {
        ++it;
        continue;
      }
      json ticket = get_ticket(service_, it->ticket);
      if (ticket.is_object() && ticket["group_id"].is_number()) {
        int64_t group = ticket["group_id"].get<int64_t>();
        int64_t agent = 0;
        for (const auto& a : kAgents) {
          if (a.group == group && (agent == 0 || it->ticket % 2 == 1)) agent = a.id;
        }
        if (agent != 0) {
          const bool solve = it->plan == Plan::kSolve;
          json update = {
              {"actor_id", agent},
              {"ticket",
               {{"assignee_id", agent},
                {"status", solve ? "solved" : "pending"},
                {"comment",
                 {{"body", solve ? "This is fixed now, closing the loop."
                                 : "Thanks, we are looking into it. Could you send a screenshot?"},
                  {"public", true}}}}}};
          SimResponse res = service_.update_ticket_as_agent(it->ticket, update);
          spdlog::info("demo step={} ticket={} agent={} status={}", solve ? "solve" : "reply",
                       it->ticket, agent, res.status);
        }
      }
      it = scheduled.erase(it);
    }

    const DemoTicket& t = kTickets[static_cast<size_t>(n) % kTickets.size()];
    const int64_t group = n % 4 == 3 ? 114000 : 114001;
    json body = {{"ticket",
                  {{"subject", t.subject},
                   {"comment", {{"body", t.body}}},
                   {"priority", t.priority},
                   {"type", "question"},
                   {"group_id", group},
                   {"requester_id", 902001 + n % 6},
                   {"via", {{"channel", t.channel}}}}}};
    SimResponse res = service_.create_ticket_as_requester(body);
    if (res.status == 201) {
      const int64_t id = res.body["ticket"]["id"].get<int64_t>();
      const Plan plan = group == 114000 ? Plan::kLeaveOpen : static_cast<Plan>(n % 3);
      spdlog::info("demo step=create ticket={} group={} priority={} channel={} plan={}", id, group,
                   t.priority, t.channel,
                   plan == Plan::kReply   ? "reply"
                   : plan == Plan::kSolve ? "solve"
                                          : "leave_open");
      if (plan != Plan::kLeaveOpen) {
        scheduled.push_back({clock + (plan == Plan::kReply ? 6.0 : 10.0), id, plan});
      }
    } else {
      spdlog::warn("demo step=create_failed status={}", res.status);
    }
    if (!pause(kCreateEvery)) return;
    clock += kCreateEvery;
  }
}

}  // namespace tierd::sim
