"""Every page through Streamlit's AppTest: runs clean, trains, predicts, maps, and reports bad input."""

import time

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT, make_dataset

PAGES = ["pages/train.py", "pages/predict.py", "pages/test.py", "pages/embeddings.py", "pages/lesson.py", "pages/models.py"]


def open_app() -> AppTest:
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=180).run()


def errors(app) -> list[str]:
    return [e.value for e in app.error]


def wait_for_job(app, timeout: float = 240):
    """This session's latest job, once it has finished (the page rerun after it)."""
    from sentiment_core import paths
    from sentiment_core.engine import get_engine

    queue = get_engine().queue(paths.models_dir())
    deadline = time.time() + timeout
    while time.time() < deadline:
        job = queue.latest_of(app.session_state["owner"])
        if job is not None and not job.active:
            app.run()
            return job
        time.sleep(0.5)
    raise AssertionError("training did not finish in time")


def save_tiny_model(name="tiny"):
    """A model in the (per-test) store without going through the page: for the other pages' tests."""
    from sentiment_core.config import ModelConfig, TrainConfig
    from sentiment_core.store import ModelStore
    from sentiment_core.training import train

    data = make_dataset(120, seed=1)
    trained = train(data, make_dataset(40, seed=2), None, ModelConfig(variant="cnn", vocab_size=60, seq_len=24, filters=8),
                    TrainConfig(epochs=1, batch_size=16))
    ModelStore().save(name, trained)


def test_home_page_reports_data_glove_and_models(real_data_dir, monkeypatch):
    monkeypatch.setenv("SENTIMENT_DATA_DIR", str(real_data_dir))
    app = open_app()
    assert not app.exception
    messages = " ".join(e.value for e in [*app.success, *app.warning, *app.info])
    assert "IMDB found" in messages and "GloVe" in messages
    assert "CPU" in messages or "GPU" in messages
    assert "No models yet" in " ".join(m.value for m in app.markdown)
    assert app.button(key="quick_train").label.startswith("Train a first model")


def test_worker_processes_do_not_run_the_app():
    """Dask's workers start (multiprocessing's spawn) by running the server's main script, app.py, as
    __mp_main__: it must not import Streamlit or the pages there, nor draw the home page in bare mode."""
    import subprocess
    import sys

    probe = ("import runpy, sys; runpy.run_path('app.py', run_name='__mp_main__'); "
             "print(sorted(m for m in sys.modules if m == 'streamlit' or m.startswith('pages')))")
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]", done.stdout
    assert "ScriptRunContext" not in done.stderr


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_without_data_or_models(page, tmp_path, monkeypatch):
    monkeypatch.setenv("SENTIMENT_DATA_DIR", str(tmp_path))
    app = open_app()
    assert any("No IMDB copy" in w.value and "SENTIMENT_DATA_DIR" in w.value for w in app.warning)
    app.switch_page(page).run()
    assert not app.exception, app.exception
    assert not errors(app)


def test_train_page_trains_a_tiny_model_that_predict_then_uses(real_data_dir, monkeypatch, engine):
    from sentiment_core.store import ModelStore

    monkeypatch.setenv("SENTIMENT_DATA_DIR", str(real_data_dir))
    app = open_app().switch_page("pages/train.py").run()
    app.select_slider(key="train_n").set_value(200)
    app.select_slider(key="train_test_n").set_value(200)
    app.selectbox(key="train_variant").set_value("fasttext").run()
    app.text_input(key="train_name-fasttext").set_value("classroom-1")
    app.number_input(key="train_epochs-fasttext-Tuned defaults").set_value(1)
    app.button(key="train_start").click().run()
    assert not errors(app) and not app.exception
    # The name box offers a fresh free name for the next model at once.
    assert app.text_input(key="train_name-fasttext").value not in ("classroom-1", "")

    # A second visitor sees the job at the top of the page, and may queue one of their own.
    other = open_app().switch_page("pages/train.py").run()
    assert not other.exception
    job = wait_for_job(app)
    assert job.state == "done", job.message
    assert job.epoch_history["epoch"] == [1] and job.batch_points
    assert ModelStore().exists("classroom-1") and ModelStore().info("classroom-1").owner == app.session_state["owner"]
    assert any("saved as 'classroom-1'" in s.value for s in app.success)
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Best epoch"] == "1 of 1" and metrics["Test accuracy"].endswith("%")
    assert any("estimate" in c.value for c in app.caption)

    app.switch_page("pages/predict.py").run()
    app.text_input(key="predict_text").set_value("the movie was awesome. Loved it").run()
    assert not app.exception and not errors(app)
    assert "<div class='card-model'>classroom-1</div>" in cards(app) and "%" in cards(app)


