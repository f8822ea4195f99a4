"""libFuzzer targets that double as corpus tests (docs/fuzzing.md)."""

load("//bazel:ae.bzl", "AE_COPTS")

def ae_fuzz_target(name, srcs, deps = [], size = "small"):
    """A fuzz target over LLVMFuzzerTestOneInput in `srcs`, with its seed corpus in corpus/<name>/.

    Makes three targets:
      <name>_bin   the fuzzer: libFuzzer under --config=fuzz, else the corpus driver;
      <name>       `bazel run --config=fuzz //tests/fuzz:<name> -- [libFuzzer flags]` fuzzes from a
                   writable copy of the seed corpus (tests/fuzz/run_fuzzer.sh);
      <name>_test  runs every seed input once, in every config CI builds.
    """
    corpus = native.glob(["corpus/" + name + "/*"])
    native.cc_binary(
        name = name + "_bin",
        testonly = True,
        srcs = srcs,
        copts = AE_COPTS,
        linkopts = select({
            ":libfuzzer": ["-fsanitize=fuzzer"],
            "//conditions:default": [],
        }),
        deps = deps + select({
            ":libfuzzer": [],
            "//conditions:default": [":corpus_driver"],
        }),
    )
    native.sh_binary(
        name = name,
        testonly = True,
        srcs = ["run_fuzzer.sh"],
        args = [
            "$(location :%s_bin)" % name,
            "tests/fuzz/corpus/" + name,
        ],
        data = [":" + name + "_bin"] + corpus,
    )
    native.cc_test(
        name = name + "_test",
        size = size,
        srcs = srcs,
        copts = AE_COPTS,
        args = ["tests/fuzz/corpus/" + name],
        data = corpus,
        deps = deps + [":corpus_driver"],
    )
