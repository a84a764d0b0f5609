// The pixel stage against text drawn with cv::putText into real and synthetic images, in every
// layout and several syntaxes: how many drawn texts end up fully masked, how much is masked
// outside them, and whether images without text come out untouched.
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include <fmt/format.h>
#include <opencv2/imgcodecs.hpp>

#include <cstdio>
#include <cstdlib>
#include <map>

#include "pixel_fixtures.h"

namespace veil::testing {
namespace {

namespace fs = std::filesystem;

struct Base {
  std::string name, modality, photometric;
  std::vector<cv::Mat> frames;
};

Base synthetic_ct(std::mt19937& rng) { return {"synthetic-ct", "CT", "MONOCHROME2", {synthetic_ct_slice(rng)}}; }

Base synthetic_us(std::mt19937& rng) {
  cv::Mat rgb;
  cv::cvtColor(synthetic_us_frame(rng), rgb, cv::COLOR_GRAY2RGB);
  return {"synthetic-us", "US", "RGB", {rgb}};
}

std::vector<Base> bases(std::mt19937& rng, std::string& note) {
  std::vector<Base> out{synthetic_ct(rng), synthetic_us(rng)};
  fs::path corpus = fs::path(VEIL_SHARED_DIR) / "corpus";
  if (!fs::is_directory(corpus)) {
    note = "../shared/corpus not present: synthetic bases only";
    return out;
  }
  struct Source {
    const char* name;
    const char* path;
    const char* modality;
  };
  const Source sources[] = {
      {"ct-16bit", "dicompyler-core/tests/testdata/example_data/ct.0.dcm", "CT"},
      {"ct-chest", "fo-dicom/Tests/FO-DICOM.Benchmark/Data/ct.dcm", "CT"},
      {"mr-16bit", "fo-dicom/Tests/FO-DICOM.Benchmark/Data/mr.dcm", "MR"},
      {"cr-mono1", "fo-dicom/Tests/FO-DICOM.Tests/Test_Data/CR-MONO1-10-chest", "CR"},
      {"dx-mono1-8bit", "highdicom/data/test_files/dx_image.dcm", "DX"},
      {"rf-8bit", "orthanc-tests/Database/KarstenHilbertRF.dcm", "RF"},
      {"pet-ct-rgb", "presidio/presidio-image-redactor/tests/test_data/RGB_ORIGINAL.dcm", "OT"},
  };
  for (const auto& s : sources) {
    auto d = decode_bytes(file_bytes(corpus / s.path));
    std::string pi = gdcm::PhotometricInterpretation::GetPIString(d.raw().GetPhotometricInterpretation().GetType());
    while (!pi.empty() && pi.back() == ' ') pi.pop_back();
    out.push_back({s.name, s.modality, pi, {d.plane(0).clone()}});
  }
  return out;
}

const char* const kWords[] = {"DOE^JOHN",   "SMITH, ANNA", "MRN: 48213377", "2019-04-12",    "12/04/2019",
                              "12 APR 2019", "Acc 7731982", "14:22:05",      "Dr. A. JONES", "ST MARY HOSP",
                              "ID 00451298", "DOB 03.07.1961", "KOWALSKI J",  "Pt: 551-20-9931"};
const int kFonts[] = {cv::FONT_HERSHEY_SIMPLEX, cv::FONT_HERSHEY_PLAIN, cv::FONT_HERSHEY_DUPLEX,
                      cv::FONT_HERSHEY_COMPLEX, cv::FONT_HERSHEY_TRIPLEX};

struct Text {
  cv::Mat ink;   // the pixels the text covers
  cv::Rect box;  // its bounding box
};

// Draws 1-3 texts, on the borders and inside, in an ink that contrasts with what is under it.
std::vector<Text> draw_texts(cv::Mat& frame, std::mt19937& rng) {
  std::vector<Text> texts;
  std::uniform_int_distribution<int> count(1, 3), word(0, std::size(kWords) - 1), font(0, std::size(kFonts) - 1),
      thick(1, 2), border(0, 1);
  std::uniform_real_distribution<double> scale(0.4, 1.4), unit(0, 1);
  double lo = 0, hi = 0;
  cv::minMaxLoc(frame.reshape(1), &lo, &hi);
  int n = count(rng);
  for (int attempt = 0; attempt < 60 && static_cast<int>(texts.size()) < n; ++attempt) {
    std::string s = kWords[word(rng)];
    int f = kFonts[font(rng)], t = thick(rng);
    double sc = scale(rng);
    int baseline = 0;
    cv::Size size = cv::getTextSize(s, f, sc, t, &baseline);
    if (size.height < 7 || size.width + 8 > frame.cols || size.height + baseline + 8 > frame.rows) continue;
    int x, y;
    if (border(rng)) {  // a corner or an edge band, where devices put their text
      x = unit(rng) < 0.5 ? 4 : frame.cols - size.width - 4;
      y = unit(rng) < 0.5 ? size.height + 4 : frame.rows - baseline - 4;
    } else {
      x = static_cast<int>(unit(rng) * (frame.cols - size.width - 8)) + 4;
      y = static_cast<int>(unit(rng) * (frame.rows - size.height - baseline - 8)) + size.height + 4;
    }
    cv::Rect box(x, y - size.height - t, size.width + t, size.height + baseline + 2 * t);
    box &= cv::Rect(0, 0, frame.cols, frame.rows);
    bool overlaps = false;
    for (const auto& other : texts) overlaps = overlaps || !(cv::Rect(other.box.x - 10, other.box.y - 10,
                                                                       other.box.width + 20, other.box.height + 20) & box).empty();
    if (overlaps) continue;
    // An ink that stands out from the brightest part of what lies under the text (or, over
    // bright ground, from the darkest): text a reader can see.
    cv::Mat under;
    if (frame.channels() == 3) cv::cvtColor(frame(box), under, cv::COLOR_RGB2GRAY);
    else under = frame(box).clone();
    under = under.reshape(1, 1);
    under.convertTo(under, CV_64F);
    cv::sort(under, under, cv::SORT_EVERY_ROW | cv::SORT_ASCENDING);
    double p5 = under.at<double>(0, under.cols / 20), p95 = under.at<double>(0, under.cols * 19 / 20);
    cv::Scalar ink;
    if (frame.channels() == 3) {
      const cv::Scalar bright[] = {{255, 255, 255}, {255, 255, 0}, {0, 255, 0}, {0, 255, 255}, {190, 190, 190}};
      ink = p95 < 150 ? bright[word(rng) % 5] : p5 > 90 ? cv::Scalar(0, 0, 0) : cv::Scalar(255, 255, 255);
    } else {
      double levels[] = {1.0, 0.85, 0.7};
      double level = lo + levels[word(rng) % 3] * (hi - lo);
      ink = cv::Scalar(p95 < level - 0.3 * (hi - lo) ? level : p5 > lo + 0.3 * (hi - lo) ? lo : hi);
    }
    int line = unit(rng) < 0.7 ? cv::LINE_AA : cv::LINE_8;
    cv::Mat mask = cv::Mat::zeros(frame.size(), CV_8U);
    cv::putText(mask, s, {x, y}, f, sc, cv::Scalar(255), t, line);
    cv::Mat before = frame.clone();
    cv::putText(frame, s, {x, y}, f, sc, ink, t, line);
    // The text's pixels are those a reader can tell from what was there: ink over ground of
    // the same shade (a white strip under white text) leaks nothing.
    cv::Mat change;
    cv::absdiff(frame, before, change);
    if (change.channels() == 3) cv::cvtColor(change, change, cv::COLOR_RGB2GRAY);
    change.convertTo(change, CV_64F);
    double visible = frame.channels() == 3 ? 25.0 : 0.1 * (hi - lo);
    cv::Mat seen = change >= visible;
    texts.push_back({mask & seen, box});
  }
  return texts;
}

struct Tally {
  int images = 0, texts = 0, masked = 0, clean = 0, clean_untouched = 0, outside_changed = 0;
  double masked_outside = 0, area = 0, worst_outside = 0;
};

void evaluate(const Base& base, const std::vector<cv::Mat>& frames, const std::vector<std::vector<Text>>& texts,
              gdcm::TransferSyntax syntax, Deidentifier& deid, Tally& tally) {
  std::vector<std::byte> input;
  try {
    input = make_dicom(frames, base.modality, syntax, base.photometric);
  } catch (const std::exception& e) {
    FAIL() << base.name << " in " << gdcm::TransferSyntax::GetTSString(syntax) << ": " << e.what();
  }
  auto reference = decode_bytes(input);  // what a lossy syntax made of the drawn image
  std::vector<std::byte> output;
  auto result = deid.deidentify_bytes(input, output);
  ASSERT_TRUE(result) << base.name << ": " << result.error().message;
  auto cleaned = decode_bytes(output);
  cv::Size size(frames[0].cols, frames[0].rows);
  cv::Mat masked = masked_union(*result, size);
  ++tally.images;
  if (const char* dump = std::getenv("VEIL_PIXEL_EVAL_DUMP")) {  // for people tuning the detector
    cv::Mat view = reference.grey8(reference.frames() - 1);
    cv::imwrite(fmt::format("{}/{}-{:03d}-grey.png", dump, base.name, tally.images), view);  // what the detector saw
    cv::cvtColor(view, view, cv::COLOR_GRAY2BGR);
    for (const auto& frame_texts : texts)
      for (const auto& t : frame_texts) cv::rectangle(view, t.box, cv::Scalar(255, 128, 0), 1);
    for (const auto& b : result->masked_regions) cv::rectangle(view, cv::Rect(b.x, b.y, b.width, b.height), cv::Scalar(0, 0, 255), 1);
    cv::imwrite(fmt::format("{}/{}-{:03d}.png", dump, base.name, tally.images), view);
    if (std::FILE* boxes = std::fopen(fmt::format("{}/{}-{:03d}.boxes", dump, base.name, tally.images).c_str(), "w")) {
      for (const auto& frame_texts : texts)  // the true boxes, one "x y width height" per line
        for (const auto& t : frame_texts) std::fprintf(boxes, "%d %d %d %d\n", t.box.x, t.box.y, t.box.width, t.box.height);
      std::fclose(boxes);
    }
  }
  std::size_t drawn = 0;
  for (const auto& t : texts) drawn += t.size();
  if (drawn == 0) {
    ++tally.clean;
    if (result->pixel_status == "no-text" && cleaned.same_pixels(reference)) ++tally.clean_untouched;
    else ADD_FAILURE() << base.name << ": an image without text was changed (" << result->masked_regions.size() << " boxes)";
    return;
  }
  cv::Mat truth = cv::Mat::zeros(size, CV_8U);
  for (const auto& frame_texts : texts)
    for (const auto& t : frame_texts) {
      ++tally.texts;
      cv::Mat missed = t.ink & ~masked;
      if (cv::countNonZero(missed) == 0) {
        ++tally.masked;
      } else {
        cv::Rect where = cv::boundingRect(missed);
        std::printf("  missed: %s-%03d text at (%d,%d %dx%d), %.0f%% of its pixels masked; unmasked ink within (%d,%d %dx%d)\n",
                    base.name.c_str(), tally.images, t.box.x, t.box.y, t.box.width, t.box.height,
                    100.0 - 100.0 * cv::countNonZero(missed) / cv::countNonZero(t.ink), where.x, where.y, where.width,
                    where.height);
      }
      truth(t.box).setTo(255);
    }
  double outside = cv::countNonZero(masked & ~truth);
  tally.masked_outside += outside;
  tally.area += size.area();
  tally.worst_outside = std::max(tally.worst_outside, outside / size.area());
  // Pixels outside the masks are those of the input, bit for bit.
  for (int f = 0; f < reference.frames(); ++f) {
    cv::Mat diff;
    cv::compare(reference.plane(f).reshape(1, size.height), cleaned.plane(f).reshape(1, size.height), diff, cv::CMP_NE);
    cv::Mat keep;
    cv::resize(~masked, keep, diff.size(), 0, 0, cv::INTER_NEAREST);
    if (cv::countNonZero(diff & keep) != 0) ++tally.outside_changed;
  }
}

TEST(PixelSynthetic, DrawnTextIsMaskedAndImagesWithoutTextAreUntouched) {
  // Another seed draws another set: a check that tuning on the fixed one did not overfit it.
  const char* seed = std::getenv("VEIL_PIXEL_EVAL_SEED");
  const auto set = seed ? static_cast<std::mt19937::result_type>(std::strtoul(seed, nullptr, 10)) : 20261130u;
  std::mt19937 rng(set);
  // The noise of the synthetic bases (speckle, CT noise) comes from OpenCV's own generator, which
  // tests run before this one advance: seeded from the set, so that a set is the same in any run
  // and each set draws noise of its own.
  cv::theRNG() = cv::RNG(0x5eed0000ull + set);
  std::string note;
  auto all = bases(rng, note);
  if (!note.empty()) std::printf("note: %s\n", note.c_str());
  auto deid = pixel_deidentifier(PixelMode::kAuto);
  const bool lossy = std::getenv("VEIL_PIXEL_EVAL_LOSSY") != nullptr;
  const int per_base = std::getenv("VEIL_PIXEL_EVAL_IMAGES") ? std::atoi(std::getenv("VEIL_PIXEL_EVAL_IMAGES")) : 16;
  std::map<std::string, Tally> by_base;
  Tally total;
  for (const auto& base : all) {
    Tally& t = by_base[base.name];
    evaluate(base, base.frames, {{}}, gdcm::TransferSyntax::ExplicitVRLittleEndian, deid, t);
    for (int i = 0; i < per_base; ++i) {
      std::vector<cv::Mat> frames{base.frames[0].clone()};
      std::vector<std::vector<Text>> texts{draw_texts(frames[0], rng)};
      if (i % 4 == 3 && base.photometric != "MONOCHROME1") {  // a cine: the text appears on the last frame only
        frames = {base.frames[0].clone(), base.frames[0].clone(), frames[0]};
        texts = {{}, {}, texts[0]};
      }
      gdcm::TransferSyntax syntax = gdcm::TransferSyntax::ExplicitVRLittleEndian;
      bool odd = base.frames[0].total() * base.frames[0].elemSize() % 2;  // GDCM's RLE encoder asserts on those
      if (i % 4 == 1) syntax = odd ? gdcm::TransferSyntax::JPEGLosslessProcess14_1 : gdcm::TransferSyntax::RLELossless;
      if (i % 4 == 2) syntax = base.frames[0].depth() == CV_16S ? gdcm::TransferSyntax::JPEG2000Lossless
                                                                : gdcm::TransferSyntax::JPEGLSLossless;
      // VEIL_PIXEL_EVAL_LOSSY=1: every 8-bit grey image as JPEG baseline, the way many devices
      // store them (the blur takes away the one-colour cue): a measurement, not part of the floor
      // below. Not colour: GDCM's encoder stores RGB as YCbCr without saying so, which changes
      // what the image shows.
      if (lossy && base.frames[0].type() == CV_8UC1) syntax = gdcm::TransferSyntax::JPEGBaselineProcess1;
      evaluate(base, frames, texts, syntax, deid, t);
    }
    std::printf("%-16s images %3d texts %3d fully masked %3d  masked outside texts %.2f%% (worst %.2f%%)  clean untouched %d/%d\n",
                base.name.c_str(), t.images, t.texts, t.masked, 100 * t.masked_outside / std::max(1.0, t.area),
                100 * t.worst_outside, t.clean_untouched, t.clean);
    total.images += t.images, total.texts += t.texts, total.masked += t.masked, total.clean += t.clean;
    total.clean_untouched += t.clean_untouched, total.masked_outside += t.masked_outside, total.area += t.area;
    total.outside_changed += t.outside_changed;
    total.worst_outside = std::max(total.worst_outside, t.worst_outside);
  }
  double recall = static_cast<double>(total.masked) / std::max(1, total.texts);
  double outside = total.masked_outside / std::max(1.0, total.area);
  std::printf("TOTAL images %d texts %d fully masked %d (%.2f%%)  masked outside texts %.2f%% of the area (worst image %.2f%%)  "
              "images without text untouched %d/%d  frames changed outside masks %d\n",
              total.images, total.texts, total.masked, 100 * recall, 100 * outside, 100 * total.worst_outside,
              total.clean_untouched, total.clean, total.outside_changed);
  // The goal is 99.5% of texts fully masked with at most 3% of the area masked outside them.
  // The detector does not reach the first yet (see tests/pixel/README.md): this floor is what it
  // achieved when last measured, so that a change cannot make it worse unnoticed.
  constexpr double kGoalRecall = 0.995, kFloorRecall = 0.99, kMaxOutside = 0.03;
  std::printf("goal: %.1f%% fully masked (floor enforced here: %.1f%%), at most %.1f%% masked outside texts\n",
              100 * kGoalRecall, 100 * kFloorRecall, 100 * kMaxOutside);
  EXPECT_GE(recall, kFloorRecall);
  EXPECT_LE(outside, kMaxOutside);
  EXPECT_EQ(total.clean_untouched, total.clean);
  EXPECT_EQ(total.outside_changed, 0);
}

}  // namespace
}  // namespace veil::testing
