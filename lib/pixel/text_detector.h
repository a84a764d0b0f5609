// Finds overlay text in one 8-bit grey frame with classical image processing (no model):
// thin high-contrast strokes (top-hat and black-hat), character-sized components, and rows of
// three or more of them with matching heights and baselines.
#pragma once

#include <opencv2/core.hpp>

#include <string>
#include <vector>

namespace veil::pixel {

struct DetectorParams {
  int min_char_height = 6;   // pixels; smaller text is not legible
  int max_char_height = 80;
  int contrast = 40;         // grey levels between a stroke and its surroundings
  int min_chars = 3;         // components in a row before it counts as text
};

// A row of character-like components and what the detector made of it.
struct LineCandidate {
  cv::Rect box;
  cv::Rect found;          // the box its members make, before it grew (extend(), neighbours, tails)
  cv::Rect tails;          // what members judged without reach just above or below it (see find_rows())
  int components = 0, chars = 0;
  double height = 0;       // median component height
  double ink = 0;          // median grey of the strokes
  double ground = 0;       // median grey of the ground between them
  double aligned = 0;      // share of components on the row's baseline or top line
  double transitions = 0;  // strokes crossed along the middle, per line height of width
  double background = 0;   // spread of the background next to the strokes / their contrast
  double surround = 0;     // stroke density just above and below / inside
  double beyond = 0;       // how far the bands just above and below are from that ground / the contrast
  bool flat_ink = false;   // found among the pixels of one exact grey value (a drawn colour)
  bool high_contrast = false;  // found among the strokes of twice the contrast
  bool ruled = false;      // one component of thin lines, one across most of its width (a grid, a frame)
  bool slender = true;     // for rows of two: no stroke thicker than 0.3 of the letter height + 2
  double open = 0;         // share of the pixels just outside the strokes that are of the ink's shade (rows of 4 or fewer that would be taken without it)
  int slashes = 0;         // members that are one bar running aslant (see verdict())
  double lengths = 1e9;    // how many stroke widths long its strokes are, per component (rows of 2 or 3, 13 px and up, that would be taken without it)
  bool clump = false;      // one component of small bold letters run together, a word wide (see candidates())
  bool text = false;
  std::string rejected_because;
  std::string accepted_because;  // which rule of verdict() took it, for rows it took alone
};

// Every row considered, accepted or not: for tuning and for tests.
std::vector<LineCandidate> explain_text(const cv::Mat& grey8, const DetectorParams& params = {});

// Boxes around text lines, in frame coordinates, padded for punctuation but without margin.
std::vector<cv::Rect> detect_text(const cv::Mat& grey8, const DetectorParams& params = {});

}  // namespace veil::pixel
