#include "pixel/text_detector.h"

#include "pixel/components.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <numeric>

namespace veil::pixel {
namespace {

struct Candidate {
  cv::Rect box;
  double ink = 0;  // median grey of its pixels
  int chars = 1;   // letters that touch form one component: its width says how many
  bool ruled = false;  // thin lines, one across most of its width (a grid, a frame, a ruler): see ruled()
  bool clump = false;  // small bold letters run together into one solid piece: see broken_by_letters()
  bool slash = false;  // one bar running aslant: see aslant()
};

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::nth_element(v.begin(), v.begin() + static_cast<long>(v.size() / 2), v.end());
  return v[v.size() / 2];
}

// The value at `rank` (0-based) of the values a histogram counts.
int rank_in(const std::array<int, 256>& hist, long rank) {
  long seen = 0;
  for (int v = 0; v < 256; ++v)
    if ((seen += hist[v]) > rank) return v;
  return 255;
}

// The median (the upper one of an even count, as median() takes) of the values a histogram counts.
int median_of(const std::array<int, 256>& hist, long count) { return rank_in(hist, count / 2); }

// `m` made a blank CV_8U image of `size` (Mat::setTo costs several times the fill itself on
// images a glyph's size).
void blank(cv::Mat& m, cv::Size size) {
  m.create(size, CV_8U);
  std::memset(m.data, 0, m.total());
}

// The strokes of `box` alone, with a pixel of ground around them, in `shape`.
void framed(const cv::Mat& strokes, const cv::Rect& box, cv::Mat& shape) {
  blank(shape, {box.width + 2, box.height + 2});
  strokes(box).copyTo(shape(cv::Rect(1, 1, box.width, box.height)));
}

// Whether no pixel of `shape` (non-zero, inside a border of zeros) lies more than `steps` steps
// from the ground both along its row and along its column. The distance transform is never
// larger than the fewer of those steps (its steps are shorter than one), and strokes are thin:
// most components need no transform at all.
bool within_steps_of_ground(const cv::Mat& shape, int steps) {
  // Row by row, stopping at the first pixel deep both ways: along[] holds, for the last
  // steps + 1 rows (row y in slot y % (steps + 1)), each pixel's distance to the ground along its
  // row, kept only for runs longer than 2 steps (no pixel of a shorter one is deeper); down[x]
  // counts the pixels of column x down to row y. The pixel `steps` rows up (slot (y + 1) % (steps
  // + 1)) is deep along its column when the 2 steps + 1 pixels centred on it are all set.
  thread_local std::vector<int> along, down;
  const int width = shape.cols, slots = steps + 1;
  along.assign(static_cast<std::size_t>(slots) * width, 0);
  down.assign(static_cast<std::size_t>(width), 0);
  for (int y = 1; y + 1 < shape.rows; ++y) {
    const unsigned char* s = shape.ptr<unsigned char>(y);
    int* d = along.data() + static_cast<std::ptrdiff_t>(y % slots) * width;
    std::fill(d, d + width, 0);
    for (int x = 1; x + 1 < width;) {
      if (!s[x]) {
        ++x;
        continue;
      }
      int end = x;
      while (s[end]) ++end;  // the border ends every run
      if (end - x > 2 * steps)
        for (int i = x; i < end; ++i) d[i] = std::min(i - x + 1, end - i);
      x = end;
    }
    const int* up = along.data() + static_cast<std::ptrdiff_t>((y + 1) % slots) * width;  // row y - steps
    for (int x = 1; x + 1 < width; ++x) {
      down[x] = s[x] ? down[x] + 1 : 0;
      if (down[x] > 2 * steps && up[x] > steps) return false;  // then y - steps >= 1: that row is held
    }
  }
  return true;
}

// Whether a component is thin lines with one running across most of its width: a ruler's spine
// and ticks, the lattice of a test pattern, a frame. (Bold letters run together fill half their
// box or more, although their middle rows run across it too.)
bool ruled(const cv::Mat& shape, int area) {
  const int width = shape.cols - 2, height = shape.rows - 2;
  if (area >= 0.35 * width * height) return false;
  for (int y = 1; y <= height; ++y)
    if (cv::countNonZero(shape.row(y)) >= 0.7 * width) return true;
  return false;
}

// The spreads (variances) of a shape's pixels along and across their main axis, and the axis's
// angle from the horizontal (0 to 90 degrees), from its moments. False for an empty shape.
bool principal_axes(const cv::Moments& m, double& along, double& across, double& degrees) {
  if (m.m00 <= 0) return false;
  const double xx = m.mu20 / m.m00, yy = m.mu02 / m.m00, xy = m.mu11 / m.m00;
  const double mean = (xx + yy) / 2, half = std::sqrt((xx - yy) * (xx - yy) / 4 + xy * xy);
  along = mean + half;
  across = std::max(0.0, mean - half);
  degrees = std::abs(0.5 * std::atan2(2 * xy, xx - yy)) * 180 / CV_PI;
  return true;
}

// Whether a component's pixels lie along one straight line: across it they spread less than a
// tenth of what they spread along it.
bool straight(const cv::Moments& m) {
  double along = 0, across = 0, degrees = 0;
  return principal_axes(m, along, across, degrees) && across <= 0.01 * along;  // spreads within a tenth
}

// Whether a component is one bar running aslant, a slash: its pixels spread across its axis
// less than 0.36 of what they spread along it, and that axis lies 20 to 70 degrees from the
// horizontal (upright strokes are I, l and 1; italic letters lean less than 20 degrees).
bool aslant(const cv::Moments& m) {
  double along = 0, across = 0, degrees = 0;
  return principal_axes(m, along, across, degrees) && across <= 0.36 * 0.36 * along && degrees >= 20 && degrees <= 70;
}

// Whether no stroke of `shape` (non-zero, inside a border of zeros) is thicker than `limit`:
// twice the largest distance from the ground, measured only when a cheap bound cannot tell.
bool no_thicker_than(const cv::Mat& shape, double limit) {
  if (within_steps_of_ground(shape, static_cast<int>(limit / 2))) return true;
  thread_local cv::Mat dist;
  cv::distanceTransform(shape, dist, cv::DIST_L2, 3);
  double thickest = 0;
  cv::minMaxLoc(dist, nullptr, &thickest);
  return 2 * thickest <= limit;
}

// Whether a component wider than five times its height (see candidates()) is letters run
// together (small bold text: a name, a date with its dashes) rather than a line or a ruler: it
// is not ruled, and across its middle it crosses strokes as often as text does, about two per
// letter.
bool letters_run_together(const cv::Mat& shape, int area) {
  const int width = shape.cols - 2, height = shape.rows - 2;
  if (ruled(shape, area)) return false;
  int most = 0;
  for (double at : {0.35, 0.5, 0.65}) {
    const unsigned char* row = shape.ptr<unsigned char>(1 + static_cast<int>(at * height));
    int crossings = 0;
    for (int x = 1; x <= width; ++x) crossings += row[x] && !row[x - 1];
    most = std::max(most, crossings);
  }
  return most >= 1.5 * width / height;
}

// Gaps inside a component's rows (ground between two of its pixels), per row and per height of
// its width. Small bold letters run together into a clump leave a gap or two per letter in most
// rows: between letters, inside an O or an E, under the arms of a T; blobs, bars and lines
// leave none (a speckle clump leaves a few: 0.2 or less in nine of ten components of the
// corpus's images, 0.35 to 1.2 in bold words).
double broken_by_letters(const cv::Mat& shape) {
  const int width = shape.cols - 2, height = shape.rows - 2;
  int gaps = 0;
  for (int y = 1; y <= height; ++y) {
    const unsigned char* row = shape.ptr<unsigned char>(y);
    int first = 0, last = 0;
    for (int x = 1; x <= width; ++x)
      if (row[x]) last = x, first = first ? first : x;
    for (int x = first + 1; first && x <= last; ++x) gaps += !row[x] && row[x - 1];
  }
  return static_cast<double>(gaps) / width;
}

// Character-sized components of thin strokes brighter (or darker) than their surroundings.
// Blobs (vessels, speckle, highlights) are as thick as they are tall; strokes are not.
// With `same` (the pixels of one drawn colour), a component whose box that colour fills is the
// rim of a flat block (a colour bar, a filled frame), not a glyph.
std::vector<Candidate> candidates(const cv::Mat& grey, const cv::Mat& strokes, bool bright, const DetectorParams& p,
                                  const cv::Mat* same = nullptr) {
  // Buffers kept per thread: small ones would cost an allocation per component.
  thread_local Components components;
  thread_local cv::Mat shape, core;
  find_components(strokes, components);
  std::vector<Candidate> out;
  for (int i = 0; i < components.size(); ++i) {
    const cv::Rect box = components.boxes[static_cast<std::size_t>(i)];
    const int area = components.areas[static_cast<std::size_t>(i)];
    if (box.height < p.min_char_height || box.height > p.max_char_height) continue;
    const bool wide = box.width > 5 * box.height;  // a line, a ruler, or bold letters run together
    double fill = static_cast<double>(area) / box.area();
    // In one drawn colour, small bold letters that run together into one block are still text.
    if (fill > (same || box.height <= 12 ? 0.9 : 0.8) || fill < 0.02) continue;
    if (same && cv::countNonZero((*same)(box)) > 0.8 * box.area()) continue;
    // The component alone, with a pixel of ground around it, and the grey levels of its pixels.
    blank(shape, {box.width + 2, box.height + 2});
    std::array<int, 256> levels{};
    double sx = 0, sy = 0, sxx = 0, sxy = 0, syy = 0;  // raw moments, summed run by run (see straight(), aslant())
    int longest = 0;  // its longest run
    for (const Run& r : components.runs_of(i)) {
      longest = std::max(longest, r.end - r.begin);
      std::memset(shape.ptr<unsigned char>(r.y - box.y + 1) + (r.begin - box.x + 1), 255,
                  static_cast<std::size_t>(r.end - r.begin));
      const unsigned char* g = grey.ptr<unsigned char>(r.y);
      for (int x = r.begin; x < r.end; ++x) ++levels[g[x]];
      const double n = r.end - r.begin, x0 = r.begin - box.x, x1 = r.end - 1 - box.x, y = r.y - box.y;
      const double xs = n * (x0 + x1) / 2, xxs = (x1 * (x1 + 1) * (2 * x1 + 1) - (x0 - 1) * x0 * (2 * x0 - 1)) / 6;
      sx += xs, sy += n * y, sxx += xxs, sxy += y * xs, syy += n * y * y;
    }
    const cv::Moments moments(area, sx, sy, sxx, sxy, syy, 0, 0, 0, 0);
    // The ink is what the stroke cores reach (anti-aliased edges fall short of it).
    const double ink = rank_in(levels, bright ? static_cast<long>(area) * 9 / 10 : area / 10);
    // A wide component, or one sparser than a glyph, may be a single straight line (a slash,
    // a line drawn aslant): only such a line counts when that sparse. Texture the line crosses
    // may stick to it (speckle grains along a caliper's line): then its pixels of the ink's
    // shade alone lie along one line, across the box (as many as its longer side at least).
    bool line = false;
    if (fill < 0.05 || box.width > 1.2 * box.height) {
      line = straight(moments);
      if (!line) {
        blank(core, shape.size());
        int cored = 0;
        for (const Run& r : components.runs_of(i)) {
          const unsigned char* g = grey.ptr<unsigned char>(r.y);
          unsigned char* c = core.ptr<unsigned char>(r.y - box.y + 1);
          for (int x = r.begin; x < r.end; ++x)
            if (std::abs(g[x] - ink) <= 20) c[x - box.x + 1] = 255, ++cored;
        }
        line = cored >= std::max(box.width, box.height) && straight(cv::moments(core, true));
      }
    }
    if (fill < 0.05 && !line) continue;
    bool thin = !wide || letters_run_together(shape, area);
    // Runs no longer than the limit hold no pixel farther than half of it from the ground along
    // their rows: no stroke is thicker (see within_steps_of_ground()), and most components end here.
    const double limit = (same ? 0.75 : 0.5) * box.height + 2;
    thin = thin && (longest <= 2 * static_cast<int>(limit / 2) || no_thicker_than(shape, limit));
    // Small bold letters run together are too thick, or too wide, for the tests above: they
    // count when gaps between and inside the letters break their rows.
    const bool clump = !thin && box.height <= 12 && box.width >= 2 * box.height && fill >= 0.45 &&
                       broken_by_letters(shape) >= 0.35;
    if (!thin && !clump) continue;
    Candidate c{box, ink, 1, ruled(shape, area), clump, aslant(moments)};
    // A wide component along one straight line is one stroke, not letters.
    if (box.width > 1.2 * box.height && !line)
      c.chars = std::max(1, static_cast<int>(std::lround(box.width / (0.6 * box.height))));
    out.push_back(c);
  }
  return out;
}

int find(std::vector<int>& parent, int i) {
  while (parent[i] != i) i = parent[i] = parent[parent[i]];
  return i;
}

// Two candidates on one row of text. A wider gap is allowed when strokes too small to be
// candidates fill it: the dash of a date, the colon of a time, in monospaced fonts.
bool linked(const Candidate& a, const Candidate& b, const cv::Mat& strokes) {
  const cv::Rect &ra = a.box, &rb = b.box;
  int h = std::max(ra.height, rb.height);
  int gap = std::max(rb.x - (ra.x + ra.width), ra.x - (rb.x + rb.width));
  if (h > 1.6 * std::min(ra.height, rb.height)) return false;
  if (gap > 2.0 * h) return false;
  if (gap > 1.0 * h) {
    const cv::Rect& left = ra.x < rb.x ? ra : rb;
    int top = std::max(ra.y, rb.y), bottom = std::min(ra.br().y, rb.br().y);
    if (bottom <= top) return false;
    cv::Rect between(left.br().x, top, gap, bottom - top);
    between &= cv::Rect(0, 0, strokes.cols, strokes.rows);
    if (between.empty()) return false;
    int filled = cv::countNonZero(strokes(between));
    if (filled == 0 || filled > 0.25 * between.area()) return false;  // a small mark, not more texture
  }
  bool tops = std::abs(ra.y - rb.y) <= 0.3 * h, bottoms = std::abs(ra.br().y - rb.br().y) <= 0.3 * h;
  if (!tops && !bottoms) return false;
  return std::abs(a.ink - b.ink) <= 24;  // one line of text is drawn in one colour
}

// Text crosses many strokes along its middle: about two per letter. A row of dots or bars does not.
double transitions_per_height(const cv::Mat& strokes, const cv::Rect& box, double h) {
  int best = 0;
  for (double at : {0.35, 0.5, 0.65}) {
    const unsigned char* row = strokes.ptr<unsigned char>(box.y + static_cast<int>(at * box.height));
    int transitions = 0;
    for (int x = box.x + 1; x < box.br().x; ++x) transitions += row[x] && !row[x - 1];
    best = std::max(best, transitions);
  }
  return best / (box.width / h);
}

// Spread of the background next to the strokes, relative to the strokes' contrast. `near` is
// the strokes grown by a pixel (see find_rows()): the ground is the pixels of the box it leaves.
double background_spread(const cv::Mat& grey, const cv::Mat& near, const cv::Rect& box, double ink,
                         int* ground_level = nullptr) {
  std::array<int, 256> ground{};
  long count = 0;
  for (int y = box.y; y < box.br().y; ++y) {
    const unsigned char* n = near.ptr<unsigned char>(y);
    const unsigned char* g = grey.ptr<unsigned char>(y);
    for (int x = box.x; x < box.br().x; ++x)
      if (!n[x]) ++ground[g[x]], ++count;
  }
  if (count < 10) return 1e9;
  // Median and median absolute deviation: an anatomical edge crossing the row is a minority of
  // its pixels and does not count; speckle and texture do.
  const int mid = median_of(ground, count);
  if (ground_level) *ground_level = mid;
  std::array<int, 256> deviation{};
  for (int v = 0; v < 256; ++v) deviation[std::abs(v - mid)] += ground[v];
  return 1.4826 * median_of(deviation, count) / std::max(1.0, std::abs(ink - mid));
}

// Strokes in the bands just above and below a row, relative to the strokes in it: text stands
// apart from what surrounds it, a row picked out of speckle or texture does not.
double surround_density(const cv::Mat& strokes, const cv::Rect& box, double h) {
  const cv::Rect frame(0, 0, strokes.cols, strokes.rows);
  int band = std::max(3, static_cast<int>(0.6 * h));
  cv::Rect above = cv::Rect(box.x, box.y - band - 2, box.width, band) & frame;
  cv::Rect below = cv::Rect(box.x, box.br().y + 2, box.width, band) & frame;
  double inside = static_cast<double>(cv::countNonZero(strokes(box))) / std::max(1, box.area());
  auto density = [&](const cv::Rect& r) { return r.empty() ? 0.0 : static_cast<double>(cv::countNonZero(strokes(r))) / r.area(); };
  return std::max(density(above), density(below)) / std::max(1e-6, inside);
}

// How far the bands just above and just below a row are from its ground: over the pixels of
// each band that are not strokes, the median distance of their grey from the row's ground level
// (scaled as a standard deviation), relative to the row's contrast; the larger of the two.
double ground_beyond(const cv::Mat& grey, const cv::Mat& strokes, const cv::Rect& box, double h, double ink, int ground) {
  const cv::Rect frame(0, 0, grey.cols, grey.rows);
  const int band = std::max(3, static_cast<int>(0.5 * h));
  double worst = 0;
  for (const cv::Rect side : {cv::Rect(box.x, box.y - band - 1, box.width, band), cv::Rect(box.x, box.br().y + 1, box.width, band)}) {
    const cv::Rect r = side & frame;
    if (r.empty()) continue;
    std::array<int, 256> distance{};
    long count = 0;
    for (int y = r.y; y < r.br().y; ++y) {
      const unsigned char* g = grey.ptr<unsigned char>(y);
      const unsigned char* s = strokes.ptr<unsigned char>(y);
      for (int x = r.x; x < r.br().x; ++x)
        if (!s[x]) ++distance[std::abs(g[x] - ground)], ++count;
    }
    if (count < 10) continue;
    worst = std::max(worst, 1.4826 * median_of(distance, count) / std::max(1.0, std::abs(ink - ground)));
  }
  return worst;
}

// Whether no stroke in a box is thicker than 0.3 of a letter height + 2: drawn strokes are a
// fraction of a glyph's height thick; clusters of blobs (vessels seen end-on, merged dots) are
// thicker, though thin enough for candidates(). Asked of lone pairs only (see verdict()).
bool slender(const cv::Mat& strokes, const cv::Rect& box, double h) {
  thread_local cv::Mat shape;
  framed(strokes, box, shape);
  return no_thicker_than(shape, 0.3 * h + 2);
}

// Share of the pixels just outside the strokes of a box (touching one, not strokes themselves)
// that are of the ink's shade (within a quarter of the contrast): drawn strokes end on ground or
// on their own anti-aliased edge; strokes cut out of a larger dark or bright region by the
// top-hat (the lung beside a vessel) go on into it. Asked of rows of four or fewer (see verdict()).
double open_border(const cv::Mat& grey, const cv::Mat& strokes, const cv::Rect& box, double ink, int ground) {
  const double near = 0.25 * std::abs(ink - ground);
  const cv::Rect frame(0, 0, grey.cols, grey.rows);
  int border = 0, alike = 0;
  for (int y = box.y - 1; y <= box.br().y; ++y)
    for (int x = box.x - 1; x <= box.br().x; ++x) {
      if (!frame.contains({x, y}) || strokes.at<unsigned char>(y, x)) continue;
      bool touches = false;
      for (int dy = -1; dy <= 1 && !touches; ++dy)
        for (int dx = -1; dx <= 1 && !touches; ++dx) {
          const cv::Point q(x + dx, y + dy);
          touches = box.contains(q) && strokes.at<unsigned char>(q.y, q.x);
        }
      if (!touches) continue;
      ++border;
      alike += std::abs(grey.at<unsigned char>(y, x) - ink) <= near;
    }
  return border ? static_cast<double>(alike) / border : 0;
}

using Group = std::vector<const Candidate*>;

// How many stroke widths long the strokes in a box are: their area over the square of their
// typical width, twice the median distance to the ground along their ridges (the pixels no
// neighbour is deeper than). A glyph is a pen's path many widths long, a bold I two or more;
// a round blob is about one.
double widths_long(const cv::Mat& strokes, const cv::Rect& box) {
  thread_local cv::Mat shape, dist, deepest;
  framed(strokes, box, shape);
  cv::distanceTransform(shape, dist, cv::DIST_L2, 3);
  cv::dilate(dist, deepest, cv::Mat());
  std::vector<float> ridge;
  for (int y = 1; y < dist.rows - 1; ++y) {
    const float* d = dist.ptr<float>(y);
    const float* m = deepest.ptr<float>(y);
    for (int x = 1; x < dist.cols - 1; ++x)
      if (d[x] > 0 && d[x] >= m[x]) ridge.push_back(d[x]);
  }
  if (ridge.empty()) return 0;
  std::nth_element(ridge.begin(), ridge.begin() + static_cast<std::ptrdiff_t>(ridge.size() / 2), ridge.end());
  const double width = 2.0 * ridge[ridge.size() / 2];
  return cv::countNonZero(shape) / (width * width);
}

// Rows of candidates: similar heights, aligned tops or bottoms, one ink, close together.
std::vector<Group> group_lines(std::vector<Candidate>& cs, const cv::Mat& strokes, const DetectorParams& p) {
  std::sort(cs.begin(), cs.end(), [](const Candidate& a, const Candidate& b) { return a.box.x < b.box.x; });
  std::vector<int> parent(cs.size());
  std::iota(parent.begin(), parent.end(), 0);
  for (std::size_t i = 0; i < cs.size(); ++i)
    for (std::size_t j = i + 1; j < cs.size(); ++j) {
      if (cs[j].box.x > cs[i].box.br().x + p.max_char_height) break;
      if (linked(cs[i], cs[j], strokes)) parent[find(parent, static_cast<int>(i))] = find(parent, static_cast<int>(j));
    }
  std::vector<Group> groups(cs.size());
  for (std::size_t i = 0; i < cs.size(); ++i) groups[find(parent, static_cast<int>(i))].push_back(&cs[i]);
  std::erase_if(groups, [](const Group& g) { return g.empty(); });
  return groups;
}

// A row's letter height (median) and its top line and baseline (median tops and bottoms).
struct RowLines {
  double height = 0, top = 0, bottom = 0;