def test_one_waiting_job_per_person_and_the_form_survives_a_page_switch(real_data_dir, monkeypatch, engine):
    from sentiment_core import paths
    from sentiment_core.access import Who
    from sentiment_core.config import TrainConfig, default_configs
    from sentiment_core.jobqueue import DataSpec

    monkeypatch.setenv("SENTIMENT_DATA_DIR", str(real_data_dir))
    app = open_app().switch_page("pages/train.py").run()
    # Someone else's long job runs, so this visitor's job waits.
    model_config, _ = default_configs("fasttext")
    blocker = engine.submit(paths.models_dir(), Who("other0001", "Other"), "blocker", model_config.replace(seq_len=50),
                            TrainConfig(epochs=20), DataSpec("imdb", "IMDB 5,000", data_dir=str(real_data_dir), train_size=5000,
                                                             test_size=200, sizes=(4500, 500, 200)))
    try:
        app.select_slider(key="train_n").set_value(200)
        app.number_input(key="train_epochs-fasttext-Tuned defaults").set_value(3)
        app.switch_page("pages/models.py").run()
        app.switch_page("pages/train.py").run()
        assert app.select_slider(key="train_n").value == 200  # the form kept its values
        assert app.number_input(key="train_epochs-fasttext-Tuned defaults").value == 3
        app.button(key="train_start").click().run()
        assert not errors(app), errors(app)
        mine = engine.queue(paths.models_dir()).latest_of(app.session_state["owner"])
        assert mine.waiting and mine.position == 1
        assert any("number 1 in the queue" in i.value for i in app.info)
        assert app.button(key="train_start").disabled  # one waiting job per person
        app.button(key="train_cancel").click().run()
        assert engine.queue(paths.models_dir()).get(mine.id).state == "cancelled"
        # A non-owner has no Stop button for the running job (a teacher password is set).
        monkeypatch.setenv("SENTIMENT_TEACHER_PASSWORD", "owl")
        app.run()
        assert not [b for b in app.button if (b.key or "").startswith("train_stop-")]
    finally:
        engine.queue(paths.models_dir()).request_stop(blocker.id, Who("other0001"))
        engine.wait_for(paths.models_dir(), blocker.id, 120)


def test_train_page_shows_a_bad_upload_as_an_error(monkeypatch, tmp_path):
    monkeypatch.setenv("SENTIMENT_DATA_DIR", str(tmp_path))
    app = open_app().switch_page("pages/train.py").run()
    app.radio(key="train_source").set_value("My own file (CSV/TSV)").run()
    app.file_uploader(key="train_upload").set_value(("one.csv", b"text,label\ngood film,pos\nfine film,pos\n", "text/csv")).run()
    assert not app.exception
    assert any("at least two classes" in e for e in errors(app))
    assert app.button(key="train_start").disabled

    # Columns it cannot guess: the user is asked to pick them, and Train waits.
    app.file_uploader(key="train_upload").set_value(("cols.csv", b"a,b,c\nx,y,z\n", "text/csv")).run()
    assert not app.exception and any("Choose the text column" in i.value for i in app.info)
    assert app.button(key="train_start").disabled
    picker(app, "Label column").set_value("c").run()
    assert any("at least two classes" in e and "'c'" in e for e in errors(app))


def cards(app) -> str:
    """The Predict page's model cards (one HTML element) and its error boxes, as text."""
    return " ".join([h.value for h in app.get("html") if "class='cards'" in h.value] + errors(app))


def picker(app, label: str):
    return next(box for box in app.selectbox if box.label == label)


def test_train_page_reads_a_headerless_csv_with_the_columns_picked(monkeypatch, tmp_path):
    monkeypatch.setenv("SENTIMENT_DATA_DIR", str(tmp_path))
    app = open_app().switch_page("pages/train.py").run()
    app.radio(key="train_source").set_value("My own file (CSV/TSV)").run()
    rows = "".join(f"{i},{'a fine film' if i % 2 else 'a dull film'} number {i},{i % 2}\n" for i in range(40))
    app.file_uploader(key="train_upload").set_value(("plain.csv", rows.encode(), "text/csv")).run()
    assert not app.exception and not errors(app)
    # No header row was found, so row 1 stays data; the guessed columns are preselected.
    assert app.checkbox[0].value is False
    assert picker(app, "Text column").value == "column 2" and picker(app, "Label column").value == "column 3"
    assert any("40 texts in 2 classes" in s.value for s in app.success)
    assert not app.button(key="train_start").disabled
    # The user can say otherwise: with a header the first row becomes the column names.
    app.checkbox[0].check().run()
    assert not app.exception and picker(app, "Text column").options == ["0", "a dull film number 0", "0 (2)"]


