// UserDirectory against the in-memory helpdesk and a real store (SQLite, or
// PostgreSQL when TIERD_TEST_STORE says so), on a
// manual clock: names are read for the ids seen, in one request, kept in the
// store for the offline tools, read again after a day; a failed read leaves
// the ids and is tried again after the retry time.
#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "engine/user_directory.h"
#include "store/user_names.h"
#include "support/fake_helpdesk.h"
#include "support/instants.h"
#include "support/manual_clock.h"
#include "support/must.h"
#include "support/store_backends.h"

using namespace tierd;
using namespace tierd::testing;
using namespace std::chrono_literals;

namespace {

struct DirectoryFixture {
  std::unique_ptr<Backend> backend = make_backend(test_store_name());
  ManualClock clock{at("2026-11-02T09:00:00Z")};
  FakeHelpdesk helpdesk{clock};
  std::unique_ptr<Store> store;
  UserDirectoryOptions options;

  DirectoryFixture() {
    store = backend->open();
    options.first_collect = 1h;
    options.gather = 0s;
  }
};

}  // namespace

TEST_CASE("the user directory reads the names of the ids seen and stores them", "[users]") {
  DirectoryFixture f;
  UserDirectory users(*f.store, f.helpdesk, f.clock, f.options, nullptr);
  CHECK(users.read_due().ok());
  CHECK(f.helpdesk.calls("users_by_ids").empty());  // nothing seen, nothing asked

  users.note_seen({500120, 500121, -1, 0});  // system actors are never asked for
  REQUIRE(users.read_due().ok());
  REQUIRE(f.helpdesk.calls("users_by_ids").size() == 1);
  CHECK(users.names() ==
        std::map<UserId, std::string>{{500120, "agent 500120"}, {500121, "agent 500121"}});
  auto stored = must(read_user_names(*f.store));
  CHECK(names_of(stored) == users.names());
  REQUIRE(users.last_answer());
  CHECK(users.last_answer()->ok);

  // Known names are not asked for again before a day has passed.
  users.note_seen({500120});
  f.clock.advance(23h);
  REQUIRE(users.read_due().ok());
  CHECK(f.helpdesk.calls("users_by_ids").size() == 1);
  f.clock.advance(1h);
  REQUIRE(users.read_due().ok());
  CHECK(f.helpdesk.calls("users_by_ids").size() == 2);

  // A new directory starts from the stored names.
  UserDirectory again(*f.store, f.helpdesk, f.clock, f.options, nullptr);
  again.start();
  CHECK(again.names() == users.names());
  again.stop();
}

TEST_CASE("a failed read leaves ids shown and is tried again later", "[users]") {
  DirectoryFixture f;
  UserDirectory users(*f.store, f.helpdesk, f.clock, f.options, nullptr);
  f.helpdesk.script("users_by_ids", Scripted::server_error());
  users.note_seen({500120});
  CHECK_FALSE(users.read_due().ok());
  CHECK(users.names().empty());
  REQUIRE(users.last_answer());
  CHECK_FALSE(users.last_answer()->ok);

  REQUIRE(users.read_due().ok());  // within the retry time: not asked again
  CHECK(f.helpdesk.calls("users_by_ids").size() == 1);
  f.clock.advance(f.options.retry);
  REQUIRE(users.read_due().ok());
  CHECK(f.helpdesk.calls("users_by_ids").size() == 2);
  CHECK(users.names().at(500120) == "agent 500120");
}

TEST_CASE("the user directory's thread reads what its owner collects", "[users]") {
  DirectoryFixture f;
  f.options.first_collect = 0s;
  UserDirectory users(*f.store, f.helpdesk, f.clock, f.options, [] {
    return std::vector<UserId>{500124, 500125};
  });
  users.start();
  REQUIRE(f.helpdesk.wait_for_calls("users_by_ids", 1));
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (users.names().size() < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  CHECK(users.names().size() == 2);
  CHECK(users.liveness().running);
  users.stop();
  CHECK_FALSE(users.liveness().running);
}
