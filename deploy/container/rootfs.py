"""Assemble the final image's root filesystem from the build stage, like a distroless base.

Run by the build stage's Python (the agent's venv) as ``python rootfs.py /rootfs``.
It copies, at their own paths: the Python interpreter and its standard library
(less the parts an agent never imports), the agent's venv (less pip and
setuptools), every shared library those load (found with ``ldd``, symlinks kept),
the CA bundle, and a few /etc files. No shell, package manager or compiler comes
along. Works the same whether Python came from Debian (/usr) or from the official
Python image (/usr/local).
"""

from __future__ import annotations

import compileall
import os
import re
import shutil
import stat
import subprocess
import sys
import sysconfig

#: The image's user: not root, and not a uid that a host is likely to use.
UID = GID = 65532
STDLIB_PRUNE = {"ensurepip", "idlelib", "tkinter", "turtledemo", "lib2to3", "pydoc_data", "test", "distutils"}
#: Extension modules an agent never imports; they would pull in Berkeley DB, Kerberos, ncurses, readline.
DYNLOAD_PRUNE = re.compile(
    r"^_(tkinter|test|ctypes_test|xxtestfuzz|xxsubinterpreters|dbm|gdbm|curses|curses_panel)\.|^(nis|readline|xx)"
)
VENV_PRUNE = re.compile(r"^(pip|setuptools|wheel|_distutils_hack|pkg_resources)([-_.].*)?$|^distutils-precedence\.pth$")
BIN_PRUNE = re.compile(r"^(pip.*|wheel|activate.*|Activate.ps1)$")
LDD_LINE = re.compile(r"(?:=>\s*)?(/\S+)\s+\(0x")
CA_BUNDLES = ("/etc/ssl/certs/ca-certificates.crt",)


def copy_path(path: str, dest: str, ignore: shutil.IgnorePattern | None = None) -> None:
    """Copy ``path`` (file or folder) to ``dest + path``, recreating the symlinks met on the way."""
    parts = [p for p in path.split("/") if p]
    current = "/"
    for i, part in enumerate(parts):
        current = os.path.join(current, part)
        target = dest + current
        if os.path.islink(current):
            link = os.readlink(current)
            if not os.path.lexists(target):
                os.makedirs(os.path.dirname(target), exist_ok=True)
                os.symlink(link, target)
            resolved = link if link.startswith("/") else os.path.join(os.path.dirname(current), link)
            copy_path(os.path.normpath(os.path.join(resolved, *parts[i + 1 :])), dest, ignore)
            return
        if i < len(parts) - 1:
            if not os.path.isdir(target):
                os.makedirs(target)
                shutil.copystat(current, target)
        elif os.path.isdir(current):
            shutil.copytree(current, target, symlinks=True, ignore=ignore, dirs_exist_ok=True)
        elif not os.path.lexists(target):
            shutil.copy2(current, target)


def is_elf(path: str) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(4) == b"\x7fELF"
    except OSError:
        return False


def shared_libraries(files: list[str]) -> set[str]:
    """Every library (and the dynamic loader) that the ELF ``files`` load, by ldd."""
    libs: set[str] = set()
    for path in files:
        out = subprocess.run(["ldd", path], capture_output=True, text=True, check=False).stdout
        if "not found" in out:
            raise SystemExit(f"rootfs: {path} needs a library that is missing:\n{out}")
        libs.update(m.group(1) for m in LDD_LINE.finditer(out))
    return libs


def elf_files(root: str) -> list[str]:
    found = []
    for folder, _dirs, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            if not os.path.islink(path) and is_elf(path):
                found.append(path)
    return found


def prune_stdlib(folder: str, names: list[str]) -> set[str]:
    if os.path.basename(folder) == "lib-dynload":
        return {n for n in names if DYNLOAD_PRUNE.search(n)}
    if folder == sysconfig.get_path("stdlib"):
        return {n for n in names if n in STDLIB_PRUNE or n.startswith("config-") or n == "sitecustomize.py"}
    return set()


