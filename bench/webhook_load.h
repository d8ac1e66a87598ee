// Webhook load for the ingest benchmarks: distinct, signed Zendesk event
// deliveries (variants of tests/fixtures/zendesk/ticket_status_changed.json)
// and a closed loop of keep-alive httplib clients sending them back to back,
// with the count, rate and ack latencies of the 200s.
#pragma once

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <latch>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/time.h"
#include "runtime/clock.h"
#include "zendesk/webhook_signature.h"

namespace tierd::bench {

using Steady = std::chrono::steady_clock;
using nlohmann::json;

struct Delivery {
  std::string body;
  httplib::Headers headers;
};

struct RunResult {
  size_t ok = 0;
  size_t failed = 0;
  double seconds = 0;
  std::vector<double> latencies_ms;
  double per_second() const { return seconds > 0 ? ok / seconds : 0; }
  double percentile(double p) {
    if (latencies_ms.empty()) return 0;
    std::sort(latencies_ms.begin(), latencies_ms.end());
    size_t i = static_cast<size_t>(p * (latencies_ms.size() - 1));
    return latencies_ms[i];
  }
};

// Every delivery is a variant of this fixture (a ticket.status_changed).
inline std::string template_body() {
  std::ifstream in(std::string(TIERD_FIXTURES_DIR) + "/zendesk/ticket_status_changed.json");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Distinct signed deliveries, made by the client threads as they go (the
// same client-side cost for the bare server and for ingest). Thread-safe.
class DeliveryFactory {
 public:
  // `spread_tickets`: delivery n is about ticket kFirstTicket + n, created
  // and changed now (a fresh tier-1 clock each), instead of the fixture's one
  // ticket, so that a cluster's shards all get work.
  explicit DeliveryFactory(std::string secret, bool spread_tickets = false)
      : secret_(std::move(secret)), spread_(spread_tickets) {
    json body = json::parse(template_body());
    timestamp_ = format_instant(SystemClock().now());
    body["id"] = "@ID@";
    if (spread_) {
      body["subject"] = "zen:ticket:@TICKET@";
      body["detail"]["id"] = "@TICKET@";
      body["time"] = timestamp_;
      body["detail"]["created_at"] = timestamp_;
      body["detail"]["updated_at"] = timestamp_;
    }
    const std::string text = body.dump();
    size_t from = 0;
    for (size_t at = text.find('@', from); at != std::string::npos; at = text.find('@', from)) {
      const size_t end = text.find('@', at + 1);
      pieces_.push_back(text.substr(from, at - from));
      holes_.push_back(text.substr(at, end + 1 - at));
      from = end + 1;
    }
    pieces_.push_back(text.substr(from));
  }
  Delivery make(const std::string& event_id, uint64_t n = 0) const {
    Delivery d;
    for (size_t i = 0; i < holes_.size(); ++i) {
      d.body += pieces_[i];
      d.body += holes_[i] == "@ID@" ? event_id : std::to_string(ticket_of(n));
    }
    d.body += pieces_.back();
    d.headers = {
        {"X-Zendesk-Webhook-Signature", zendesk::compute_signature(secret_, timestamp_, d.body)},
        {"X-Zendesk-Webhook-Signature-Timestamp", timestamp_}};
    return d;
  }
  static constexpr int64_t kFirstTicket = 1000000;
  static int64_t ticket_of(uint64_t n) { return kFirstTicket + static_cast<int64_t>(n); }

 private:
  std::string secret_;
  bool spread_;
  std::string timestamp_;
  std::vector<std::string> pieces_;  // the body around the holes
  std::vector<std::string> holes_;   // "@ID@" or "@TICKET@"
};

// Adds the run `r` to `total` (as one longer run).
inline void add(RunResult& total, const RunResult& r) {
  total.ok += r.ok;
  total.failed += r.failed;
  total.seconds += r.seconds;
  total.latencies_ms.insert(total.latencies_ms.end(), r.latencies_ms.begin(), r.latencies_ms.end());
}

inline RunResult merge(std::vector<RunResult>& per_client, double seconds) {
  RunResult total;
  for (auto& r : per_client) add(total, r);
  total.seconds = seconds;
  return total;
}

inline void count(RunResult& mine, const httplib::Result& r, double ms) {
  if (r && r->status == 200) {
    ++mine.ok;
    mine.latencies_ms.push_back(ms);
  } else {
    ++mine.failed;
    if (mine.failed <= 3) {
      std::fprintf(stderr, "delivery failed: %s\n",
                   r ? ("HTTP " + std::to_string(r->status) + " " + r->body).c_str()
                     : httplib::to_string(r.error()).c_str());
    }
  }
}

// Closed loop: `clients` threads send back to back for `seconds`.
// Client c sends to ports[c % ports.size()]: spread evenly over servers.
inline RunResult closed_loop(const std::vector<int>& ports, const DeliveryFactory& factory,
                             const std::string& prefix, int clients, double seconds) {
  std::atomic<size_t> next{0};
  std::vector<RunResult> per_client(clients);
  std::latch connected(clients + 1);
  std::latch go(1);  // start and end are set
  Steady::time_point start;
  Steady::time_point end;
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      httplib::Client client("127.0.0.1", ports[static_cast<size_t>(c) % ports.size()]);
      client.set_tcp_nodelay(true);
      client.set_keep_alive(true);
      // Connect (one untimed delivery) before the clock starts: the listen
      // backlog is small, and connection set-up is not what is measured.
      Delivery warm = factory.make(prefix + "warm-" + std::to_string(c));
      (void)client.Post("/webhooks/zendesk", warm.headers, warm.body, "application/json");
      connected.count_down();
      go.wait();
      RunResult& mine = per_client[c];
      while (Steady::now() < end) {
        const uint64_t n = next++;
        Delivery d = factory.make(prefix + std::to_string(n), n);
        auto sent = Steady::now();
        auto r = client.Post("/webhooks/zendesk", d.headers, d.body, "application/json");
        double ms = std::chrono::duration<double, std::milli>(Steady::now() - sent).count();
        count(mine, r, ms);
      }
    });
  }
  // The clock starts once every client is connected, however long that took.
  connected.arrive_and_wait();
  start = Steady::now();
  end =
      start + std::chrono::duration_cast<Steady::duration>(std::chrono::duration<double>(seconds));
  go.count_down();
  for (auto& t : threads) t.join();
  return merge(per_client, std::chrono::duration<double>(Steady::now() - start).count());
}

}  // namespace tierd::bench
