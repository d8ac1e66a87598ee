#include "cli/commands.h"

#include <signal.h>
#include <sys/resource.h>

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <iostream>
#include <memory>
#include <optional>
#include <thread>

#include "cli/cluster_membership.h"
#include "cli/helpdesk_connection.h"
#include "cli/logging.h"
#include "cli/store_factory.h"
#include "cli/users_worth_a_name.h"
#include "config/config.h"
#include "config/policy_builder.h"
#include "engine/engine.h"
#include "engine/inbox_writer.h"
#include "engine/outbox_sender.h"
#include "engine/reconciler.h"
#include "engine/user_directory.h"
#include "engine/write_pacing.h"
#include "http/admin_api.h"
#include "http/http_listener.h"
#include "http/webhook_handler.h"
#include "metrics/metrics.h"
#include "runtime/clock.h"
#include "runtime/mutex.h"
#include "store/private_files.h"
#ifdef TIERD_HAVE_POSTGRES
#include "store/postgres/inbox_notifications.h"
#endif

namespace tierd {
namespace {

// A replica's part of the budget before it owns a shard: enough for its reads.
double share_floor(double rate_share) {
  return std::max(0.01, rate_share / 64);
}

sigset_t daemon_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  return set;
}

// The policy in force, for the admin pages (the engine keeps its own copy).
class CurrentPolicy {
 public:
  explicit CurrentPolicy(std::shared_ptr<const Policy> p) : policy_(std::move(p)) {}
  std::shared_ptr<const Policy> get() const EXCLUDES(mutex_) {
    MutexLock lock(mutex_);
    return policy_;
  }
  void set(std::shared_ptr<const Policy> p) EXCLUDES(mutex_) {
    MutexLock lock(mutex_);
    policy_ = std::move(p);
  }

 private:
  mutable Mutex mutex_;
  std::shared_ptr<const Policy> policy_ GUARDED_BY(mutex_);
};

// The listener's limits from listen.* (see http_listener.h for what each
// one guards against).
ListenerLimits listener_limits(const Config& config) {
  ListenerLimits limits;
  limits.workers = config.listen.threads;
  limits.max_connections = config.listen.max_connections;
  limits.idle_timeout =
      std::chrono::duration_cast<std::chrono::milliseconds>(config.listen.idle_timeout);
  limits.head_timeout =
      std::chrono::duration_cast<std::chrono::milliseconds>(config.listen.head_timeout);
  limits.max_header_bytes = static_cast<size_t>(config.listen.max_header_bytes);
  limits.max_headers = static_cast<size_t>(config.listen.max_headers);
  limits.max_body_bytes = static_cast<size_t>(config.webhook.max_body_bytes);
  return limits;
}

// Every connection is a descriptor: let the process have as many as its
// hard limit allows, and say so when that is fewer than max_connections.
void raise_descriptor_limit(int max_connections) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
  // Connections of both listeners, the store, the helpdesk clients, logs.
  constexpr rlim_t kOtherDescriptors = 64;
  if (limit.rlim_cur < static_cast<rlim_t>(max_connections) + kOtherDescriptors) {
    spdlog::warn(
        "listen.max_connections: {} connections need more file descriptors than the "
        "limit of {}; raise LimitNOFILE",
        max_connections, static_cast<uint64_t>(limit.rlim_cur));
  }
}

std::optional<TlsFiles> tls_files(const Config& config) {
  if (!config.listen.tls) return std::nullopt;
  return TlsFiles{config.listen.tls->cert_file, config.listen.tls->key_file};
}

// `policy` with its api_user_id set to `user` when it has none.
std::shared_ptr<const Policy> with_api_user(std::shared_ptr<const Policy> policy,
                                            std::optional<UserId> user) {
  if (policy->api_user_id || !user) return policy;
  auto copy = std::make_shared<Policy>(*policy);
  copy->api_user_id = user;
  return copy;
}

