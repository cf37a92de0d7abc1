"""The warm kernel: reused kernels give the same reports as fresh ones; failures, deaths and
timeouts are contained. Each test starts real kernels, so all are marked slow."""

from __future__ import annotations

import html

import nbformat
import papermill
import pytest
from conftest import notebook_file
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from papermill.exceptions import PapermillExecutionError

from wres_tools.batch.export import notebook_html
from wres_tools.batch.kernels import KernelError, WarmKernel
from wres_tools.paths import KERNEL_NAME

pytestmark = pytest.mark.slow


make_notebook = notebook_file


# Changes every piece of kernel state the reset is meant to undo.
POLLUTE = [
    "import os, sys, warnings\n"
    "import matplotlib, matplotlib.pyplot as plt\n"
    "import numpy as np, pandas as pd, seaborn as sns\n"
    "polluted = 'left over from the last notebook'",
    "sns.set_theme(style='darkgrid')\n"
    "matplotlib.rcParams['lines.linewidth'] = 9\n"
    "pd.set_option('display.max_rows', 3)\n"
    "np.set_printoptions(precision=1)\n"
    "warnings.simplefilter('ignore')\n"
    "os.environ['WRES_LEFTOVER'] = '1'\n"
    "sys.path.insert(0, '/leftover')\n"
    "os.chdir('/')\n"
    "plt.figure(); plt.plot([3, 1, 2])  # left open, never shown",
]

# Prints every piece of that state and draws a chart and a table: a leak shows in the page.
REPORT = [
    "import os, sys, warnings\n"
    "import matplotlib, matplotlib.pyplot as plt\n"
    "import numpy as np, pandas as pd\n"
    "print('authority', authority, 'year', year)\n"
    "print('leftover names:', sorted(n for n in ('polluted', 'sns') if n in globals()))\n"
    "print('linewidth', matplotlib.rcParams['lines.linewidth'])\n"
    "print('axes.facecolor', matplotlib.rcParams['axes.facecolor'])\n"
    "print('max_rows', pd.get_option('display.max_rows'))\n"
    "print(np.array([1 / 3]))\n"
    "print('env', os.environ.get('WRES_LEFTOVER'), 'path', '/leftover' in sys.path)\n"
    "print('cwd is the start folder:', os.getcwd() == START)\n"
    "print('figures open:', plt.get_fignums())\n"
    "with warnings.catch_warnings(record=True) as caught:\n"
    "    warnings.simplefilter('default')\n"
    "    warnings.warn('shown once per location', UserWarning)\n"
    "print('warnings caught:', len(caught))",
    "fig, ax = plt.subplots(figsize=(3, 2))\n"
    "ax.bar(['white', 'minority'], [0.30, 0.21])\n"
    "ax.set_title(f'{authority} {year}')\n"
    "plt.show()",
    "pd.DataFrame({'group': ['white', 'minority'], 'rate': [0.30, 0.21]})",
]


@pytest.fixture
def notebooks(tmp_path):
    start = str(tmp_path)
    return {
        "pollute": make_notebook(tmp_path / "pollute.ipynb", *POLLUTE),
        "report": make_notebook(tmp_path / "report.ipynb", f"START = {start!r}", *REPORT),
        "cwd": tmp_path,
    }


def page(nb: nbformat.NotebookNode) -> str:
    return notebook_html(nb, title="report")


def test_report_on_a_reused_kernel_is_identical_to_one_on_a_fresh_kernel(notebooks):
    parameters = {"authority": "ashbury", "year": 2023}
    fresh = papermill.execute_notebook(
        str(notebooks["report"]), None, parameters=parameters, kernel_name=KERNEL_NAME,
        progress_bar=False, cwd=str(notebooks["cwd"]),
    )
    with WarmKernel(cwd=notebooks["cwd"]) as kernel:
        kernel.execute(notebooks["report"], {"authority": "first", "year": 2021})
        kernel.execute(notebooks["pollute"])
        reused = kernel.execute(notebooks["report"], parameters)
        assert kernel.starts == 1 and kernel.notebooks_run == 3
    assert page(reused) == page(fresh)
    text = page(fresh)
    assert "authority ashbury year 2023" in text
    assert "leftover names: []" in text
    assert "linewidth 1.5" in text  # matplotlib's default
    assert "cwd is the start folder: True" in text
    assert "figures open: []" in text
    assert "warnings caught: 1" in text
    assert "data:image/png;base64," in text