def test_train_page_fits_settings_to_short_own_texts(monkeypatch, tmp_path):
    monkeypatch.setenv("SENTIMENT_DATA_DIR", str(tmp_path))
    app = open_app().switch_page("pages/train.py").run()
    app.radio(key="train_source").set_value("My own file (CSV/TSV)").run()
    rows = "text,label\n" + "".join(f"{'a fine film' if i % 2 else 'a dull film'} number {i},{i % 2}\n" for i in range(60))
    app.file_uploader(key="train_upload").set_value(("short.csv", rows.encode(), "text/csv")).run()
    assert not app.exception and not errors(app)
    fitted = next(i.value for i in app.info if "Fitted to your data" in i.value)
    assert "Sequence length 8" in fitted and "Vocabulary 100" in fitted
    length = next(n for n in app.number_input if n.key.startswith("train_len-fasttext-Tuned defaults-"))
    assert length.value == 8  # the widget starts from the fitted value, and stays editable
    app.radio(key="train_preset").set_value("The seed's settings").run()
    assert not any("Fitted to your data" in i.value for i in app.info)  # the seed's settings are the seed's


def test_train_page_rejects_bad_model_names(monkeypatch, tmp_path):
    monkeypatch.setenv("SENTIMENT_DATA_DIR", str(tmp_path))
    save_tiny_model("taken")
    app = open_app().switch_page("pages/train.py").run()
    app.text_input(key="train_name-fasttext").set_value("../escape").run()
    assert any("not a valid model name" in e for e in errors(app))
    app.text_input(key="train_name-fasttext").set_value("taken").run()
    assert any("already exists" in e for e in errors(app))
    assert app.button(key="train_start").disabled


def test_predict_page_handles_examples_empty_and_odd_text(monkeypatch, tmp_path):
    monkeypatch.setenv("SENTIMENT_DATA_DIR", str(tmp_path))
    save_tiny_model("tiny")
    app = open_app().switch_page("pages/predict.py").run()
    example = [b for b in app.button if b.key and b.key.startswith("example-")][0]
    example.click().run()
    assert app.text_input(key="predict_text").value.startswith("The movie was unintelligent")
    assert "<div class='card-model'>tiny</div>" in cards(app)
    app.text_input(key="predict_text").set_value("🎬🍿 ¡¿").run()
    assert not app.exception and "No words the model can read" in cards(app)
    app.text_input(key="predict_text").set_value("great " * 20000).run()
    assert not app.exception and not errors(app)
    # Batch mode: lines in, a table out.
    app.text_area(key="batch_text").set_value("great film\n\nawful film\n=1+1 film\n")
    app.button(key="batch_go").click().run()
    assert not app.exception
    table = app.dataframe[0].value
    # A text that starts like a spreadsheet formula is shown (and so exported) quoted.
    assert list(table["text"]) == ["great film", "awful film", "'=1+1 film"] and "tiny: label" in table.columns
    app.text_area(key="batch_text").set_value("   \n")
    app.button(key="batch_go").click().run()
    assert any("No texts" in e for e in errors(app))


def test_embeddings_page_draws_both_maps_and_checks_perplexity(monkeypatch, tmp_path):
    monkeypatch.setenv("SENTIMENT_DATA_DIR", str(tmp_path))
    save_tiny_model("tiny")
    app = open_app().switch_page("pages/embeddings.py").run()
    app.selectbox(key="emb_model").set_value("tiny")
    app.select_slider(key="emb_n").set_value(100).run()
    assert not app.exception
    # The tiny model knows ~20 words: the map and the page say so instead of failing.
    app.slider(key="emb_perplexity").set_value(5).run()
    assert not app.exception and not errors(app)
    titles = [c.proto.spec for c in app.get("plotly_chart")]
    assert any("Learned by tiny" in t for t in titles) and any("GloVe 6B" in t for t in titles)
    app.text_input(key="emb_search").set_value("great").run()
    assert "Nearest to 'great' in the learned space" in " ".join(m.value for m in app.markdown)
    app.slider(key="emb_perplexity").set_value(90).run()
    assert any("too large" in e for e in errors(app))


