"""What the example programs' BUILD files share."""

# The tests that run the programs, and the echo benchmark that runs echo_server.
EXAMPLE_VISIBILITY = [
    "//bench/echo:__pkg__",
    "//tests/examples:__pkg__",
    "//tests/interop:__pkg__",
]

# Every example parses its command line with //examples/common and talks TCP with //socket.
EXAMPLE_DEPS = [
    "//core",
    "//examples/common",
    "//socket",
]