// The id of the user tierd's credentials belong to, or nullopt (with a
// warning) when the helpdesk cannot be asked now.
std::optional<UserId> discover_api_user(HelpdeskApi& api, const std::string& vendor) {
  for (int attempt = 1; attempt <= 3; ++attempt) {
    auto me = api.current_user();
    if (me.ok()) {
      if (vendor == "zendesk") {
        spdlog::info(
            "zendesk: tierd writes as user {} (set zendesk.api_user_id to skip this lookup)",
            me->id);
      } else {
        spdlog::info("{}: tierd writes as agent {}", vendor, me->id);
      }
      return me->id;
    }
    if (me.status().code() == StatusCode::kUnauthenticated) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(500 * attempt));
  }
  if (vendor == "zendesk") {
    spdlog::warn(
        "zendesk: could not read tierd's own user; set zendesk.api_user_id so that echoes of "
        "tierd's writes are not taken for an agent's changes");
  } else {
    spdlog::warn(
        "{}: could not read tierd's own agent (agents/me); echoes of tierd's writes may be taken "
        "for an agent's changes until the next start",
        vendor);
  }
  return std::nullopt;
}

// The signing secrets a delivery may be signed with: the current one, and
// the previous one while it is rotated.
std::vector<std::string> webhook_secrets(const Secrets& secrets) {
  std::vector<std::string> out{secrets.webhook_secret};
  if (!secrets.webhook_secret_previous.empty()) out.push_back(secrets.webhook_secret_previous);
  return out;
}

// `reconciler` is null when reconcile.enabled was false at start.
void reload(const std::string& path, Engine& engine, Reconciler* reconciler,
            AvailabilityRefresher& availability, WebhookHandler& webhooks, CurrentPolicy& current,
            HttpListener& listener, bool can_write) {
  auto config = load_config_file(path);
  if (!config.ok()) {
    spdlog::error("reload: the new config was refused; the running one stays:\n{}",
                  config.status().message());
    return;
  }
  if (config->helpdesk != webhooks.vendor()) {
    spdlog::error(
        "reload: the new config was refused; the running one stays: it names another helpdesk "
        "({} instead of {}), which takes a restart",
        helpdesk_vendor_name(config->helpdesk), helpdesk_vendor_name(webhooks.vendor()));
    return;
  }
  // The webhook signing secrets are re-read too: a rotation, or a secret
  // `tierd setup` wrote, applies without a restart.
  auto secrets = load_secrets(*config);
  if (!secrets.ok()) {
    spdlog::error("reload: the new config was refused; the running one stays:\n{}",
                  secrets.status().message());
    return;
  }
  auto policy = build_policy(*config);
  if (!policy.ok()) {
    spdlog::error("reload: the new config was refused; the running one stays: {}",
                  policy.status().message());
    return;
  }
  bool was_shadow = current.get()->shadow;
  if (was_shadow && !(*policy)->shadow && !can_write) {
    spdlog::error(
        "reload: the new config was refused; the running one stays: mode \"live\" needs the "
        "helpdesk API credentials (zendesk.email and an API token, or an OAuth token; or "
        "freshdesk.api_key), which "
        "were not set when tierd started; set them and restart");
    return;
  }
  setup_logging(config->log);
  auto next = with_api_user(*policy, current.get()->api_user_id);
  if (was_shadow != next->shadow) {
    spdlog::info(next->shadow ? "reload: mode shadow: decisions are audited, nothing is written"
                              : "reload: mode live: writing what the shadow decisions left due");
  }
  engine.set_policy(next);
  current.set(next);
  if (reconciler) reconciler->set_interval(config->reconcile.interval);
  availability.set_options(availability_options(*config));
  webhooks.set_secrets(webhook_secrets(*secrets));
  if (auto tls = tls_files(*config); tls && listener.tls()) {
    // Renewed certificates apply to new connections; a bad pair keeps the old one.
    if (Status s = listener.reload_certificate(*tls); !s.ok()) {
      spdlog::error("reload: the TLS certificate was not replaced: {}", s.message());
    } else {
      spdlog::info("reload: TLS certificate reloaded from {}", tls->cert_file);
    }
  } else if (tls.has_value() != listener.tls()) {
    spdlog::warn("reload: turning TLS on or off takes effect at the next start");
  }
  if ((reconciler != nullptr) != config->reconcile.enabled) {
    spdlog::warn("reload: reconcile.enabled changes take effect at the next start");
  }
  spdlog::info("reload: applied {}; deadlines are being re-planned", path);
}

}  // namespace

