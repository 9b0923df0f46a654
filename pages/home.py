"""Home: what the lab has (data, GloVe, device, saved models) and one button to a first model."""

from __future__ import annotations

import streamlit as st

from pages import ui, views
from sentiment_core import paths
from sentiment_core.config import default_configs
from sentiment_core.estimates import estimate
from sentiment_core.jobqueue import DataSpec
from sentiment_core.manage import free_model_name
from sentiment_core.status import lab_status

QUICK_NAME = "quick-fasttext"

ui.setup_page("home")
st.title("Sentiment Lab")
st.write(
    "Train small embedding and CNN sentiment models on real movie reviews, type sentences and watch "
    "several models judge them live, and compare the word embeddings they learn with GloVe."
)
models, unreadable = ui.scan()
status = lab_status(models=models, unreadable=unreadable)
left, middle, right = st.columns(3)
with left:
    st.subheader("Data")
    (st.success if status["imdb"]["found"] else st.warning)(status["imdb"]["message"])
with middle:
    st.subheader("GloVe")
    (st.success if status["glove"]["found"] else st.warning)(status["glove"]["message"])
with right:
    st.subheader("Device")
    # Filled last: the first check imports Keras (seconds); the rest of the page comes first.
    device_box = st.empty()

st.subheader("Saved models")
if status["models"]:
    views.dataframe([{**m, "test_accuracy": views.percent(m["test_accuracy"])} for m in status["models"]])
else:
    st.markdown("No models yet. The quickest way to a first one:")
if status["unreadable"]:
    names = ", ".join(u["name"] for u in status["unreadable"][:5])
    st.warning(f"{len(status['unreadable'])} model folder(s) cannot be used ({names}): the Models page says why.")
me = ui.who()
queue = ui.queue()
mine = queue.latest_of(me.owner)
waiting = mine is not None and mine.waiting
label = "Train a first model: fastText on 2,000 IMDB reviews (about 30 s)"
if st.button(label, type="primary", disabled=waiting or not status["imdb"]["found"], key="quick_train"):
    # 200,000 n-gram buckets instead of 2 million: 2,000 reviews have far fewer pairs and
    # triples, and the saved model is 10 MB instead of 80.
    model_config, train_config = default_configs("fasttext", bigram_buckets=200_000)
    name = free_model_name(ui.store(), queue, QUICK_NAME)
    sizes = (1800, 200, 1000)
    plan = estimate(model_config, train_config, *sizes)
    data = DataSpec("imdb", "IMDB 2,000 train / 1,000 test", data_dir=str(paths.data_dir()), train_size=2000,
                    test_size=1000, sizes=sizes)
    try:
        ui.engine().submit(ui.models_dir(), me, name, model_config, train_config, data,
                           plan.to_dict())
    except ValueError as error:
        st.error(str(error))
    else:
        st.switch_page("pages/train.py")
if waiting:
    st.info("Your job is waiting in the queue: follow it on the Train page.")

st.subheader("What you can do here")
cols = st.columns(5)
links = [
    ("pages/train.py", "Train", ":material/model_training:", "Models on IMDB or your own CSV, with live curves."),
    ("pages/predict.py", "Predict", ":material/chat:", "Type a sentence; every model answers as you type."),
    ("pages/test.py", "Test", ":material/fact_check:", "Where models fail: negation, contrast, typos, sarcasm."),
    ("pages/embeddings.py", "Embeddings", ":material/scatter_plot:", "t-SNE maps of learned vectors beside GloVe."),
    ("pages/lesson.py", "How text becomes numbers", ":material/pin:", "Tokens, ids, one-hot, hashing, embeddings."),
]
for column, (page, label, icon, caption) in zip(cols, links):
    column.page_link(page, label=f"**{label}**", icon=icon)
    column.caption(caption)
device_box.info(ui.device_text())