  explicit RowLines(const Group& g) {
    std::vector<double> heights, tops, bottoms;
    for (const Candidate* c : g) {
      heights.push_back(c->box.height);
      tops.push_back(c->box.y);
      bottoms.push_back(c->box.br().y);
    }
    height = median(heights), top = median(tops), bottom = median(bottoms);
  }
  // Whether a member sits on the baseline or the top line.
  bool on_one(const Candidate& c) const {
    return std::abs(c.box.br().y - bottom) <= 0.2 * height + 1 || std::abs(c.box.y - top) <= 0.2 * height + 1;
  }
};

// A row's measurements.
LineCandidate measure(const Group& g, const cv::Mat& grey, const cv::Mat& strokes, const cv::Mat& near) {
  LineCandidate l;
  l.box = g[0]->box;
  std::vector<double> inks;
  for (const Candidate* c : g) {
    l.chars += c->chars;
    l.box |= c->box;
    inks.push_back(c->ink);
  }
  l.components = static_cast<int>(g.size());
  l.slashes = static_cast<int>(std::count_if(g.begin(), g.end(), [](const Candidate* c) { return c->slash; }));
  l.ruled = g.size() == 1 && g[0]->ruled;
  l.clump = g.size() == 1 && g[0]->clump && l.box.width >= 5 * l.box.height;  // alone, a word's width
  const RowLines lines(g);
  l.height = lines.height;
  l.aligned = static_cast<double>(std::count_if(g.begin(), g.end(), [&](const Candidate* c) { return lines.on_one(*c); })) /
              static_cast<double>(g.size());
  l.transitions = transitions_per_height(strokes, l.box, l.height);
  l.ink = median(inks);
  int ground = 0;
  l.background = background_spread(grey, near, l.box, l.ink, &ground);
  l.beyond = ground_beyond(grey, strokes, l.box, l.height, l.ink, ground);
  l.ground = ground;
  l.surround = surround_density(strokes, l.box, l.height);
  l.found = l.box;
  return l;
}

// The row without the members that are off both its lines or much taller than its letters,
// when they are one or two and at most a quarter of it: a glyph joined to a rib or an edge
// below it, a strip of an edge linked by one end. Empty when there is nothing to leave out.
Group without_strays(const Group& g) {
  if (g.size() < 4) return {};  // a quarter of a shorter row is less than one member
  const RowLines lines(g);
  Group kept;
  for (const Candidate* c : g)
    if (lines.on_one(*c) && c->box.height <= 1.3 * lines.height) kept.push_back(c);
  const std::size_t strays = g.size() - kept.size();
  if (strays == 0 || strays > 2 || 4 * strays > g.size()) return {};
  return kept;
}

// Two glyphs of drawn strokes, one line tall, on a flat ground with nothing around them: a lone
// pair if that ground goes on above and below (see verdict()), else perhaps the first letters of
// a text going on under a region of their shade (see find_rows()).
bool pair_on_flat_ground(const LineCandidate& l) {
  return l.components == 2 && l.height >= 10 && l.background <= 0.05 && l.surround <= 0.1 && l.slender &&
         l.box.height <= 1.3 * l.height;
}

// Why a row is not text (nullptr when it is: then `taken` names the rule that took it).
const char* verdict(const LineCandidate& l, const DetectorParams& p, const char*& taken) {
  auto text = [&](const char* rule) -> const char* {
    taken = rule;
    return nullptr;
  };
  // Letters cross about two strokes each, and are half to three quarters of their height wide:
  // along a row, three or four crossings per height of width, six in condensed fonts. Dithering
  // and fine texture cross many more. (A single narrow glyph, a 1 or an l, may cross more per
  // width: it is judged with its row, see beside().)
  if (l.transitions > 8 && l.box.width >= 2 * l.height) return "too many strokes";
  // Slashes alone (each member one bar aslant: strands of anatomy, hatching) carry no name, ID
  // or date: rows of three or fewer of them are not text.
  if (l.components <= 3 && l.slashes == l.components) return "slashes alone";
  if (l.flat_ink) {
    // Strokes of one exact grey value, separated from the texture they were drawn over: what a
    // device draws. Anatomy, speckle and noise never hold one value along a row of glyphs, so
    // a row's background need not be flat; the shape of a line of text is still judged, and
    // the row must have ground between its strokes (a block of colour has none).
    if (l.background >= 1e8) return "no ground between strokes";
    // A word in one piece: only on a clean ground with nothing drawn above or below it.
    bool joined = l.components == 1 && l.chars >= 4 && (l.transitions >= 1.5 || l.clump) && l.surround <= 0.1 && l.background <= 0.05;
    if (joined) return text("flat-joined");
    if (l.chars < p.min_chars || l.components < 2) return "few letters";
    if (l.box.height > 1.8 * l.height) return "not one line";
    if (l.aligned < 0.7) return "no baseline";
    if (l.transitions < 0.6) return "few strokes";
    return text("flat-row");
  }
  // Strokes the top-hat cut out of a larger region of their own shade go on into it, where drawn
  // strokes end on their ground or their own anti-aliased edge: the lung between a vessel and the
  // lung's edge, speckle grains at the tip of a fan. On a flat ground that goes on around the row
  // a little of that is enough; over texture, strokes touch texture of their shade anyway. Rows
  // of three or fewer here (a longer row may cross ground of its own shade, see extend()); rows
  // of four only when nothing but standing apart would take them (at the end).
  const bool flat_around = l.background <= 0.12 && l.beyond <= 0.5;
  if (l.components <= 3 && std::abs(l.ink - l.ground) >= p.contrast && l.open > (flat_around ? 0.15 : 0.3))
    return "cut from a region of its shade";
  // Round blobs touching in twos and threes (vessels seen end on, in the lung) make components
  // a letter high and no thicker than bold letters, but each is only a stroke width or two long
  // where a glyph is a pen's path: rows of two or three, 13 px high and up (small bold letters
  // are as short), under 2 widths per component (a bold 1 is 2 to 2.3), or 5 when they are wide
  // enough to count as several letters (rows of such words measure 5.6 and up).
  if (l.components >= 2 && l.components <= 3 && l.height >= 13 && l.lengths < (l.chars > l.components ? 5 : 2.0))
    return "round blobs, not strokes";
  // A word whose letters touch (bold or small text) is one wide component full of strokes, or
  // a clump broken by the gaps of its letters.
  bool joined_word = l.components == 1 && l.chars >= 4 && (l.transitions >= 1.5 || l.clump) && l.background <= 0.05 &&
                     l.surround <= 0.1;
  // (Among the strongest strokes the lattice of a test pattern or a frame stands alone as well:
  // a joined word there has no row of strokes running across it.)
  if (joined_word && !(l.high_contrast && l.ruled)) return text("joined-word");
  // Among the strongest strokes bone edges, air cells and test-pattern borders also stand
  // alone: only a long straight row (or a joined word, above) counts there.
  if (l.high_contrast && (l.components < 4 || l.aligned < 0.9)) return "short row of strong strokes";
  // Two glyphs alone on a flat ground (an age, a day, the halves of a monospaced date) are text;
  // the ground must go on around them (not two grains at the edge of an ultrasound fan, black
  // on one side only), and their strokes be drawn ones (not two clusters of vessel dots).
  if (pair_on_flat_ground(l) && l.beyond <= 0.5) return text("lone-pair");
  if (l.chars < p.min_chars || l.components < 2 || (l.components == 2 && l.chars < p.min_chars + 1)) return "few letters";
  if (l.box.height > 1.8 * l.height) return "not one line";
  if (l.aligned < 0.7) return "no baseline";
  // Glyphs on a flat ground need fewer strokes: narrow digits (1) and separators spread a row.
  if (l.transitions < (l.background <= 0.05 ? 0.6 : 1.0)) return "few strokes";
  // Small rows of two to four are what speckle makes by chance: only on a clean background
  // (and a row of two only if that ground goes on around it: not two grains at a fan's edge).
  if ((l.components <= 2 || (l.components <= 4 && l.height < 10)) && l.background > 0.15)
    return "small on a busy background";
  if (l.components <= 2 && l.beyond > 0.3) return "small on a busy background";
  // Strokes of little contrast with their ground (less than 1.75 times the threshold) are what
  // speckle grains and the gaps between letters make: only on a flat ground that goes on around
  // the row, or in a long straight row of six or more with nothing drawn just above or below it
  // (white words over a bright region whose grey changes along them), which noise does not make.
  const bool long_and_clear = l.components >= 6 && l.aligned >= 0.9 && l.height >= 10 && l.surround <= 0.1 &&
                              l.box.height <= 1.4 * l.height;
  if (std::abs(l.ink - l.ground) < 1.75 * p.contrast && !(l.background <= 0.12 && l.beyond <= 0.15) && !long_and_clear)
    return "faint on texture";
  // Strokes on a flat background are text wherever they are, if that ground goes on above and
  // below the row. Flat only between the strokes (speckle grains along the edge of a fan, or
  // along a bright line drawn over speckle, which is then their ground), the row must stand
  // apart from what is around it.
  if (l.background <= 0.12 && l.beyond > 0.5 && l.surround > 0.2) return "ground on one side";
  if (l.background <= 0.12 && l.beyond <= 0.5) return text("flat-ground");
  // A straight row of letters with nothing drawn just above or below it is text whatever lies
  // under it. (Long straight rows with strokes around them are not: noise makes those.)
  if (l.aligned >= 0.9 && l.components >= 4 && l.height >= 10 && l.surround <= 0.1) return text("straight-clear");
  // Over anatomy or speckle a row must stand apart from what is above and below it, or be
  // long and straight.
  bool strong = l.components >= 6 && l.aligned >= 0.9 && l.box.height <= 1.4 * l.height;
  bool isolated = l.surround <= 0.25 && l.components >= 3 && l.height >= 10;
  if (l.background > (isolated || strong ? 1.0 : 0.3)) return "busy background";
  if (l.surround > (strong ? 0.5 : 0.35)) return "textured surroundings";
  // Three or fewer pieces, each wider than a letter (counted as several by its width), over
  // texture: anatomy the top-hat cut up (a bright ridge of a shoulder, the rim of a kidney, gas
  // in the bowel). Words there keep their letters apart or come in longer rows; on flat ground
  // (above) such rows are text.
  if (l.components <= 3 && l.chars > l.components && l.background > 0.12) return "wide pieces on texture";
  // Four pieces over texture with more than 0.3 of the pixels around them of their own shade
  // (the threshold for rows of three, above) are pieces of a larger region, not letters: the
  // bottom of a lung the black-hat cut into wedges between its vessels. Only rows that would be
  // taken as standing apart are held to it (text rows of four taken so measure 0.18 at most on
  // seeds 0 to 40; rows straight and clear, up to 0.34).
  if (l.components == 4 && l.background > 0.12 && l.open > 0.3) return "cut from a region of its shade";
  return text("stands-apart");
}

// Words of one or two letters, and parts a row was split into, next to an accepted row.
bool beside(const LineCandidate& line, const LineCandidate& part) {
  if (part.rejected_because != "few letters" || part.background > 0.5) return false;
  if (std::abs(part.ink - line.ink) > 24) return false;
  if (std::abs(part.box.y - line.box.y) > 0.5 * line.height || std::abs(part.box.br().y - line.box.br().y) > 0.5 * line.height)
    return false;
  int gap = std::max(part.box.x - line.box.br().x, line.box.x - part.box.br().x);
  return gap <= 1.5 * line.height;
}

// Whether two rows are lines of one block: one ink, letter heights within 30% of `h`, one just
// above the other (at most 0.8 `h` between them).
bool one_above_other(const LineCandidate& a, const LineCandidate& b, double h) {
  if (std::abs(a.ink - b.ink) > 24 || std::abs(a.height - b.height) > 0.3 * h) return false;
  const int gap = std::max(a.box.y - b.box.br().y, b.box.y - a.box.br().y);
  return gap >= 0 && gap <= 0.8 * h;
}

// A short row just above or below an accepted row, in its ink and letter height, within its
// width: the next line of an annotation block (a second line of two words, a number above).
bool stacked(const LineCandidate& line, const LineCandidate& part) {
  if (part.rejected_because != "few letters" && part.rejected_because != "small on a busy background") return false;
  if (part.components < 2 || part.background > 0.5) return false;
  bool overlaps = part.box.x < line.box.br().x && part.box.br().x > line.box.x;
  return overlaps && one_above_other(line, part, line.height);
}

// The share of column `x` between rows `y0` and `y1` within 20 grey levels of `ink`.
double share_of_shade(const cv::Mat& grey, int x, int y0, int y1, double ink) {
  int same = 0;
  for (int y = y0; y < y1; ++y) same += std::abs(grey.at<unsigned char>(y, x) - ink) <= 20;
  return static_cast<double>(same) / (y1 - y0);
}

// Grows an accepted row sideways over columns that hold strokes of its ink inside its band and
// nothing just above or below it: the punctuation and short words it did not take in. Where the
// band runs over ground as bright (or dark) as its ink, the row may go on unseen: it is crossed
// (up to ten letter heights) to the strokes beyond it, and a letter cut by its edge is taken in.
void extend(LineCandidate& line, const cv::Mat& grey, const cv::Mat& strokes, const cv::Mat& near, bool bright) {
  const int y0 = line.box.y, y1 = line.box.br().y;
  auto column_holds_text = [&](int x) {
    for (int y : {y0 - 2, y0 - 1, y1, y1 + 1})
      if (y >= 0 && y < strokes.rows && strokes.at<unsigned char>(y, x)) return false;
    for (int y = y0; y < y1; ++y)
      if (strokes.at<unsigned char>(y, x) &&
          (bright ? grey.at<unsigned char>(y, x) >= line.ink - 40 : grey.at<unsigned char>(y, x) <= line.ink + 40))
        return true;
    return false;
  };
  // Ground of the ink's own shade in a column of the band: text there cannot be told from it.
  // It counts only where the row's own ground (between its strokes, and above or below its end)
  // is not of that shade: else the row is the gaps between the letters of a text of the other
  // polarity, and the ground around that text is what matches it.
  auto alike = [&](int y, int x) { return std::abs(grey.at<unsigned char>(y, x) - line.ink) <= 20; };
  auto shade = [&](int x) { return share_of_shade(grey, x, y0, y1, line.ink); };
  int ground = 0;
  const bool stands_out = background_spread(grey, near, line.box, line.ink, &ground) < 1e8 &&
                          std::abs(ground - line.ink) >= 40;
  // Whether the ground just above or just below the row's last letter height, from column `end`
  // back by `step`, is mostly not of the ink's shade.
  auto ends_on_ground = [&](int end, int step) {
    std::array<int, 2> same{}, all{};
    for (int i = 0; i < static_cast<int>(line.height); ++i) {
      const int x = end - step * i;
      if (x < 0 || x >= grey.cols) break;
      for (int side = 0; side < 2; ++side)
        if (const int y = side ? y1 + 1 : y0 - 2; y >= 0 && y < grey.rows) same[side] += alike(y, x), ++all[side];
    }
    return (all[0] > 0 && 2 * same[0] < all[0]) || (all[1] > 0 && 2 * same[1] < all[1]);
  };
  const int max_gap = static_cast<int>(1.2 * line.height) + 1, max_hidden = static_cast<int>(10 * line.height);
  const int letter = static_cast<int>(line.height);
  auto inside = [&](int x) { return x >= 0 && x < grey.cols; };
  // The outermost column of the row's text from its edge column `last`, going by `step`.
  auto grow = [&](int last, int step) {
    const bool may_hide = stands_out && ends_on_ground(last, step);
    for (int x = last + step, gap = 0, hidden = 0; inside(x) && gap <= max_gap && hidden <= max_hidden; x += step) {
      if (column_holds_text(x)) last = x, gap = 0, hidden = 0;
      else if (may_hide && shade(x) >= 0.9) ++hidden;
      else ++gap;
    }
    if (!may_hide) return last;
    // A letter cut by an edge of ground of the ink's shade just after the last strokes: the
    // columns that shade takes a third of the band or more, up to a letter height.
    int x = last + step;
    for (int skipped = 0; skipped < 3 && inside(x) && shade(x) < 0.3; ++skipped) x += step;
    for (int taken = 0; taken < letter && inside(x) && shade(x) >= 0.3; ++taken) last = x, x += step;
    return last;
  };
  const int right = grow(line.box.br().x - 1, 1), left = grow(line.box.x, -1);
  line.box = cv::Rect(left, y0, right + 1 - left, y1 - y0);
}

// The grey levels an image uses at all.
std::array<bool, 256> levels_used(const cv::Mat& grey) {
  std::array<bool, 256> used{};
  for (int y = 0; y < grey.rows; ++y) {
    const unsigned char* g = grey.ptr<unsigned char>(y);
    for (int x = 0; x < grey.cols; ++x) used[g[x]] = true;  // stores only: no chain through memory
  }
  return used;
}

// Counts of each grey level among the pixels `mask` (0 or 255) selects. Masks of strokes are
// mostly empty: eight mask bytes at a time are skipped when all are zero; the others are counted
// without a branch (speckle makes them unpredictable) into four tables taken in turn (runs of one
// level would otherwise wait on one counter).
std::array<int, 256> masked_histogram(const cv::Mat& grey, const cv::Mat& mask) {
  std::array<std::array<int, 256>, 4> part{};
  for (int y = 0; y < grey.rows; ++y) {
    const unsigned char* g = grey.ptr<unsigned char>(y);
    const unsigned char* m = mask.ptr<unsigned char>(y);
    int x = 0;
    for (; x + 8 <= grey.cols; x += 8) {
      std::uint64_t word;
      std::memcpy(&word, m + x, sizeof word);
      if (word == 0) continue;
      for (int i = 0; i < 8; ++i) part[i & 3][g[x + i]] += m[x + i] & 1;
    }
    for (; x < grey.cols; ++x) part[0][g[x]] += m[x] & 1;
  }
  std::array<int, 256> out{};
  for (const auto& t : part)
    for (int v = 0; v < 256; ++v) out[v] += t[v];
  return out;
}

// Grey values the strokes hold at least three times as often as the three nearest levels the
// image uses (within six), and half as often again as any level within twelve: the one colour
// a device draws its annotations in. Texture and anatomy spread over neighbouring values, and
// anti-aliased edges spread thinly over the levels between ink and ground. Regularly spaced
// peaks are not ink either: they are the levels of an image of fewer levels stretched to 8
// bits, or of a colour map with a few steps (colour flow).
std::vector<int> ink_values(const std::array<bool, 256>& used, const cv::Mat& grey, const cv::Mat& strokes) {
  // In an image of a few dozen levels every level is a flat colour: the cue says nothing there.
  if (std::count(used.begin(), used.end(), true) < 64) return {};
  const std::array<int, 256> in_strokes = masked_histogram(grey, strokes);
  std::vector<std::pair<int, int>> spikes;
  for (int v = 0; v < 256; ++v) {
    if (in_strokes[v] < 40) continue;
    int near = 0, around = 0;
    for (int step : {-1, 1})  // the three nearest levels the image uses, within six
      for (int u = v + step, seen = 0; u >= 0 && u < 256 && seen < 3 && std::abs(u - v) <= 6; u += step)
        if (used[u]) near = std::max(near, in_strokes[u]), ++seen;
    for (int u = std::max(0, v - 12); u <= std::min(255, v + 12); ++u)
      if (u != v) around = std::max(around, in_strokes[u]);
    if (in_strokes[v] >= 3 * near && 2 * in_strokes[v] >= 3 * around) spikes.emplace_back(in_strokes[v], v);
  }
  std::sort(spikes.rbegin(), spikes.rend());
  std::vector<int> out;
  for (std::size_t i = 0; i < spikes.size() && i < 6; ++i) out.push_back(spikes[i].second);
  return out;
}

// Accepted rows take in their neighbours: words of one or two letters, parts a row was split
// into, short rows stacked on them.
void join_neighbours(std::vector<LineCandidate>& rows) {
  for (bool grown = true; grown;) {
    grown = false;
    for (auto& line : rows) {
      if (!line.text) continue;
      for (auto& part : rows) {
        if (part.text) continue;
        if (beside(line, part)) {
          line.box |= part.box;  // beside() keeps the part within half a line of the row's band
          part.box = line.box;
        } else if (!stacked(line, part)) {
          continue;  // a stacked row keeps its own box, and takes in its own neighbours in turn
        }
        part.text = true;
        part.rejected_because = "joined a row";
        grown = true;
      }
    }
  }
}

// Three or more short rows stacked in one ink and letter height on flat ground, aligned on their
// left or right ends, two of them of two glyphs or more: a block of annotation lines ("F 3",
// "G 45", "D 12") none of which is long enough to count alone.
void find_blocks(std::vector<LineCandidate>& rows) {
  std::vector<int> lines;  // the short rows on flat ground, top to bottom
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const LineCandidate& l = rows[i];
    if (!l.text && l.rejected_because == "few letters" && l.background <= 0.05 && l.box.height <= 1.3 * l.height)
      lines.push_back(static_cast<int>(i));
  }
  auto row = [&](int i) -> const LineCandidate& { return rows[static_cast<std::size_t>(i)]; };
  std::sort(lines.begin(), lines.end(), [&](int a, int b) { return row(a).box.y < row(b).box.y; });
  std::vector<int> parent(lines.size());
  std::iota(parent.begin(), parent.end(), 0);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const LineCandidate& a = row(lines[i]);
    for (std::size_t j = i + 1; j < lines.size(); ++j) {
      const LineCandidate& b = row(lines[j]);  // it starts no higher than a
      if (b.box.y - a.box.br().y > 1.2 * a.height) break;  // too far below a to stack on it, as all after it
      const double h = std::max(a.height, b.height);
      const bool aligned = std::abs(a.box.x - b.box.x) <= 0.5 * h || std::abs(a.box.br().x - b.box.br().x) <= 0.5 * h;
      if (aligned && one_above_other(a, b, h))
        parent[static_cast<std::size_t>(find(parent, static_cast<int>(i)))] = find(parent, static_cast<int>(j));
    }
  }
  std::vector<int> count(lines.size()), several(lines.size());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto root = static_cast<std::size_t>(find(parent, static_cast<int>(i)));
    ++count[root];
    several[root] += row(lines[i]).components >= 2;
  }
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto root = static_cast<std::size_t>(find(parent, static_cast<int>(i)));
    if (count[root] < 3 || several[root] < 2) continue;
    rows[static_cast<std::size_t>(lines[i])].text = true;
    rows[static_cast<std::size_t>(lines[i])].rejected_because = "a line of a block";
  }
}

