"""The capped child process every untrusted parse runs in, and the files it hands results back through.

Why it looks the way it does:

* Uploads are hostile until proven otherwise: zip bombs, XML entity bombs, files that claim a million
  rows. Parsing happens in a CHILD PROCESS with an address-space limit (RLIMIT_AS), a CPU limit and a
  wall-clock timeout, so the worst a file can do is get itself refused; the Streamlit server never runs
  the parser. The child comes from a `forkserver` whose server process has already imported
  pyarrow/fastexcel/numpy (forking the multi-threaded Streamlit server itself is unsafe, and `spawn`
  would pay ~0.5 s of imports on every upload).
* The child writes an Arrow IPC file into an anonymous temporary file (O_TMPFILE: no name on disk)
  handed to it as a descriptor; the parent memory-maps it. No directory is ever created, so no exit
  path, a kill -9 of either process included, leaves anything behind. `run_sandboxed` runs any work
  this way (the /data page validates uploads in the child too: loaders/spool.py).
* Mapped pages count as the server's memory only while touched: a background thread hands them back
  to the kernel every few seconds (`madvise(MADV_DONTNEED)`), so idle uploads hold disk, not RAM.
* The child must not re-run `__main__` (under Streamlit, the page script): `_NoMainPopen` is a copy of
  CPython's forkserver launcher without that step, used only on the CPython versions it was copied from
  and checked against (`COPIED_FROM`); elsewhere the stdlib launcher runs, with a warning in the log.
"""
from __future__ import annotations

import collections
import io
import logging
import mmap
import multiprocessing
import os
import resource
import shutil
import sys
import tempfile
import threading
import time
import weakref

import pyarrow as pa

from multiprocessing import forkserver, popen_forkserver, reduction, spawn, util
from multiprocessing.context import ForkServerProcess, set_spawning_popen

from loaders.errors import LoadError, Problem
from loaders.readers.base import DEFAULT_LIMITS, MB, Limits, short

log = logging.getLogger("loaders.readers")

# ----------------------------------------------------------------------------------------
# Child process orchestration
# ----------------------------------------------------------------------------------------

_CTX = None
_PRELOAD = ["numpy", "pandas", "pyarrow", "pyarrow.csv", "pyarrow.parquet", "pyarrow.compute",
            "fastexcel", "defusedxml.ElementTree", "loaders.errors", "loaders.readers", "loaders.spool",
            "loaders.validate"]


def _context():
    global _CTX
    if _CTX is None:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(_PRELOAD)
        _start_forkserver()
        _CTX = ctx
    return _CTX


def _start_forkserver() -> None:
    """Start the forkserver, telling it the folder of its socket (multiprocessing's pymp-*), so that the
    folder goes when the forkserver does: it exits when its parent dies, even by kill -9, whose own
    clean-up then never runs. (Read back at the end of this module, in the forkserver.)"""
    os.environ[_FORKSERVER_TEMPDIR] = util.get_temp_dir()
    try:
        forkserver.ensure_running()
    finally:
        os.environ.pop(_FORKSERVER_TEMPDIR, None)


_FORKSERVER_TEMPDIR = "DCE_FORKSERVER_TEMPDIR"


class _NoMainPopen(popen_forkserver.Popen):
    """The stdlib forkserver launcher, minus re-importing `__main__` in the child.

    multiprocessing normally re-runs the parent's main module in every child. Under
    Streamlit `sys.modules['__main__']` is the user's page script, so each upload would
    re-execute the app in the parser process. The child needs nothing from `__main__`:
    its target lives in this module, which the forkserver has already imported.
    (A copy of CPython 3.11's `popen_forkserver.Popen._launch` with that one change: the two `pop` lines.
    tests/test_readers.py checks that the copy equals the running interpreter's own method but for them.)
    """

    def _launch(self, process_obj):
        prep_data = spawn.get_preparation_data(process_obj._name)
        prep_data.pop("init_main_from_name", None)
        prep_data.pop("init_main_from_path", None)
        buf = io.BytesIO()
        set_spawning_popen(self)
        try:
            reduction.dump(prep_data, buf)
            reduction.dump(process_obj, buf)
        finally:
            set_spawning_popen(None)
        self.sentinel, w = forkserver.connect_to_new_process(self._fds)
        _parent_w = os.dup(w)
        self.finalizer = util.Finalize(self, util.close_fds, (_parent_w, self.sentinel))
        with open(w, "wb", closefd=True) as f:
            f.write(buf.getbuffer())
        self.pid = forkserver.read_signed(self.sentinel)


