"""The reader's search page in a real headless Chromium (Debian's chromium +
chromium-driver; tests/run.sh installs them). Screenshots go to
tests/artifacts/ (git-ignored)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from backends import BACKENDS, cluster_urls, fresh_target  # noqa: F401 (cluster_urls: a fixture)
from conftest import record, write_jsonl
from server import running_server

from index.readers import read_paths, sample_path
from index.writer import Indexer

ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
XSS_TITLE = "Awas <script>window.__xss = 1</script> \"Kutipan\" & 'Petik' Zamrud"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module", params=BACKENDS)
def base_url(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("browser")
    cities = [
        "Medan",
        "Padang",
        "Palembang",
        "Bandung",
        "Semarang",
        "Surabaya",
        "Malang",
        "Denpasar",
        "Makassar",
        "Manado",
        "Ambon",
        "Kupang",
        "Pontianak",
        "Balikpapan",
        "Jayapura",
    ]
    extra = [
        record(
            id=f"pasar-{i}",
            title=f"Harga Beras di Pasar {city} Stabil",
            body=f"Harga beras di pasar tradisional {city} stabil menjelang akhir pekan.",
            published=f"2023-06-{10 + i:02d}T08:00:00+07:00",
            category="Ekonomi",
            source="Berita",
        )
        for i, city in enumerate(cities)
    ]
    extra.append(
        record(
            id="xss-1",
            title=XSS_TITLE,
            body='Zamrud <b>tebal</b> & "kutip" <img src=x onerror=window.__xss=2>.',
            published="2023-06-29T09:00:00+07:00",
            category="Nasional",
        )
    )
    ixdir, options = tmp / "ix", []
    if request.param == "opensearch":
        from index.opensearch.writer import ClusterWriter

        target = fresh_target(request.getfixturevalue("cluster_urls"))
        ClusterWriter(target).ingest(read_paths([sample_path(), write_jsonl(tmp / "extra.jsonl", extra)]))
        ixdir.mkdir()
        options = ["--backend", "opensearch", "--opensearch-index", target.index]
        options += [f"--opensearch-url={u}" for u in target.urls]
    else:
        Indexer(ixdir).ingest(read_paths([sample_path(), write_jsonl(tmp / "extra.jsonl", extra)]))
    with running_server(ixdir, 1, *options) as base:
        yield base


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.skip("Debian's chromium and chromium-driver are not installed (tests/run.sh installs them)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path_factory.mktemp('chrome-profile')}",
        "--window-size=1280,900",
    ):
        options.add_argument(flag)
    browser = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    browser.set_page_load_timeout(30)
    yield browser
    browser.quit()


def wait_for(driver, css):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, 15).until(ec.presence_of_element_located((By.CSS_SELECTOR, css)))


def wait_for_url(driver, part):
    """Until the browser has navigated to a URL containing ``part`` (an element
    of the page being left may still match a CSS wait)."""
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 15).until(lambda d: part in d.current_url)


def search_for(driver, base_url, text):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver.get(base_url + "/")
    box = wait_for(driver, "#q")
    box.clear()
    box.send_keys(text)
    box.send_keys(Keys.ENTER)
    wait_for_url(driver, "/cari?")
    wait_for(driver, "p.stats")
    return driver.find_elements(By.CSS_SELECTOR, "li.hit")


def screenshot(driver, name, width):
    ARTIFACTS.mkdir(exist_ok=True)
    driver.set_window_size(width, 900)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(width, min(max(height, 600), 4000))
    driver.save_screenshot(str(ARTIFACTS / f"{name}-{width}.png"))
    driver.set_window_size(1280, 900)


def test_type_a_query_and_see_highlighted_results(driver, base_url):
    from selenium.webdriver.common.by import By

    hits = search_for(driver, base_url, "harga pasar")
    assert len(hits) == 10
    assert "q=harga+pasar" in driver.current_url
    marks = driver.find_elements(By.CSS_SELECTOR, "li.hit mark")
    assert marks and {m.text.lower() for m in marks} >= {"harga", "pasar"}
    assert "hasil" in driver.find_element(By.CSS_SELECTOR, "p.stats").text
    assert driver.find_element(By.ID, "q").get_attribute("value") == "harga pasar"
    for width in (1280, 375):
        screenshot(driver, "results", width)
    assert driver.execute_script("return document.documentElement.scrollWidth") <= 1280


def test_narrow_by_date_preset_and_category(driver, base_url):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    search_for(driver, base_url, "harga")
    total_before = driver.find_element(By.CSS_SELECTOR, "p.stats").text
    Select(driver.find_element(By.ID, "rentang")).select_by_value("7h")  # the script submits the form
    wait_for_url(driver, "rentang=7h")
    wait_for(driver, "p.stats")
    assert driver.find_element(By.CSS_SELECTOR, "p.stats").text != total_before
    driver.find_element(By.CSS_SELECTOR, 'a[data-facet="category:ekonomi"]').click()
    wait_for_url(driver, "category=ekonomi")
    wait_for(driver, "a.on")
    assert "category=ekonomi" in driver.current_url and "rentang=7h" in driver.current_url
    categories = {e.text for e in driver.find_elements(By.CSS_SELECTOR, "li.hit .category")}
    assert categories == {"Ekonomi"}
    dates = [e.get_attribute("datetime") for e in driver.find_elements(By.CSS_SELECTOR, "li.hit time")]
    assert dates and all(d >= "2023-06-26" for d in dates)  # within 7 days of the newest article


def test_go_to_page_two(driver, base_url):
    from selenium.webdriver.common.by import By

    search_for(driver, base_url, "harga pasar")
    first = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "li.hit h2")]
    driver.find_element(By.CSS_SELECTOR, 'nav.pager a[rel="next"]').click()
    wait_for_url(driver, "page=2")
    wait_for(driver, 'nav.pager span[aria-current="page"]')
    assert "page=2" in driver.current_url
    assert driver.find_element(By.CSS_SELECTOR, 'nav.pager span[aria-current="page"]').text == "2"
    second = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "li.hit h2")]
    assert second and not set(first) & set(second)


def test_a_typo_shows_the_corrected_results_and_the_way_back(driver, base_url):
    from selenium.webdriver.common.by import By

    hits = search_for(driver, base_url, "kebakran hutan")
    notice = driver.find_element(By.CSS_SELECTOR, "p.corrected")
    assert notice.text.startswith("Menampilkan hasil untuk kebakaran hutan.")
    assert hits and "kebakaran" in hits[0].find_element(By.CSS_SELECTOR, "h2").text.lower()
    for width in (1280, 375):
        screenshot(driver, "corrected", width)
    driver.find_element(By.ID, "tanpa-koreksi").click()
    wait_for_url(driver, "spellcheck=false")
    wait_for(driver, "p.partial")
    assert not driver.find_elements(By.CSS_SELECTOR, "p.corrected")
    assert "kebakran" in driver.find_element(By.CSS_SELECTOR, "p.partial").text


def test_markup_in_queries_and_titles_is_shown_as_text(driver, base_url):
    from selenium.webdriver.common.by import By

    hits = search_for(driver, base_url, 'zamrud "<script>alert(1)</script>')
    assert driver.execute_script("return window.__xss === undefined")
    hits = search_for(driver, base_url, "zamrud")
    assert len(hits) == 1
    assert driver.execute_script("return window.__xss === undefined")
    title = driver.find_element(By.CSS_SELECTOR, "li.hit h2").text
    assert "<script>window.__xss = 1</script>" in title and '"Kutipan"' in title
    assert driver.find_elements(By.CSS_SELECTOR, "li.hit h2 mark")[0].text == "Zamrud"
    assert "<b>tebal</b>" in driver.find_element(By.CSS_SELECTOR, "li.hit .snippet").text
    assert not driver.find_elements(By.CSS_SELECTOR, "li.hit img, li.hit script, li.hit b")


def test_the_timeline_narrows_to_a_bar_when_clicked(driver, base_url):
    """The results page draws when the matches were published; each bar is a
    link to its period, titled in Indonesian; readable at 375 and 1280 px."""
    from selenium.webdriver.common.by import By

    search_for(driver, base_url, "harga")
    chart = wait_for(driver, "figure.timeline svg")
    summary = chart.get_attribute("aria-label")
    assert summary.startswith("Linimasa per") and "berita" in summary
    bars = driver.find_elements(By.CSS_SELECTOR, "figure.timeline a")
    titles = [b.find_element(By.TAG_NAME, "title").get_attribute("textContent") for b in bars]
    assert len(bars) >= 2 and all(": " in t and t.endswith("berita") for t in titles)
    for width in (1280, 375):
        screenshot(driver, "timeline", width)
    busiest = max(
        range(len(bars)), key=lambda i: float(bars[i].find_element(By.TAG_NAME, "rect").get_attribute("height"))
    )
    expected = int(titles[busiest].rsplit(": ", 1)[1].split()[0].replace(".", ""))
    driver.execute_script("arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))", bars[busiest])
    wait_for_url(driver, "from=")
    wait_for(driver, "p.stats")
    assert "from=" in driver.current_url and "to=" in driver.current_url
    assert driver.find_element(By.CSS_SELECTOR, "p.stats").text.startswith(f"{expected} hasil")


def test_the_search_box_suggests_completions_by_keyboard(driver, base_url):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver.get(base_url + "/")
    box = wait_for(driver, "#q")
    box.send_keys("harga b")
    wait_for(driver, "#saran-daftar li[role=option]")
    options = [o.text for o in driver.find_elements(By.CSS_SELECTOR, "#saran-daftar li")]
    assert options[0] == "harga beras" and box.get_attribute("aria-expanded") == "true"
    screenshot(driver, "suggest", 1280)
    box.send_keys(Keys.ARROW_DOWN)
    assert box.get_attribute("aria-activedescendant") == "saran-0"
    box.send_keys(Keys.ENTER)
    wait_for_url(driver, "q=harga+beras")
    wait_for(driver, "p.stats")


def test_the_form_leaves_empty_fields_out_and_dates_read_as_typed(driver, base_url):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    search_for(driver, base_url, "harga")
    assert driver.current_url.endswith("/cari?q=harga"), driver.current_url  # no "&rentang=&from=&to=&sort="
    box = driver.find_element(By.ID, "from")
    assert box.get_attribute("type") == "text" and box.get_attribute("placeholder") == "2019-09-01"
    box.send_keys("2023-06-20")
    Select(driver.find_element(By.ID, "sort")).select_by_value("oldest")  # the script submits the form
    wait_for_url(driver, "sort=oldest")
    wait_for(driver, "p.stats")
    query = driver.current_url.split("?", 1)[1]
    assert sorted(query.split("&")) == ["from=2023-06-20", "q=harga", "sort=oldest"], query
    dates = [e.get_attribute("datetime") for e in driver.find_elements(By.CSS_SELECTOR, "li.hit time")]
    assert dates and dates == sorted(dates) and dates[0] >= "2023-06-20"
    assert driver.find_element(By.ID, "from").get_attribute("value") == "2023-06-20"


def test_a_preset_says_which_moment_it_counts_back_from(driver, base_url):
    import json
    import urllib.request
    from datetime import datetime

    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    from search.http.pages import date_id

    newest = json.loads(urllib.request.urlopen(base_url + "/api/search?sort=newest&size=1").read())["results"][0]
    search_for(driver, base_url, "harga")
    assert not driver.find_elements(By.ID, "acuan")  # "Kapan saja" counts from nothing
    Select(driver.find_element(By.ID, "rentang")).select_by_value("7h")
    wait_for_url(driver, "rentang=7h")
    note = wait_for(driver, "#acuan").text
    assert "7 hari terakhir" in note and date_id(datetime.fromisoformat(newest["published"])) in note, note


def test_at_375_px_the_results_come_before_the_facet_lists(driver, base_url):
    from selenium.webdriver.common.by import By

    driver.set_window_size(375, 900)
    try:
        driver.get(base_url + "/cari?q=harga+pasar")
        first = wait_for(driver, "li.hit")
        ARTIFACTS.mkdir(exist_ok=True)
        driver.save_screenshot(str(ARTIFACTS / "narrow-375.png"))
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(375, min(max(height, 600), 4000))  # as loaded at 375 px: the facets folded
        driver.save_screenshot(str(ARTIFACTS / "loaded-375.png"))
        facets = driver.find_elements(By.CSS_SELECTOR, "details.facet")
        assert facets and not any(d.get_attribute("open") for d in facets)  # folded: a heading each
        assert first.location["y"] < 520, first.location
        assert driver.execute_script("return document.documentElement.scrollWidth") <= 375
        facets[0].find_element(By.TAG_NAME, "summary").click()
        assert facets[0].get_attribute("open") and facets[0].find_element(By.CSS_SELECTOR, "li a").is_displayed()
    finally:
        driver.set_window_size(1280, 900)


def test_a_result_with_an_outlet_link_also_reaches_our_article_page_and_its_related_stories(driver, base_url):
    from selenium.webdriver.common.by import By

    search_for(driver, base_url, "harga beras medan")
    hit = driver.find_elements(By.CSS_SELECTOR, "li.hit")[0]
    assert hit.find_element(By.CSS_SELECTOR, "h2 a").get_attribute("href").startswith("https://example.test/")
    hit.find_element(By.LINK_TEXT, "Berita terkait").click()
    wait_for_url(driver, "/artikel/")
    related = wait_for(driver, "section#terkait, section[aria-labelledby=terkait]")
    assert related.find_elements(By.CSS_SELECTOR, "li a")
    assert "Harga Beras di Pasar" in driver.find_element(By.TAG_NAME, "h1").text
    box = driver.find_element(By.ID, "q")
    assert box.size["width"] > 300 and box.size["height"] >= 30, box.size  # the styled search box
    screenshot(driver, "article", 1280)
    box.send_keys("beras\n")
    wait_for_url(driver, "/cari?q=beras")
    assert wait_for(driver, "li.hit")


def test_pages_say_how_many_and_mistyped_addresses_get_an_indonesian_page(driver, base_url):
    from selenium.webdriver.common.by import By

    search_for(driver, base_url, "harga pasar")
    assert driver.find_element(By.ID, "halaman-dari").text == "Halaman 1 dari 2"
    for path in (
        "/search?q=harga",
        "/artikel",
        "/cari?q=harga&page=abc",
        "/cari?q=harga&from=2023-07-01&to=2023-06-01",
    ):
        driver.get(base_url + path)
        heading = wait_for(driver, "h1, p.error")
        text = driver.find_element(By.TAG_NAME, "body").text
        assert '"type"' not in text and "problem" not in text and heading.text, path
    driver.get(base_url + "/search?q=harga")
    assert driver.find_element(By.TAG_NAME, "h1").text == "Halaman tidak ditemukan"
    driver.find_element(By.ID, "alamat-benar").click()
    wait_for_url(driver, "/cari?q=harga")
    assert wait_for(driver, "li.hit")
    driver.get(base_url + "/cari?q=harga&page=abc")
    assert "Nomor halaman" in driver.find_element(By.CSS_SELECTOR, "p.error").text
    driver.get(base_url + "/cari?q=harga&from=2023-07-01&to=2023-06-01")
    assert "setelah tanggal “Sampai”" in driver.find_element(By.CSS_SELECTOR, "p.error").text
    screenshot(driver, "error", 375)
    icon = driver.execute_script(
        "var i = new Image(); i.src = '/favicon.ico'; return i.decode().then(function () { return i.width; });"
    )
    assert icon == 32
