"""header_examples: one C++ file made of the `// Example:` blocks of the public headers of deps."""

def _is_public_header(path, packages):
    if not path.endswith(".h") or "/internal/" in path:
        return False
    for package in packages:
        if path.startswith(package + "/"):
            return True
    return False

def _header_examples_impl(ctx):
    # The headers of every target the deps bring in, kept to the packages asked for: //core's
    # headers come through //core:base, which only the backends may name.
    headers = {}
    for dep in ctx.attr.deps:
        for f in dep[CcInfo].compilation_context.headers.to_list():
            if _is_public_header(f.short_path, ctx.attr.packages):
                headers[f.short_path] = f
    out = ctx.actions.declare_file(ctx.label.name + ".cc")
    args = ctx.actions.args()
    args.add(ctx.file._extractor)
    args.add(out)
    args.add(ctx.file.prelude.short_path)
    args.add(",".join(ctx.attr.without_example))
    args.add_all([headers[p] for p in sorted(headers)])
    ctx.actions.run_shell(
        command = 'exec python3 "$@"',
        arguments = [args],
        inputs = [ctx.file._extractor] + headers.values(),
        outputs = [out],
        mnemonic = "HeaderExamples",
        progress_message = "Extracting the header examples of %s" % ", ".join(ctx.attr.packages),
    )
    return [DefaultInfo(files = depset([out]))]

header_examples = rule(
    implementation = _header_examples_impl,
    attrs = {
        "deps": attr.label_list(providers = [CcInfo]),
        "packages": attr.string_list(mandatory = True),
        "prelude": attr.label(allow_single_file = [".h"], mandatory = True),
        "without_example": attr.string_list(),
        "_extractor": attr.label(
            default = ":extract_examples.py",
            allow_single_file = True,
        ),
    },
)