// Whether a row's band runs, just past one of its ends (within half a letter height), into
// ground of its ink's shade for a letter height or more: text going on under a region as bright
// (or dark) as itself, where it cannot be seen (white words crossing a saturated region).
bool goes_under_its_shade(const LineCandidate& l, const cv::Mat& grey) {
  const int letter = static_cast<int>(l.height);
  auto shade = [&](int x) { return share_of_shade(grey, x, l.box.y, l.box.br().y, l.ink) >= 0.9; };
  for (const int step : {1, -1}) {
    int x = step > 0 ? l.box.br().x : l.box.x - 1;
    for (int skipped = 0; skipped < letter / 2 && x >= 0 && x < grey.cols && !shade(x); ++skipped) x += step;
    int run = 0;
    for (; run < letter && x >= 0 && x < grey.cols && shade(x); ++run) x += step;
    if (run >= letter) return true;
  }
  return false;
}

// Rows among the components of `mask`, judged; accepted ones grown over their neighbours and
// along their band. With `same`, `mask` holds the pixels of drawn colours only (see candidates()).
void find_rows(const cv::Mat& grey8, const cv::Mat& mask, bool bright, const DetectorParams& p, const cv::Mat* same,
               std::vector<LineCandidate>& out, bool high_contrast = false) {
  std::vector<Candidate> cs = candidates(grey8, mask, bright, p, same);
  // The strokes grown by a pixel each way: what is not in it is ground (see background_spread()).
  thread_local cv::Mat near;
  cv::dilate(mask, near, cv::Mat());
  std::vector<LineCandidate> rows;
  auto judge = [&](LineCandidate& l) {
    // Small bold text fills its box with strokes: its ground is the margin around it, if the
    // strokes stand well clear of it (dithering and fine texture fill boxes too, at less
    // contrast). Among the drawn colours a row without ground between its strokes stays a block
    // (see verdict()).
    if (l.background >= 1e8 && !same) {
      const int margin = std::max(2, static_cast<int>(l.height / 2));
      const cv::Rect around = cv::Rect(l.box.x - margin, l.box.y - margin, l.box.width + 2 * margin,
                                       l.box.height + 2 * margin) & cv::Rect(0, 0, grey8.cols, grey8.rows);
      int ground = 0;
      const double spread = background_spread(grey8, near, around, l.ink, &ground);
      if (spread < 1e8 && std::abs(l.ink - ground) >= 2 * p.contrast) l.background = spread;
    }
    l.flat_ink = same != nullptr;
    l.high_contrast = high_contrast;
    if (l.components == 2 && l.height >= 10) l.slender = slender(mask, l.box, l.height);
    const char* taken = "";
    const char* why = verdict(l, p, taken);
    // Only ever a reason to reject: measured for rows that would be taken without it.
    if (!why && l.components <= 4 && !same) {
      l.open = open_border(grey8, mask, l.box, l.ink, static_cast<int>(l.ground));
      if (l.components >= 2 && l.components <= 3 && l.height >= 13) l.lengths = widths_long(mask, l.found) / l.components;
      why = verdict(l, p, taken);
    }
    l.text = why == nullptr;
    l.rejected_because = why ? why : "";
    l.accepted_because = why ? "" : taken;
  };
  for (const Group& g : group_lines(cs, mask, p)) {
    LineCandidate l = measure(g, grey8, mask, near);
    judge(l);
    // Judged again without a stray member or two, if that makes it a row of text on flat ground
    // (over texture, rows of anatomy came out of leaving members out).
    if (!l.text) {
      if (const Group kept = without_strays(g); !kept.empty()) {
        LineCandidate trimmed = measure(kept, grey8, mask, near);
        judge(trimmed);
        if (trimmed.text && trimmed.background <= 0.12) {
          // What the members left out reach within half a letter height of the row's band
          // (the tail of a slash, a descender) is masked with it.
          const int reach = static_cast<int>(trimmed.height / 2);
          const cv::Rect band(0, trimmed.box.y - reach, grey8.cols, trimmed.box.height + 2 * reach);
          for (const Candidate* c : g)
            if (std::find(kept.begin(), kept.end(), c) == kept.end()) trimmed.tails |= c->box & band;
          l = std::move(trimmed);
        }
      }
    }
    // Two glyphs alone on flat ground next to a region of their ink's shade: the first letters
    // of a text that goes on under it (the rest of the row cannot be seen there; extend() takes
    // it across to any letters beyond). Not two grains at a fan's edge: their band does not
    // run into ground of their shade, nor do drawn strokes go on into it (open).
    if (!l.text && !same && !high_contrast && pair_on_flat_ground(l) && std::abs(l.ink - l.ground) >= 2 * p.contrast &&
        goes_under_its_shade(l, grey8)) {
      l.open = open_border(grey8, mask, l.box, l.ink, static_cast<int>(l.ground));
      if (l.open <= 0.15) l.text = true, l.rejected_because.clear(), l.accepted_because = "pair before its shade";
    }
    rows.push_back(std::move(l));
  }
  find_blocks(rows);
  join_neighbours(rows);
  for (auto& l : rows) {
    if (l.text && l.rejected_because.empty()) extend(l, grey8, mask, near, bright);
    if (l.text) l.box |= l.tails;
    out.push_back(std::move(l));
  }
}

