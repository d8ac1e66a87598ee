// Webhook ingest benchmark: accepted events/s and ack latency of
// POST /webhooks/zendesk with durable commits (SQLite, synchronous=FULL, in a
// temporary directory), next to two httplib servers under the same load in the
// same run: a bare one that answers 200 at once (the HTTP stack's limit) and a
// durable-ceiling one that answers 200 once the body is appended to a file in
// the same directory and fdatasync'd, with group commit (the disk's limit for
// any server that stores before it answers; durable_append_log.h). Then a
// fixed-rate run (default 1,000 events/s) for the p99 ack latency an ordinary
// load sees.
//
// Usage: ingest_bench [--seconds N] [--clients N] [--server-threads N] [--rate N]
//                     [--rounds N] [--dir PATH] [--runs bare,ceiling,ingest,rate]
// Targets: ingest throughput >= 80% of the durable ceiling's; p99 <= 20 ms at
// 1,000/s.
#include <httplib.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <latch>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "durable_append_log.h"
#include "engine/inbox_writer.h"
#include "http/webhook_handler.h"
#include "metrics/metrics.h"
#include "runtime/clock.h"
#include "store/sqlite/sqlite_store.h"
#include "webhook_load.h"
#include "zendesk/webhook_signature.h"

namespace {

using namespace tierd;
using bench::closed_loop;
using bench::Delivery;
using bench::DeliveryFactory;
using bench::RunResult;
using Steady = std::chrono::steady_clock;

constexpr size_t kKeepAliveMaxCount = 100000;
const std::string kSecret = "bench-signing-secret";

struct Options {
  double seconds = 5;
  int clients = 8;
  int rounds = 3;          // turns of the durable ceiling and ingest
  int server_threads = 0;  // 0: twice the clients
  double rate = 1000;
  std::string dir;
  std::string runs = "bare,ceiling,ingest,rate";  // which runs, e.g. for a profiler
  bool selected(std::string_view name) const { return runs.find(name) != std::string::npos; }
};

// An httplib server on a free loopback port, run on its own thread.
class LoopbackServer {
 public:
  LoopbackServer(int threads, const std::function<void(httplib::Server&)>& mount) {
    // Each keep-alive connection holds a pool thread while it is open.
    server_.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    server_.set_tcp_nodelay(true);
    // httplib closes a keep-alive connection after 5 requests by default, and
    // its listen backlog is 5: under load, reconnect SYNs get dropped and
    // retried a second later. Keep connections open instead.
    server_.set_keep_alive_max_count(kKeepAliveMaxCount);
    mount(server_);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~LoopbackServer() {
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

// Open loop: deliveries are due at a fixed rate; latency counts from the due
// time, so a stall shows up in every delivery it delays.
RunResult fixed_rate(int port, const DeliveryFactory& factory, int clients, double rate,
                     double seconds) {
  const size_t total_count = static_cast<size_t>(rate * seconds);
  const auto interval = std::chrono::duration<double>(1.0 / rate);
  std::vector<RunResult> per_client(clients);
  std::latch connected(clients + 1);
  std::latch go(1);  // start is set
  Steady::time_point start;
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      httplib::Client client("127.0.0.1", port);
      client.set_tcp_nodelay(true);
      client.set_keep_alive(true);
      // Connected (one untimed delivery) before the first one is due.
      Delivery warm = factory.make("r-warm-" + std::to_string(c));
      (void)client.Post("/webhooks/zendesk", warm.headers, warm.body, "application/json");
      connected.count_down();
      go.wait();
      RunResult& mine = per_client[c];
      for (size_t i = c; i < total_count; i += clients) {
        Delivery d = factory.make("r-" + std::to_string(i));
        auto due = start + std::chrono::duration_cast<Steady::duration>(interval * i);
        std::this_thread::sleep_until(due);
        auto r = client.Post("/webhooks/zendesk", d.headers, d.body, "application/json");
        double ms = std::chrono::duration<double, std::milli>(Steady::now() - due).count();
        count(mine, r, ms);
      }
    });
  }
  connected.arrive_and_wait();
  start = Steady::now() + std::chrono::milliseconds(10);
  go.count_down();
  for (auto& t : threads) t.join();
  return merge(per_client, std::chrono::duration<double>(Steady::now() - start).count());
}

// The ingest path as the daemon wires it, over a fresh SQLite store.
struct IngestStack {
  std::unique_ptr<Store> store;
  Metrics metrics;
  SystemClock clock;
  std::unique_ptr<InboxWriter> writer;
  std::unique_ptr<WebhookHandler> handler;
  std::unique_ptr<LoopbackServer> server;