# The CPython versions whose `popen_forkserver.Popen._launch` _NoMainPopen copies (checked line by line
# against the running interpreter by tests/test_readers.py). Another version may have changed the private
# launcher: there the stdlib one runs (correct, but the child imports `__main__` first) and the log says so.
COPIED_FROM = {(3, 11)}


def launcher(version: tuple[int, int] | None = None) -> type:
    """The Popen class that starts parser children on this (or the given) CPython version."""
    version = tuple(version or sys.version_info[:2])
    if version in COPIED_FROM and sys.implementation.name == "cpython":
        return _NoMainPopen
    log.warning("Python %s.%s: the forkserver launcher copy in loaders/readers/sandbox.py is checked only on "
                "%s; using the standard one (each parser child imports __main__ first)", *version[:2],
                ", ".join(f"{a}.{b}" for a, b in sorted(COPIED_FROM)))
    return popen_forkserver.Popen


class _ParserProcess(ForkServerProcess):
    @staticmethod
    def _Popen(process_obj):
        return _launcher()(process_obj)


_LAUNCHER: type | None = None


def _launcher() -> type:
    global _LAUNCHER
    if _LAUNCHER is None:       # decided once: the warning, if any, is logged once
        _LAUNCHER = launcher()
    return _LAUNCHER


def _noop() -> None:
    return None


def prewarm() -> None:
    """Start the forkserver now (about 1 s of imports) instead of on the first upload."""
    _context()
    proc = _ParserProcess(target=_noop, daemon=True)
    proc.start()
    proc.join()


class Spooled:
    """An upload's bytes in an anonymous temporary file: no name on disk, freed by the kernel when closed.

    A child receives it as a duplicated descriptor (pickled through the forkserver) and reads it as
    /proc/self/fd/N, so nothing is ever reachable under /tmp.
    """

    def __init__(self, data, name: str):
        self.name = name
        self._file = tempfile.TemporaryFile(prefix="dce-upload-")
        self._file.write(data)
        self._file.flush()
        self.size = os.fstat(self._file.fileno()).st_size

    def fileno(self) -> int:
        return self._file.fileno()

    def close(self) -> None:
        self._file.close()

    def __reduce__(self):    # only while a child is being started: the child gets its own descriptor
        return (_Inherited, (reduction.DupFd(self.fileno()),))


class _Inherited:
    """A descriptor the parent handed to this child (a Spooled upload or an output file)."""

    def __init__(self, dup):
        self.fd = dup.detach()

    def __fspath__(self) -> str:
        return f"/proc/self/fd/{self.fd}"


class _Output:
    """An anonymous temporary file the child writes into and the parent then maps."""

    def __init__(self):
        self.file = tempfile.TemporaryFile(prefix="dce-upload-")

    def __reduce__(self):
        return (_Inherited, (reduction.DupFd(self.file.fileno()),))


def source_path(source) -> str:
    return os.fspath(source) if not isinstance(source, Spooled) else f"/proc/self/fd/{source.fileno()}"


IN_SANDBOX = False      # True inside a child started by run_sandboxed (read_upload then parses in place)


def run_sandboxed(target, args: tuple, name: str, limits: Limits = DEFAULT_LIMITS):
    """`target(*args, out)` in a capped child: (its result, the anonymous file it wrote into `out`).

    `target` must be a module-level function; Spooled arguments reach it as paths. Anything it
    raises becomes a LoadError naming `name`; running out of memory or time is said in words.
    """
    with _SLOTS:
        ctx = _context()
        out = _Output()
        recv, send = ctx.Pipe(duplex=False)
        proc = _ParserProcess(target=_child_main, args=(send, target, args, name, limits, out), daemon=True)
        try:
            proc.start()
            send.close()
            message = _wait_for_child(proc, recv, limits)
            if message is None:
                raise LoadError(Problem(name, _too_big(limits), code="too_large"))
            status, payload, peak_mb = message
            CHILD_PEAKS_MB.append(peak_mb)
            if status == "refused":
                raise LoadError(payload)
            return payload, out.file
        except BaseException:
            out.file.close()
            raise
        finally:
            if proc.is_alive():
                proc.kill()
            proc.join(timeout=5)
            recv.close()


# Children at once: each may take its memory cap, and on a small machine they would only queue for
# the cores anyway. An upload over the count waits its turn (its wall-time limit starts after).
_SLOTS = threading.BoundedSemaphore(max(2, min(4, os.cpu_count() or 2)))
CHILD_PEAKS_MB: collections.deque = collections.deque(maxlen=100)   # each child's peak RSS (bench/bench_memory.py)


