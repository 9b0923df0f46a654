from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT


def test_home_page_reports_data_glove_and_models(real_data_dir, monkeypatch):
    monkeypatch.setenv("SENTIMENT_DATA_DIR", str(real_data_dir))
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert not app.exception
    messages = " ".join(e.value for e in [*app.success, *app.warning, *app.info])
    assert "IMDB found" in messages and "GloVe" in messages
    assert "CPU" in messages or "GPU" in messages
    assert "No models yet" in " ".join(m.value for m in app.markdown)


def test_home_page_without_data_says_how_to_fix_it(tmp_path, monkeypatch):
    monkeypatch.setenv("SENTIMENT_DATA_DIR", str(tmp_path))
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert not app.exception
    assert any("No IMDB copy" in w.value and "SENTIMENT_DATA_DIR" in w.value for w in app.warning)