def test_embeddings_page_sentiment_axis_word_list_and_training_film(monkeypatch, tmp_path):
    from sentiment_core.config import ModelConfig, TrainConfig
    from sentiment_core.film import FilmSettings
    from sentiment_core.store import ModelStore
    from sentiment_core.training import train

    monkeypatch.setenv("SENTIMENT_DATA_DIR", str(tmp_path))
    config = ModelConfig(variant="fasttext", vocab_size=60, seq_len=24, embedding_dim=8, bigram_buckets=50, dropout=0.0)
    trained = train(make_dataset(200, seed=1), make_dataset(60, seed=2), None, config, TrainConfig(epochs=2, batch_size=16),
                    film=FilmSettings(words=20, min_count=3))
    ModelStore().save("filmed", trained)
    app = open_app().switch_page("pages/embeddings.py").run()
    app.selectbox(key="emb_model").set_value("filmed")
    app.select_slider(key="emb_n").set_value(100)
    app.radio(key="emb_method").set_value("axis").run()
    assert not app.exception and not errors(app)
    assert any("Sentiment axis" in i.value and "learned: R²" in i.value for i in app.info)
    specs = [c.proto.spec for c in app.get("plotly_chart")]
    assert any("Learned by filmed (sentiment axis) · R²" in s for s in specs)
    assert not any("Snapshot: " in s for s in specs)  # the film is drawn on request
    app.toggle(key="emb_film").set_value(True).run()
    specs = [c.proto.spec for c in app.get("plotly_chart")]
    # The film: one frame per snapshot (start, 3 inside each epoch, each epoch's end), a slider and ▶ Play.
    film = next(s for s in specs if "Snapshot: " in s)
    assert film.count('"name":"') >= 1 + 2 * 4 and "Play" in film and "epoch 2 end" in film
    app.text_input(key="emb_only").set_value("great, awful nowhere").run()
    assert any("nowhere" in w.value and "Not among" in w.value for w in app.warning)
    assert any("2 shown" in c.value for c in app.caption)
    app.text_input(key="emb_search").set_value("great").run()
    # The searched word and its neighbours are printed above the points (annotations), its ring drawn last.
    learned = next(s for s in app.get("plotly_chart") if "Learned by filmed" in s.proto.spec).proto.spec
    assert "\\u003cb\\u003egreat\\u003c\\u002fb\\u003e" in learned and '"name":"search"' in learned


def test_lesson_page_shows_every_step(monkeypatch, tmp_path):
    monkeypatch.setenv("SENTIMENT_DATA_DIR", str(tmp_path))
    app = open_app().switch_page("pages/lesson.py").run()
    assert not app.exception and not errors(app)
    headers = " ".join(h.value for h in app.subheader)
    for step in ("tokens", "vocabulary", "Pad", "one-hot", "Character", "hashing", "grams", "embedding"):
        assert step in headers
    app.text_input(key="lesson_text").set_value("").run()
    assert any("Type a sentence" in e for e in errors(app))


def test_models_page_compares_and_deletes(monkeypatch, tmp_path):
    from sentiment_core.store import ModelStore

    monkeypatch.setenv("SENTIMENT_DATA_DIR", str(tmp_path))
    save_tiny_model("one")
    save_tiny_model("two")
    app = open_app().switch_page("pages/models.py").run()
    assert not app.exception
    assert set(app.dataframe[0].value["model"]) == {"one", "two"}
    # Accuracies in percent (shown with two decimals), still numbers to sort by.
    assert all(1 < value <= 100 for value in app.dataframe[0].value["validation accuracy"])
    app.selectbox(key="models_detail").set_value("one").run()
    app.button(key="models_delete").click().run()
    assert not app.exception
    assert [m.name for m in ModelStore().list()] == ["two"]


def break_model(name: str, manifest) -> None:
    """Overwrites a saved model's manifest (a tampered or damaged folder)."""
    import json

    from sentiment_core.store import ModelStore

    (ModelStore().path(name) / "manifest.json").write_text(json.dumps(manifest))


