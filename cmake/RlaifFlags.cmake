# Compiler flags for the CPU kernels. No -march=native: the library ships in a
# jar and must run on any x86-64; -O3 lets GCC vectorise the element loops.
# No -ffast-math: the kernels rely on NaN propagation to report bad inputs.
# -fno-trapping-math lets GCC turn the masked selects into branch-free vector
# code (we never rely on floating-point exceptions).
set(CMAKE_CXX_STANDARD 17)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_POSITION_INDEPENDENT_CODE ON)
if(NOT CMAKE_BUILD_TYPE)
  set(CMAKE_BUILD_TYPE Release CACHE STRING "Build type" FORCE)
endif()
set(RLAIF_CXX_FLAGS -Wall -Wextra -fno-math-errno -fno-trapping-math)
if(CMAKE_BUILD_TYPE STREQUAL "Release")
  list(APPEND RLAIF_CXX_FLAGS -O3)
endif()
