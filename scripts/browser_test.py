"""Browser test of `cellar serve` (run by scripts/test-browser.sh; see `make test-browser`).

Drives Debian's headless Chromium through Selenium with the driver and browser paths given
explicitly (nothing is downloaded). Every check compares the page with what the database
says through the `cellar` CLI (counts, export), not with the viewer's own API.
"""
import argparse
import csv
import io
import json
import os
import sqlite3
import subprocess
import sys
import time

from matplotlib import colormaps
from PIL import Image
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

P = argparse.ArgumentParser()
P.add_argument("--cellar", required=True)
P.add_argument("--url", required=True)
P.add_argument("--db", required=True)
P.add_argument("--work", required=True)
P.add_argument("--out", required=True)
ARGS = P.parse_args()
CHECKS = []


def check(condition, message):
    CHECKS.append(message)
    if not condition:
        raise AssertionError(message)
    print("   ok:", message)


def cli(*args):
    return subprocess.run([ARGS.cellar, *args], check=True, capture_output=True, text=True).stdout


def shot(driver, name):
    path = os.path.join(ARGS.out, name)
    driver.save_screenshot(path)
    print("   screenshot", path)


def wait(driver, seconds, condition, what):
    try:
        return WebDriverWait(driver, seconds, poll_frequency=0.1).until(lambda d: condition(d))
    except Exception as e:
        shot(driver, "failure.png")
        raise AssertionError(f"timed out after {seconds}s waiting for {what}") from e


def hex_rgb(text):
    text = text.strip().lstrip("#")
    return tuple(int(text[i:i + 2], 16) for i in (0, 2, 4))


def url(base, fragment):
    # base may carry ?token=...; the route is the fragment.
    return base.split("#")[0] + fragment


def make_driver():
    opts = Options()
    opts.binary_location = "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1100",
              "--disable-gpu", "--hide-scrollbars"):
        opts.add_argument(a)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)


def coloured_fraction(png_bytes):
    img = Image.open(io.BytesIO(png_bytes)).convert("RGB")
    raw = img.tobytes()
    coloured = sum(1 for i in range(0, len(raw), 3) if max(raw[i:i + 3]) - min(raw[i:i + 3]) > 40)
    return coloured / max(1, img.width * img.height)


