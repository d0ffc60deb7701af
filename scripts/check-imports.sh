#!/usr/bin/env bash
# scripts/check-imports.sh: every `import` in a target names a dependency declared for it in
# Package.swift (SwiftPM builds an undeclared import whenever the module happens to be built
# already, so the build alone does not catch it). Prints the offending lines; exit 1 if any.
set -euo pipefail
cd "$(dirname "$0")/.."
swift package dump-package | /usr/bin/python3 -c '
import json, os, re, sys
pkg = json.load(sys.stdin)
system = {"Foundation", "FoundationXML", "FoundationNetworking", "Glibc", "Dispatch", "Darwin", "XCTest", "Testing", "FoundationEssentials", "System"}
bad = 0
for t in pkg["targets"]:
    deps = set()
    for d in t["dependencies"]:
        kind, value = next(iter(d.items()))
        deps.add(value[0])
    path = t.get("path") or ("Tests/" if t["type"] == "test" else "Sources/") + t["name"]
    if not os.path.isdir(path):
        continue
    for root, _, files in os.walk(path):
        for f in files:
            if not f.endswith(".swift"):
                continue
            for n, line in enumerate(open(os.path.join(root, f)), 1):
                # Imports head the file: stop at the first line of code.
                if line.strip() and not re.match(r"^\s*(//|@testable import|import|#if|#endif|#else)", line):
                    break
                m = re.match(r"^\s*(?:@testable\s+)?import\s+(\w+)", line)
                if m and m.group(1) not in system and m.group(1) not in deps and m.group(1) != t["name"]:
                    print(f"{root}/{f}:{n}: imports {m.group(1)}, not a dependency of " + t["name"])
                    bad += 1
sys.exit(1 if bad else 0)
'
