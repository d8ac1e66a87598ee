// Business-hours calendar maths: the cost of a deadline and of a week's
// working time on a realistic office calendar (Europe/Amsterdam, three open
// stretches per weekday, ~60 holiday entries over the year).
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "core/calendar.h"

namespace {

using namespace std::chrono_literals;

tierd::CalendarSpec office_spec() {
  std::map<std::string, std::vector<std::string>> hours;
  for (const char* day : {"mon", "tue", "wed", "thu", "fri"}) {
    hours[day] = {"08:30-12:00", "12:45-15:00", "15:15-17:30"};
  }
  // Public holidays, bridge days and the team's days off: 60 entries in 2026,
  // some of them ranges.
  std::vector<std::string> holidays;
  std::mt19937 rng(60);
  std::uniform_int_distribution<int> month(1, 12);
  std::uniform_int_distribution<int> day(1, 25);  // a range never leaves its month
  std::uniform_int_distribution<int> length(0, 3);
  for (int i = 0; i < 60; ++i) {
    char first[16];
    const int m = month(rng);
    const int d = day(rng);
    std::snprintf(first, sizeof first, "2026-%02d-%02d", m, d);
    const int len = i % 4 == 0 ? length(rng) : 0;
    if (len == 0) {
      holidays.emplace_back(first);
    } else {
      char range[32];
      std::snprintf(range, sizeof range, "%s..2026-%02d-%02d", first, m, d + len);
      holidays.emplace_back(range);
    }
  }
  auto spec = tierd::parse_calendar_spec("Europe/Amsterdam", hours, holidays);
  if (!spec.ok()) std::abort();
  return *spec;
}

tierd::WorkCalendar office_calendar() {
  auto calendar = tierd::WorkCalendar::create(office_spec());
  if (!calendar.ok()) std::abort();
  return *calendar;
}

std::vector<tierd::Instant> random_instants_in_2026(size_t n) {
  std::mt19937_64 rng(2026);
  std::uniform_int_distribution<int64_t> ms(1767225600000, 1798761600000 - 1);
  std::vector<tierd::Instant> out;
  for (size_t i = 0; i < n; ++i) out.push_back(tierd::from_unix_ms(ms(rng)));
  return out;
}

void BM_DeadlineAfter30m(benchmark::State& state) {
  const auto calendar = office_calendar();
  const auto starts = random_instants_in_2026(4096);
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(calendar.deadline_after(starts[i++ & 4095], 30min));
  }
}
BENCHMARK(BM_DeadlineAfter30m);

void BM_DeadlineAfter30mAlwaysOpen(benchmark::State& state) {
  const auto calendar = tierd::WorkCalendar::always_open();
  const auto starts = random_instants_in_2026(4096);
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(calendar.deadline_after(starts[i++ & 4095], 30min));
  }
}
BENCHMARK(BM_DeadlineAfter30mAlwaysOpen);

void BM_WorkingTimeOneWeek(benchmark::State& state) {
  const auto calendar = office_calendar();
  const auto starts = random_instants_in_2026(4096);
  size_t i = 0;
  for (auto _ : state) {
    const tierd::Instant from = starts[i++ & 4095];
    benchmark::DoNotOptimize(calendar.working_time(from, from + 24h * 7));
  }
}
BENCHMARK(BM_WorkingTimeOneWeek);

void BM_IsOpen(benchmark::State& state) {
  const auto calendar = office_calendar();
  const auto starts = random_instants_in_2026(4096);
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(calendar.is_open(starts[i++ & 4095]));
}
BENCHMARK(BM_IsOpen);

// Construction resolves the zone and flattens its offsets for 1900..2200; it
// runs once per calendar at config load.
void BM_Create(benchmark::State& state) {
  const auto spec = office_spec();
  for (auto _ : state) benchmark::DoNotOptimize(tierd::WorkCalendar::create(spec));
}
BENCHMARK(BM_Create);

}  // namespace

BENCHMARK_MAIN();
