# Optional CUDA kernels. RLAIF_CUDA=AUTO builds them when nvcc is found,
# ON requires nvcc, OFF never builds them. Without them, a stub library with
# the same symbols reports RLAIF_ERR_NO_CUDA.
set(RLAIF_CUDA "AUTO" CACHE STRING "Build the CUDA kernels: AUTO, ON or OFF")
set_property(CACHE RLAIF_CUDA PROPERTY STRINGS AUTO ON OFF)
set(RLAIF_CUDA_ARCHITECTURES "80-real;90a-real;90-virtual" CACHE STRING
    "CUDA architectures for the kernels (sm_80 and sm_90a at least; PTX for newer GPUs)")

set(RLAIF_WITH_CUDA OFF)
if(RLAIF_CUDA STREQUAL "ON" OR RLAIF_CUDA STREQUAL "AUTO")
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    set(CMAKE_CUDA_ARCHITECTURES ${RLAIF_CUDA_ARCHITECTURES})
    enable_language(CUDA)
    set(RLAIF_WITH_CUDA ON)
  elseif(RLAIF_CUDA STREQUAL "ON")
    message(FATAL_ERROR "RLAIF_CUDA=ON but no CUDA compiler (nvcc) was found")
  endif()
elseif(NOT RLAIF_CUDA STREQUAL "OFF")
  message(FATAL_ERROR "RLAIF_CUDA must be AUTO, ON or OFF, got '${RLAIF_CUDA}'")
endif()
message(STATUS "rlaif: CUDA kernels ${RLAIF_WITH_CUDA} (RLAIF_CUDA=${RLAIF_CUDA})")
