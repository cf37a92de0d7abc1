"""A warm Jupyter kernel: one kernel runs notebook after notebook, reset to a clean state between.

papermill's default starts a new kernel for every notebook and the notebook then imports pandas,
matplotlib, seaborn and statsmodels again: about 4-5 s per report, against about 0.1 s of work.
:class:`WarmKernel` starts one kernel, imports the heavy libraries once, and before each notebook
puts the kernel back to the state it had just after those imports:

- the user namespace is emptied and the execution count restarts at 1 (``shell.reset``);
- every matplotlib figure is closed and ``rcParams`` go back to their state after start-up;
- warning filters and the "already warned" registries, pandas options, numpy print options,
  environment variables, ``sys.path`` and the working directory go back to theirs.

Module-level caches inside imported libraries are kept on purpose: that is the warmth. State this
reset does not cover (IPython ``%config`` changes, random generators a notebook does not seed) must
not be relied on by a notebook; ``tests/test_kernels.py`` proves that a report made on a reused
kernel is byte-identical to one made on a fresh kernel.

A kernel that died or ran past its time is restarted before the next notebook. Notebooks run
through papermill's nbclient engine (``WarmKernelEngine`` only hands it the running kernel and its
client, so neither is started or stopped per notebook).

Costs, measured on the project's notebooks: a reset about 0.01 s (objects alive after it are
frozen out of the garbage collector's full passes, which IPython's reset triggers), papermill's
own work about 0.04 s per notebook, against 3-4 s for a new kernel with its imports. The kernel
talks over Unix sockets in a private temporary folder (no TCP port), and the preload runs while
the caller goes on, until the first reset waits for it.
"""

from __future__ import annotations

import os
import queue
import shutil
import signal
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import papermill
from jupyter_client import AsyncKernelClient, AsyncKernelManager
from jupyter_core.utils import run_sync
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.log import logger

from wres_tools.paths import KERNEL_NAME

ENGINE_NAME = "wres-warm"

#: Imported once when the kernel starts, so that no notebook pays for them. Modules that change
#: matplotlib's style when imported belong here too, so the snapshot below holds that style.
PRELOAD: tuple[str, ...] = (
    "numpy",
    "pandas",
    "scipy.stats",
    "statsmodels.api",
    "matplotlib",
    "matplotlib.pyplot",
    "seaborn",
    "IPython.display",
    "wres_tools.reporting.report",  # what the report notebooks call
    "wres_tools.reporting.sections",  # and what report builds with (charts, narrative, ...)
    "wres_tools.reporting.benchmarking",
)

# Runs once after the preload: keeps the state a fresh kernel has after the same imports in a
# module of its own (not in the user namespace, which every reset empties).
_SNAPSHOT = """
def _wres_snapshot():
    import copy, os, sys, types, warnings
    if "matplotlib.pyplot" in sys.modules:
        # load the backend now (a fresh kernel does so at its first figure): the inline backend
        # switches on interactive mode then, and the snapshot must hold that
        plt = sys.modules["matplotlib.pyplot"]
        plt.close(plt.figure())
    state = types.ModuleType("_wres_pristine")
    state.cwd = os.getcwd()
    state.environ = dict(os.environ)
    state.path = list(sys.path)
    state.filters = list(warnings.filters)
    if "matplotlib" in sys.modules:
        import matplotlib
        state.rc = {k: copy.deepcopy(v) for k, v in matplotlib.rcParams.items() if k != "backend"}
    if "pandas" in sys.modules:
        import pandas._config.config as pd_config
        state.pandas = copy.deepcopy(pd_config._global_config)
    if "numpy" in sys.modules:
        import numpy
        state.numpy = numpy.get_printoptions()
    sys.modules["_wres_pristine"] = state
_wres_snapshot()
get_ipython().reset(new_session=True)
__import__("gc").freeze()  # what is alive now is never garbage: later collections skip it
# a report allocates many short-lived objects (matplotlib artists, pandas frames): collecting far
# less often than the default (700, 10, 10) saves 5-8% of a report's time, and memory stays
# bounded because every reset ends with a full collection (IPython's displayhook.flush)
__import__("gc").set_threshold(50_000, 20, 20)
"""

# Runs before every notebook: back to the snapshot, then an empty namespace.
_RESET = """
def _wres_reset():
    import os, sys, warnings
    state = sys.modules["_wres_pristine"]
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
    if hasattr(state, "rc"):
        import matplotlib
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            matplotlib.rcParams.update(state.rc)
    if hasattr(state, "pandas"):
        import copy
        import pandas._config.config as pd_config
        pd_config._global_config.clear()
        pd_config._global_config.update(copy.deepcopy(state.pandas))
    if hasattr(state, "numpy"):
        sys.modules["numpy"].set_printoptions(**state.numpy)
    warnings.filters[:] = state.filters
    warnings._filters_mutated()  # forget which warnings were already shown
    os.environ.clear()
    os.environ.update(state.environ)
    sys.path[:] = state.path
    os.chdir(state.cwd)
_wres_reset()
get_ipython().reset(new_session=True)
__import__("gc").freeze()
"""


