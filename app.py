"""Sentiment Lab: the home page. The training, playground and embedding pages come next."""

import streamlit as st

from sentiment_core.status import lab_status

st.set_page_config(page_title="Sentiment Lab", page_icon="🎬", layout="wide")


@st.cache_resource(show_spinner="Checking the device ...")
def device_text() -> str:
    # Importing the Keras backend takes seconds: once per server, not per rerun.
    from sentiment_core.runtime import describe_device

    return describe_device()


st.title("Sentiment Lab")
st.write(
    "Train small embedding and CNN sentiment models on real movie reviews, type sentences "
    "and watch them judged, and compare learned word embeddings with GloVe."
)

status = lab_status()
left, middle, right = st.columns(3)
with left:
    st.subheader("Data")
    (st.success if status["imdb"]["found"] else st.warning)(status["imdb"]["message"])
with middle:
    st.subheader("GloVe")
    (st.success if status["glove"]["found"] else st.warning)(status["glove"]["message"])
with right:
    st.subheader("Device")
    st.info(device_text())

st.subheader("Saved models")
if status["models"]:
    st.dataframe(status["models"], hide_index=True)
else:
    st.write("No models yet. Train one from a terminal: `python -m sentiment_core train --model multicnn --epochs 3`.")
