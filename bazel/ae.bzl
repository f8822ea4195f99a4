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
        deps = deps + ["//tests/support:main"],
        size = size,
        **kwargs
    )

def ae_cc_benchmark(name, copts = [], **kwargs):
    """A benchmark binary: built like a program, never run as a test."""
    native.cc_binary(name = name, copts = AE_COPTS + copts, **kwargs)
