"""Sentiment Lab: the router over pages/ (the home page is pages/home.py).

    streamlit run app.py
"""

# Dask's worker processes start (multiprocessing's "spawn") by running the main script of the process
# that started them, as "__mp_main__": in the Streamlit server that is this file. Without this guard
# every worker imported Streamlit and the pages and ran the home page in bare mode when it started
# (and again after a restart), printing Streamlit's warnings into the server's log.
if __name__ != "__mp_main__":
    import streamlit as st

    from pages import ui

    st.set_page_config(page_title="Sentiment Lab", page_icon="🎬", layout="wide")
    pages = [
        st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
        st.Page("pages/train.py", title="Train", icon=":material/model_training:"),
        st.Page("pages/predict.py", title="Predict", icon=":material/chat:"),
        st.Page("pages/test.py", title="Test", icon=":material/fact_check:"),
        st.Page("pages/embeddings.py", title="Embeddings", icon=":material/scatter_plot:"),
        st.Page("pages/lesson.py", title="How text becomes numbers", icon=":material/pin:"),
        st.Page("pages/models.py", title="Models", icon=":material/inventory_2:"),
    ]
    ui.mark_routed()
    page = st.navigation(pages)
    ui.follow_wanted_page()
    page.run()