def test_predict_page_answers_with_the_models_that_load(monkeypatch, tmp_path):

    monkeypatch.setenv("SENTIMENT_DATA_DIR", str(tmp_path))
    save_tiny_model("good")
    save_tiny_model("broken")
    (tmp_path / "models" / "broken" / "model.weights.h5").write_bytes(b"not weights")  # lists, fails to load
    app = open_app().switch_page("pages/predict.py").run()
    app.multiselect(key="predict_models").set_value(["broken", "good"]).run()
    app.text_input(key="predict_text").set_value("a great film").run()
    assert not app.exception
    assert "<div class='card-model'>good</div>" in cards(app) and "**broken**" in cards(app)
    assert any("'broken' cannot be used" in e and "model.weights.h5" in e for e in errors(app))
    assert cards(app).count("class='pbars'") == 1  # the good model's probability bars
    # With only the broken model chosen the page still renders, with its message.
    app.multiselect(key="predict_models").set_value(["broken"]).run()
    app.text_input(key="predict_text").set_value("another film").run()
    assert not app.exception and any("cannot be used" in e for e in errors(app))
    app.text_area(key="batch_text").set_value("great film\n")
    app.button(key="batch_go").click().run()
    assert any("'broken' cannot be used" in e for e in errors(app))


def test_unreadable_models_are_shown_not_fatal(monkeypatch, tmp_path):
    from sentiment_core.store import ModelStore

    monkeypatch.setenv("SENTIMENT_DATA_DIR", str(tmp_path))
    save_tiny_model("good")
    save_tiny_model("broken")
    break_model("broken", [])
    app = open_app()
    assert not app.exception
    assert any("1 model folder(s) cannot be used (broken)" in w.value for w in app.warning)
    for page in PAGES:
        app = open_app().switch_page(page).run()
        assert not app.exception, page
    app = open_app().switch_page("pages/models.py").run()
    assert list(app.dataframe[0].value["name"]) == ["broken"]
    assert "manifest.json holds a list" in app.dataframe[0].value["unreadable"][0]
    assert list(app.dataframe[1].value["model"]) == ["good"]
    app.button(key="models_delete_broken").click().run()
    assert not app.exception
    assert ModelStore().scan()[1] == [] and [m.name for m in ModelStore().list()] == ["good"]


def test_a_model_that_fails_to_load_is_a_message_on_every_page(monkeypatch, tmp_path):
    monkeypatch.setenv("SENTIMENT_DATA_DIR", str(tmp_path))
    save_tiny_model("broken")
    (tmp_path / "models" / "broken" / "model.weights.h5").write_bytes(b"not weights")
    app = open_app().switch_page("pages/lesson.py").run()
    app.selectbox(key="lesson_source").set_value("broken").run()
    assert not app.exception and any("'broken' cannot be used" in e for e in errors(app))
    app = open_app().switch_page("pages/embeddings.py").run()
    app.selectbox(key="emb_model").set_value("broken").run()
    assert not app.exception and any("'broken' cannot be used" in e for e in errors(app))


def test_teacher_mode_unlocks_deleting_a_model_someone_else_made(monkeypatch, tmp_path):
    from sentiment_core.store import ModelStore

    monkeypatch.setenv("SENTIMENT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SENTIMENT_TEACHER_PASSWORD", "owl")
    save_tiny_model("theirs")  # made by nobody in this room (the CLI): only the teacher may delete it
    app = open_app().switch_page("pages/models.py").run()
    assert not app.exception
    assert any("Only the person who made it or the teacher can delete 'theirs'" in c.value for c in app.caption)
    assert not [b for b in app.button if b.key == "models_delete"]
    app.text_input(key="teacher_password").set_value("OWL")
    next(b for b in app.button if b.label == "Unlock").click().run()
    assert any("not the teacher password" in e for e in errors(app))
    app.text_input(key="teacher_password").set_value("owl")
    next(b for b in app.button if b.label == "Unlock").click().run()
    assert any("Teacher mode" in s.value for s in app.sidebar.success)
    app.button(key="models_delete").click().run()
    assert not app.exception and ModelStore().list() == []


def test_a_shared_link_opens_predict_with_its_text_and_models(monkeypatch, tmp_path):
    monkeypatch.setenv("SENTIMENT_DATA_DIR", str(tmp_path))
    save_tiny_model("one")
    save_tiny_model("two")
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    app.query_params["predict_text"] = "a superb film"
    app.query_params["predict_models"] = ["two"]
    app.run().switch_page("pages/predict.py").run()
    assert not app.exception
    assert app.text_input(key="predict_text").value == "a superb film"
    assert app.multiselect(key="predict_models").value == ["two"]
    assert "card-model'>two<" in cards(app) and "card-model'>one<" not in cards(app)


