"""The whole app in a real browser: `streamlit run app.py`, headless Chromium driven by Playwright.

One click on the home page trains a small model; the Predict page judges a typed sentence;
every page is screenshotted (into $SCREENSHOTS_DIR as well when set, which is how the README's
pictures are made: SCREENSHOTS_DIR=assets/screenshots).
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(real_data_dir, tmp_path):
    port = free_port()
    env = {**os.environ, "SENTIMENT_DATA_DIR": str(real_data_dir), "SENTIMENT_MODELS_DIR": str(tmp_path / "models"),
           "SENTIMENT_TEACHER_PASSWORD": "owl"}
    log = open(tmp_path / "streamlit.log", "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.address", "127.0.0.1", "--server.port", str(port),
         "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            time.sleep(0.5)
    else:
        process.kill()
        pytest.fail("streamlit did not start: " + (tmp_path / "streamlit.log").read_text()[-2000:])
    yield url, process.pid
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()
    # What a teacher sees in the terminal: no traceback when the server stops (the workers are closed
    # first), no Streamlit warnings from workers running app.py, no deprecated arguments.
    text = (tmp_path / "streamlit.log").read_text()
    for noise in ("Traceback", "ScriptRunContext", "use_container_width"):
        assert noise not in text, text[-3000:]


class _same_page:
    """Stands in for ``expect_page`` when a link opens in the same tab."""

    def __init__(self, page):
        self.value = page

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def loaded_libraries(pid: int) -> str:
    """The shared libraries a process has mapped: TensorFlow's show here once it is imported."""
    return Path(f"/proc/{pid}/maps").read_text()


LABELLED = (b"id,review,sentiment\n17,a superb film and a wonderful story,pos\n18,an awful boring plot,neg\n"
            b"19,I loved every minute,positive\n20,two hours I will never get back,negative\n")


def save_small_models(models_dir: Path) -> None:
    """A tiny Kim-style CNN and the TF-IDF baseline, trained in seconds on synthetic reviews."""
    from sentiment_core.config import ModelConfig, TrainConfig, default_configs
    from sentiment_core.store import ModelStore
    from sentiment_core.training import train
    from tests.conftest import make_dataset

    store = ModelStore(models_dir)
    cnn = ModelConfig(variant="cnn", vocab_size=60, seq_len=24, filters=8)
    store.save("tiny-cnn", train(make_dataset(120, 1), make_dataset(40, 2), None, cnn, TrainConfig(epochs=1, batch_size=16)))
    linear, settings = default_configs("tfidf-logreg")
    store.save("baseline", train(make_dataset(200, 1), make_dataset(40, 2), None, linear, settings))


