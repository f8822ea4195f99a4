"""The package dependency table (README.md), checked with `bazel query` (genquery)."""

# Package -> what it may depend on: other ae packages (by folder) and third-party wrappers
# (//bazel/third_party targets). Every package may use //bazel (build helpers).
ALLOWED = {
    "core": {"packages": ["core"], "third_party": ["asio"]},
    "core/backend/uv": {"packages": ["core"], "third_party": ["asio", "libuv"]},
    # Core without its default backend: a program on these alone links no Boost.Asio.
    "core/backend/native": {"packages": ["core"], "third_party": []},
    "core/backend/ev": {"packages": ["core"], "third_party": ["libev"]},
    "core/backend/glib": {"packages": ["core"], "third_party": ["glib"]},
    "handle": {"packages": ["core", "handle"], "third_party": ["asio", "nlohmann_json", "re2"]},
    "socket": {"packages": ["core", "socket"], "third_party": ["asio"]},
    "dns": {"packages": ["core", "dns"], "third_party": ["asio", "cares"]},
    "tls": {"packages": ["core", "tls"], "third_party": ["asio", "openssl"]},
    "fork": {"packages": ["core", "fork"], "third_party": ["asio", "nlohmann_json"]},
    "log": {"packages": ["core", "log"], "third_party": ["asio"]},
    "io": {"packages": ["core", "io"], "third_party": ["asio"]},
    "debug": {"packages": ["core", "debug", "log"], "third_party": ["asio"]},
    "http": {
        "packages": ["core", "handle", "socket", "dns", "tls", "log", "http"],
        "third_party": [
            "asio",
            "beast",
            "boost_url",
            "cares",
            "libpsl",
            "nlohmann_json",
            "openssl",
            "zlib",
        ],
    },
}

def dependency_checks(packages):
    """One genquery per package plus a test that compares its closure with ALLOWED."""
    data = []
    args = []
    for pkg in packages:
        name = pkg.replace("/", "_") + "_closure"
        native.genquery(
            name = name,
            expression = "deps(//%s)" % pkg,
            scope = ["//%s" % pkg],
            opts = ["--noimplicit_deps"],
        )
        rule = ALLOWED[pkg]
        data.append(":" + name)
        args.append("%s=$(location :%s)=%s=%s" % (
            pkg,
            name,
            ",".join(rule["packages"]),
            ",".join(rule["third_party"]),
        ))
    native.sh_test(
        name = "dependency_table_test",
        size = "small",
        srcs = ["check_closure.sh"],
        args = args,
        data = data,
    )
