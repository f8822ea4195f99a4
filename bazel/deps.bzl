"""ae_dependencies(): the external repositories ae needs, for ae's own WORKSPACE and its users'.

A workspace that uses ae's targets declares ae and then calls this macro:

    local_repository(name = "ae", path = "/path/to/ae")
    load("@ae//bazel:deps.bzl", "ae_dependencies")
    ae_dependencies()

Bazel 4.2.3 (Debian's bazel-bootstrap) would download @rules_cc, @rules_java and
@remote_coverage_tools; ae's stand-ins in bazel/stubs/ replace them, so nothing is downloaded.
The C and C++ libraries themselves are Debian's (tools/setup.sh) and need no repository, except
GLib, whose headers live outside /usr/include's reach (@system_glib below).
"""

def _ae_stub_repository_impl(rctx):
    # The stub's folder inside ae's own tree, wherever ae is checked out: found from this file.
    stub = rctx.path(Label("//bazel:deps.bzl")).dirname.get_child("stubs").get_child(rctx.attr.stub)
    for child in stub.readdir():
        rctx.symlink(child, child.basename)

_ae_stub_repository = repository_rule(
    implementation = _ae_stub_repository_impl,
    attrs = {"stub": attr.string(mandatory = True)},
    local = True,
)

# GLib (libglib2.0-dev) keeps its headers in /usr/include/glib-2.0 and its configuration header
# in the multiarch library folder, where neither the compiler nor Bazel's inclusion check looks.
# This repository links both folders in and declares them, so that //bazel/third_party:glib
# carries the include paths (as pkg-config --cflags glib-2.0 would).
_GLIB_BUILD = """
cc_library(
    name = "glib",
    hdrs = glob(["glib-2.0/**/*.h", "glibconfig/*.h"]),
    includes = ["glib-2.0", "glibconfig"],
    linkopts = ["-lglib-2.0"],
    visibility = ["//visibility:public"],
)
"""

def _system_glib_impl(rctx):
    arch = rctx.execute(["gcc", "-print-multiarch"]).stdout.strip() or "x86_64-linux-gnu"
    rctx.symlink("/usr/include/glib-2.0", "glib-2.0")
    rctx.symlink("/usr/lib/%s/glib-2.0/include" % arch, "glibconfig")
    rctx.file("BUILD.bazel", _GLIB_BUILD)

_system_glib = repository_rule(implementation = _system_glib_impl, local = True)

def ae_dependencies():
    """Declares the repositories ae needs that the calling workspace has not declared."""
    for name in ["rules_cc", "rules_java", "remote_coverage_tools"]:
        if not native.existing_rule(name):
            _ae_stub_repository(name = name, stub = name)
    if not native.existing_rule("system_glib"):
        _system_glib(name = "system_glib")