def test_train_predict_and_every_page_in_chromium(server, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    server, server_pid = server
    assert Path(CHROMIUM).exists(), "Debian's chromium is needed: apt-get install -y chromium"
    shots = tmp_path / "screenshots"
    shots.mkdir()

    def shot(page, name):
        page.wait_for_timeout(800)  # let charts finish drawing
        page.screenshot(path=str(shots / f"{name}.png"), full_page=True)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1600})
        # A shared link to a page, opened first on a fresh server, still goes through app.py's
        # router: its page titles in the sidebar, not the files of pages/ (ui.py among them).
        page.goto(f"{server}/lesson")
        sidebar = page.get_by_test_id("stSidebarNav")
        expect(sidebar.get_by_text("How text becomes numbers")).to_be_visible(timeout=90_000)
        expect(sidebar.get_by_text("ui", exact=True)).to_have_count(0)
        page.goto(server)
        expect(page.get_by_text("Sentiment Lab").first).to_be_visible(timeout=90_000)
        expect(page.get_by_text("IMDB found")).to_be_visible(timeout=60_000)
        expect(page.get_by_text("Keras backend")).to_be_visible(timeout=120_000)
        # config.toml hides the developer menu and the Deploy button from visitors.
        expect(page.get_by_role("button", name="Deploy")).to_have_count(0)
        shot(page, "home")

        # A classmate in another browser watches the Train page; a teacher password is set.
        classmate = browser.new_context(viewport={"width": 1200, "height": 1200}).new_page()
        classmate.goto(f"{server}/train")
        expect(classmate.get_by_text("Nothing is training")).to_be_visible(timeout=90_000)

        # One click from the home page to a first trained model.
        page.get_by_role("button", name="Train a first model").click()
        expect(page.get_by_text("Your job,")).to_be_visible(timeout=60_000)
        # The classmate sees the job at the top of their page, without a Stop button (not theirs).
        expect(classmate.get_by_text("A classmate's job")).to_be_visible(timeout=60_000)
        expect(classmate.get_by_role("button", name="Stop")).to_have_count(0)
        expect(page.get_by_text("saved as 'quick-fasttext'")).to_be_visible(timeout=300_000)
        expect(page.get_by_text("Test accuracy")).to_be_visible(timeout=30_000)
        # When the job ends the whole page reruns and the Train button is free again.
        expect(page.get_by_role("button", name="Train", exact=True)).to_be_enabled(timeout=30_000)
        # The job's film: its word vectors while it trained, here from the last snapshot back.
        expect(page.get_by_text("Watch its word vectors move")).to_be_visible(timeout=30_000)
        shot(page, "train")

        page.goto(f"{server}/predict")
        box = page.get_by_label("Type a sentence")
        expect(box).to_be_visible(timeout=60_000)
        box.fill("the movie was awesome. Loved it")  # no Enter: it updates after a pause in typing
        expect(page.get_by_text("quick-fasttext", exact=True)).to_be_visible(timeout=60_000)
        expect(page.get_by_text("positive ·").or_(page.get_by_text("negative ·")).first).to_be_visible(timeout=60_000)
        label = page.get_by_text("positive ·").or_(page.get_by_text("negative ·")).first.inner_text()
        assert "%" in label
        shot(page, "predict")
        # A CNN and the TF-IDF baseline join the trained model: explanations on one scale, edits, filters.
        save_small_models(tmp_path / "models")  # the server's models folder
        page.goto(f"{server}/predict?predict_models=quick-fasttext&predict_models=tiny-cnn&predict_models=baseline"
                  "&predict_text=the+acting+was+good+but+the+plot+is+awful")
        expect(page.locator(".card-model", has_text="tiny-cnn")).to_be_visible(timeout=60_000)
        expect(page.locator(".card-model", has_text="baseline")).to_be_visible(timeout=60_000)
        expect(page.locator(".legend .swatch")).to_have_count(5)
        page.get_by_text("exact shares", exact=True).click()
        expect(page.get_by_text("Strongest n-grams").first).to_be_visible(timeout=60_000)
        page.get_by_text("What if? Counterfactual edits").click()
        expect(page.get_by_text("flip at least one model")).to_be_visible(timeout=60_000)
        page.get_by_text("CNN filters: which fired").click()
        # (A filter whose peak lies in the padding after the text is not listed: it fired on no words.)
        expect(page.get_by_text(re.compile(r"tiny-cnn: the \d filters with the largest terms"))).to_be_visible(timeout=120_000)
        shot(page, "predict-explained")
        # One click on an edit judges it: the first row of the edits table becomes the sentence.
        edits = page.get_by_test_id("stDataFrame").nth(0)
        edits.scroll_into_view_if_needed()
        box_of = edits.bounding_box()
        page.mouse.click(box_of["x"] + 12, box_of["y"] + 35 + 17)
        expect(page.get_by_label("Type a sentence")).not_to_have_value("the acting was good but the plot is awful",
                                                                       timeout=30_000)

        # A shared link (text and models in the URL) opens the same judgement in another browser.
        classmate.goto(f"{server}/predict?predict_text=I+loved+every+minute&predict_models=quick-fasttext")
        expect(classmate.get_by_label("Type a sentence")).to_have_value("I loved every minute", timeout=60_000)
        expect(classmate.get_by_text("positive ·").or_(classmate.get_by_text("negative ·")).first).to_be_visible(timeout=60_000)

        # Many texts: a line that starts like a spreadsheet formula is quoted in the downloaded CSV.
        page.get_by_role("tab", name="Many texts").click()
        page.get_by_role("textbox", name="One text per line").fill('=HYPERLINK("http://example.com","click")\nan awful film\n')
        page.get_by_role("button", name="Judge them").click()
        download_button = page.get_by_test_id("stDownloadButton").get_by_role("button")
        expect(download_button).to_be_visible(timeout=60_000)
        with page.expect_download() as download:
            download_button.click()
        rows = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
        assert rows[0].startswith("text,quick-fasttext: label")
        assert rows[1].startswith('"\'=HYPERLINK(""http://example.com"",""click"")",')
        assert rows[2].startswith("an awful film,")
        # The table's own toolbar download writes what the table shows: the same quoted text.
        many = page.get_by_role("tabpanel", name="Many texts")
        many.get_by_test_id("stDataFrame").first.hover()
        # Headless Chromium has no save dialog: without the File System API the export is a plain download.
        page.evaluate("delete window.showSaveFilePicker")
        with page.expect_download() as download:
            many.get_by_test_id("stElementToolbarButtonContainer").get_by_role("button", name="Download as CSV").click()
        exported = Path(download.value.path()).read_text(encoding="utf-8-sig")
        assert "'=HYPERLINK" in exported and "\n=HYPERLINK" not in exported and not exported.startswith("=")

        # A labelled CSV: every column kept, each model scored against the label column.
        page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
            files=[{"name": "reviews.csv", "mimeType": "text/csv", "buffer": LABELLED}])
        expect(page.get_by_text("Label column (scores every model)")).to_be_visible(timeout=60_000)
        page.get_by_role("button", name="Judge them").click()
        expect(page.get_by_text("Against the labels in 'sentiment'")).to_be_visible(timeout=120_000)
        expect(page.get_by_test_id("stMetric").first).to_be_visible(timeout=30_000)
        shot(page, "batch")

        # Test: the built-in suite, then one failing case opened on Predict by its link.
        page.goto(f"{server}/test")
        page.get_by_role("button", name=re.compile(r"Run on \d model")).click()
        expect(page.get_by_text("Failure rate per test (%)")).to_be_visible(timeout=120_000)
        expect(page.get_by_test_id("stDataFrame").first).to_be_visible(timeout=30_000)
        page.get_by_test_id("stMain").get_by_test_id("stExpander").first.locator("summary").click()
        link = page.get_by_role("link", name="open in Predict").first
        expect(link).to_be_visible(timeout=30_000)
        shot(page, "test")
        with page.context.expect_page() if link.get_attribute("target") == "_blank" else _same_page(page) as opened:
            link.click()
        case = opened.value
        # The case's sentence is in the box and the model's card answers it.
        expect(case.locator(".card-model", has_text="quick-fasttext")).to_be_visible(timeout=60_000)
        # The box fills from the link's query parameter once the page has run: wait for it.
        expect(case.get_by_label("Type a sentence")).to_have_value(re.compile(r"\S"), timeout=30_000)
        if case is not page:
            case.close()

        page.goto(f"{server}/embeddings?emb_search=great")
        expect(page.get_by_text("Learned by quick-fasttext")).to_be_visible(timeout=180_000)
        expect(page.get_by_text("GloVe 6B 50-d")).to_be_visible(timeout=60_000)
        # The training film plays: ▶ Play moves the slider on from the first snapshot.
        page.get_by_text("Play its training film").click()
        snapshot = page.locator("text.slider-label").first
        snapshot.scroll_into_view_if_needed()
        expect(snapshot).to_have_text("Snapshot: start", timeout=60_000)
        page.locator(".updatemenu-button", has_text="Play").first.click()
        expect(snapshot).not_to_have_text("Snapshot: start", timeout=30_000)
        expect(snapshot).to_have_text(re.compile(r"Snapshot: epoch \d"), timeout=30_000)
        shot(page, "embeddings")
        # The sentiment axis: the space's fit to the data's polarity, learned beside GloVe.
        page.get_by_test_id("stMain").get_by_text("sentiment axis", exact=True).click()
        expect(page.get_by_text(re.compile(r"Learned by quick-fasttext \(sentiment axis\) · R² 0\.\d\d"))).to_be_visible(
            timeout=180_000)
        shot(page, "embeddings-axis")

        page.goto(f"{server}/lesson")
        expect(page.get_by_text("The embedding lookup")).to_be_visible(timeout=60_000)
        shot(page, "lesson")

        page.goto(f"{server}/models")
        expect(page.get_by_text("Compare")).to_be_visible(timeout=60_000)
        shot(page, "models")
        assert not page.get_by_text("Traceback").count()
        browser.close()
    # Every page ran and every model answered, yet the web server never loaded TensorFlow.
    assert "tensorflow" not in loaded_libraries(server_pid).lower()

    for name in ("home", "train", "predict", "predict-explained", "batch", "test", "embeddings", "embeddings-axis", "lesson",
                 "models"):
        assert (shots / f"{name}.png").stat().st_size > 10_000
    target = os.environ.get("SCREENSHOTS_DIR")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        for png in shots.glob("*.png"):
            shutil.copy(png, Path(target) / png.name)