class KernelError(RuntimeError):
    """The kernel could not be started, warmed or reset, or did not answer in time."""


class CodeError(KernelError):
    """Code run with :meth:`WarmKernel.evaluate` (or a set-up step) raised in the kernel."""

    def __init__(self, ename: str, evalue: str) -> None:
        self.ename = ename
        self.evalue = evalue
        super().__init__(f"{ename}: {evalue}")


class WarmKernelEngine(NBClientEngine):
    """papermill's nbclient engine on a kernel and client that outlive the notebook.

    papermill passes ``km`` through to the client, which then leaves the kernel running; but it
    still opens a new client (with a heartbeat thread) per notebook and never closes it. This
    engine hands over the kernel's one long-lived client as well.
    """

    @classmethod
    def execute_managed_notebook(
        cls,
        nb_man: Any,
        kernel_name: str,
        log_output: bool = False,
        start_timeout: int = 60,
        km: AsyncKernelManager | None = None,
        kc: AsyncKernelClient | None = None,
        timeout_func: Any = None,
        **_: Any,
    ) -> NotebookNode:
        if km is None or kc is None:
            raise ValueError("the wres-warm engine runs only on a started kernel (km and kc)")
        client = PapermillNotebookClient(
            nb_man,
            km=km,
            kernel_name=kernel_name,
            startup_timeout=start_timeout,
            timeout_func=timeout_func,
            log=logger,
            log_output=log_output,
        )
        client.kc = kc
        return client.execute()


papermill_engines.register(ENGINE_NAME, WarmKernelEngine)