std::vector<LineCandidate> all_lines(const cv::Mat& grey8, const DetectorParams& p) {
  CV_Assert(grey8.type() == CV_8U);
  cv::Mat kernel = cv::getStructuringElement(cv::MORPH_RECT, cv::Size(15, 15));
  std::vector<LineCandidate> out;
  const std::array<bool, 256> levels = levels_used(grey8);
  thread_local cv::Mat response, strokes, strong, same, drawn;  // reused: see candidates()
  for (int op : {cv::MORPH_TOPHAT, cv::MORPH_BLACKHAT}) {
    bool bright = op == cv::MORPH_TOPHAT;
    cv::morphologyEx(grey8, response, op, kernel);
    cv::compare(response, p.contrast, strokes, cv::CMP_GE);
    find_rows(grey8, strokes, bright, p, nullptr, out);
    // Again among the strokes of twice that contrast: text drawn to stand out, whose thin
    // strokes join fainter texture at the first threshold (letters over ribs), comes apart
    // from it here.
    cv::compare(response, 2 * p.contrast, strong, cv::CMP_GE);
    find_rows(grey8, strong, bright, p, nullptr, out, /*high_contrast=*/true);
    // Again among the pixels of the drawn colours alone: glyphs over anatomy or speckle, which
    // the strokes above join to the texture around them, come apart from it there.
    const std::vector<int> inks = ink_values(levels, grey8, strokes);
    if (inks.empty()) continue;
    // The pixels of the drawn colours (one mask for all: they seldom touch).
    cv::compare(grey8, inks[0], same, cv::CMP_EQ);
    for (std::size_t i = 1; i < inks.size(); ++i) {
      cv::compare(grey8, inks[i], drawn, cv::CMP_EQ);
      cv::bitwise_or(same, drawn, same);
    }
    cv::compare(response, p.contrast / 2, drawn, cv::CMP_GE);
    cv::bitwise_and(drawn, same, drawn);
    find_rows(grey8, drawn, bright, p, &same, out);
  }
  return out;
}

}  // namespace

std::vector<LineCandidate> explain_text(const cv::Mat& grey8, const DetectorParams& p) { return all_lines(grey8, p); }

std::vector<cv::Rect> detect_text(const cv::Mat& grey8, const DetectorParams& p) {
  std::vector<cv::Rect> out;
  for (const auto& l : all_lines(grey8, p))
    if (l.text) out.push_back(l.box);
  // Punctuation, accents, small glyphs and anti-aliased edges sit just outside the letters.
  for (auto& r : out) {
    int pad_x = std::max(2, r.height / 4), pad_y = std::max(2, r.height / 6);
    r = cv::Rect(r.x - pad_x, r.y - pad_y, r.width + 2 * pad_x, r.height + 2 * pad_y) &
        cv::Rect(0, 0, grey8.cols, grey8.rows);
  }
  return out;
}

}  // namespace veil::pixel