  IngestStack(const std::string& db_path, int server_threads) {
    auto opened = open_sqlite_store({.path = db_path, .synchronous_full = true});
    if (!opened.ok()) {
      std::fprintf(stderr, "cannot open store: %s\n", opened.status().to_string().c_str());
      std::exit(1);
    }
    store = std::move(opened).value();
    writer = std::make_unique<InboxWriter>(*store, InboxWriterOptions{});
    writer->start();
    WebhookHandlerOptions options;
    options.secrets = {kSecret};
    handler = std::make_unique<WebhookHandler>(options, clock, *writer, metrics);
    server = std::make_unique<LoopbackServer>(
        server_threads, [this](httplib::Server& s) { register_webhook_route(s, *handler); });
  }
  ~IngestStack() {
    server.reset();
    writer->stop();
  }
  int64_t stored() {
    auto depth = store->inbox_depth();
    return depth.ok() ? *depth : -1;
  }
};

void print_row(const char* name, RunResult& r) {
  std::printf("%-34s %9zu %7zu %11.0f %9.2f %9.2f %9.2f\n", name, r.ok, r.failed, r.per_second(),
              r.percentile(0.50), r.percentile(0.99), r.percentile(1.0));
}

Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--seconds")
      o.seconds = std::atof(argv[i + 1]);
    else if (flag == "--clients")
      o.clients = std::atoi(argv[i + 1]);
    else if (flag == "--rate")
      o.rate = std::atof(argv[i + 1]);
    else if (flag == "--server-threads")
      o.server_threads = std::atoi(argv[i + 1]);
    else if (flag == "--dir")
      o.dir = argv[i + 1];
    else if (flag == "--rounds")
      o.rounds = std::max(1, std::atoi(argv[i + 1]));
    else if (flag == "--runs")
      o.runs = argv[i + 1];
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  Options options = parse_options(argc, argv);
  std::string base =
      options.dir.empty() ? std::filesystem::temp_directory_path().string() : options.dir;
  std::string tmpl = base + "/tierd-ingest-bench-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) {
    std::perror("mkdtemp");
    return 1;
  }
  const std::string dir = tmpl;
  // One line per delivery, as in production, but to a file.
  spdlog::set_default_logger(spdlog::basic_logger_mt("bench", dir + "/ingest.log"));

  const DeliveryFactory factory(kSecret);
  const int threads = options.server_threads > 0 ? options.server_threads : 2 * options.clients;

  std::printf("ingest bench: %d clients, %.0f s per run, %d server threads, store %s\n",
              options.clients, options.seconds, threads, dir.c_str());
  std::printf("%-34s %9s %7s %11s %9s %9s %9s\n", "run", "ok", "failed", "events/s", "p50 ms",
              "p99 ms", "max ms");

  RunResult bare;
  if (options.selected("bare")) {
    LoopbackServer server(threads, [](httplib::Server& s) {
      s.Post("/webhooks/zendesk", [](const httplib::Request&, httplib::Response& res) {
        res.set_content(R"({"status":"accepted"})", "application/json");
      });
    });
    bare = closed_loop({server.port()}, factory, "b-", options.clients, options.seconds);
    print_row("bare httplib 200 (closed loop)", bare);
  }

  // The durable ceiling and ingest take turns, `rounds` times each, so a
  // change in what else the machine's disk is doing shows in both.
  RunResult ceiling;
  RunResult ingest;
  uint64_t ceiling_syncs = 0;
  int64_t stored = 0;
  if (options.selected("ceiling") || options.selected("ingest")) {
    bench::DurableAppendLog log(dir + "/ceiling.log");
    LoopbackServer ceiling_server(threads, [&log](httplib::Server& s) {
      s.Post("/webhooks/zendesk", [&log](const httplib::Request& req, httplib::Response& res) {
        if (log.append(req.body)) {
          res.set_content(R"({"status":"accepted"})", "application/json");
        } else {
          res.status = 503;
        }
      });
    });
    IngestStack stack(dir + "/throughput.db", threads);
    for (int round = 0; round < options.rounds; ++round) {
      const std::string tag = std::to_string(round) + "-";
      if (options.selected("ceiling")) {
        RunResult r = closed_loop({ceiling_server.port()}, factory, "d-" + tag, options.clients,
                                  options.seconds);
        add(ceiling, r);
      }
      if (options.selected("ingest")) {
        RunResult r = closed_loop({stack.server->port()}, factory, "c-" + tag, options.clients,
                                  options.seconds);
        add(ingest, r);
      }
    }
    ceiling_syncs = log.syncs();
    stored = stack.stored();
    if (options.selected("ceiling")) print_row("durable ceiling: append+fdatasync", ceiling);
    if (options.selected("ingest")) print_row("ingest, SQLite FULL (closed loop)", ingest);
  }

  RunResult paced;
  if (options.selected("rate")) {
    IngestStack stack(dir + "/rate.db", threads);
    paced =
        fixed_rate(stack.server->port(), factory, options.clients, options.rate, options.seconds);
    char name[64];
    std::snprintf(name, sizeof name, "ingest at %.0f/s (open loop)", options.rate);
    print_row(name, paced);
  }

  const double share = ceiling.per_second() > 0 ? ingest.per_second() / ceiling.per_second() : 0;
  const double p99 = paced.percentile(0.99);
  std::printf("stored in the throughput runs: %lld (%zu acknowledged, %d warm-up deliveries)\n",
              static_cast<long long>(stored), ingest.ok,
              options.selected("ingest") ? options.clients * options.rounds : 0);
  std::printf("durable ceiling: %.1f records per fdatasync\n",
              ceiling_syncs > 0 ? static_cast<double>(ceiling.ok) / ceiling_syncs : 0);
  std::printf("ingest / bare throughput: %.0f%%\n",
              bare.per_second() > 0 ? 100 * ingest.per_second() / bare.per_second() : 0);
  std::printf("ingest / durable ceiling: %.2f (target >= 0.80): %s\n", share,
              share >= 0.8 ? "met" : "MISSED");
  std::printf("p99 ack at %.0f/s: %.2f ms (target <= 20 ms): %s\n", options.rate, p99,
              p99 <= 20 ? "met" : "MISSED");
  std::filesystem::remove_all(dir);
  return 0;
}
