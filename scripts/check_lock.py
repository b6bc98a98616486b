"""Fails when a virtual environment holds anything other than its lock: a package at another version,
a package the lock lacks, or a locked package that is missing. Standard library only: it runs under
each venv's own interpreter.

    <venv>/bin/python scripts/check_lock.py locks/worker-cpu.txt [--editable r1worker]
        [--inputs locks/worker-cpu.in gpu-worker/pyproject.toml]

With --inputs it also fails when an exact pin in an input (a .in file, or a pyproject.toml's
dependencies and optional dependencies) is not what the lock holds: a lock left stale after an input
changed (regenerate with scripts/lock.sh).
"""

import argparse
import re
import sys
from importlib import metadata

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def read_lock(path: str) -> dict[str, str]:
    pins: dict[str, str] = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = PIN.match(line)
            if m:
                pins[canonical(m.group(1))] = m.group(2)
    if not pins:
        sys.exit(f"check_lock: {path} pins no package")
    return pins


def input_pins(path: str) -> dict[str, str]:
    if path.endswith(".toml"):
        import tomllib

        with open(path, "rb") as f:
            project = tomllib.load(f)["project"]
        lines = list(project.get("dependencies", []))
        for extra in project.get("optional-dependencies", {}).values():
            lines += extra
    else:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    pins = {}
    for line in lines:
        m = PIN.match(line.strip())
        if m:
            pins[canonical(m.group(1))] = m.group(2)
    return pins


def installed() -> dict[str, str]:
    return {canonical(d.metadata["Name"]): d.version for d in metadata.distributions()}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("lock")
    ap.add_argument("--editable", action="append", default=[], help="a project installed from source")
    ap.add_argument("--inputs", nargs="*", default=[], help="the lock's inputs (.in, pyproject.toml)")
    ap.add_argument("--no-env", action="store_true", help="check the inputs only (a lock not installed here)")
    args = ap.parse_args()
    want = read_lock(args.lock)
    have = {} if args.no_env else installed()
    problems = []
    for source in args.inputs:
        for name, version in sorted(input_pins(source).items()):
            if want.get(name) != version:
                locked = want.get(name, "nothing")
                problems.append(
                    f"{source} pins {name}=={version}, the lock holds {locked}: run scripts/lock.sh"
                )
    for name, version in [] if args.no_env else sorted(want.items()):
        if name not in have:
            problems.append(f"{name}=={version} is locked but not installed")
        elif have[name] != version:
            problems.append(f"{name} is {have[name]}, the lock says {version}")
    own = {canonical(e) for e in args.editable}
    for name in sorted(set(have) - set(want) - own):  # empty with --no-env
        problems.append(f"{name}=={have[name]} is installed but not in the lock")
    where = f"the inputs of {args.lock}" if args.no_env else f"{sys.prefix} and {args.lock}"
    if problems:
        print(f"check_lock: {where} disagree:", file=sys.stderr)
        for p in problems:
            print(f"  - {p}", file=sys.stderr)
        return 1
    print(f"check_lock: {where} agree ({len(want)} packages)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