def test_test_page_runs_the_built_in_suite_and_a_custom_test(monkeypatch, tmp_path, engine):
    import json

    from sentiment_core.checks import builtin_suite

    monkeypatch.setenv("SENTIMENT_DATA_DIR", str(tmp_path))
    save_tiny_model("tiny")
    app = open_app().switch_page("pages/test.py").run()
    assert not app.exception
    app.button(key="test_run").click().run()
    assert not app.exception and not errors(app)
    table = app.dataframe[0].value  # one row per test, the model's failure rate (%)
    assert len(table) == len(builtin_suite().tests) and "tiny" in table.columns
    assert table["tiny"].between(0, 100).all() and (table["cases"] > 0).all()
    links = " ".join(m.value for m in app.markdown if "open in Predict" in m.value)
    assert "predict?predict_text=" in links and "predict_models=tiny" in links

    # A custom test written in the form: saved into the suite, with a preview of its cases.
    app.selectbox(key="edit_pick").set_value("(a new test)").run()
    key = "edit-(a new test)"
    app.text_input(key=f"{key}-name").set_value("Double negation")
    app.text_area(key=f"{key}-templates").set_value("It was not {adj} at all.")
    app.text_input(key=f"{key}-expect").set_value("positive")
    app.text_area(key=f"{key}-words").set_value("adj: bad, awful, boring")
    app.button(key="FormSubmitter:edit_form_edit-(a new test)-Save the test").click().run()
    assert not app.exception and not errors(app)
    assert any("Saved 'Double negation': 3 cases" in s.value for s in app.success)
    suite = app.session_state["test_suite"]
    assert suite["tests"][-1]["name"] == "Double negation" and suite["tests"][-1]["lexicons"] == {"adj": ["bad", "awful", "boring"]}
    app.button(key="test_run").click().run()
    table = app.dataframe[0].value
    assert "Double negation" in list(table["test"])

    # A broken test is a message, not a traceback, and the suite keeps its tests.
    app.text_area(key="edit-Double negation-templates").set_value("It was {nothing_here}.")
    app.button(key="FormSubmitter:edit_form_edit-Double negation-Save the test").click().run()
    assert any("no word list named 'nothing_here'" in e for e in errors(app))
    assert len(app.session_state["test_suite"]["tests"]) == len(builtin_suite().tests) + 1
    # The download holds the suite as JSON that loads back.
    saved = [d for d in app.get("download_button") if "suite" in d.proto.label]
    assert saved, "no suite download button"
    assert json.loads(json.dumps(suite))["tests"]


def test_train_page_offers_one_hot_words_for_kims_cnn(monkeypatch, tmp_path):
    """multicnn starts on one-hot words (no embedding size to set); vectors give the size back; the
    seed's preset is Kim's vectors; glove-tuned offers it too (its one-hot table starts from GloVe), with
    GloVe's 50 numbers either way; glove-static, which reads GloVe's frozen vectors, has no such choice."""
    monkeypatch.setenv("SENTIMENT_DATA_DIR", str(tmp_path))
    app = open_app().switch_page("pages/train.py").run()
    app.selectbox(key="train_variant").set_value("multicnn").run()

    def widget(kind, prefix):
        return next(w for w in getattr(app, kind) if w.key and w.key.startswith(prefix))

    words = widget("radio", "train_words-multicnn-Tuned defaults")
    assert words.value == "one-hot" and widget("number_input", "train_emb-multicnn-Tuned defaults").disabled
    words.set_value("vectors").run()
    assert not widget("number_input", "train_emb-multicnn-Tuned defaults").disabled
    assert not app.exception and not errors(app)
    app.radio(key="train_preset").set_value("The seed's settings").run()
    assert widget("radio", "train_words-multicnn-The seed").value == "vectors"
    # glove-tuned starts its one-hot table from GloVe; either way it reads GloVe's 50 numbers a word
    app.radio(key="train_preset").set_value("Tuned defaults").run()
    app.selectbox(key="train_variant").set_value("glove-tuned").run()
    assert widget("radio", "train_words-glove-tuned").value == "one-hot"
    widget("radio", "train_words-glove-tuned").set_value("vectors").run()
    assert widget("number_input", "train_emb-glove-tuned").disabled and not app.exception
    app.selectbox(key="train_variant").set_value("glove-static").run()
    assert not any(w.key and w.key.startswith("train_words-") for w in app.radio)
