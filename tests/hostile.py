"""Hostile inputs, built in a temporary folder, and a runner that measures what loading them costs.

Each :class:`Case` writes its input under a ``target`` folder (bombs are built from zero streams:
a gzip or zip of gigabytes of zeros is assembled from one compressed megabyte repeated, so it
takes a second, not minutes) and names the code that loads it. :func:`run_case` runs that code in
a fresh Python process with its home, temporary and working folders inside the sandbox, and
reports the outcome, the seconds, the peak memory of the process, and every file written
outside ``target``. ``tests/test_hostile_inputs.py`` asserts on these; ``benchmarks/
hostile_inputs.py`` runs the same cases against an older checkout too, for a before/after table.
"""

from __future__ import annotations

import inspect
import json
import os
import struct
import subprocess
import sys
import tarfile
import tempfile
import textwrap
import time
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

MIB = 1 << 20
_ZERO_MIB = bytes(MIB)

# Runs in the child: the case's code with ``target`` bound, then one JSON line with the outcome.
_CHILD = textwrap.dedent(
    r"""
    import json, sys, time
    from pathlib import Path
    spec = json.loads(sys.argv[1])
    namespace = {"target": Path(spec["target"]), "result": None}
    start = time.perf_counter()
    try:
        exec(spec["code"], namespace)
        outcome = {"ok": True, "result": repr(namespace["result"])[:4000]}
    except BaseException as err:
        outcome = {"ok": False, "type": type(err).__name__, "mro": [c.__name__ for c in type(err).__mro__],
                   "message": str(err)[:4000]}
    outcome["seconds"] = time.perf_counter() - start
    outcome["peak_mb"] = peak_mb()
    print("@@OUTCOME@@" + json.dumps(outcome), flush=True)
    """
)


