#include "store/postgres/inbox_notifications.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <pqxx/pqxx>

#include "store/postgres/postgres_connection.h"

namespace tierd {
namespace {

class Receiver final : public pqxx::notification_receiver {
 public:
  Receiver(pqxx::connection_base& conn, const std::function<void()>& on_notify)
      : pqxx::notification_receiver(conn, TIERD_INBOX_CHANNEL), on_notify_(on_notify) {}
  void operator()(const std::string&, int) override { on_notify_(); }

 private:
  const std::function<void()>& on_notify_;
};

// How long one wait for a notification lasts: also how soon stop() is seen.
constexpr long kWaitMicros = 200'000;

}  // namespace

InboxNotifications::InboxNotifications(std::string connection_url, std::function<void()> on_notify)
    : url_(std::move(connection_url)),
      on_notify_(std::move(on_notify)),
      worker_("inbox-notify", clock_) {}

InboxNotifications::~InboxNotifications() {
  stop();
}

void InboxNotifications::start() {
  worker_.start([this] { run(); });
}

void InboxNotifications::stop() {
  worker_.stop();
}

void InboxNotifications::run() {
  bool warned = false;
  while (!worker_.stopping()) {
    try {
      pqxx::connection conn(url_);
      Receiver receiver(conn, on_notify_);
      if (warned) spdlog::info("store: listening for new inbox rows again");
      warned = false;
      // Rows committed while no session listened were not announced.
      on_notify_();
      while (!worker_.stopping()) conn.await_notification(0, kWaitMicros);
    } catch (const std::exception& e) {
      if (!warned) {
        spdlog::warn("store: not listening for other replicas' inbox rows, retrying: {}",
                     postgres::first_line(e.what()));
        warned = true;
      }
      // Meanwhile the engine still reads the inbox at every other wake.
      worker_.sleep_for(std::chrono::seconds(1));
    }
  }
}

}  // namespace tierd
