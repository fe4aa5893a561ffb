#!/usr/bin/python3
"""Generates deploy/CONFIGURATION.md from proto/gateway/config/v1/config.proto.

The reference is the proto's own comments (protoc --include_source_info),
walked from GatewayConfig in the order fields are first reached, so it cannot
say anything the proto does not.

  deploy/config-reference.py            # rewrite deploy/CONFIGURATION.md
  deploy/config-reference.py --check    # exit 1 if the committed copy drifted

Needs protoc and python3-protobuf (deploy/install-deps.sh).
"""
import difflib
import os
import subprocess
import sys
import tempfile

from google.protobuf import descriptor_pb2

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROTO = "gateway/config/v1/config.proto"
OUTPUT = os.path.join(ROOT, "deploy", "CONFIGURATION.md")
ROOT_MESSAGE = "GatewayConfig"

# FieldDescriptorProto.Type -> how the YAML spells it.
SCALARS = {
    1: "double", 2: "float", 3: "int64", 4: "uint64", 5: "int32", 8: "bool",
    9: "string", 12: "bytes", 13: "uint32", 17: "sint32", 18: "sint64",
}
WELL_KNOWN = {
    ".google.protobuf.Duration": 'duration (seconds with an "s": "30s", "0.5s")',
}


def load_file():
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "config.pb")
        subprocess.run(
            ["protoc", "-I", os.path.join(ROOT, "proto"), "-I", "/usr/include",
             "--include_source_info", "--descriptor_set_out", out, PROTO],
            check=True)
        with open(out, "rb") as f:
            files = descriptor_pb2.FileDescriptorSet.FromString(f.read())
    return files.file[0]


def comments(file):
    """Maps a source path (tuple) to its leading comment, tidied."""
    result = {}
    for location in file.source_code_info.location:
        text = location.leading_comments
        if text:
            lines = [line[1:] if line.startswith(" ") else line
                     for line in text.rstrip("\n").split("\n")]
            result[tuple(location.path)] = "\n".join(lines)
    return result


def collect(file):
    """Messages and enums by full name, each with its comment path."""
    package = "." + file.package
    types = {}

    def walk_message(message, prefix, path):
        name = f"{prefix}.{message.name}"
        types[name] = ("message", message, path)
        for i, nested in enumerate(message.nested_type):
            walk_message(nested, name, path + (3, i))
        for i, enum in enumerate(message.enum_type):
            types[f"{name}.{enum.name}"] = ("enum", enum, path + (4, i))

    for i, message in enumerate(file.message_type):
        walk_message(message, package, (4, i))
    for i, enum in enumerate(file.enum_type):
        types[f"{package}.{enum.name}"] = ("enum", enum, (5, i))
    return package, types


def one_line(text):
    return " ".join(text.split()).replace("|", "\\|")


def type_name(field, package):
    if field.type_name in WELL_KNOWN:
        kind = WELL_KNOWN[field.type_name]
    elif field.type_name:
        short = field.type_name[len(package) + 1:]
        kind = f"[{short}](#{short.lower().replace('.', '')})"
    else:
        kind = SCALARS.get(field.type, str(field.type))
    if field.label == descriptor_pb2.FieldDescriptorProto.LABEL_REPEATED:
        kind = f"list of {kind}"
    return kind


def render(file):
    docs = comments(file)
    package, types = collect(file)
    out = [
        "# Configuration reference",
        "",
        f"<!-- Generated from proto/{PROTO} by",
        "     deploy/config-reference.py; do not edit. The test",
        "     deploy.configuration_reference fails when the two disagree. -->",
        "",
        docs.get((12,), "").strip() or "",
        "",
    ]
    order = [f"{package}.{ROOT_MESSAGE}"]
    seen = set(order)
    i = 0
    while i < len(order):
        full = order[i]
        i += 1
        kind, descriptor, path = types[full]
        short = full[len(package) + 1:]
        out += [f"## {short}", ""]
        if docs.get(path):
            out += [docs[path], ""]
        if kind == "enum":
            out += ["| Value | Meaning |", "| --- | --- |"]
            for v, value in enumerate(descriptor.value):
                out.append(f"| `{value.name}` | {one_line(docs.get(path + (2, v), ''))} |")
            out.append("")
            continue
        out += ["| Field | Type | Meaning |", "| --- | --- | --- |"]
        for f, field in enumerate(descriptor.field):
            out.append(f"| `{field.name}` | {type_name(field, package)} | "
                       f"{one_line(docs.get(path + (2, f), ''))} |")
            if field.type_name in types and field.type_name not in seen:
                seen.add(field.type_name)
                order.append(field.type_name)
        for nested in list(types):
            if nested.startswith(full + ".") and nested not in seen:
                seen.add(nested)
                order.append(nested)
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def main():
    text = render(load_file())
    if sys.argv[1:] == ["--check"]:
        with open(OUTPUT, encoding="utf-8") as f:
            committed = f.read()
        if committed != text:
            sys.stdout.writelines(difflib.unified_diff(
                committed.splitlines(True), text.splitlines(True),
                "deploy/CONFIGURATION.md (committed)", "(generated)"))
            print("deploy/CONFIGURATION.md is stale: run deploy/config-reference.py",
                  file=sys.stderr)
            return 1
        print("deploy/CONFIGURATION.md matches the config proto")
        return 0
    with open(OUTPUT, "w", encoding="utf-8") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
