# OpenMP parallelises the CPU kernels over rows / chunks. libtorch ships its
# own libgomp.so.1; ours resolves to the same soname, so one runtime is loaded.
find_package(OpenMP REQUIRED COMPONENTS CXX)