def peak_mb(pid="self"):
    """Peak resident memory (MB) of a process: its VmHWM, which starts afresh at exec. (getrusage's
    ru_maxrss would also count the parent's memory at the fork.) The child runs this same function."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 if pid == "self" else float("nan")


_CHILD = textwrap.dedent(inspect.getsource(peak_mb)) + _CHILD


@dataclass(frozen=True)
class Case:
    id: str
    what: str  # one line for the before/after table
    build: Callable[[Path, dict], None]  # writes the input under target; the dict holds shared resources
    code: str  # run with `target` (a Path) bound; sets `result`
    expect: str = "error"  # "error": a ValueError with `match`; "ok": `result` matches `match`
    match: str = ""
    target: str | None = None  # a fixed target folder instead of the sandbox's (e.g. one that cannot be written)


@dataclass
class Outcome:
    ok: bool
    seconds: float
    peak_mb: float
    result: str = ""
    type: str = ""
    mro: tuple = ()
    message: str = ""
    written_outside: tuple = ()
    timed_out: bool = False

    @property
    def is_value_error(self) -> bool:
        return "ValueError" in self.mro

    def summary(self) -> str:
        if self.timed_out:
            return f"still running: killed after {self.seconds:.0f} s"
        if self.ok:
            return f"loaded: {self.result[:130]}"
        return f"{self.type}: {self.message[:130]}"


def run_case(case: Case, sandbox: Path, repo: Path, resources: dict, timeout: float = 60.0, memory_limit_gb: float = 12) -> Outcome:
    """Builds the case in ``sandbox`` and loads it with the code of ``repo`` in a fresh process."""
    sandbox.mkdir(parents=True, exist_ok=True)
    target = Path(case.target) if case.target else sandbox / "target"
    places = {name: sandbox / name for name in ("home", "tmp", "cwd")}
    for folder in places.values():
        folder.mkdir(exist_ok=True)
    if not case.target:
        target.mkdir(exist_ok=True)
        case.build(target, resources)
    before = _files(sandbox, skip=target)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(repo), "PYTHONDONTWRITEBYTECODE": "1",
        "HOME": str(places["home"]), "TMPDIR": str(places["tmp"]), "XDG_CACHE_HOME": str(places["home"] / ".cache"),
        "SENTIMENT_MODELS_DIR": str(target / "models-default"), "SENTIMENT_DATA_DIR": str(target),
        "TF_CPP_MIN_LOG_LEVEL": "3", "KERAS_BACKEND": os.environ.get("KERAS_BACKEND", "tensorflow"),
    }
    limit = int(memory_limit_gb * (1 << 30))

    def cap_memory():  # a "before" run of a bomb must not take the whole machine down
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        child = subprocess.Popen(
            [sys.executable, "-c", _CHILD, json.dumps({"target": str(target), "code": case.code})],
            cwd=places["cwd"], env=env, stdout=out, stderr=err, text=True, preexec_fn=cap_memory,
        )
        # Watched from outside too, so a child that hangs or is killed still has a peak to report.
        watched = 0.0
        while child.poll() is None and time.perf_counter() - started < timeout:
            watched = max(watched, peak_mb(child.pid) or 0.0)
            time.sleep(0.1)
        timed_out = child.poll() is None
        if timed_out:
            child.kill()
        child.wait()
        out.seek(0), err.seek(0)
        stdout, stderr = out.read(), err.read()
    seconds = time.perf_counter() - started
    if timed_out:
        return Outcome(ok=False, seconds=seconds, peak_mb=watched, timed_out=True)
    line = next((ln for ln in stdout.splitlines() if ln.startswith("@@OUTCOME@@")), None)
    if line is None:  # killed (memory limit) or crashed outright
        return Outcome(ok=False, seconds=seconds, peak_mb=watched, type=f"exit {child.returncode}",
                       message=stderr[-300:].strip())
    data = json.loads(line[len("@@OUTCOME@@"):])
    data["mro"] = tuple(data.get("mro", ()))
    for key in ("message", "result"):  # paths inside the sandbox, shown from the target folder on
        if not case.target:
            data[key] = data.get(key, "").replace(f"{target}/", "").replace(str(target), ".")
    written = sorted(set(_files(sandbox, skip=target)) - set(before))
    return Outcome(**data, written_outside=tuple(written))


def _files(root: Path, skip: Path) -> list[str]:
    found = []
    for folder, dirs, files in os.walk(root):
        if Path(folder) == skip:
            dirs[:] = []
            continue
        found += [str(Path(folder, f).relative_to(root)) for f in files]
        dirs[:] = [d for d in dirs if Path(folder, d) != skip]
    return found


# -- building blocks: gzip, tar and zip streams with long runs of zeros ----------------------------


class ZeroRunGzip:
    """Writes a gzip file whose content mixes given bytes and runs of zeros of any length.

    A megabyte of zeros compressed after a full flush is a self-contained deflate block, so a
    run of n MiB is that block written n times: gigabytes cost a second to write and ~1 KB/MiB.
    """

    def __init__(self, path: Path):
        self.file = open(path, "wb")
        self.file.write(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff")  # gzip header, no name, no time
        self.compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
        self.crc, self.size = 0, 0
        self._block = None

    def write(self, data: bytes) -> None:
        self.file.write(self.compressor.compress(data))
        self.crc, self.size = zlib.crc32(data, self.crc), self.size + len(data)

    def zeros(self, count: int) -> None:
        mebibytes, rest = divmod(count, MIB)
        if mebibytes:
            self.file.write(self.compressor.flush(zlib.Z_FULL_FLUSH))
            if self._block is None:
                self._block = self.compressor.compress(_ZERO_MIB) + self.compressor.flush(zlib.Z_FULL_FLUSH)
                self.file.write(self._block)
                self.crc = zlib.crc32(_ZERO_MIB, self.crc)
                mebibytes -= 1
                self.size += MIB
            for _ in range(mebibytes):
                self.file.write(self._block)
                self.crc = zlib.crc32(_ZERO_MIB, self.crc)
            self.size += mebibytes * MIB
        self.write(bytes(rest))

    def close(self) -> None:
        self.file.write(self.compressor.flush())
        self.file.write(struct.pack("<II", self.crc, self.size & 0xFFFFFFFF))
        self.file.close()


def tar_header(name: str, size: int, kind: bytes = tarfile.REGTYPE) -> bytes:
    info = tarfile.TarInfo(name)
    info.size, info.type = size, kind
    return info.tobuf(format=tarfile.USTAR_FORMAT)


def tar_member(gz: ZeroRunGzip, name: str, data: bytes | int, kind: bytes = tarfile.REGTYPE) -> None:
    """One member: ``data`` bytes, or that many zeros; padded to tar's 512-byte blocks."""
    size = data if isinstance(data, int) else len(data)
    gz.write(tar_header(name, size, kind))
    if isinstance(data, int):
        gz.zeros(data)
    else:
        gz.write(data)
    gz.zeros(-size % 512)


