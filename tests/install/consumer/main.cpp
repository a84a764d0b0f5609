// A program outside the veil tree: links the installed library and de-identifies one file.
#include <veil/veil.h>

#include <iostream>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: consumer IN OUT\n";
    return 2;
  }
  veil::Deidentifier deid(veil::Profile::preset("basic"), veil::Key::from_bytes("consumer-test-key-0123456789"));
  auto result = deid.deidentify_file(argv[1], argv[2]);
  if (!result) {
    std::cerr << "error: " << veil::to_string(result.error().code) << ": " << result.error().message << "\n";
    return 1;
  }
  std::cout << "veil " << veil::version() << ": removed " << result->count(veil::Action::kRemove) << ", replaced UIDs "
            << result->count(veil::Action::kUid) << "\n";
  return result->count(veil::Action::kUid) > 0 && result->sop_instance_uid.starts_with("2.25.") ? 0 : 1;
}