class WarmKernel:
    """One running kernel that executes notebooks one after another with papermill."""

    def __init__(
        self,
        kernel_name: str = KERNEL_NAME,
        cwd: Path | None = None,
        preload: Sequence[str] = PRELOAD,
        startup_timeout: float = 60,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.kernel_name = kernel_name
        self.env = dict(env or {})  # set in the kernel's environment, on top of this process's
        self.cwd = Path(cwd) if cwd is not None else Path.cwd()
        self.preload = tuple(preload)
        self.startup_timeout = startup_timeout
        self.km: AsyncKernelManager | None = None
        self.kc: AsyncKernelClient | None = None
        self._socket_dir: Path | None = None
        self._warming: str | None = None  # msg_id of the preload, until it is answered
        self.starts = 0  # kernels started, the first one included
        self.notebooks_run = 0

    # -- life cycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Start the kernel and send it the preload; the first reset waits for the preload.

        The kernel imports the heavy libraries (about 3 s) while this process goes on with other
        work, such as a worker's first metrics.json.
        """
        if os.name == "posix":
            # Unix sockets in a folder of the kernel's own: no TCP port, and an absolute path
            # (the default "kernel-ipc" is relative, and the kernel runs in another folder).
            self._socket_dir = Path(tempfile.mkdtemp(prefix="wres-kernel-"))
            self.km = AsyncKernelManager(
                kernel_name=self.kernel_name, transport="ipc", ip=str(self._socket_dir / "kernel")
            )
        else:  # Windows: ZeroMQ has no ipc transport there
            self.km = AsyncKernelManager(kernel_name=self.kernel_name)
        run_sync(self.km.start_kernel)(
            # JPY_PARENT_PID: ipykernel's own poller ends the kernel (within a second) when this
            # process dies, however it dies - a SIGKILL included - so no kernel outlives its user
            cwd=str(self.cwd), env={**os.environ, **self.env, "JPY_PARENT_PID": str(os.getpid())},
            extra_arguments=["--HistoryManager.hist_file=:memory:"],
        )
        self.kc = self.km.client()
        self.kc.start_channels()
        try:
            run_sync(self.kc.wait_for_ready)(timeout=self.startup_timeout)
        except RuntimeError as exc:
            self.shutdown()
            raise KernelError(f"kernel {self.kernel_name!r} did not start: {exc}") from exc
        self.kc.allow_stdin = False
        self.starts += 1
        imports = "\n".join(f"import {name}" for name in self.preload)
        # the poller cannot tell a parent that died before it started: check once here
        orphaned = f"__import__('os').getppid() == {os.getpid()} or __import__('os')._exit(1)"
        self._warming = self.kc.execute(f"{orphaned}\n{imports}\n{_SNAPSHOT}",
                                        store_history=False)

    def _wait_warm(self) -> None:
        """Wait for the preload sent by :meth:`start`; a failed preload is a set-up error."""
        if self._warming is None:
            return
        msg_id, self._warming = self._warming, None
        assert self.kc is not None
        deadline = time.monotonic() + self.startup_timeout * 5
        while True:
            try:
                reply = run_sync(self.kc.get_shell_msg)(
                    timeout=max(deadline - time.monotonic(), 0.001)
                )
            except queue.Empty:
                raise KernelError("kernel did not finish its imports in time") from None
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        content = reply["content"]
        if content.get("status") != "ok":
            raise KernelError(
                f"kernel set-up failed: {content.get('ename')}: {content.get('evalue')} "
                f"(preload: {', '.join(self.preload)})"
            )

    def shutdown(self) -> None:
        """Stop the client and the kernel; safe to call twice."""
        self._warming = None
        if self.kc is not None:
            self.kc.stop_channels()
            self.kc = None
        if self.km is not None:
            try:
                if run_sync(self.km.is_alive)():
                    run_sync(self.km.shutdown_kernel)(now=True)
            finally:
                run_sync(self.km.cleanup_resources)()
                self.km = None
        if self._socket_dir is not None:
            shutil.rmtree(self._socket_dir, ignore_errors=True)
            self._socket_dir = None

    def kill(self) -> None:
        """End the kernel at once (SIGKILL to its process group) without talking to it, and
        remove its sockets: for a process that must exit now (a signal handler, a dead
        parent), where the asyncio of :meth:`shutdown` must not run."""
        provisioner = getattr(self.km, "provisioner", None)
        pid = getattr(getattr(provisioner, "process", None), "pid", None)
        if pid is not None and os.name == "posix":
            try:
                group = os.getpgid(pid)
                if group == pid:  # the kernel leads a session of its own (jupyter_client)
                    os.killpg(group, signal.SIGKILL)
                else:
                    os.kill(pid, signal.SIGKILL)
            except OSError:
                pass  # already gone
        if self._socket_dir is not None:
            shutil.rmtree(self._socket_dir, ignore_errors=True)
            self._socket_dir = None

    def restart(self) -> None:
        """A new kernel process in place of this one (after a death or a timeout)."""
        self.shutdown()
        self.start()

    @property
    def alive(self) -> bool:
        return self.km is not None and bool(run_sync(self.km.is_alive)())

    def __enter__(self) -> WarmKernel:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()

    # -- work ---------------------------------------------------------------------------------

    def reset(self) -> None:
        """Back to the state right after start-up; a kernel that cannot be reset is replaced."""
        if not self.alive:
            self.restart()
        self._wait_warm()
        try:
            self._run_code(_RESET, timeout=30)
        except KernelError:
            self.restart()
            self._wait_warm()

    def execute(
        self,
        notebook: Path | NotebookNode,
        parameters: Mapping[str, Any] | None = None,
        timeout: float | None = None,
    ) -> NotebookNode:
        """Run one notebook on this kernel with papermill and return the executed notebook.

        ``timeout`` is the whole notebook's budget in seconds (None: no limit). Errors are
        papermill's and nbclient's own: ``PapermillExecutionError`` for a cell that raised,
        ``CellTimeoutError`` past the budget, ``DeadKernelError`` when the kernel died; after the
        last two the kernel is restarted before this method raises.
        """
        if self.km is None:
            self.start()
        self.reset()
        deadline = None if timeout is None else time.monotonic() + timeout

        def remaining(_cell: NotebookNode) -> float | None:
            if deadline is None:
                return None
            return max(deadline - time.monotonic(), 0.001)

        self.notebooks_run += 1
        try:
            return papermill.execute_notebook(
                notebook if isinstance(notebook, NotebookNode) else str(notebook),
                None,
                parameters=dict(parameters or {}),
                engine_name=ENGINE_NAME,
                kernel_name=self.kernel_name,
                progress_bar=False,
                km=self.km,
                kc=self.kc,
                timeout_func=remaining,
            )
        except (CellTimeoutError, DeadKernelError):
            self.restart()
            raise

    def evaluate(self, code: str, timeout: float | None = None) -> str:
        """Run code (not a notebook) on the clean kernel and return what it printed to stdout.

        Raises :class:`CodeError` with the error's name and value when the code raises; past
        ``timeout`` the kernel is restarted and :class:`KernelError` raised.
        """
        if self.km is None:
            self.start()
        self.reset()
        try:
            return self._run_code(code, timeout)
        except CodeError:
            raise
        except KernelError:
            self.restart()
            raise

    def _run_code(self, code: str, timeout: float | None) -> str:
        assert self.kc is not None
        stdout: list[str] = []
        errors: list[tuple[str, str]] = []

        def hook(msg: dict[str, Any]) -> None:
            kind, content = msg["header"]["msg_type"], msg["content"]
            if kind == "stream" and content.get("name") == "stdout":
                stdout.append(content["text"])
            elif kind == "error":
                errors.append((content["ename"], content["evalue"]))

        try:
            reply = run_sync(self.kc.execute_interactive)(
                code, store_history=False, timeout=timeout, output_hook=hook, allow_stdin=False
            )
        except TimeoutError as exc:
            raise KernelError(f"kernel did not answer within {timeout} s") from exc
        content = reply.get("content", {})
        if content.get("status") != "ok":
            ename, evalue = errors[0] if errors else (content.get("ename"), content.get("evalue"))
            raise CodeError(str(ename), str(evalue))
        return "".join(stdout)
