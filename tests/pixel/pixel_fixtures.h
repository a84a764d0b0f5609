// Builds DICOM images with drawn text for the pixel tests, and reads veil's output back.
#pragma once

#include <gdcmImageChangeTransferSyntax.h>
#include <gdcmImageWriter.h>
#include <gdcmReader.h>
#include <gdcmWriter.h>

#include <opencv2/imgproc.hpp>

#include <cstring>
#include <filesystem>
#include <functional>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "io/dicom_io.h"
#include "pixel/pixel_data.h"
#include "veil/veil.h"

namespace veil::testing {

// A CT-like slice (16-bit signed): air, a body with noise, bone, lungs with vessel dots
// (text-sized bright blobs). The noise comes from cv::theRNG(), the dots from `rng`.
inline cv::Mat synthetic_ct_slice(std::mt19937& rng) {
  cv::Mat m(512, 512, CV_16S, cv::Scalar(-1000));
  cv::ellipse(m, {256, 270}, {210, 160}, 0, 0, 360, cv::Scalar(40), -1);
  cv::ellipse(m, {170, 260}, {70, 100}, 0, 0, 360, cv::Scalar(-850), -1);
  cv::ellipse(m, {342, 260}, {70, 100}, 0, 0, 360, cv::Scalar(-850), -1);
  cv::ellipse(m, {256, 380}, {30, 25}, 0, 0, 360, cv::Scalar(700), -1);
  std::uniform_int_distribution<int> x(110, 400), y(170, 350), r(1, 4);
  for (int i = 0; i < 150; ++i) cv::circle(m, {x(rng), y(rng)}, r(rng), cv::Scalar(-100), -1);
  cv::Mat noise(m.size(), CV_16S);
  cv::randn(noise, 0, 15);
  m += noise;
  return m;
}

// An ultrasound-like fan of speckle on black (8-bit grey) with three bright lines drawn over
// it, as calipers are. The speckle comes from cv::theRNG(), the lines from `rng`.
inline cv::Mat synthetic_us_frame(std::mt19937& rng) {
  cv::Mat speckle(480, 640, CV_32F);
  cv::randn(speckle, 0, 1);
  cv::Mat s2(480, 640, CV_32F);
  cv::randn(s2, 0, 1);
  cv::Mat rayleigh;
  cv::magnitude(speckle, s2, rayleigh);
  cv::GaussianBlur(rayleigh, rayleigh, {3, 5}, 0);
  cv::Mat fan = cv::Mat::zeros(480, 640, CV_8U);
  cv::ellipse(fan, {320, 40}, {420, 420}, 0, 50, 130, cv::Scalar(255), -1);
  cv::Mat grey;
  rayleigh.convertTo(grey, CV_8U, 70);
  cv::Mat g = cv::Mat::zeros(480, 640, CV_8U);
  grey.copyTo(g, fan);
  std::uniform_int_distribution<int> x(200, 440), y(150, 400);
  for (int i = 0; i < 3; ++i) cv::line(g, {x(rng), y(rng)}, {x(rng), y(rng)}, cv::Scalar(230), 2, cv::LINE_AA);
  return g;
}

inline std::vector<std::byte> file_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::byte> out(s.size());
  std::memcpy(out.data(), s.data(), s.size());
  return out;
}

// The decoded image of DICOM bytes (throws when they do not read).
inline pixel::DecodedImage decode_bytes(std::span<const std::byte> bytes) {
  gdcm::SmartPointer<gdcm::File> file;
  gdcm::Image image;
  if (auto err = io::read(bytes, file, nullptr, &image)) throw std::runtime_error("read: " + err->message);
  auto d = pixel::DecodedImage::decode(image);
  if (!d) throw std::runtime_error("decode: " + d.error().message);
  return std::move(*d);
}

