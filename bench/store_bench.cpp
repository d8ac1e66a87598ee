// SQLite store throughput: appending webhook deliveries in group-commit
// batches and engine commits, with synchronous FULL and NORMAL. Every
// iteration is a real transaction on a file in $TMPDIR (or /tmp), so the
// figures include fsync and depend on the disk.
#include <benchmark/benchmark.h>

#include <stdlib.h>

#include <filesystem>
#include <string>
#include <vector>

#include "store/sqlite/sqlite_store.h"

namespace {

using namespace tierd;

// A fresh database in its own temporary directory, removed afterwards.
class TempStore {
 public:
  explicit TempStore(bool synchronous_full) {
    const char* base = std::getenv("TMPDIR");
    std::string templ = std::string(base && *base ? base : "/tmp") + "/tierd-bench-XXXXXX";
    dir_ = mkdtemp(templ.data()) ? templ : "";
    auto opened =
        open_sqlite_store({.path = dir_ + "/tierd.db", .synchronous_full = synchronous_full});
    if (opened.ok()) store_ = std::move(opened).value();
  }
  ~TempStore() {
    store_.reset();
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }
  Store* get() const { return store_.get(); }

 private:
  std::string dir_;
  std::unique_ptr<Store> store_;
};

// Arguments: batch size, synchronous FULL (1) or NORMAL (0).
void BM_AppendInboxBatch(benchmark::State& state) {
  const auto batch_size = static_cast<size_t>(state.range(0));
  TempStore temp(state.range(1) == 1);
  if (!temp.get()) {
    state.SkipWithError("cannot open store");
    return;
  }
  const std::string body(1500, 'x');  // a typical webhook delivery
  int64_t next_id = 0;
  for (auto _ : state) {
    std::vector<InboxRecord> batch(batch_size);
    for (auto& r : batch) {
      r.event_id = "ev-" + std::to_string(++next_id);
      r.ticket_id = next_id % 1000;
      r.received_at = from_unix_ms(next_id);
      r.event_time = from_unix_ms(next_id);
      r.type = "zen:event-type:ticket.status_changed";
      r.event_json = R"({"kind":"status_changed"})";
      r.raw_body = body;
    }
    if (!temp.get()->append_inbox(batch).ok()) {
      state.SkipWithError("append failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(batch_size));
}
BENCHMARK(BM_AppendInboxBatch)
    ->ArgsProduct({{1, 32, 256}, {1, 0}})
    ->ArgNames({"batch", "sync_full"})
    ->UseRealTime();

// One engine commit: mirror, deadline, processed inbox entry, one outbox write
// and one audit record. Argument: synchronous FULL (1) or NORMAL (0).
void BM_EngineCommit(benchmark::State& state) {
  TempStore temp(state.range(0) == 1);
  if (!temp.get()) {
    state.SkipWithError("cannot open store");
    return;
  }
  int64_t n = 0;
  for (auto _ : state) {
    ++n;
    std::vector<EngineCommit> commits(1);
    EngineCommit& c = commits[0];
    c.ticket_id = n % 1000;
    c.state_json = R"({"tier":"tier1","status":"open"})";
    c.deadline = from_unix_ms(n + 900'000);
    OutboxRecord o;
    o.kind = "escalate";
    o.payload_json = R"({"group_id":114002})";
    o.idempotency_key = "k-" + std::to_string(n);
    c.new_outbox.push_back(o);
    AuditRecord a;
    a.kind = "decision";
    a.at = from_unix_ms(n);
    a.detail_json = R"({"reason":"budget spent"})";
    c.audit.push_back(a);
    if (!temp.get()->commit(commits).ok()) {
      state.SkipWithError("commit failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EngineCommit)->Arg(1)->Arg(0)->ArgNames({"sync_full"})->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
