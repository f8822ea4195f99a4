"""ae_dependencies(): the external repositories ae needs, for ae's own WORKSPACE and its users'.

A workspace that uses ae's targets declares ae and then calls this macro:

    local_repository(name = "ae", path = "/path/to/ae")
    load("@ae//bazel:deps.bzl", "ae_dependencies")
    ae_dependencies()

Bazel 4.2.3 (Debian's bazel-bootstrap) would download @rules_cc, @rules_java and
@remote_coverage_tools; ae's stand-ins in bazel/stubs/ replace them, so nothing is downloaded.
The C and C++ libraries themselves are Debian's (tools/setup.sh) and need no repository.
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

def ae_dependencies():
    """Declares the repositories ae needs that the calling workspace has not declared."""
    for name in ["rules_cc", "rules_java", "remote_coverage_tools"]:
        if not native.existing_rule(name):
            _ae_stub_repository(name = name, stub = name)
