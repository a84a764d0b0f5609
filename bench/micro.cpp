// Google Benchmark per stage: the tag stage (data sets/s), the prescan (bytes/s), UID hashing
// (UIDs/s) and the whole bytes-in, bytes-out path (files/s). Input: the bundled example files.
#include <benchmark/benchmark.h>
#include <gdcmReader.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "io/prescan.h"
#include "rules/compiled_profile.h"
#include "rules/pseudonymizer.h"
#include "rules/rule_engine.h"
#include "rules/text_cleaner.h"
#include "veil/veil.h"

namespace {

std::vector<std::byte> load(const char* name) {
  std::ifstream in(std::string(VEIL_EXAMPLE_DATA) + "/" + name, std::ios::binary);
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (s.empty()) throw std::runtime_error(std::string("bench input missing: ") + name);
  std::vector<std::byte> out(s.size());
  std::memcpy(out.data(), s.data(), s.size());
  return out;
}

const std::string kKey = "0123456789abcdef0123456789abcdef";

void TagStage(benchmark::State& state) {
  auto bytes = load("mr_study1.dcm");
  std::istringstream is(std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  gdcm::Reader reader;
  reader.SetStream(is);
  if (!reader.Read()) throw std::runtime_error("bench input does not parse");
  const gdcm::DataSet& ds = reader.GetFile().GetDataSet();
  veil::rules::CompiledProfile profile{veil::Profile()};
  veil::rules::Pseudonymizer pseudo(kKey);
  veil::rules::TextCleaner cleaner;
  veil::rules::RuleEngine engine(profile, pseudo, cleaner);
  for (auto _ : state) {
    veil::FileResult result;
    benchmark::DoNotOptimize(engine.apply(ds, std::nullopt, result));
  }
  state.counters["datasets/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(TagStage);

void Prescan(benchmark::State& state) {
  auto bytes = load("mr_study1.dcm");
  for (auto _ : state) {
    veil::io::PrescanInfo info;
    benchmark::DoNotOptimize(veil::io::prescan(bytes, info));
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes.size()));
}
BENCHMARK(Prescan);

void UidHashing(benchmark::State& state) {
  veil::rules::Pseudonymizer pseudo(kKey);
  std::string uid = "1.2.826.0.1.3680043.8.498.10000000000000000000";
  std::size_t n = 0;
  for (auto _ : state) {
    uid.back() = static_cast<char>('0' + (n++ % 10));
    benchmark::DoNotOptimize(pseudo.uid(uid));
  }
  state.counters["UIDs/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(UidHashing);

void WholeFileInMemory(benchmark::State& state) {
  auto bytes = load("mr_study1.dcm");
  veil::Deidentifier deid(veil::Profile(), veil::Key::from_bytes(kKey));
  std::vector<std::byte> out;
  for (auto _ : state) {
    auto r = deid.deidentify_bytes(bytes, out);
    if (!r) state.SkipWithError("de-identification failed");
  }
  state.counters["files/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes.size()));
}
BENCHMARK(WholeFileInMemory);

}  // namespace

BENCHMARK_MAIN();
