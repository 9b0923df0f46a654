"""Predict page: explanations on one scale, methods to pick, the TF-IDF baseline beside the
networks, and a labelled batch file scored; the baseline trained from the Train page."""

import re

from tests.test_app import cards, errors, open_app, save_tiny_model, wait_for_job

LABELLED = (b"id,review,sentiment\n"
            b"17,a superb film and a wonderful story,pos\n"
            b"18,an awful boring plot,neg\n"
            b"19,,pos\n"
            b"20,great great brilliant,positive\n"
            b"21,the worst and dull,meh\n")


def save_baseline(name="baseline"):
    from sentiment_core.config import default_configs
    from sentiment_core.store import ModelStore
    from sentiment_core.training import train
    from tests.conftest import make_dataset

    model_config, train_config = default_configs("tfidf-logreg")
    ModelStore().save(name, train(make_dataset(200, 1), make_dataset(40, 2), None, model_config, train_config))


def scale_and_weights(html: str) -> tuple[float, list[float]]:
    weights = [float(w) for w in re.findall(r"title='([+-]\d+\.\d+) log-odds of positive", html)]
    legend = [float(v) for v in re.findall(r"class='swatch'[^>]*>([+-]\d+\.\d+)</span>", html)]
    return max(legend), weights


def test_predict_page_explains_on_one_scale_and_scores_a_labelled_file(monkeypatch, tmp_path):
    monkeypatch.setenv("SENTIMENT_DATA_DIR", str(tmp_path))
    save_tiny_model("tiny")
    save_baseline("baseline")
    app = open_app().switch_page("pages/predict.py").run()
    app.multiselect(key="predict_models").set_value(["tiny", "baseline"]).run()
    app.text_input(key="predict_text").set_value("a superb film but an awful plot").run()
    html = cards(app)
    assert not app.exception and not errors(app)
    assert html.count("log-odds of positive:") == 2  # each card's own margin
    scale, weights = scale_and_weights(" ".join(h.value for h in app.get("html")))
    # One scale for both cards: the legend's end is the largest word weight of either (or the floor).
    assert len(weights) == 14 and abs(scale - max(0.5, max(abs(w) for w in weights))) < 0.006

    app.radio(key="predict_method").set_value("exact").run()
    html = cards(app)
    assert not app.exception and "Strongest n-grams" in html  # the CNN's 5-gram spans, the baseline's pairs
    app.radio(key="predict_method").set_value("integrated-gradients").run()
    assert "no word vectors to take gradients of" in cards(app)  # the baseline says what it shows instead

    # A labelled file: every column kept, the text and label columns guessed, each model scored.
    app.file_uploader(key="batch_upload").set_value(("reviews.csv", LABELLED, "text/csv")).run()
    assert app.selectbox(key=next(k for k in keys(app) if k.startswith("batch_text_column"))).value == "review"
    assert app.selectbox(key=next(k for k in keys(app) if k.startswith("batch_label_column"))).value == "sentiment"
    app.number_input(key="batch_top_words").set_value(2)
    app.button(key="batch_go").click().run()
    assert not app.exception and not errors(app)
    table = app.dataframe[0].value
    assert list(table["id"]) == ["17", "18", "19", "20", "21"] and "baseline: top words" in table.columns
    assert table["tiny: label"].isna().tolist() == [False, False, True, False, False]  # no text, no prediction
    assert re.fullmatch(r"\w+ [+-]\d\.\d\d, \w+ [+-]\d\.\d\d", table["baseline: top words"][0])
    accuracies = {m.label: m.value for m in app.metric}
    assert accuracies["Accuracy"].endswith("%")
    assert len([m for m in app.metric if m.label == "Accuracy"]) == 2
    assert any("'meh'" in c.value and "left out" in c.value for c in app.caption)


def keys(app) -> list[str]:
    return [w.key for w in app.selectbox if w.key]