def prune_venv(folder: str, names: list[str]) -> set[str]:
    if folder.endswith("site-packages"):
        return {n for n in names if VENV_PRUNE.match(n)}
    if folder == os.path.join(sys.prefix, "bin"):
        return {n for n in names if BIN_PRUNE.match(n)}
    return {n for n in names if n == "tests" and os.path.basename(folder) != "site-packages"}


def write(path: str, text: str, mode: int = 0o644) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(path, mode)


def etc_files(dest: str) -> None:
    write(f"{dest}/etc/passwd", f"root:x:0:0:root:/root:/sbin/nologin\nsysagent:x:{UID}:{GID}:sysagent:/var/lib/sysagent:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n")  # fmt: skip # noqa: E501
    write(f"{dest}/etc/group", f"root:x:0:\nsysagent:x:{GID}:\nnogroup:x:65534:\n")
    write(f"{dest}/etc/nsswitch.conf", "passwd: files\ngroup: files\nhosts: files dns\n")
    for bundle in CA_BUNDLES:
        if os.path.exists(bundle):
            os.makedirs(os.path.dirname(dest + bundle), exist_ok=True)
            shutil.copy(bundle, dest + bundle)
    for folder, mode in (("/hostfs", 0o755), ("/var/lib/sysagent", 0o700), ("/etc/sysagent", 0o755)):
        os.makedirs(dest + folder, exist_ok=True)
        os.chmod(dest + folder, mode)
    os.chown(f"{dest}/var/lib/sysagent", UID, GID)


def drop_dangling_links(dest: str) -> None:
    """Remove symlinks that point at nothing inside the new root (e.g. Debian's sitecustomize)."""
    for folder, dirs, names in os.walk(dest):
        for name in dirs + names:
            path = os.path.join(folder, name)
            if not os.path.islink(path):
                continue
            link = os.readlink(path)
            target = dest + link if link.startswith("/") else os.path.join(folder, link)
            if not os.path.exists(target) and not os.path.lexists(target):
                os.unlink(path)


def main(dest: str) -> None:
    stdlib = sysconfig.get_path("stdlib")
    copy_path(stdlib, dest, prune_stdlib)
    copy_path(sys.prefix, dest, prune_venv)  # the venv
    python = os.path.join(sys.prefix, "bin", "python3")
    copy_path(python, dest)  # the links from the venv to the interpreter, and the interpreter
    elves = [*elf_files(dest + stdlib), *elf_files(dest + sys.prefix), os.path.realpath(python)]
    libs = shared_libraries([e[len(dest) :] if e.startswith(dest + "/") else e for e in elves])
    for lib in sorted(libs):
        copy_path(lib, dest)
    for extra in ("libgcc_s.so.1",):  # glibc loads it with dlopen when a thread exits
        for folder in {os.path.dirname(os.path.realpath(lib)) for lib in libs}:
            if os.path.exists(os.path.join(folder, extra)):
                copy_path(os.path.join(folder, extra), dest)
    etc_files(dest)
    for conf in ("/etc/ld.so.conf", "/etc/ld.so.conf.d"):
        if os.path.exists(conf):
            copy_path(conf, dest)
    subprocess.run(["ldconfig", "-r", dest], check=True)
    drop_dangling_links(dest)
    for tree in (stdlib, sys.prefix):
        compileall.compile_dir(dest + tree, ddir=tree, quiet=1, workers=1)
    for folder, _dirs, names in os.walk(dest):
        for name in names:
            path = os.path.join(folder, name)
            if not os.path.islink(path) and os.stat(path).st_mode & (stat.S_ISUID | stat.S_ISGID):
                os.chmod(path, os.stat(path).st_mode & ~(stat.S_ISUID | stat.S_ISGID))


if __name__ == "__main__":
    main(sys.argv[1].rstrip("/"))
