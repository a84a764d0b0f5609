// The pixel stage on the real images of ../shared/corpus that carry burned-in text (MANIFEST.tsv,
// column burned_in_text): every one is cleaned, decodes in its (lossless) output syntax, keeps
// every pixel outside the masks, and Tesseract reads none of the file's own header PHI in what
// is left. Then presidio's ground-truth boxes: every pixel of text inside them is masked.
// Skipped when ../shared is absent.
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "../unit/test_support.h"
#include "pixel/ocr.h"
#include "pixel_fixtures.h"

namespace veil::testing {
namespace {

namespace fs = std::filesystem;

// The manifest's files whose burned_in_text column says `flag` ("yes", "no" or "unknown").
std::vector<std::string> manifest_files(const fs::path& corpus, const std::string& flag) {
  std::ifstream in(corpus / "MANIFEST.tsv");
  std::vector<std::string> out;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::vector<std::string> cols;
    std::stringstream ss(line);
    for (std::string c; std::getline(ss, c, '\t');) cols.push_back(c);
    if (cols.size() > 9 && cols[9] == flag) out.push_back(cols[0]);
  }
  return out;
}

TEST(PixelCorpus, BurnedInTextIsMaskedLosslesslyAndNoHeaderPhiIsReadable) {
  fs::path corpus = fs::path(VEIL_SHARED_DIR) / "corpus";
  if (!fs::exists(corpus / "MANIFEST.tsv")) GTEST_SKIP() << "../shared/corpus not present";
  ASSERT_TRUE(pixel::ocr_available());
  auto deid = pixel_deidentifier(PixelMode::kAuto);
  int files = 0, cleaned = 0, phi_before = 0, phi_after = 0, words_masked = 0, words_recovered = 0;
  for (const auto& rel : manifest_files(corpus, "yes")) {
    auto input = file_bytes(corpus / rel);
    std::vector<std::byte> output;
    auto r = deid.deidentify_bytes(input, output);
    if (!r) {  // files GDCM cannot make an image of are refused, never written unmasked
      std::printf("%-70s refused: %s\n", rel.c_str(), r.error().message.c_str());
      EXPECT_EQ(r.error().code, ErrorCode::kUnsupported) << rel;
      continue;
    }
    ++files;
    // "no-text": the manifest's text is in an overlay (60xx,3000), which the profile removes.
    cleaned += r->pixel_status == "cleaned";
    EXPECT_TRUE(r->pixel_status == "cleaned" || r->pixel_status == "no-text") << rel;
    auto before = decode_bytes(input);
    auto after = decode_bytes(output);  // every output decodes in the syntax it was written in
    auto out_file = read_back(output);
    const gdcm::DataSet& ds = out_file->GetDataSet();
    gdcm::TransferSyntax ts = out_file->GetHeader().GetDataSetTransferSyntax();
    EXPECT_FALSE(ts.IsLossy() && ts != gdcm::TransferSyntax::JPEG2000) << rel << " written lossy";
    if (r->pixel_status == "cleaned") {
      EXPECT_EQ(get(ds, 0x00280301), "NO") << rel;
    }
    EXPECT_FALSE(has(ds, 0x60003000)) << rel << ": overlay data kept";
    // Outside the masks, every pixel is the decoded input's.
    cv::Mat keep = ~masked_union(*r, cv::Size(before.columns(), before.rows()));
    int changed_frames = 0;
    for (int f = 0; f < before.frames(); ++f) {
      cv::Mat a = before.display8(f), b = after.display8(f), diff;
      cv::absdiff(a, b, diff);
      if (diff.channels() == 3) cv::cvtColor(diff, diff, cv::COLOR_BGR2GRAY);
      changed_frames += cv::countNonZero(diff & keep) > 0;
    }
    EXPECT_EQ(changed_frames, 0) << rel;
    // Tesseract on the first frame, before and after: the file's own PHI.
    gdcm::SmartPointer<gdcm::File> in_file;
    ASSERT_FALSE(io::read(input, in_file)) << rel;
    pixel::HeaderPhi phi(in_file->GetDataSet());
    auto count_phi = [&](const pixel::DecodedImage& img) {
      cv::Mat grey = img.grey8(0);
      int n = 0;
      for (const auto& w : pixel::read_words(grey, cv::Rect(0, 0, grey.cols, grey.rows), /*sparse=*/true))
        n += w.confidence >= 50 && !phi.match(w.text).empty();
      return n;
    };
    int b = count_phi(before), a = count_phi(after);
    phi_before += b, phi_after += a;
    // Every word Tesseract reads on the original inside the masks: none may be read there after.
    auto words = [&](const pixel::DecodedImage& img) {
      cv::Mat grey = img.grey8(0);
      auto all = pixel::read_words(grey, cv::Rect(0, 0, grey.cols, grey.rows), /*sparse=*/true);
      std::erase_if(all, [](const pixel::OcrWord& w) { return w.confidence < 60 || w.text.size() < 3; });
      return all;
    };
    auto masked_at = [&](const cv::Rect& box) {
      cv::Point c(box.x + box.width / 2, box.y + box.height / 2);
      return c.inside(cv::Rect(0, 0, keep.cols, keep.rows)) && keep.at<unsigned char>(c) == 0;
    };
    int inside_before = 0, inside_after = 0;
    for (const auto& w : words(before)) inside_before += masked_at(w.box);
    for (const auto& w : words(after)) inside_after += masked_at(w.box);
    words_masked += inside_before, words_recovered += inside_after;
    EXPECT_EQ(inside_after, 0) << rel << ": words read inside the masks after cleaning";
    std::printf("%-64s %-22s %3zu boxes; words read in masked areas: %2d before, %d after; header PHI words: %d before, %d after\n",
                rel.c_str(), r->transfer_syntax.c_str(), r->masked_regions.size(), inside_before, inside_after, b, a);
    EXPECT_EQ(a, 0) << rel << ": header PHI still readable in the pixels";
  }
  std::printf("TOTAL %d files, %d cleaned; words Tesseract reads in the masked areas: %d before, %d after; "
              "header PHI words read anywhere: %d before, %d after\n",
              files, cleaned, words_masked, words_recovered, phi_before, phi_after);
  EXPECT_GT(cleaned, 15);
}

// False boxes on real images. The files the manifest lists as checked by eye and free of text
// get none in --pixels auto, except WG04's VL6 slide, which does carry a small green case label
// ("S95-...") that the colour search finds. Over those and the files whose text is "unknown"
// (many are test patterns and captures that do show text), the files and boxes found may not
// grow past what was measured (2026-12-01: 43 files, 127 boxes; 177 once small bold text was
// found, the 50 new boxes being the percentage labels of Clunie's SMPTE patterns, 30% ... 100%,
// and the text of GDCMJ2K_TextGBR, each looked at; then 41 files, 175 boxes once rows crossing
// more than 8 strokes per height stopped counting: dithering, two colour test patterns' bars;
// then 40 files, 194 boxes once rows of little contrast had to lie on a ground that goes on
// around them: fewer false boxes on MR2, VL6, OT-PAL-8-face, dcm_qa_deident 00007 and deid's
// cleaned capture, and on Clunie's ten SMPTE captures a row of no contrast, spanning four of
// the percentage labels, no longer joins them into one box: four boxes, three more per file;
// then 34 files, 188 boxes once rows of three or fewer wide pieces over texture stopped
// counting: the anatomy boxed on the four copies of WG04's MR2 shoulder, a Bruker MR's
// kidneys and a CT's bowel gas, files of unknown text that were looked at and show none, and
// are now held to no box; then 23 files, 177 boxes once slashes alone stopped counting: the
// strands at the corner of pydicom's 64x64 MR_small, eleven copies in the corpus, six of them
// held to no box by name); lower the ceiling as the detector improves.
// Files of unknown text looked at whole and showing none (by the start of their names).
constexpr std::array<const char*, 4> kLookedAtWithoutText{"/MR2_", "/MR_small", "/mr_brucker.dcm", "/explicit_VR-UN.dcm"};

TEST(PixelCorpus, FilesWithoutTextGetNoBoxes) {
  fs::path corpus = fs::path(VEIL_SHARED_DIR) / "corpus";
  if (!fs::exists(corpus / "MANIFEST.tsv")) GTEST_SKIP() << "../shared/corpus not present";
  auto deid = pixel_deidentifier(PixelMode::kAuto);
  int looked = 0, files_boxed = 0, boxes = 0;
  for (const std::string flag : {"no", "unknown"})
    for (const auto& rel : manifest_files(corpus, flag)) {
      auto input = file_bytes(corpus / rel);
      std::vector<std::byte> output;
      auto r = deid.deidentify_bytes(input, output);
      if (!r || r->pixel_status == "off" || r->pixel_status == "not-selected") continue;  // refused, or no pixels
      ++looked;
      files_boxed += !r->masked_regions.empty();
      boxes += static_cast<int>(r->masked_regions.size());
      const bool looked_at = std::any_of(kLookedAtWithoutText.begin(), kLookedAtWithoutText.end(),
                                         [&](const char* name) { return rel.find(name) != std::string::npos; });
      if (flag != "no" && !looked_at) continue;
      if (rel.find("/VL6_") != std::string::npos)
        EXPECT_EQ(r->pixel_status, "cleaned") << rel << ": its case label was not found";
      else
        EXPECT_TRUE(r->masked_regions.empty()) << rel << ": " << r->masked_regions.size() << " false boxes";
    }
  std::printf("TOTAL %d images without text or not known to have any: %d with boxes, %d boxes\n", looked,
              files_boxed, boxes);
  EXPECT_GT(looked, 100);
  EXPECT_LE(files_boxed, 23);
  EXPECT_LE(boxes, 177);
}

// ../shared/corpus/presidio/ground_truth_dev.json: boxes drawn by presidio's authors around the
// burned-in words. They are in the coordinates of presidio's OCR input, which its DICOM redactor
// pads by 25 pixels on every side: shifted back by 25, each box holds its word's ink to the pixel
// (measured on 0_ORIGINAL: the ink's bounding box equals the shifted box, or lies within it).
TEST(PixelCorpus, PresidioGroundTruthBoxesAreMasked) {
  fs::path corpus = fs::path(VEIL_SHARED_DIR) / "corpus";
  std::ifstream in(corpus / "presidio" / "ground_truth_dev.json");
  if (!in) GTEST_SKIP() << "../shared/corpus/presidio not present";
  const auto truth = nlohmann::json::parse(in);
  constexpr int kPresidioPadding = 25;
  auto deid = pixel_deidentifier(PixelMode::kAuto);
  int boxes = 0, fully = 0;
  for (const auto& [rel, list] : truth.at("boxes").items()) {
    auto input = file_bytes(corpus / rel);
    std::vector<std::byte> output;
    auto r = deid.deidentify_bytes(input, output);
    ASSERT_TRUE(r) << rel << ": " << r.error().message;
    auto before = decode_bytes(input);
    cv::Mat view = before.display8(0);
    if (view.channels() == 3) cv::cvtColor(view, view, cv::COLOR_BGR2GRAY);
    cv::Mat masked = masked_union(*r, view.size());
    for (const auto& b : list) {
      cv::Rect box(b.at("left").get<int>() - kPresidioPadding, b.at("top").get<int>() - kPresidioPadding,
                   b.at("width").get<int>(), b.at("height").get<int>());
      box &= cv::Rect(0, 0, view.cols, view.rows);
      ASSERT_FALSE(box.empty()) << rel;
      // The word's ink: what differs from the box's ground (its median) by a quarter of the range.
      cv::Mat patch = view(box).clone(), sorted = patch.reshape(1, 1).clone();
      cv::sort(sorted, sorted, cv::SORT_EVERY_ROW | cv::SORT_ASCENDING);
      int ground = sorted.at<unsigned char>(0, sorted.cols / 2);
      cv::Mat diff;
      cv::absdiff(patch, cv::Scalar(ground), diff);
      cv::Mat ink = diff >= 64;
      int total = cv::countNonZero(ink), missed = cv::countNonZero(ink & ~masked(box));
      ++boxes;
      fully += missed == 0;
      std::printf("%-64s box %-12s %5d ink pixels, %d outside the masks\n", rel.c_str(),
                  b.at("label").get<std::string>().c_str(), total, missed);
      EXPECT_GT(total, 100) << rel << ": no word found in a ground-truth box (are the coordinates right?)";
      EXPECT_EQ(missed, 0) << rel << ": part of " << b.at("label").get<std::string>() << " left unmasked";
    }
  }
  std::printf("TOTAL presidio ground truth: %d of %d boxes fully masked\n", fully, boxes);
  EXPECT_GT(boxes, 0);
}

}  // namespace
}  // namespace veil::testing