def imdb_members(gz: ZeroRunGzip, per_class: int = 2) -> None:
    """A few well-formed reviews in every split and class, so only the hostile part is wrong."""
    for split in ("train", "test"):
        for polarity, rating in (("pos", 9), ("neg", 2)):
            for i in range(per_class):
                tar_member(gz, f"aclImdb/{split}/{polarity}/{i}_{rating}.txt", f"A {polarity} review {i}.".encode())


def end_of_tar(gz: ZeroRunGzip) -> None:
    gz.zeros(1024)


def zip_with_zero_member(path: Path, members: dict[str, bytes], zero_name: str, zero_size: int) -> None:
    """A zip holding ``members`` and one member of ``zero_size`` zeros (deflated; under 4 GiB)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    raw = bytearray(path.read_bytes())
    end = raw.rindex(b"PK\x05\x06")
    entries, cd_size, cd_offset = struct.unpack("<HII", raw[end + 10:end + 20])
    central = raw[cd_offset:cd_offset + cd_size]
    body = bytes(raw[:cd_offset])
    # The zero member: raw deflate of one flushed megabyte repeated, then the final empty block.
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(_ZERO_MIB) + compressor.flush(zlib.Z_FULL_FLUSH)
    count = zero_size // MIB
    crc = 0
    for _ in range(count):
        crc = zlib.crc32(_ZERO_MIB, crc)
    tail = compressor.flush()
    compressed = len(block) * count + len(tail)
    name = zero_name.encode()
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, compressed, count * MIB, len(name), 0) + name
    offset = len(body)
    entry = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, compressed, count * MIB,
                        len(name), 0, 0, 0, 0, 0, offset) + name
    with open(path, "wb") as out:
        out.write(body)
        out.write(local)
        for _ in range(count):
            out.write(block)
        out.write(tail)
        new_cd_offset = out.tell()
        out.write(central + entry)
        out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, entries + 1, entries + 1, len(central) + len(entry),
                              new_cd_offset, 0))


def csv_rows(count_bytes: int) -> bytes:
    """A real-looking review CSV of about ``count_bytes``."""
    row = b'"A film with a plot, some actors and a score; I would watch it again, maybe.",1\n'
    other = b'"A film with a plot, some actors and a score; I would not watch it again.",0\n'
    pair = row + other
    return b"text,label\n" + pair * (count_bytes // len(pair))


def edit_keras_config(path: Path, change: Callable[[dict], None]) -> None:
    """Rewrites config.json inside a Keras file (what an attacker who edits a model would do)."""
    with zipfile.ZipFile(path) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    config = json.loads(members["config.json"])
    change(config)
    members["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def keras_layers(config: dict):
    """Every layer config in a Keras functional model's config.json."""
    return config["config"]["layers"]


def dumps(value) -> bytes:
    return json.dumps(value).encode()


def writes(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def sparse(path: Path, size: int) -> Path:
    """A file of ``size`` bytes that takes no disk space (its content reads as zeros)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as file:
        file.truncate(size)
    return path


def deep_json(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth
