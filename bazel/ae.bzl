"""Build macros for ae: warning flags and test defaults live here, once."""

# Our code builds warning-free; system headers come from /usr/include and are exempt.
AE_COPTS = [
    "-Wall",
    "-Wextra",
    "-Werror",
]

def ae_cc_library(name, copts = [], **kwargs):
    native.cc_library(name = name, copts = AE_COPTS + copts, **kwargs)

def ae_cc_binary(name, copts = [], **kwargs):
    native.cc_binary(name = name, copts = AE_COPTS + copts, **kwargs)

def ae_cc_test(name, copts = [], deps = [], size = "small", **kwargs):
    native.cc_test(
        name = name,
        copts = AE_COPTS + copts,
        deps = deps + ["//bazel/third_party:gtest_main"],
        size = size,
        **kwargs
    )

def ae_cc_benchmark(name, copts = [], **kwargs):
    """A benchmark binary: built like a program, never run as a test."""
    native.cc_binary(name = name, copts = AE_COPTS + copts, **kwargs)

def ae_cc_fuzz_test(name, srcs, corpus = [], deps = [], copts = [], size = "small", **kwargs):
    """A libFuzzer target (LLVMFuzzerTestOneInput in srcs) and, by default, a test.

    Plain builds link //bazel:fuzz_driver, which runs the corpus files and deterministic
    mutations of them; --config=fuzz links libFuzzer instead (run the binary by hand).
    """
    native.cc_test(
        name = name,
        srcs = srcs,
        copts = AE_COPTS + copts,
        size = size,
        data = corpus,
        args = ["$(location %s)" % c for c in corpus],
        linkopts = select({
            "//bazel:libfuzzer": ["-fsanitize=fuzzer"],
            "//conditions:default": [],
        }),
        deps = deps + select({
            "//bazel:libfuzzer": [],
            "//conditions:default": ["//bazel:fuzz_driver"],
        }),
        **kwargs
    )