def test_the_baseline_trains_from_the_train_page(real_data_dir, monkeypatch, engine):
    from sentiment_core.store import ModelStore

    monkeypatch.setenv("SENTIMENT_DATA_DIR", str(real_data_dir))
    app = open_app().switch_page("pages/train.py").run()
    app.select_slider(key="train_n").set_value(500)
    app.select_slider(key="train_test_n").set_value(200)
    app.selectbox(key="train_variant").set_value("tfidf-logreg").run()
    assert not app.exception and app.number_input(key="train_vocab-tfidf-logreg-Tuned defaults").value == 500_000
    k = "tfidf-logreg-Tuned defaults"
    assert app.select_slider(key=f"train_flip-{k}").disabled  # the flip prior needs marking
    app.checkbox(key=f"train_neg-{k}").check().run()
    app.select_slider(key=f"train_flip-{k}").set_value(1.0)
    app.text_input(key="train_name-tfidf-logreg").set_value("line-to-beat")
    app.button(key="train_start").click().run()
    assert not errors(app) and not app.exception
    job = wait_for_job(app)
    assert job.state == "done", job.message
    info = ModelStore().info("line-to-beat")
    assert info.variant == "tfidf-logreg" and info.test_accuracy > 0.6
    assert info.config.negation and info.config.negation_flip == 1.0
    app.switch_page("pages/models.py").run()
    shown = " ".join(d.value.to_string() for d in app.dataframe)
    assert not app.exception and "line-to-beat" in shown and "NOT_-marked (flip 1)" in shown


def test_nb_ngrams_offers_the_flip_prior_once_negation_is_marked():
    app = open_app().switch_page("pages/train.py").run()
    app.selectbox(key="train_variant").set_value("nb-ngrams").run()
    k = "nb-ngrams-Tuned defaults"
    assert not app.exception and app.select_slider(key=f"train_flip-{k}").disabled
    app.checkbox(key=f"train_neg-{k}").check().run()
    assert not app.select_slider(key=f"train_flip-{k}").disabled
    app.select_slider(key=f"train_flip-{k}").set_value(2.0).run()
    assert not app.exception and not errors(app) and app.select_slider(key=f"train_flip-{k}").value == 2.0


def test_predict_page_shows_counterfactuals_and_the_filters_that_fired(real_data_dir, monkeypatch, engine):
    monkeypatch.setenv("SENTIMENT_DATA_DIR", str(real_data_dir))
    save_tiny_model("tiny")  # a cnn with max-over-time pooling: it has filters to show
    save_baseline("baseline")
    app = open_app().switch_page("pages/predict.py").run()
    app.multiselect(key="predict_models").set_value(["tiny", "baseline"]).run()
    app.text_input(key="predict_text").set_value("the acting was good but the plot is awful").run()
    app.toggle(key="predict_whatif").set_value(True).run()
    assert not app.exception and not errors(app)
    edits = app.dataframe[0].value
    assert {"flips", "edit", "kind", "tiny", "tiny Δ", "baseline", "baseline Δ", "text"} <= set(edits.columns)
    assert {"negate", "antonym", "drop"} <= set(edits["kind"])
    assert "the acting was not good but the plot is awful" in set(edits["text"])
    flipped = [f for f in edits["flips"] if f]
    assert list(edits["flips"][: len(flipped)]) == flipped  # the edits that flip a model come first
    assert any("edits of" in c.value for c in app.caption)

    app.toggle(key="predict_filters").set_value(True).run()
    assert not app.exception and not errors(app)
    fired = next(d.value for d in app.dataframe if "fired on" in d.value.columns)
    assert len(fired) >= 1 and {"filter", "fired on", "activation", "term", "also detects"} <= set(fired.columns)
    assert all(str(n) in "the acting was good but the plot is awful" for n in fired["fired on"])
    assert fired["also detects"].str.len().gt(0).all()  # from 2,000 IMDB test reviews

    app.switch_page("pages/models.py").run()
    app.selectbox(key="models_detail").set_value("tiny").run()
    app.toggle(key="models_filters").set_value(True).run()
    assert not app.exception and not errors(app)
    table = next(d.value for d in app.dataframe if "towards positive" in d.value.columns)
    assert len(table) == 8 and {"weight → negative", "weight → positive"} <= set(table.columns)  # 8 filters
    assert list(table["towards positive"].abs()) == sorted(table["towards positive"].abs(), reverse=True)
