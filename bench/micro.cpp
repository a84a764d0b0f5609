// Google Benchmark per stage: the tag stage (data sets/s), the prescan (bytes/s), UID hashing
// (UIDs/s), the whole bytes-in, bytes-out path (files/s), and text detection plus masking
// (frames/s). Input: the bundled example files, drawn frames, and a real ultrasound frame from
// ../shared/corpus when it is there.
#include <benchmark/benchmark.h>
#include <gdcmReader.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "io/prescan.h"
#include "pixel/pixel_cleaner.h"
#include "pixel/pixel_data.h"
#include "pixel_fixtures.h"
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

// Detection and masking of one frame, as the pixel stage runs them: text search (grey, and the
// colour-opponent channels of a colour frame), a fill per box found. Frames carry a few lines
// of drawn text.
// Every iteration works on the unmasked frame (a copy, taken outside the timing).
void detect_and_mask(benchmark::State& state, const veil::pixel::DecodedImage& pristine) {
  for (auto _ : state) {
    state.PauseTiming();
    veil::pixel::DecodedImage image = pristine;
    state.ResumeTiming();
    for (const auto& box : veil::pixel::find_text(image, 0)) image.fill(0, box);
    benchmark::DoNotOptimize(image);
  }
  state.counters["frames/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void DetectAndMask(benchmark::State& state, cv::Mat frame, const char* modality) {
  for (int i = 0; i < 4; ++i)
    cv::putText(frame, "DOE^JOHN 12/04/2019 MRN 4821", {10, 20 + 25 * i}, cv::FONT_HERSHEY_SIMPLEX, 0.5,
                cv::Scalar::all(frame.depth() == CV_8U ? 255 : 4000), 1, cv::LINE_AA);
  detect_and_mask(state, veil::testing::decode_bytes(veil::testing::make_dicom({frame}, modality)));
}

void DetectAndMaskRgb640x480(benchmark::State& state) {
  cv::Mat rgb(480, 640, CV_8UC3);
  cv::randu(rgb, cv::Scalar::all(0), cv::Scalar::all(120));
  cv::GaussianBlur(rgb, rgb, {7, 7}, 0);  // speckle-like ground, not white noise
  DetectAndMask(state, rgb, "US");
}
BENCHMARK(DetectAndMaskRgb640x480);

void DetectAndMaskMono16_512x512(benchmark::State& state) {
  cv::Mat ct(512, 512, CV_16U);
  cv::randu(ct, cv::Scalar(0), cv::Scalar(1500));
  cv::GaussianBlur(ct, ct, {7, 7}, 0);
  DetectAndMask(state, ct, "CT");
}
BENCHMARK(DetectAndMaskMono16_512x512);

// A real ultrasound frame (640x480 RGB with its device's banner, labels and speckle): many more
// stroke components than the synthetic grounds above, so several times their cost per frame.
void DetectAndMaskUltrasoundIssue19(benchmark::State& state) {
  const std::string path = std::string(VEIL_SHARED_DIR) + "/corpus/orthanc-tests/Database/Issue19.dcm";
  std::ifstream in(path, std::ios::binary);
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (s.empty()) {
    state.SkipWithError("../shared/corpus not present");
    return;
  }
  std::vector<std::byte> bytes(s.size());
  std::memcpy(bytes.data(), s.data(), s.size());
  detect_and_mask(state, veil::testing::decode_bytes(bytes));
  state.counters["frames/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(DetectAndMaskUltrasoundIssue19);

}  // namespace

BENCHMARK_MAIN();