def _wait_for_child(proc, recv, limits: Limits):
    """The child's (status, payload) message, or None if it died or ran out of time."""
    deadline = time.monotonic() + limits.timeout_s
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            proc.kill()
            return None
        if recv.poll(min(remaining, 0.5)):
            try:
                return recv.recv()
            except (EOFError, OSError):
                return None
        if not proc.is_alive() and not recv.poll(0):
            return None


def map_arrow(file) -> pa.Table:
    """The Arrow IPC file an open file object holds, memory-mapped (zero-copy); the file is closed."""
    with file:
        if os.fstat(file.fileno()).st_size == 0:
            raise ValueError("the child wrote no table")
        mapped = mmap.mmap(file.fileno(), 0, prot=mmap.PROT_READ)
    _MAPPED.add(mapped)
    _start_evictor()
    return pa.ipc.open_file(pa.py_buffer(mapped)).read_all()


def write_arrow(table: pa.Table, out) -> None:
    """In the child: `table` as an Arrow IPC file into the parent's output file."""
    with open(out.fd, "wb", closefd=True) as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)


_MAPPED: weakref.WeakSet = weakref.WeakSet()
_EVICTOR: threading.Thread | None = None
EVICT_EVERY_S = 5.0


def evict() -> None:
    """Hand every mapped upload's pages back to the kernel (they stay valid: a read faults them in again)."""
    for mapped in list(_MAPPED):
        try:
            mapped.madvise(mmap.MADV_DONTNEED)
        except (ValueError, OSError):     # closed meanwhile
            pass


def give_back_memory() -> None:
    """Return freed heap to the kernel (glibc keeps it otherwise: an upload's parse left ~200 MB behind)."""
    pa.default_memory_pool().release_unused()
    try:
        import ctypes
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):     # not glibc: nothing to trim
        pass


def _start_evictor() -> None:
    global _EVICTOR
    if _EVICTOR is None or not _EVICTOR.is_alive():
        _EVICTOR = threading.Thread(target=_evict_forever, name="dce-upload-evictor", daemon=True)
        _EVICTOR.start()


def _evict_forever() -> None:
    while True:
        time.sleep(EVICT_EVERY_S)
        evict()
        give_back_memory()



def _child_main(conn, target, args, name, limits, out) -> None:
    """Runs in the child: apply limits, run the work, report."""
    global IN_SANDBOX
    try:
        _apply_rlimits(limits)
        IN_SANDBOX = True
        logging.getLogger("fastexcel").setLevel(logging.ERROR)  # dtype-guess chatter, not errors
        conn.send(("ok", target(*args, out), _peak_mb()))
    except LoadError as exc:
        problems = exc.problems
        if len(problems) == 1 and _out_of_memory(RuntimeError(problems[0].reason)):   # wrapped by load._guarded
            problems = [Problem(name, _too_big(limits), code="too_large")]
        conn.send(("refused", problems, _peak_mb()))
    except Exception as exc:  # noqa: BLE001 - report, never traceback
        problem = Problem(name, _too_big(limits), code="too_large") if _out_of_memory(exc) else \
            Problem(name, f"file could not be read ({short(exc)})")
        conn.send(("refused", [problem], _peak_mb()))
    finally:
        conn.close()


def _peak_mb() -> float:
    try:
        with open("/proc/self/status") as fh:
            return next(int(line.split()[1]) / 1024 for line in fh if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return float("nan")


def _too_big(limits: Limits) -> str:
    return ("file too large or malformed to parse safely "
            f"(memory limit {limits.memory_mb} MB / time limit {limits.timeout_s:g} s)")


_OOM_TEXT = ("bad_alloc", "out of memory", "cannot allocate memory", "failed to launch worker thread",
             "can't start new thread", "failed to allocate", "memory limit")


def _out_of_memory(exc: BaseException) -> bool:
    """RLIMIT_AS shows up as MemoryError, ArrowMemoryError, or failed thread/alloc messages."""
    return isinstance(exc, MemoryError) or any(t in str(exc).lower() for t in _OOM_TEXT)


def _apply_rlimits(limits: Limits) -> None:
    """Cap the child's address space and CPU time; the parent also enforces wall time."""
    budget = limits.memory_mb * MB + _current_vm_bytes()
    resource.setrlimit(resource.RLIMIT_AS, (budget, budget))
    cpu = int(limits.timeout_s * 2) + 5  # several threads may burn CPU in parallel
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))


def _current_vm_bytes() -> int:
    """Virtual memory already mapped (imports, thread arenas): the budget comes on top."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0




# folder when this process exits, which it does as soon as the process that started it is gone.
if os.environ.get(_FORKSERVER_TEMPDIR):
    import atexit
    atexit.register(shutil.rmtree, os.environ.pop(_FORKSERVER_TEMPDIR), True)