int run_serve(const std::string& config_path) {
  auto config = load_config_file(config_path);
  if (!config.ok()) {
    std::cerr << config.status().message() << "\n";
    return 2;
  }
  setup_logging(config->log);
  for (const auto& w : config->warnings) spdlog::warn("config: {}", w);
  auto secrets = load_secrets(*config);
  if (!secrets.ok()) {
    std::cerr << secrets.status().message() << "\n";
    return 2;
  }
  auto policy = build_policy(*config);
  if (!policy.ok()) {
    std::cerr << policy.status().message() << "\n";
    return 2;
  }

  // Before any thread starts: a certificate that does not load stops tierd here.
  auto listener = HttpListener::create(tls_files(*config), listener_limits(*config));
  if (!listener.ok()) {
    std::cerr << listener.status().message() << "\n";
    return 2;
  }
  CurrentPolicy current_policy(*policy);

  // Every thread started from here on inherits the blocked signals.
  sigset_t signals = daemon_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  // One serving process per SQLite store: a second one would race the first
  // for the same deadlines and writes.
  std::optional<Result<InstanceLock>> store_lock;
  if (config->store.sqlite) {
    store_lock.emplace(InstanceLock::acquire(config->store.sqlite->path));
    if (!store_lock->ok()) {
      spdlog::critical("store: {}", store_lock->status().message());
      return 1;
    }
  }
  raise_descriptor_limit(config->listen.max_connections);

  auto store = open_store(*config, *secrets);
  if (!store.ok()) {
    spdlog::critical("store: cannot open: {}", store.status().to_string());
    return 1;
  }
  SystemClock clock;
  Metrics metrics;
  bool shadow = config->mode == RunMode::kShadow;
  // The configured helpdesk: one request budget for the account, shared by
  // every client below.
  HelpdeskConnection helpdesk = helpdesk_connection(*config, *secrets);
  const bool can_write = helpdesk.can_write;
  std::unique_ptr<HelpdeskApi> api_client = helpdesk.make_client();
  HelpdeskApi& api = *api_client;

  // tierd must know its own API user to tell the webhooks its writes cause
  // from an agent's changes; ask the helpdesk when the config does not say.
  std::optional<UserId> api_user = helpdesk.api_user_id;
  if (!api_user) api_user = discover_api_user(api, helpdesk.name);
  policy = with_api_user(*policy, api_user);
  current_policy.set(*policy);

  // Replicas sharing a PostgreSQL store: this one acts on the shards it
  // leases (cluster_membership.h); without a cluster section, on everything.
  SteadyClock steady;
  std::unique_ptr<ClusterMembership> membership;
  if (config->cluster) {
    auto opened = ClusterMembership::open(*config, *secrets, metrics, steady);
    if (!opened.ok()) {
      spdlog::critical("cluster: cannot open the lease store: {}", opened.status().to_string());
      return 1;
    }
    membership = std::move(opened).value();
    // A vendor request is not fenced: it must have its answer before the
    // lease can pass on after the last renewal (cluster/lease_timing.h).
    const Duration margin = cluster::default_lease_timing(config->cluster->lease_ttl).safety_margin;
    if (helpdesk.timeout >= margin) {
      spdlog::warn(
          "cluster: the helpdesk request timeout ({}) is not below the lease's safety margin "
          "({}, lease_ttl / 5): a request a replica starts just before it stops renewing could "
          "land after another replica took the shard over; lower the timeout or raise lease_ttl",
          format_duration(helpdesk.timeout), format_duration(margin));
    }
    spdlog::info("cluster: replica {} of a deployment with {} shards, lease ttl {}",
                 membership->replica_id(), config->cluster->shards,
                 format_duration(config->cluster->lease_ttl));
  }

  EngineOptions engine_options;
  if (membership) engine_options.shards = &membership->gate();
  Engine engine(**store, clock, metrics, *policy, engine_options);

  // Review-and-forward: who can receive forwarded tickets, re-read every
  // availability.refresh. Replicas: only the singletons' holder asks the
  // helpdesk; the others read what it stored.
  AvailabilitySharing availability_sharing;
  if (membership) {
    ClusterMembership* singleton = membership.get();
    availability_sharing.store = store->get();
    availability_sharing.reader_fence = [singleton] { return singleton->singleton_fence(); };
    availability_sharing.on_fenced = [&metrics] { metrics.fencing_rejections().Increment(); };
  }
  AvailabilityRefresher availability(
      api, availability_options(*config),
      [&engine](AvailabilitySnapshot snapshot) { engine.update_availability(std::move(snapshot)); },
      std::move(availability_sharing));
  availability.start();

  OutboxSenderOptions sender_options;
  sender_options.updates_per_minute = helpdesk.updates_per_minute;
  sender_options.updates_budget = helpdesk.updates_budget;
  if (helpdesk.bulk_threshold) sender_options.bulk_threshold = *helpdesk.bulk_threshold;
  // A write a killed predecessor left in flight may still be applied by the
  // helpdesk for up to a request timeout; look for its marker only after that.
  sender_options.unknown_outcome_settle = helpdesk.timeout;
  if (membership) sender_options.shards = &membership->gate();
  OutboxSender sender(**store, api, engine, clock, metrics, sender_options);
  engine.set_outbox_listener([&sender] { sender.wake(); });
  if (membership) {
    // The account's budget is shared by every replica: each spends the part
    // of tierd's share that its shards are of all shards, so that together
    // they stay within it. A replica without shards keeps a sliver for its
    // reads (availability, names).
    AccountPacer* pacer = helpdesk.pacer.get();
    const double share = helpdesk.rate_share;
    membership->set_listener([&engine, &sender, pacer, share](size_t owned, int shards) {
      const double part = static_cast<double>(owned) / static_cast<double>(shards);
      if (pacer != nullptr) pacer->set_share(share * part);
      sender.set_rate_fraction(part);
      engine.notify_inbox();
      sender.wake();
    });
    if (helpdesk.pacer) helpdesk.pacer->set_share(share_floor(helpdesk.rate_share));
    sender.set_rate_fraction(0);
  }

  InboxWriter inbox(**store, InboxWriterOptions{}, [&engine](size_t) { engine.notify_inbox(); });

  // Its own connection, so a slow export never holds up the sender's writes.
  std::unique_ptr<HelpdeskApi> reconcile_api = helpdesk.make_client();
  ReconcilerOptions reconcile_options;
  reconcile_options.interval = config->reconcile.interval;
  reconcile_options.requests_per_minute = helpdesk.lists_per_minute;
  std::unique_ptr<Reconciler> reconciler;
  if (membership) {
    ClusterMembership* singleton = membership.get();
    reconcile_options.singleton_fence = [singleton] { return singleton->singleton_fence(); };
  }
  if (config->reconcile.enabled) {
    // Its pages go through the inbox writer, which wakes the engine.
    reconciler = std::make_unique<Reconciler>(**store, inbox, *reconcile_api, clock, metrics,
                                              reconcile_options);
  }

  if (Status s = engine.start(); !s.ok()) {
    spdlog::critical("engine: cannot start: {}", s.to_string());
    return 1;
  }
  // Also in shadow mode: the outbox is empty then, and a reload to live
  // needs the sender running.
  sender.start();
  inbox.start();
  if (reconciler) reconciler->start();
  if (membership) {
    // The singletons' new holder reads the helpdesk's availability and
    // catches up on lost webhooks at once, not an interval later.
    Reconciler* catch_up = reconciler.get();
    membership->set_singletons_listener([&availability, catch_up](bool held) {
      if (!held) return;
      availability.refresh_soon();
      if (catch_up != nullptr) catch_up->run_soon();
    });
    membership->start();
  }
#ifdef TIERD_HAVE_POSTGRES
  // Other replicas' webhooks for this one's shards wake its engine at once.
  std::unique_ptr<InboxNotifications> inbox_notifications;
  if (membership) {
    inbox_notifications = std::make_unique<InboxNotifications>(
        secrets->postgres_url, [&engine] { engine.notify_inbox(); });
    inbox_notifications->start();
  }
#endif

  WebhookHandlerOptions handler_options;
  handler_options.vendor = config->helpdesk;
  handler_options.secrets = webhook_secrets(*secrets);
  handler_options.timestamp_tolerance = config->webhook.timestamp_tolerance;
  handler_options.max_body_bytes = static_cast<size_t>(config->webhook.max_body_bytes);
  WebhookHandler handler(handler_options, clock, inbox, metrics);

  // Agents' names for the status page and `tierd report`; its own
  // connection, so a read never holds up a write.
  std::unique_ptr<HelpdeskApi> users_api = helpdesk.make_client();
  UserDirectoryOptions users_options;
  users_options.read = can_write;  // without credentials, only the names stored earlier
  UserDirectory users(**store, *users_api, clock, users_options, [&store, &current_policy, &clock] {
    return users_worth_a_name(**store, *current_policy.get(), clock.now());
  });
  users.start();

  httplib::Server& server = (*listener)->server();
  register_webhook_route(server, handler);
  std::atomic<bool> ready{false};
  auto health = [&](const httplib::Request&, httplib::Response& res) {
    if (ready && membership) {
      // Which shards this replica acts on, for the load balancer's and an
      // admin's view; an empty list is healthy (it still takes webhooks).
      std::string body = membership->health_json();
      body.insert(1, R"("status":"ok",)");
      res.set_content(body, "application/json");
    } else if (ready) {
      res.set_content(R"({"status":"ok"})", "application/json");
    } else {
      res.status = 503;
      res.set_content(R"({"status":"starting"})", "application/json");
    }
  };
  auto scrape = [&](const httplib::Request&, httplib::Response& res) {
    auto depth = (*store)->inbox_depth();
    if (depth.ok()) metrics.inbox_depth().Set(static_cast<double>(*depth));
    if (reconciler) reconciler->refresh_lag_metric();
    res.set_content(metrics.exposition(), "text/plain; version=0.0.4");
  };
  AdminApiOptions admin_options;
  admin_options.token = secrets->admin_token;
  admin_options.status.version = TIERD_VERSION;
  admin_options.status.helpdesk_url = helpdesk.base_url;
  const bool watches_availability =
      !availability_options(*config).groups.empty() || !availability_options(*config).users.empty();
  auto daemon_view = [&engine, &sender, &inbox, &reconciler, &availability, &users,
                      watches_availability, can_write] {
    DaemonView view;
    view.loops.push_back({"engine", engine.liveness()});
    view.loops.push_back({"writer", sender.liveness()});
    view.loops.push_back({"inbox", inbox.liveness()});
    if (reconciler) view.loops.push_back({"reconciler", reconciler->liveness()});
    if (watches_availability) view.loops.push_back({"availability", availability.liveness()});
    if (can_write) view.loops.push_back({"user names", users.liveness()});
    for (const auto& answer : {sender.last_answer(), users.last_answer()}) {
      if (answer) view.helpdesk_answers.push_back(*answer);
    }
    view.helpdesk_auth_failed = sender.auth_failed();
    view.names = users.names();
    return view;
  };
  // With admin_listen, the admin pages, /metrics and a /healthz have their
  // own (loopback) port and leave the public one, which then serves only
  // the webhook and /healthz.
  std::unique_ptr<HttpListener> admin_listener;
  if (config->admin_listen) {
    ListenerLimits admin_limits = listener_limits(*config);
    admin_limits.workers = 2;
    admin_listener = std::move(HttpListener::create(std::nullopt, admin_limits)).value();
  }
  httplib::Server& admin_server = admin_listener ? admin_listener->server() : server;
  register_admin_routes(
      admin_server, **store, [&current_policy] { return current_policy.get(); }, clock,
      admin_options, daemon_view,
      [&users](const std::vector<UserId>& ids) { users.note_seen(ids); });
  server.Get("/healthz", health);
  if (admin_listener) admin_server.Get("/healthz", health);
  admin_server.Get("/metrics", scrape);

  auto port = (*listener)->bind(config->listen.host, config->listen.port);
  if (!port.ok()) spdlog::critical("listen: {}", port.status().message());
  Result<int> admin_port = 0;
  if (port.ok() && admin_listener) {
    admin_port = admin_listener->bind(config->admin_listen->host, config->admin_listen->port);
    if (!admin_port.ok()) spdlog::critical("admin_listen: {}", admin_port.status().message());
  }
  if (!port.ok() || !admin_port.ok()) {
    users.stop();
    if (reconciler) reconciler->stop();
    inbox.stop();
    sender.stop();
    engine.stop();
    if (membership) membership->release_all();
    return 1;
  }
  std::thread http([&listener] { (*listener)->run(); });
  std::thread admin_http;
  if (admin_listener) admin_http = std::thread([&admin_listener] { admin_listener->run(); });
  ready = true;
  spdlog::info("tierd listening on {}:{} ({}) mode={} tiers={}{}", config->listen.host, *port,
               (*listener)->tls() ? "https" : "http", shadow ? "shadow" : "live",
               config->tiers.size(),
               config->admin_listen ? " admin=" + config->admin_listen->host + ":" +
                                          std::to_string(config->admin_listen->port)
                                    : std::string());

  // The audit log is kept for audit.retention and processed deliveries for
  // inbox.retention (their bodies for inbox.keep_raw); older records go at
  // start and then hourly, on this thread, between signals.
  const Duration audit_retention = config->audit.retention;
  const InboxConfig inbox_retention = config->inbox;
  auto prune = [&] {
    std::vector<cluster::ShardFence> fences;
    if (membership) {
      auto fence = membership->singleton_fence();
      if (!fence) return;  // another replica's job
      fences.push_back(*fence);
    }
    const Instant now = clock.now();
    auto removed = (*store)->prune_audit(now - audit_retention, fences);
    if (!removed.ok()) {
      spdlog::warn("audit: pruning records older than {} failed: {}",
                   format_duration(audit_retention), removed.status().to_string());
    } else if (*removed > 0) {
      spdlog::info("audit: pruned {} records older than {}", *removed,
                   format_duration(audit_retention));
    }
    auto pruned = (*store)->prune_inbox(now - inbox_retention.retention,
                                        now - inbox_retention.keep_raw, fences);
    if (!pruned.ok()) {
      spdlog::warn("inbox: pruning processed deliveries failed: {}", pruned.status().to_string());
    } else if (pruned->records + pruned->bodies > 0) {
      spdlog::info(
          "inbox: pruned {} processed deliveries older than {} and the bodies of {} "
          "older than {}",
          pruned->records, format_duration(inbox_retention.retention), pruned->bodies,
          format_duration(inbox_retention.keep_raw));
    }
  };
  prune();
  while (true) {
    timespec hour{3600, 0};
    int sig = sigtimedwait(&signals, nullptr, &hour);
    if (sig < 0) {
      if (errno == EAGAIN) prune();
      continue;
    }
    if (sig == SIGHUP) {
      reload(config_path, engine, reconciler.get(), availability, handler, current_policy,
             **listener, can_write);
      continue;
    }
    spdlog::info("shutdown: signal {} received; stopping", sig);
    break;
  }
  ready = false;
  (*listener)->stop();
  http.join();
  if (admin_http.joinable()) {
    admin_listener->stop();
    admin_http.join();
  }
  users.stop();
  if (reconciler) reconciler->stop();  // the page in hand is committed or re-read next time
  inbox.stop();                        // every acknowledged delivery is committed
  sender.stop();  // the write in flight finishes and its outcome reaches the engine
  engine.stop();  // commits what it holds
#ifdef TIERD_HAVE_POSTGRES
  if (inbox_notifications) inbox_notifications->stop();
#endif
  // Only now, with nothing left in flight: the other replicas take the
  // shards over on their next round instead of after the leases expire.
  if (membership) membership->release_all();
  spdlog::info("shutdown: done");
  return 0;
}

}  // namespace tierd
