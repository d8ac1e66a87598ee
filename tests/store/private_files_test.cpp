// Files tierd creates are private whatever the umask: the SQLite store and
// its WAL and shared-memory files, backups, and the directories made for
// them. And one `tierd serve` per SQLite store.
#include <sys/stat.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include "store/private_files.h"
#include "store/sqlite/sqlite_store.h"
#include "support/must.h"
#include "support/process_harness.h"

using namespace tierd;
using tierd::testing::must;
using tierd::testing::TempDir;

namespace {

unsigned mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

// Sets the umask for the scope of the test.
class Umask {
 public:
  explicit Umask(mode_t mask) : old_(::umask(mask)) {}
  ~Umask() { ::umask(old_); }

 private:
  mode_t old_;
};

}  // namespace

TEST_CASE("the store, its WAL and shared memory, backups and new directories are private",
          "[store][files]") {
  Umask loose(022);
  TempDir dir;
  const std::string db = dir.file("var/lib/tierd.db");
  {
    auto store = must(open_sqlite_store({.path = db}));
    std::vector<InboxRecord> records(1);
    records[0].event_id = "e1";
    records[0].raw_body = "{}";
    must(store->append_inbox(records));
    CHECK(mode_of(db) == 0600);
    CHECK(mode_of(db + "-wal") == 0600);
    CHECK(mode_of(db + "-shm") == 0600);
    CHECK(mode_of(dir.file("var")) == 0700);
    CHECK(mode_of(dir.file("var/lib")) == 0700);

    must(backup_sqlite(db, dir.file("backups/tierd-1.db")));
    CHECK(mode_of(dir.file("backups")) == 0700);
    CHECK(mode_of(dir.file("backups/tierd-1.db")) == 0600);
  }
}

TEST_CASE("an existing file made private keeps its content and loses other readers",
          "[store][files]") {
  TempDir dir;
  const std::string path = dir.file("export.jsonl");
  tierd::testing::write_file(path, "kept\n");
  ::chmod(path.c_str(), 0644);
  REQUIRE(make_private_file(path).ok());
  CHECK(mode_of(path) == 0600);
  CHECK(tierd::testing::read_file(path) == "kept\n");
}

TEST_CASE("a second instance lock on the same store is refused, naming the store",
          "[store][files]") {
  TempDir dir;
  const std::string db = dir.file("tierd.db");
  auto first = InstanceLock::acquire(db);
  REQUIRE(first.ok());
  // The lock does not keep the store from opening (tools run beside serve).
  CHECK(open_sqlite_store({.path = db}).ok());
  auto second = InstanceLock::acquire(db);
  REQUIRE_FALSE(second.ok());
  CHECK(second.status().code() == StatusCode::kAlreadyExists);
  CHECK(second.status().message() == "the store " + db +
                                         " is already served by another tierd process (pid " +
                                         std::to_string(::getpid()) + ", holding " + db +
                                         ".lock); stop it, or give this one a store of its own");
  CHECK(mode_of(db + ".lock") == 0600);
  { auto released = std::move(first).value(); }
  CHECK(InstanceLock::acquire(db).ok());
}