def plate_part(driver):
    print("== plate page: 96 wells coloured by cells per well")
    counts = json.loads(cli("counts", "--db", ARGS.db, "--plate", "P1", "--format", "json"))
    cells = {row["well"]: row["cells"] for row in counts}
    check(len(cells) == 96, f"the CLI reports 96 wells ({len(cells)})")
    t0 = time.time()
    driver.get(url(ARGS.url, "#/plate/P1"))
    wait(driver, 20, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#platesvg .well[fill^='#']")) == 96, "96 coloured wells")
    print(f"   plate drawn {time.time() - t0:.2f} s after navigation")
    wells = driver.find_elements(By.CSS_SELECTOR, "#platesvg .well")
    check(len(wells) == 96, "96 wells drawn")
    lo, hi = min(cells.values()), max(cells.values())
    viridis = colormaps["viridis"]
    worst = 0
    for w in wells:
        name = w.get_attribute("data-well")
        t = (cells[name] - lo) / (hi - lo) if hi > lo else 0.5
        expected = tuple(round(255 * c) for c in viridis(t)[:3])
        got = hex_rgb(w.get_attribute("fill"))
        worst = max(worst, max(abs(a - b) for a, b in zip(expected, got)))
        check_value = int(float(w.get_attribute("data-cells")))
        if check_value != cells[name]:
            raise AssertionError(f"{name}: page says {check_value} cells, CLI {cells[name]}")
    check(worst <= 4, f"every well's colour is viridis of its count scaled min…max (largest channel difference {worst})")
    most = max(cells, key=cells.get)
    ActionChains(driver).move_to_element(driver.find_element(By.CSS_SELECTOR, f"#platesvg .well[data-well='{most}']")).perform()
    wait(driver, 5, lambda d: d.find_element(By.ID, "tooltip").is_displayed(), "the hover tooltip")
    tip = driver.find_element(By.ID, "tooltip").text
    check(most in tip and f"{cells[most]:,}" in tip, f"hovering {most} shows its count ({tip.splitlines()[1] if tip else ''})")
    shot(driver, "1-plate-cells.png")

    print("== plate page: a feature heatmap with its histogram")
    from selenium.webdriver.support.ui import Select
    Select(driver.find_element(By.ID, "value")).select_by_value("Nuclei_AreaShape_Area")
    wait(driver, 20, lambda d: "Nuclei_AreaShape_Area" in d.find_element(By.ID, "heatlabel").text, "the area heatmap")
    ActionChains(driver).move_to_element(driver.find_element(By.CSS_SELECTOR, f"#platesvg .well[data-well='{most}']")).perform()
    wait(driver, 5, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#histsvg .wellbar")) > 0, "the hovered well's histogram")
    check(len(driver.find_elements(By.CSS_SELECTOR, "#histsvg .platebar")) > 10, "the plate histogram is drawn")
    shot(driver, "2-plate-area-histogram.png")
    return most


def well_and_field_part(driver):
    print("== well page: field thumbnails; field page: outlines, a cell's area")
    driver.get(url(ARGS.url, "#/plate/P1"))
    wait(driver, 20, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#platesvg .well[fill^='#']")) == 96, "the plate")
    driver.find_element(By.CSS_SELECTOR, "#platesvg .well[data-well='B03']").click()
    wait(driver, 20, lambda d: len(d.find_elements(By.CSS_SELECTOR, "img.thumb")) == 2 and all(
        d.execute_script("return arguments[0].complete && arguments[0].naturalWidth", i) for i in d.find_elements(By.CSS_SELECTOR, "img.thumb")),
        "two loaded thumbnails of B03")
    check(True, "B03 shows its 2 field thumbnails")
    wait(driver, 20, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#gallery img")) > 0 and all(
        d.execute_script("return arguments[0].complete && arguments[0].naturalWidth", i) for i in d.find_elements(By.CSS_SELECTOR, "#gallery img")),
        "the cell gallery")
    check(True, f"the gallery shows {len(driver.find_elements(By.CSS_SELECTOR, '#gallery img'))} cell crops")
    shot(driver, "3-well-B03.png")

    driver.find_elements(By.CSS_SELECTOR, "a.thumblink")[0].click()
    def image_loaded(d):
        v = d.find_element(By.ID, "viewport")
        src = d.find_element(By.ID, "fieldimg").get_attribute("src")
        return v.get_attribute("data-loaded") == src and src
    wait(driver, 20, image_loaded, "the field image")
    with_outlines = driver.find_element(By.ID, "viewport").screenshot_as_png
    shot(driver, "4-field-outlines.png")
    driver.find_element(By.ID, "outlines").click()
    wait(driver, 20, lambda d: "outlines=0" in d.find_element(By.ID, "fieldimg").get_attribute("src") and image_loaded(d), "the image without outlines")
    without = driver.find_element(By.ID, "viewport").screenshot_as_png
    a, b = coloured_fraction(with_outlines), coloured_fraction(without)
    check(a > 0.01 and b < 0.001, f"outlines toggle: coloured pixels {a:.3%} with, {b:.3%} without")
    shot(driver, "5-field-no-outlines.png")
    driver.find_element(By.ID, "outlines").click()
    wait(driver, 20, lambda d: "outlines=1" in d.find_element(By.ID, "fieldimg").get_attribute("src") and image_loaded(d), "outlines back")

    # A cell from the CLI's export: click its centroid, read its area on the page.
    rows = list(csv.DictReader(io.StringIO(cli("export", "--db", ARGS.db, "--plate", "P1", "--wells", "B03", "--level", "cell", "--format", "csv"))))
    site_col = next(k for k in rows[0] if k.lower() in ("site", "metadata_site", "image_metadata_site"))
    rows = [r for r in rows if r[site_col] == "1"]
    cell = max(rows, key=lambda r: float(r["Nuclei_AreaShape_Area"]))
    cx, cy = float(cell["Nuclei_Location_Center_X"]), float(cell["Nuclei_Location_Center_Y"])
    v = driver.find_element(By.ID, "viewport")
    s, tx, ty = (float(v.get_attribute(k)) for k in ("data-scale", "data-tx", "data-ty"))
    rect = driver.execute_script("const r = arguments[0].getBoundingClientRect(); return [r.left, r.top, r.width, r.height];", v)
    # Offsets from the element's centre (Selenium 4 moves relative to the centre).
    ox, oy = tx + (cx + 0.5) * s - rect[2] / 2, ty + (cy + 0.5) * s - rect[3] / 2
    ActionChains(driver).move_to_element_with_offset(v, int(round(ox)), int(round(oy))).click().perform()
    wait(driver, 10, lambda d: d.find_elements(By.CSS_SELECTOR, "#cellfeatures tr[data-feature='Nuclei_AreaShape_Area']"), "the clicked cell's features")
    area_text = driver.find_element(By.CSS_SELECTOR, "#cellfeatures tr[data-feature='Nuclei_AreaShape_Area'] td.num").text
    obj = driver.find_element(By.ID, "cellobject").get_attribute("data-object")
    check(float(area_text.replace(",", "")) == float(cell["Nuclei_AreaShape_Area"]),
          f"clicking B03 site 1 at ({cx:.0f}, {cy:.0f}) shows object {obj} with area {area_text} (export: {cell['Nuclei_AreaShape_Area']})")
    wait(driver, 10, image_loaded, "the image with the cell highlighted")
    shot(driver, "6-field-cell-clicked.png")
    # Zoom in around the cell with the wheel.
    driver.execute_script("""
        const v = arguments[0], r = v.getBoundingClientRect();
        for (let i = 0; i < 6; i++) v.dispatchEvent(new WheelEvent('wheel', {deltaY: -300, clientX: r.left + arguments[1] + r.width/2, clientY: r.top + arguments[2] + r.height/2, bubbles: true, cancelable: true}));
    """, v, ox, oy)
    time.sleep(0.3)
    check(float(v.get_attribute("data-scale")) > s * 4, "the wheel zooms in")
    shot(driver, "7-field-zoomed.png")

    print("== a moved source file")
    driver.get(url(ARGS.url, "#/field/P1/H12/2"))
    wait(driver, 10, lambda d: d.find_elements(By.ID, "missing"), "the missing-file warning")
    wait(driver, 20, image_loaded, "the masks-only image")
    check(coloured_fraction(driver.find_element(By.ID, "viewport").screenshot_as_png) > 0.005,
          "H12 site 2 (its file moved away) says so and still shows its outlines")
    shot(driver, "8-field-missing-source.png")


def live_part(driver):
    print("== live: cellar watch on an empty folder, cellar synth --rate writes, the page fills without reload")
    acq = os.path.join(ARGS.work, "live-acq")
    db = os.path.join(ARGS.work, "live.db")
    os.makedirs(acq)
    procs = []
    try:
        watch = subprocess.Popen([ARGS.cellar, "watch", acq, "--db", db, "--settle", "0.3"],
                                 stdout=subprocess.DEVNULL, stderr=open(os.path.join(ARGS.work, "watch.log"), "w"))
        procs.append(watch)
        for _ in range(100):
            if os.path.exists(db):
                break
            time.sleep(0.1)
        time.sleep(0.5)
        serve = subprocess.Popen([ARGS.cellar, "serve", "--db", db, "--port", "0"], stdout=subprocess.PIPE,
                                 stderr=open(os.path.join(ARGS.work, "serve-live.log"), "w"), text=True)
        procs.append(serve)
        line = serve.stdout.readline()
        check(line.startswith("cellar serve: http"), f"a second viewer serves the live database ({line.strip()})")
        live_url = line.split(": ", 1)[1].strip()
        driver.get(url(live_url, "#/plate/LIVE"))
        wait(driver, 10, lambda d: d.find_elements(By.ID, "waiting"), "the waiting notice (no plate yet)")
        driver.execute_script("window.__noReload = 'still here';")
        shot(driver, "9-live-empty.png")
        synth = subprocess.Popen([ARGS.cellar, "synth", acq, "--plate", "LIVE", "--wells", "24", "--size", "256",
                                  "--rate", "6", "--no-truth"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(synth)
        seen = []
        db_first = {}    # wells with data → when the database (a read-only connection) first had them
        page_first = {}  # → when the page first showed them
        ro = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        def filled(d):
            now = time.time()
            try:
                k = ro.execute("SELECT count(DISTINCT well_id) FROM field WHERE status = 'done'").fetchone()[0]
                for j in range(1, k + 1):
                    db_first.setdefault(j, now)
            except sqlite3.OperationalError:
                pass
            n = len(d.find_elements(By.CSS_SELECTOR, "#platesvg .well[fill^='#']"))
            for j in range(1, n + 1):
                page_first.setdefault(j, now)
            if not seen or seen[-1] != n:
                seen.append(n)
            return n == 24
        t0 = time.time()
        wait(driver, 60, filled, "24 wells filled in")
        check(driver.execute_script("return window.__noReload") == "still here", "no reload happened")
        check(len(seen) >= 3, f"the plate filled in steps while the microscope wrote: {seen}")
        lags = [page_first[k] - db_first[k] for k in page_first if k in db_first]
        check(lags and max(lags) < 2.0,
              f"each well appeared on the page within 2 s of its commit (lag mean {sum(lags) / len(lags):.2f} s, max {max(lags):.2f} s, {len(lags)} wells)")
        print(f"   filled in {time.time() - t0:.1f} s")
        shot(driver, "10-live-filled.png")
        synth.wait(timeout=30)
        # Lag: one more field committed must show within 2 s of its commit.
        before = len(driver.find_elements(By.CSS_SELECTOR, "#platesvg .well[fill^='#']"))
        check(before == 24, "24 wells after the synth run")
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


def main():
    driver = make_driver()
    try:
        plate_part(driver)
        well_and_field_part(driver)
        live_part(driver)
    finally:
        driver.quit()
    print(f"browser test passed: {len(CHECKS)} checks")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        print("FAILED:", e, file=sys.stderr)
        sys.exit(1)
