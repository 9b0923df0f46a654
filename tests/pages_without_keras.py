"""Runs every page through AppTest in a fresh process, then prints the Keras/TensorFlow modules it imported.

Used by tests/test_no_keras_in_server.py: a test process of its own, because pytest's process
imports Keras for other tests. The model the pages use is trained through the engine (on a worker).
"""

import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    sys.path.insert(0, str(ROOT))
    models = tempfile.mkdtemp()
    os.environ["SENTIMENT_MODELS_DIR"] = models
    from streamlit.testing.v1 import AppTest

    from sentiment_core.access import Who
    from sentiment_core.config import ModelConfig, TrainConfig
    from sentiment_core.engine import get_engine
    from sentiment_core.jobdata import save_splits
    from sentiment_core.jobqueue import DataSpec
    from tests.conftest import make_dataset

    engine = get_engine().start()
    splits = (make_dataset(200, seed=1), make_dataset(60, seed=2), make_dataset(60, seed=3))
    job = engine.submit(models, Who("owner0001"), "tiny", ModelConfig(variant="cnn", vocab_size=60, seq_len=24, filters=8),
                        TrainConfig(epochs=1, batch_size=16), DataSpec("file", "synthetic", path=save_splits(models, splits)))
    ended = engine.wait_for(models, job.id, 300)
    assert ended.state == "done", ended.message

    problems = []
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300).run()
    problems += [f"home: {e.value}" for e in app.exception]
    for page in ("pages/train.py", "pages/predict.py", "pages/test.py", "pages/embeddings.py", "pages/lesson.py",
                 "pages/models.py"):
        app.switch_page(page).run()
        if page.endswith("predict.py"):
            app.text_input(key="predict_text").set_value("a wonderful film").run()
            problems += [] if any("card-model'>tiny<" in h.value for h in app.get("html")) else ["predict: no card for the model"]
        if page.endswith("test.py"):
            app.button(key="test_run").click().run()
            problems += [] if app.dataframe else ["test: no results table"]
        if page.endswith("lesson.py"):
            app.selectbox(key="lesson_source").set_value("tiny").run()
        if page.endswith("embeddings.py"):
            app.selectbox(key="emb_model").set_value("tiny")
            app.select_slider(key="emb_n").set_value(100)
            app.radio(key="emb_method").set_value("pca").run()
        problems += [f"{page}: {e.value}" for e in [*app.exception, *app.error]]
    loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("keras", "tensorflow", "tf_keras", "jax"))
    print(json.dumps({"problems": problems, "loaded": loaded[:20]}))
    engine.close()


if __name__ == "__main__":
    main()