// A DICOM file holding `frames` (all of one type: CV_8U, CV_16U, CV_16S or CV_8UC3 as RGB) in
// `syntax`, with a patient name and ID the pixel stage must not care about.
inline std::vector<std::byte> make_dicom(const std::vector<cv::Mat>& frames, const std::string& modality,
                                         gdcm::TransferSyntax syntax = gdcm::TransferSyntax::ExplicitVRLittleEndian,
                                         const std::string& photometric = "",
                                         const std::function<void(gdcm::DataSet&)>& edit = nullptr,
                                         int bits_stored = 0) {
  const cv::Mat& f0 = frames.at(0);
  int samples = f0.channels();
  int bits = f0.elemSize1() == 1 ? 8 : 16;
  bool is_signed = f0.depth() == CV_16S;
  gdcm::SmartPointer<gdcm::Image> img = new gdcm::Image;
  img->SetNumberOfDimensions(frames.size() > 1 ? 3 : 2);
  img->SetDimension(0, static_cast<unsigned>(f0.cols));
  img->SetDimension(1, static_cast<unsigned>(f0.rows));
  if (frames.size() > 1) img->SetDimension(2, static_cast<unsigned>(frames.size()));
  int stored = bits_stored ? bits_stored : bits;
  gdcm::PixelFormat pf(static_cast<unsigned short>(samples), static_cast<unsigned short>(bits),
                       static_cast<unsigned short>(stored), static_cast<unsigned short>(stored - 1),
                       static_cast<unsigned short>(is_signed ? 1 : 0));
  img->SetPixelFormat(pf);
  std::string pi = photometric.empty() ? (samples == 3 ? "RGB" : "MONOCHROME2") : photometric;
  img->SetPhotometricInterpretation(gdcm::PhotometricInterpretation::GetPIType(pi.c_str()));
  img->SetPlanarConfiguration(0);
  img->SetTransferSyntax(gdcm::TransferSyntax::ExplicitVRLittleEndian);
  std::string buf;
  for (const auto& f : frames) {
    cv::Mat c = f.isContinuous() ? f : f.clone();
    buf.append(reinterpret_cast<const char*>(c.data), c.total() * c.elemSize());
  }
  gdcm::DataElement de(gdcm::Tag(0x7FE0, 0x0010));
  de.SetVR(bits == 8 ? gdcm::VR::OB : gdcm::VR::OW);
  de.SetByteValue(buf.data(), gdcm::VL(static_cast<std::uint32_t>(buf.size())));
  img->SetDataElement(de);
  gdcm::SmartPointer<gdcm::Image> out = img;
  if (syntax != gdcm::TransferSyntax::ExplicitVRLittleEndian) {
    gdcm::ImageChangeTransferSyntax change;
    change.SetTransferSyntax(syntax);
    change.SetInput(*img);
    if (!change.Change()) throw std::runtime_error("fixture: GDCM cannot encode the syntax");
    out = new gdcm::Image(change.GetOutput());
  }
  gdcm::ImageWriter w;
  w.SetImage(*out);
  gdcm::DataSet& ds = w.GetFile().GetDataSet();
  auto put = [&](std::uint16_t g, std::uint16_t e, gdcm::VR vr, std::string v) {
    if (v.size() % 2) v += vr == gdcm::VR::UI ? '\0' : ' ';
    gdcm::DataElement x(gdcm::Tag(g, e));
    x.SetVR(vr);
    x.SetByteValue(v.data(), gdcm::VL(static_cast<std::uint32_t>(v.size())));
    ds.Replace(x);
  };
  bool us = modality == "US", multi = frames.size() > 1;
  std::string sop = us ? (multi ? "1.2.840.10008.5.1.4.1.1.3.1" : "1.2.840.10008.5.1.4.1.1.6.1")
                       : (!multi && modality == "CT" ? "1.2.840.10008.5.1.4.1.1.2"
                          : !multi && modality == "MR" ? "1.2.840.10008.5.1.4.1.1.4"
                          : !multi       ? "1.2.840.10008.5.1.4.1.1.7"
                          : samples == 3 ? "1.2.840.10008.5.1.4.1.1.7.4"
                          : bits == 8    ? "1.2.840.10008.5.1.4.1.1.7.2"
                          : is_signed    ? "1.2.840.10008.5.1.4.1.1.2.1"  // Enhanced CT
                                         : "1.2.840.10008.5.1.4.1.1.7.3");
  put(0x0008, 0x0016, gdcm::VR::UI, sop);
  put(0x0008, 0x0018, gdcm::VR::UI, "1.2.826.0.1.3680043.99.77.1");
  put(0x0008, 0x0060, gdcm::VR::CS, modality);
  put(0x0010, 0x0010, gdcm::VR::PN, "DOE^JOHN");
  put(0x0010, 0x0020, gdcm::VR::LO, "MRN12345");
  put(0x0020, 0x000D, gdcm::VR::UI, "1.2.826.0.1.3680043.99.77.2");
  put(0x0020, 0x000E, gdcm::VR::UI, "1.2.826.0.1.3680043.99.77.3");
  if (edit) edit(ds);
  std::ostringstream os;
  w.SetStream(os);
  if (!w.Write()) throw std::runtime_error("fixture: GDCM did not write the image");
  std::string s = os.str();
  std::vector<std::byte> bytes(s.size());
  std::memcpy(bytes.data(), s.data(), s.size());
  return bytes;
}

inline Deidentifier pixel_deidentifier(PixelMode mode) {
  DeidentifierOptions o;
  o.pixels.mode = mode;
  return Deidentifier(Profile(), Key::from_bytes("0123456789abcdef0123456789abcdef"), o);
}

// The union of the masked boxes of a result, as a mask of one frame.
inline cv::Mat masked_union(const FileResult& r, cv::Size size) {
  cv::Mat m = cv::Mat::zeros(size, CV_8U);
  for (const auto& b : r.masked_regions) m(cv::Rect(b.x, b.y, b.width, b.height) & cv::Rect({}, size)).setTo(255);
  return m;
}

// `bytes` read again and written with `edit` applied to the data set as it is, past the checks
// GDCM's image writer makes: for layouts it will not write from an image (a palette without
// tables in the image object, YBR_FULL_422 as stored).
inline std::vector<std::byte> with_header(const std::vector<std::byte>& bytes,
                                          const std::function<void(gdcm::DataSet&)>& edit) {
  std::istringstream is(std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  gdcm::Reader reader;
  reader.SetStream(is);
  if (!reader.Read()) throw std::runtime_error("fixture: GDCM did not read its own file");
  edit(reader.GetFile().GetDataSet());
  std::ostringstream os;
  gdcm::Writer writer;
  writer.SetFile(reader.GetFile());
  writer.SetStream(os);
  if (!writer.Write()) throw std::runtime_error("fixture: GDCM did not write the file");
  std::string s = os.str();
  std::vector<std::byte> out(s.size());
  std::memcpy(out.data(), s.data(), s.size());
  return out;
}

}  // namespace veil::testing