def test_without_the_reset_the_pollution_shows(notebooks):
    """The control for the test above: skip the reset and the page differs."""
    with WarmKernel(cwd=notebooks["cwd"]) as kernel:
        clean = page(kernel.execute(notebooks["report"], {"authority": "a", "year": 1}))
        kernel.execute(notebooks["pollute"])
        kernel.reset = lambda: None  # type: ignore[method-assign]
        dirty = page(kernel.execute(notebooks["report"], {"authority": "a", "year": 1}))
    assert clean != dirty
    dirty = html.unescape(dirty)
    assert "leftover names: ['polluted', 'sns']" in dirty
    assert "linewidth 9.0" in dirty and "max_rows 3" in dirty and "env 1 path True" in dirty
    assert "cwd is the start folder: False" in dirty


def test_one_kernel_process_serves_every_notebook(tmp_path):
    pid = make_notebook(tmp_path / "pid.ipynb", "import os\nprint(os.getpid())")
    with WarmKernel(cwd=tmp_path) as kernel:
        first = kernel.execute(pid).cells[1].outputs[0].text
        second = kernel.execute(pid).cells[1].outputs[0].text
        assert kernel.starts == 1
    assert first == second


def test_a_failing_notebook_raises_and_the_kernel_carries_on(tmp_path):
    bad = make_notebook(tmp_path / "bad.ipynb", "x = 1", "raise ValueError('no pay bands')")
    good = make_notebook(tmp_path / "good.ipynb", "print('fine', authority)")
    with WarmKernel(cwd=tmp_path) as kernel:
        with pytest.raises(PapermillExecutionError) as caught:
            kernel.execute(bad)
        assert caught.value.ename == "ValueError" and caught.value.evalue == "no pay bands"
        out = kernel.execute(good, {"authority": "after"})
        assert out.cells[-1].outputs[0].text == "fine after\n"
        assert kernel.starts == 1  # an error in a cell needs no new kernel


def test_timeout_stops_the_notebook_and_replaces_the_kernel(tmp_path):
    slow = make_notebook(tmp_path / "slow.ipynb", "import time\ntime.sleep(60)")
    good = make_notebook(tmp_path / "good.ipynb", "print('fine')")
    with WarmKernel(cwd=tmp_path) as kernel:
        with pytest.raises(CellTimeoutError):
            kernel.execute(slow, timeout=2)
        assert kernel.starts == 2
        assert kernel.execute(good, timeout=60).cells[-1].outputs[0].text == "fine\n"


def test_timeout_is_a_budget_for_the_whole_notebook_not_each_cell(tmp_path):
    # Three cells of 1.5 s each: every cell is under 2 s, the notebook is not.
    steps = make_notebook(tmp_path / "steps.ipynb", *["import time\ntime.sleep(1.5)"] * 3)
    with WarmKernel(cwd=tmp_path) as kernel:
        with pytest.raises(CellTimeoutError):
            kernel.execute(steps, timeout=2)
        assert kernel.starts == 2


def test_a_dead_kernel_is_replaced(tmp_path):
    crash = make_notebook(tmp_path / "crash.ipynb", "import os\nos._exit(1)")
    good = make_notebook(tmp_path / "good.ipynb", "print('fine')")
    with WarmKernel(cwd=tmp_path) as kernel:
        with pytest.raises(DeadKernelError):
            kernel.execute(crash, timeout=60)
        assert kernel.execute(good).cells[-1].outputs[0].text == "fine\n"
        assert kernel.starts == 2


def test_shutdown_stops_the_kernel_process(tmp_path):
    kernel = WarmKernel(cwd=tmp_path)
    kernel.start()
    km = kernel.km
    assert kernel.alive
    kernel.shutdown()
    kernel.shutdown()  # twice is harmless
    assert not kernel.alive
    assert km is not None and not km.has_kernel


def test_markdown_cells_pass_through(tmp_path):
    path = tmp_path / "md.ipynb"
    nb = new_notebook(cells=[new_code_cell("x = 1", metadata={"tags": ["parameters"]}),
                             new_markdown_cell("## Recruitment")])
    nb.metadata["kernelspec"] = {"name": KERNEL_NAME, "display_name": "x", "language": "python"}
    nbformat.write(nb, path)
    with WarmKernel(cwd=tmp_path) as kernel:
        out = kernel.execute(path, {"x": 2})
    assert "Recruitment" in page(out)


def test_a_preload_that_fails_is_a_clear_set_up_error(tmp_path):
    good = make_notebook(tmp_path / "good.ipynb", "print('fine')")
    with WarmKernel(cwd=tmp_path, preload=("pandas", "no_such_module_for_wres")) as kernel:
        with pytest.raises(KernelError, match="ModuleNotFoundError: No module named "
                                              "'no_such_module_for_wres'"):
            kernel.execute(good)
