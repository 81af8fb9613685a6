# Included right after llama.cpp's own project() call (CMAKE_PROJECT_llama.cpp_INCLUDE, set by
# tools/build_llama_wheel.py) when llama-cpp-python is built from its sdist.
#
# llama-cpp-python's CMakeLists forces LLAMA_BUILD_COMMON ON, which compiles llama.cpp's `common`
# helpers and the cpp-httplib server library: about 43 % of the build's CPU time, for a library the
# Python package never loads (it loads libllama, libggml* and, with LLAVA_BUILD, libmtmd). Setting
# the cache entry OFF here, before llama.cpp's option() reads it, skips both and their install rule.
set(LLAMA_BUILD_COMMON OFF CACHE BOOL "llama: build common utils library (not loaded by llama_cpp)" FORCE)
