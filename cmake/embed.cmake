# cmake -DOUT=file.cpp -DNAME=symbol -DIN=data.txt -P embed.cmake
# Writes a C++ source defining `std::string_view veil::embedded::NAME` holding the file's text.
file(READ "${IN}" content)
set(delim "veil_data")
string(FIND "${content}" ")${delim}\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${IN} contains the raw-string delimiter")
endif()
file(WRITE "${OUT}.tmp" "// generated from ${IN} by cmake/embed.cmake\n#include <string_view>\nnamespace veil::embedded {\nextern const std::string_view ${NAME};\nconst std::string_view ${NAME} = R\"${delim}(${content})${delim}\";\n}  // namespace veil::embedded\n")
file(RENAME "${OUT}.tmp" "${OUT}")