def test_wire_session_speaks_for_a_browser(server, tmp_path):
    """The load benchmark's stand-in for a student's laptop (benchmarks/wire_client.py) gets what a
    browser gets: Predict's cards for the text it sends, every card showing its words, and the Train
    page's live panel rerun at the pace the page asks for; a wrong label is an error, not a pass."""
    import asyncio

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from wire_client import WireError, WireSession

    url, _ = server
    save_small_models(tmp_path / "models")

    async def visit():
        student = WireSession(url, "predict", "predict_models=tiny-cnn&predict_models=baseline")
        load = await student.open()
        seconds = await student.type("Type a sentence", "a wonderful film, but I loved it zqtoken", "zqtoken", 2)
        with pytest.raises(WireError, match="no widget"):
            await student.type("No such box", "text", "text", 1)
        with pytest.raises(WireError, match="shown 2 times, expected 3"):  # two models chosen, not three
            await student.type("Type a sentence", "again zqother", "zqother", 3)
        await student.close()
        projector = WireSession(url, "train")
        await projector.open()
        started = time.perf_counter()
        runs = await projector.follow(lambda: time.perf_counter() - started > 13)
        await projector.close()
        return load, seconds, student, projector, runs

    load, seconds, student, projector, runs = asyncio.run(visit())
    assert 0 < load < 120 and 0.4 <= seconds < 120
    assert "me=" in student.query  # the owner id the server put in the URL
    assert student.errors == [] and projector.errors == []
    assert projector.auto_reruns and runs >= 3  # opened, then the idle panel's 5-second reruns
