"""Every kind of page in headless Chromium: it needs nothing from the network, it does not scroll
sideways on a phone (390 CSS pixels), its charts' text is no smaller than its small print, and
axe-core finds no violation.

One batch of the synthetic demo, cut to five authorities and one year (a benchmarking page needs
five), is shared by every test. Chromium is driven over its DevTools pipe (``headless.py``);
axe-core is the npm package locked in ``tests/browser/package-lock.json`` (``.ci/run`` installs
it, and so does the first test run that finds it missing).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from headless import DESKTOP, PHONE, Browser, chromium

pytestmark = pytest.mark.slow

BROWSER_DIR = Path(__file__).parent / "browser"
AXE = BROWSER_DIR / "node_modules" / "axe-core" / "axe.min.js"
AUTHORITIES = ("ashbury", "brackenholt", "fernhallow", "greywater-fen", "harrowmere")
YEAR = 2023
#: One page of every kind: the index, the methods page, the year's pages across authorities
#: (benchmarking, national),
#: an authority's summary and a report of each metric kind (shares, rates, RL, survey, senior).
PAGES = ("index.html", "methods.html", f"{YEAR}/benchmarking.html", f"{YEAR}/national.html",
         f"{YEAR}/ashbury/summary.html", f"{YEAR}/ashbury/m1_pay_bands.html",
         f"{YEAR}/ashbury/m2_appointment.html", f"{YEAR}/ashbury/m6_harassment_public.html",
         f"{YEAR}/ashbury/m8_leavers.html", f"{YEAR}/ashbury/m9_senior_management.html")


def axe_source() -> str:
    """axe-core's script, installed from the lockfile when it is not there yet."""
    if not AXE.is_file():
        npm = shutil.which("npm")
        if npm is None:
            if os.environ.get("CI"):
                pytest.fail("npm is not installed: CI needs it for axe-core")
            pytest.skip("npm is not installed (it installs axe-core for the page checks)")
        subprocess.run([npm, "ci", "--prefix", str(BROWSER_DIR), "--no-audit", "--no-fund",
                        "--ignore-scripts", "--loglevel=error"], check=True, timeout=300)
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    chromium()  # skip (or, in CI, fail) before the batch's minute when there is no browser
    root = tmp_path_factory.mktemp("pages")
    data, out = root / "data", root / "out"
    wres = Path(sys.executable).with_name("wres")
    subprocess.run([str(wres), "synth", "--out", str(data)], check=True, capture_output=True)
    for folder in data.iterdir():
        if folder.is_dir() and folder.name not in (*AUTHORITIES, "parameters"):
            shutil.rmtree(folder)
    for path in data.glob("*/*.xlsx"):
        if path.stem != str(YEAR):
            path.unlink()
    subprocess.run([str(wres), "run", "--data-dir", str(data), "--out", str(out),
                    "--jobs", "2"], check=True, capture_output=True, timeout=600)
    return out


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    started = Browser(chromium(), tmp_path_factory.mktemp("profile"))
    yield started
    started.close()


def offsite(requests: list[str]) -> list[str]:
    return [u for u in requests if not u.startswith(("file:", "data:"))]


@pytest.mark.parametrize("name", PAGES)
def test_page_needs_nothing_from_the_network_and_fits_a_phone(out, browser, name):
    page = browser.open((out / name).as_uri(), PHONE)
    try:
        assert offsite(page.requests) == []
        widths = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
        assert widths[0] <= widths[1] == PHONE["width"], f"{name} scrolls sideways: {widths}"
        # the navigation bar: every page links the index and the methods page
        links = page.evaluate("[...document.querySelectorAll('header nav a')]"
                              ".map(a => a.getAttribute('href'))")
        assert any(h.endswith("index.html") for h in links), links
        assert any(h.endswith("methods.html") for h in links), links
        if name.startswith(f"{YEAR}/"):
            assert any(h.endswith("benchmarking.html") for h in links), links
            assert any(h.endswith("national.html") for h in links), links
        if name == "index.html":  # the index links each year's pages across authorities
            every = page.evaluate("[...document.querySelectorAll('main a')]"
                                  ".map(a => a.getAttribute('href'))")
            assert {f"{YEAR}/benchmarking.html", f"{YEAR}/national.html"} <= set(every), every
    finally:
        page.close()


#: The smallest text of every chart on the page as drawn, in CSS pixels, and the page's small
#: print: a chart's font size (SVG units) times the image's drawn width over its view box.
CHART_TEXT = """(() => {
  const small = parseFloat(getComputedStyle(document.querySelector('figcaption')).fontSize);
  const images = document.querySelectorAll('img[src^="data:image/svg+xml;base64,"]');
  return [small, [...images].map(img => {
    const svg = atob(img.src.split(',')[1]);
    const box = parseFloat(svg.match(/viewBox="[-\\d.]+ [-\\d.]+ ([\\d.]+)/)[1]);
    const sizes = [...svg.matchAll(/font-size:\\s*([\\d.]+)px/g)].map(m => parseFloat(m[1]));
    return Math.min(...sizes) * img.getBoundingClientRect().width / box;
  })];
})()"""


@pytest.mark.parametrize("name", [p for p in PAGES if p.startswith(f"{YEAR}/")])
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_chart_text_is_no_smaller_than_the_small_print(out, browser, name, viewport):
    page = browser.open((out / name).as_uri(), viewport)
    try:
        small, charts = page.evaluate(CHART_TEXT)
        assert charts, f"{name} has no chart"
        assert small >= 12
        assert min(charts) >= small - 0.01, (name, small, charts)
    finally:
        page.close()


@pytest.mark.parametrize("name", PAGES)
def test_axe_finds_no_violation(out, browser, name):
    source = axe_source()
    for viewport in (PHONE, DESKTOP):
        page = browser.open((out / name).as_uri(), viewport, bypass_csp=True)
        try:
            page.evaluate(source + ";0")
            found = page.evaluate(
                "axe.run(document, {resultTypes: ['violations']}).then(r => r.violations"
                ".map(v => [v.id, v.impact, v.nodes.map(n => n.target.join(' ')).slice(0, 3)]))")
            assert found == [], f"{name} at {viewport['width']} px: {found}"
        finally:
            page.close()
